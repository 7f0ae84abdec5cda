"""How exceptions become the error codes clients see (schema/errors.py)."""

from typing import Any, cast

from graphql.error import GraphQLError

from graph_api.errors import BadInput, Forbidden, StoreUnavailable
from schema.errors import classify


def extensions(error: GraphQLError) -> dict[str, Any]:
    """The extensions of a classified error: classify always sets them (they carry the code)."""
    return cast("dict[str, Any]", error.extensions)


def located(original: Exception | None, message: str = "boom") -> GraphQLError:
    return GraphQLError(message, path=["trust"], original_error=original)


def test_each_failure_gets_its_code_and_internals_are_masked():
    assert extensions(classify(located(Forbidden("no")), "r1"))["code"] == "FORBIDDEN"
    bad = classify(located(BadInput("buyerId", "must be a non-empty id")), "r1")
    assert (extensions(bad)["code"], bad.message) == (
        "BAD_USER_INPUT",
        "buyerId: must be a non-empty id",
    )
    down = classify(located(StoreUnavailable("bolt://x:7687", "refused: secret detail")), "r1")
    assert extensions(down)["code"] == "SERVICE_UNAVAILABLE" and "secret" not in down.message
    internal = classify(located(KeyError("password=hunter2")), "req-42")
    assert extensions(internal)["code"] == "INTERNAL_SERVER_ERROR"
    assert (
        internal.message == "internal server error (request id req-42)"
        and internal.original_error is None
    )
    assert internal.path == ["trust"]


def test_validation_and_limit_errors():
    assert (
        extensions(classify(GraphQLError("Cannot query field 'nope' on type 'Query'."), None))[
            "code"
        ]
        == "BAD_USER_INPUT"
    )
    assert (
        extensions(classify(GraphQLError("40 aliases found. Allowed: 30"), None))["code"]
        == "QUERY_TOO_COMPLEX"
    )
    assert (
        extensions(classify(GraphQLError("'q' exceeds maximum operation depth of 12"), None))[
            "code"
        ]
        == "QUERY_TOO_COMPLEX"
    )
    kept = GraphQLError("x", extensions={"code": "FORBIDDEN"})
    assert classify(kept, None) is kept
