"""Checks that refuse an operation before its variables are decoded into Python objects.

graphql-core coerces every variable (a 30 MB list of events becomes 30 MB of input objects)
before the first resolver runs, and a resolver is where roles and list sizes used to be checked.
:class:`EarlyGuards` runs after validation and before that coercion, on the parsed document and
the raw JSON variables, and refuses the whole operation (``data`` null) when:

- it selects a root field the caller's role may not use (``schema.permissions.ROOT_ROLES``:
  UNAUTHENTICATED without a key, FORBIDDEN with the wrong one), the resolvers' own check, earlier;
- a list argument of ``trustBatch``, ``badges`` or ``recordEvents`` is longer than its limit
  (BAD_USER_INPUT, the facade's own check and message, by count alone);
- it introspects the schema (``__schema``, ``__type``) and TRUSTGRAPH_INTROSPECTION does not allow
  the caller to (``keys``, the default: callers with a key; ``public``: anyone; ``off``: nobody).

A field skipped by ``@skip``/``@include`` is checked all the same: the operation is refused for
what it names, whatever its variables say.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from graphql import ExecutionResult, GraphQLError
from graphql.language import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    ListValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValueNode,
    VariableNode,
)
from strawberry.extensions import SchemaExtension

from graph_api.auth import Role
from graph_api.errors import Forbidden, TrustgraphError, Unauthenticated
from graph_api.usecases import Trustgraph
from schema.limits import INTROSPECTION_ROOTS
from schema.permissions import ROOT_ROLES, refusal

_ROOT_TYPES = {
    OperationType.QUERY: "Query",
    OperationType.MUTATION: "Mutation",
    OperationType.SUBSCRIPTION: "Subscription",
}

# Root fields whose list arguments have a size limit: their arguments (GraphQL names), counted
# together, and the facade's check of that count.
LIST_LIMITS: dict[str, tuple[tuple[str, ...], Callable[[Trustgraph, int], None]]] = {
    "Query.trustBatch": (("hostIds", "shopIds"), Trustgraph.check_batch_targets),
    "Query.badges": (("shopIds", "hostIds"), Trustgraph.check_badge_ids),
    "Mutation.recordEvents": (("events",), Trustgraph.check_event_count),
}


def root_fields(
    selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode]
) -> Iterator[FieldNode]:
    """The fields of an operation's root selection set, through its fragments (each once)."""
    seen: set[str] = set()
    pending = [selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in seen and name in fragments:
                    seen.add(name)
                    pending.append(fragments[name].selection_set)


def list_length(value: ValueNode, variables: dict[str, Any]) -> int:
    """How many items an argument holds, from its literal or its raw variable (a single value
    is a list of one, null or absent none)."""
    if isinstance(value, ListValueNode):
        return len(value.values)
    if isinstance(value, VariableNode):
        raw = variables.get(value.name.value)
        if raw is None:
            return 0
        return len(raw) if isinstance(raw, list) else 1
    return 1


def introspection_refusal(mode: str, role: Role) -> TrustgraphError | None:
    if mode == "public" or (mode == "keys" and role is not Role.PUBLIC):
        return None
    if mode == "keys":
        return Unauthenticated("introspection needs an API key (TRUSTGRAPH_INTROSPECTION=keys)")
    return Forbidden("introspection is disabled on this service (TRUSTGRAPH_INTROSPECTION=off)")


def operation_refusals(
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
    role: Role,
    trustgraph: Trustgraph,
    introspection: str,
) -> list[GraphQLError]:
    """Why ``operation`` is refused before its variables are coerced (empty: it is not)."""
    type_name = _ROOT_TYPES[operation.operation]
    errors: list[GraphQLError] = []
    for node in root_fields(operation.selection_set, fragments):
        name = node.name.value
        key = f"{type_name}.{name}"
        error: TrustgraphError | None = None
        if name in INTROSPECTION_ROOTS:
            error = introspection_refusal(introspection, role)
        elif key in ROOT_ROLES:
            error = refusal(role, name, ROOT_ROLES[key])
        if error is None and key in LIST_LIMITS:
            names, check = LIST_LIMITS[key]
            count = sum(
                list_length(a.value, variables)
                for a in node.arguments or ()
                if a.name.value in names
            )
            try:
                check(trustgraph, count)
            except TrustgraphError as exc:
                error = exc
        if error is not None:
            response_key = node.alias.value if node.alias else name
            errors.append(
                GraphQLError(
                    str(error),
                    [node],
                    path=[response_key],
                    original_error=error,
                    extensions=error.extensions,
                )
            )
    return errors


class EarlyGuards(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        ec = self.execution_context
        document = ec.graphql_document
        context = ec.context
        if document is not None and ec.result is None and hasattr(context, "caller"):
            fragments = {
                d.name.value: d
                for d in document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            chosen = [
                op
                for op in operations
                if ec.operation_name is None
                or (op.name is not None and op.name.value == ec.operation_name)
            ]
            if len(chosen) == 1:  # otherwise graphql-core says which operation is missing
                errors = operation_refusals(
                    chosen[0],
                    fragments,
                    ec.variables or {},
                    context.role,
                    context.trustgraph,
                    context.settings.limits.introspection,
                )
                if errors:
                    ec.result = ExecutionResult(data=None, errors=errors)
        yield
