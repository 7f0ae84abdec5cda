"""What more than one area of ``schema.types`` uses: ``to_datetime`` (the graph's epoch
milliseconds as a DateTime) and ``Reason``, a rule that fired, which trust relations, badges and
boosts all report."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, overload

import strawberry


@overload
def to_datetime(ms: int) -> datetime: ...
@overload
def to_datetime(ms: None) -> None: ...
@overload
def to_datetime(ms: int | None) -> datetime | None: ...


def to_datetime(ms: int | None) -> datetime | None:
    """Epoch milliseconds (the graph's time unit) as an aware datetime in UTC."""
    return None if ms is None else datetime.fromtimestamp(ms / 1000, tz=UTC)


@strawberry.type(
    description="A rule that fired: a stable code to match on and a sentence for people."
)
class Reason:
    code: str
    message: str


def reasons(items: Any) -> list[Reason]:
    out = []
    for r in items or ():
        if isinstance(r, dict):
            out.append(Reason(code=r["code"], message=r["message"]))
        elif isinstance(r, tuple):
            out.append(Reason(code=r[0], message=r[1]))
        else:
            out.append(Reason(code=r.code, message=r.message))
    return out
