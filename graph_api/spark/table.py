"""The event log as a table: one row per event, one column per field of any event type.

The JSONL format is one JSON object per event with the fields of its type; a table (Parquet, a
Spark DataFrame) needs one schema for all of them. :data:`FIELDS` is that schema: the envelope
(``eventId``, ``type``, ``at``) and the union of the fields of :data:`graph_api.events.EVENT_TYPES`,
each null where the event's type has no such field. ``at`` is a UTC timestamp in milliseconds in
Parquet (what a researcher's pandas or Spark reads as a time) and epoch milliseconds in the
Spark job (the graph's unit).

:func:`raw_event` turns a row back into the JSONL event it stands for, which then goes through
the one validator (:func:`graph_api.events.validate_event`) like a line of a file: a Parquet file
written by anyone is checked exactly as an import would check it.

Pure Python; pyarrow and pyspark are imported by the modules that need them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from graph_api.events import EVENT_TYPES

# (column, type) in table order. Types: "string", "long", "double", "boolean", "strings" (a list
# of strings), "time" (the envelope's at).
ENVELOPE: tuple[tuple[str, str], ...] = (("eventId", "string"), ("type", "string"), ("at", "time"))
FIELDS: tuple[tuple[str, str], ...] = ENVELOPE + (
    ("buyerId", "string"),
    ("hostId", "string"),
    ("shopId", "string"),
    ("orderId", "string"),
    ("reportId", "string"),
    ("amount", "double"),
    ("itemId", "string"),
    ("category", "string"),
    ("name", "string"),
    ("rights", "strings"),
    ("reason", "string"),
    ("returned", "boolean"),
    ("rating", "long"),
    ("minutes", "double"),
    ("tier", "long"),
    ("severity", "long"),
    ("code", "string"),
    ("kind", "string"),
    ("passed", "boolean"),
    ("ruling", "string"),
)
COLUMNS = tuple(name for name, _ in FIELDS)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Every field of every event type has a column (checked at import: a new field needs one here).
_MISSING = {f for required, optional in EVENT_TYPES.values() for f in (*required, *optional)} - set(
    COLUMNS
)
assert not _MISSING, f"event fields without a column in graph_api/spark/table.py: {_MISSING}"


def iso_at(ms: int) -> str:
    """Epoch milliseconds as the ISO-8601 time of the JSONL format (exact to the millisecond)."""
    return (_EPOCH + timedelta(milliseconds=ms)).isoformat(timespec="milliseconds")


def raw_event(row: dict[str, Any]) -> dict[str, Any]:
    """The JSONL event a row stands for (``at`` in epoch ms): the envelope and the fields of its
    type that are not null. A row of an unknown type keeps its envelope only, and the validator
    then rejects it with UNKNOWN_TYPE; a non-null column its type does not have is kept, so the
    validator rejects it with UNKNOWN_FIELD rather than dropping data silently."""
    kind = row.get("type")
    at = row.get("at")
    raw: dict[str, Any] = {
        "eventId": row.get("eventId"),
        "type": kind,
        "at": iso_at(at) if isinstance(at, int) else at,
    }
    for name in COLUMNS[len(ENVELOPE) :]:
        value = row.get(name)
        if value is not None:
            raw[name] = list(value) if name == "rights" else value
    return raw
