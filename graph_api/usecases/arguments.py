"""Argument checks shared by every way in (GraphQL resolvers, CLI commands): each returns the
normalised value or raises :class:`BadInput` naming the argument as GraphQL spells it
(``hostIds[3]``, ``horizonDays``); the CLI turns the names into its flags (``--horizon-days``).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Sequence
from datetime import datetime

from graph_api import events
from graph_api.errors import BadInput, InvalidField
from graph_api.research.export import KINDS as CENTER_KINDS
from scoring.pair_trust import HOST, SHOP


def check_id(value: str, argument: str) -> str:
    """Ids follow the event format's rule (letters, digits and ``_.:@/-``, at most 128, starting
    with a letter or digit): anything else can never name something in the graph, so it is
    malformed input (empty, absurdly long, control characters...), not an unknown id."""
    try:
        return events.check_id(argument, value)
    except InvalidField as exc:
        raise BadInput(argument, exc.message.removeprefix(f"{argument} ").strip()) from None


def check_ids(values: Iterable[str] | None, argument: str) -> list[str]:
    return [check_id(str(v), f"{argument}[{i}]") for i, v in enumerate(values or [])]


def one_target(host_id: str | None, shop_id: str | None) -> tuple[str, str]:
    """(kind, id) of exactly one of a host or a shop."""
    if (host_id is None) == (shop_id is None):
        raise BadInput("hostId/shopId", "give exactly one of hostId or shopId")
    if host_id is not None:
        return HOST, check_id(host_id, "hostId")
    assert shop_id is not None
    return SHOP, check_id(shop_id, "shopId")


def at_most(count: int, limit: int, argument: str, noun: str) -> None:
    if count > limit:
        raise BadInput(argument, f"{count} {noun}; at most {limit} per call")


def between(value: int | float, lo: int | float, hi: int | float, argument: str) -> None:
    if not lo <= value <= hi:
        raise BadInput(argument, f"must be between {lo} and {hi} (got {value})")


def epoch_ms(value: datetime | None, argument: str) -> int | None:
    """A timezone-aware datetime as epoch milliseconds (the graph's time unit)."""
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise BadInput(argument, "needs an offset (for example 2021-10-01T00:00:00+08:00 or ...Z)")
    return int(value.timestamp() * 1000)


def window(since: int | None, until: int | None) -> None:
    """A time window within the range events may have (2000..2100), ``until`` not before
    ``since``: checked before any query (a bound in the year 66 made a funnel run 79 s)."""
    for value, argument in ((since, "since"), (until, "until")):
        if value is not None and not events.EARLIEST_MS <= value < events.LATEST_MS:
            raise BadInput(
                argument, "is out of range: must be within 2000-01-01..2100-01-01, as events are"
            )
    if since is not None and until is not None and until < since:
        raise BadInput("until", "must not be before {0}", mentions=("since",))


def category(value: str | None) -> str | None:
    """Categories are compared case-insensitively, as the event format stores them."""
    if value is None:
        return None
    value = value.strip().lower()
    if not 1 <= len(value) <= 100:
        raise BadInput("category", "must be 1 to 100 characters")
    return value


def center(value: str) -> str:
    """A neighbourhood's centre: ``BUYER:<id>``, ``HOST:<id>`` or ``SHOP:<id>``."""
    kind, _, ident = value.partition(":")
    if kind not in CENTER_KINDS:
        raise BadInput("center", "must be BUYER:<id>, HOST:<id> or SHOP:<id>")
    check_id(ident, "center")
    return value


def anchors(values: Sequence[str] | None) -> list[str] | None:
    """Pre-trusted targets of propagation, ``HOST:<id>`` or ``SHOP:<id>``."""
    if values is None:
        return None
    if not 1 <= len(values) <= 1000:
        raise BadInput("pretrusted", "must name 1 to 1,000 hosts or shops")
    out = []
    for i, value in enumerate(values):
        kind, _, ident = str(value).partition(":")
        if kind not in (HOST, SHOP):
            raise BadInput(f"pretrusted[{i}]", "must be HOST:<id> or SHOP:<id>")
        out.append(f"{kind}:{check_id(ident, f'pretrusted[{i}]')}")
    return out


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode("utf-8")).decode("ascii")


def decode_cursor(cursor: str | None, argument: str = "after") -> str:
    if cursor is None or cursor == "":
        return ""
    try:
        return base64.b64decode(cursor.encode("ascii"), altchars=b"-_", validate=True).decode(
            "utf-8"
        )
    except (binascii.Error, UnicodeError, ValueError):
        raise BadInput(argument, "is not a cursor this service gave out") from None
