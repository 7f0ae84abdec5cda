"""The one error hierarchy (graph_api/errors.py): codes, exit statuses, messages, and the table in
docs/architecture.md that says them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graph_api import errors
from graph_api.cli.console import flag

DOC = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"


def test_every_error_is_in_the_table_with_its_code_and_exit_status() -> None:
    listed = {cls for cls, _, _, _ in errors.TABLE}
    tree = {
        cls
        for cls in vars(errors).values()
        if isinstance(cls, type)
        and issubclass(cls, errors.TrustgraphError)
        and cls is not errors.TrustgraphError
    }
    # Subclasses share their parent's row (ExportError is a BadInput, StoreAuthFailed a
    # StoreUnavailable...).
    assert all(any(issubclass(cls, row) for row in listed) for cls in tree)
    for cls, code, status, _ in errors.TABLE:
        assert cls.code == code and cls.exit_status == status, cls


def test_the_documented_table_matches_the_code() -> None:
    rows = re.findall(
        r"^\| `(\w+)` \| `(\w+)` \| (\d+) \| (.+?) \|$", DOC.read_text(encoding="utf-8"), re.M
    )
    assert [(name, code, int(status), when) for name, code, status, when in rows] == [
        (cls.__name__, code, status, when) for cls, code, status, when in errors.TABLE
    ]


def test_boundaries_translate_by_the_table() -> None:
    assert errors.client_code(errors.BadInput("first", "too big")) == errors.BAD_USER_INPUT
    assert (
        errors.client_code(errors.StoreAuthFailed("bolt://x", "neo4j", "no"))
        == errors.SERVICE_UNAVAILABLE
    )
    assert errors.client_code(KeyError("secret")) == errors.INTERNAL_SERVER_ERROR
    assert errors.exit_status(errors.ConfigError("X", 1, "a word")) == 1
    assert errors.exit_status(KeyboardInterrupt()) == 130


@pytest.mark.parametrize(
    "exc, shown",
    [
        (errors.BadInput("hostIds[3]", "is empty"), True),
        (errors.ExportError("center", "'x' is not in the graph"), True),
        (errors.NoAnchor("fromBuyer", "'b1' has no stored trust relation"), True),
        (errors.Forbidden("no"), True),
        (errors.StoreUnavailable("bolt://x", "refused"), False),
        (errors.ConfigError("X", 1, "a word"), False),
    ],
)
def test_only_client_errors_carry_their_code_to_clients(
    exc: errors.TrustgraphError, shown: bool
) -> None:
    # graphql-core copies `extensions` of the original error onto what a subscriber receives.
    assert (exc.extensions == {"code": exc.code}) if shown else exc.extensions is None


def test_bad_input_names_the_argument_as_each_boundary_spells_it() -> None:
    exc = errors.BadInput("until", "must not be before {0}", mentions=("since",))
    assert str(exc) == "until: must not be before since"
    assert exc.render(flag, " ") == "--until must not be before --since"
    assert flag("horizonDays") == "--horizon-days" and flag("first") == "--top"
    assert flag("pretrusted[2]") == "--pretrusted (value 3)"
    field = errors.InvalidField("MALFORMED_FIELD", "at", "at must be an ISO-8601 string, got int")
    assert str(field) == field.render(flag, " ") == "at must be an ISO-8601 string, got int"
    assert field.code == errors.BAD_USER_INPUT and field.rejection == "MALFORMED_FIELD"


def test_a_message_quoting_the_clients_braces_is_not_a_template() -> None:
    # Found by schemathesis: an id such as "'{x" reached str.format and became an internal error.
    bad = errors.BadInput("id", 'id "\'{x" has characters outside letters')
    assert str(bad) == 'id: id "\'{x" has characters outside letters'
    mentioned = errors.BadInput("until", "must not be before {0}", mentions=("since",))
    assert mentioned.render(lambda a: f"--{a}") == "--until: must not be before --since"
