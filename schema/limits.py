"""The limits of a GraphQL document, checked after parsing and before graphql-core validates it.

- at most ``max_fragments`` fragment definitions (a chain of 600 fragments made graphql-core's
  validation recurse past Python's limit);
- at most ``max_depth`` nested selections, introspection included: a field with a selection set
  adds one level, as strawberry's ``QueryDepthLimiter`` counted them (the same
  ``TRUSTGRAPH_MAX_DEPTH``), fragments are measured once each (a fragment that spreads another
  twice, forty times over, used to take 2^40 steps), and only ``ofType`` is free, a chain of
  single objects that the standard introspection query nests eight deep;
- introspection nests its lists (types, fields, args...) at most 3 deep, as the standard query
  does (``types { fields { args } }``): each level multiplies the answer by the size of the schema;
- with its fragments spread inline, the document holds at most ``max_tokens`` selections: a
  document without fragments cannot hold more, and fragments must not multiply it (forty
  fragments that each spread the next twice made graphql-core's execution take 2^40 steps).

Every refusal is QUERY_TOO_COMPLEX. :class:`LimitedValidation` runs these checks and then
graphql-core's validation (with the rules the schema adds, such as the alias limit), both cached
per document: it replaces strawberry's ``ValidationCache``, which would validate a refused
document anyway.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence

from graphql import GraphQLError, GraphQLSchema, validate
from graphql.language import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.validation import ASTValidationRule
from strawberry.extensions import SchemaExtension

from graph_api.errors import QUERY_TOO_COMPLEX
from graph_api.settings import Limits

INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})
INTROSPECTION_LISTS = frozenset(
    {"types", "fields", "args", "inputFields", "enumValues", "interfaces", "possibleTypes",
     "directives"}
)  # fmt: skip
MAX_INTROSPECTION_LISTS = 3
FREE_FIELDS = frozenset({"ofType"})  # inside introspection only


def _too_complex(message: str, nodes: Sequence[object] = ()) -> GraphQLError:
    return GraphQLError(message, list(nodes) or None, extensions={"code": QUERY_TOO_COMPLEX})  # type: ignore[arg-type]


# (depth, introspection list nesting, selections once fragments are spread)
_Size = tuple[int, int, int]


class _Measure:
    """The size of selection sets, each fragment measured once (per context)."""

    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.done: dict[tuple[str, bool], _Size] = {}
        self.active: set[tuple[str, bool]] = set()

    def selections(self, node: SelectionSetNode | None, inside: bool) -> _Size:
        depth = lists = count = 0
        for selection in node.selections if node else ():
            if isinstance(selection, FieldNode):
                d, n, c = self.field(selection, inside)
            elif isinstance(selection, FragmentSpreadNode):
                d, n, c = self.fragment(selection.name.value, inside)
            elif isinstance(selection, InlineFragmentNode):
                d, n, c = self.selections(selection.selection_set, inside)
            else:  # pragma: no cover - the parser makes nothing else
                continue
            depth, lists, count = max(depth, d), max(lists, n), count + c
        return depth, lists, count

    def field(self, node: FieldNode, inside: bool) -> _Size:
        if node.selection_set is None:
            return 0, 0, 1
        name = node.name.value
        inside_now = inside or name in INTROSPECTION_ROOTS
        d, n, c = self.selections(node.selection_set, inside_now)
        free = inside_now and name in FREE_FIELDS
        listed = inside_now and name in INTROSPECTION_LISTS
        return d + (0 if free else 1), n + (1 if listed else 0), c + 1

    def fragment(self, name: str, inside: bool) -> _Size:
        key = (name, inside)
        if key in self.done:
            return self.done[key]
        definition = self.fragments.get(name)
        if definition is None or key in self.active:  # unknown or a cycle: validation says so
            return 0, 0, 0
        self.active.add(key)
        try:
            result = self.selections(definition.selection_set, inside)
        finally:
            self.active.discard(key)
        self.done[key] = result
        return result


def document_limits(document: DocumentNode, limits: Limits) -> list[GraphQLError]:
    """The limits ``document`` breaks (empty: none)."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    count = sum(isinstance(d, FragmentDefinitionNode) for d in document.definitions)
    if count > limits.max_fragments:
        return [
            _too_complex(f"{count} fragments found. Allowed: {limits.max_fragments} per document")
        ]
    measure = _Measure(fragments)
    errors = []
    for op in document.definitions:
        if not isinstance(op, OperationDefinitionNode):
            continue
        name = op.name.value if op.name else "anonymous"
        depth, lists, count = measure.selections(op.selection_set, False)
        if count > limits.max_tokens:
            errors.append(
                _too_complex(
                    f"'{name}' holds {count:,} selections once its fragments are spread; "
                    f"at most {limits.max_tokens:,} (TRUSTGRAPH_MAX_TOKENS)",
                    [op],
                )
            )
            continue
        if depth > limits.max_depth:
            errors.append(
                _too_complex(
                    f"'{name}' exceeds maximum operation depth of {limits.max_depth}", [op]
                )
            )
        if lists > MAX_INTROSPECTION_LISTS:
            errors.append(
                _too_complex(
                    f"'{name}' nests introspection lists (types, fields, args...) {lists} deep; "
                    f"at most {MAX_INTROSPECTION_LISTS}",
                    [op],
                )
            )
    return errors


@functools.lru_cache(maxsize=256)
def _checked(
    schema: GraphQLSchema,
    document: DocumentNode,
    rules: tuple[type[ASTValidationRule], ...],
    limits: Limits,
) -> list[GraphQLError]:
    return document_limits(document, limits) or validate(schema, document, rules)


def limited_validation(limits: Limits) -> type[SchemaExtension]:
    """The extension class that checks :func:`document_limits`, then validates."""

    class LimitedValidation(SchemaExtension):
        def on_validate(self) -> Iterator[None]:
            ec = self.execution_context
            assert ec.graphql_document is not None
            # The returned list is a copy: the error formatter rewrites errors in place.
            ec.pre_execution_errors = list(
                _checked(ec.schema._schema, ec.graphql_document, tuple(ec.validation_rules), limits)
            )
            yield

    return LimitedValidation
