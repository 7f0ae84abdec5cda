"""The bulk path's graph: what the transactional import writes, computed in memory and written as
CSV files for ``neo4j-admin database import full`` (:mod:`graph_api.ingest.bulk_load` runs it).

This module is the one place where the bulk path maps events to nodes and relationships. It
replays the transactional import batch by batch: the same batches (``batch_size`` valid events,
the clock rule, :func:`plan_batch` with the checks the graph would answer, so duplicates and
rejections are decided exactly as there), then each planned write (``cypher/ingest/<name>``)
applied by the function of the same name in :data:`_APPLY`, which does in Python what that query
does in Cypher, row by row in the same order. Everything a batch creates and never changes
again (events, reviews, per-event relationships) goes straight to its CSV file; what later
events update (buyers, hosts, shops, orders, reports, FOLLOWS, FAN_OF, SELLS_FOR, IN_CATEGORY,
the clocks) stays in memory until :meth:`BulkWriter.write_csv`.

Drift between the two paths is what tests/integration/test_bulk.py guards against: a seeded
platform plus crafted edge cases, loaded both ways, must give the same graph, every property of
every node and relationship. A change to a ``cypher/ingest`` query needs the same change here
(the table below fails at import if a query of the write order has no function).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from graph_api.derive import touched_by
from graph_api.ingest.ingester import DEFAULT_CLOCK_SKEW_MS, split_future, wall_clock_ms
from graph_api.ingest.plan import BatchResult, GraphChecks, plan_batch, write_queries

Props = dict[str, Any]

# Each file's columns: (property, neo4j-admin type). The first column of a node file is its id
# (``id:ID(<Label>)``: the id space of the label, stored as the ``id`` property), except for
# IngestBatch, which nothing points at. Absent properties are empty fields (no property).
NODE_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "Buyer": (("registeredAt", "long"),),
    "Host": (("registeredAt", "long"), ("profileAt", "long"), ("name", "string")),
    "Shop": (
        ("registeredAt", "long"),
        ("profileAt", "long"),
        ("name", "string"),
        ("rights", "string[]"),
        ("rightsAt", "long"),
    ),
    "Category": (),
    "Order": (
        ("amount", "double"),
        ("placedAt", "long"),
        ("itemId", "string"),
        ("category", "string"),
        ("deliveredAt", "long"),
        ("refundedAt", "long"),
        ("refundReason", "string"),
        ("returned", "boolean"),
        ("ruling", "string"),
        ("ruledAt", "long"),
        ("rulingEvent", "string"),
    ),
    "Review": (("rating", "long"), ("at", "long")),
    "Complaint": (("reason", "string"), ("at", "long")),
    "Inspection": (("kind", "string"), ("passed", "boolean"), ("at", "long")),
    "Penalty": (("severity", "long"), ("code", "string"), ("at", "long")),
    "RightsChange": (("at", "long"), ("rights", "string[]")),
    "FalseAdReport": (("at", "long"), ("confirmedAt", "long")),
    "Event": (("type", "string"), ("at", "long"), ("hash", "string")),
    "Clock": (("at", "long"), ("seq", "long")),
    "IngestBatch": (
        ("seq", "long"),
        ("buyers", "string[]"),
        ("hosts", "string[]"),
        ("shops", "string[]"),
        ("orderIds", "string[]"),
        ("reportIds", "string[]"),
        ("rightsShops", "string[]"),
        ("events", "long"),
    ),
}
_NO_ID = frozenset({"IngestBatch"})

# (type, start label, end label) -> property columns.
REL_COLUMNS: dict[tuple[str, str, str], tuple[tuple[str, str], ...]] = {
    ("PLACED", "Buyer", "Order"): (),
    ("HOSTED_BY", "Order", "Host"): (),
    ("FULFILLED_BY", "Order", "Shop"): (),
    ("SELLS_FOR", "Host", "Shop"): (("since", "long"),),
    ("IN_CATEGORY", "Host", "Category"): (),
    ("IN_CATEGORY", "Shop", "Category"): (),
    ("CHANGES_RIGHTS_OF", "RightsChange", "Shop"): (),
    ("ABOUT", "Complaint", "Order"): (),
    ("REVIEWS", "Review", "Order"): (),
    ("INSPECTS", "Inspection", "Order"): (),
    ("FILED", "Buyer", "FalseAdReport"): (),
    ("AGAINST", "FalseAdReport", "Host"): (),
    ("FOLLOW_CHANGE", "Buyer", "Host"): (("at", "long"), ("active", "boolean")),
    ("FOLLOWS", "Buyer", "Host"): (
        ("firstAt", "long"),
        ("since", "long"),
        ("active", "boolean"),
        ("at", "long"),
    ),
    ("COMMENTED", "Buyer", "Host"): (("at", "long"),),
    ("WATCHED", "Buyer", "Host"): (("at", "long"), ("minutes", "double")),
    ("TIER_CHANGE", "Buyer", "Host"): (("at", "long"), ("tier", "long")),
    ("FAN_OF", "Buyer", "Host"): (("joinedAt", "long"), ("tier", "long"), ("at", "long")),
    ("PENALIZES", "Penalty", "Host"): (),
    ("PENALIZES", "Penalty", "Shop"): (),
}

ARRAY_DELIMITER = ";"  # neo4j-admin's default; no id or right contains it (events.py)


def _field(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "double":
        return repr(float(value))  # the shortest text that parses back to the same double
    if kind == "string[]":
        return ARRAY_DELIMITER.join(value)
    return str(value)


def _min(current: Any, at: int) -> int:
    """``CASE WHEN x IS NULL OR row.at < x THEN row.at ELSE x END``."""
    return at if current is None or at < current else current


@dataclass(frozen=True)
class CsvFiles:
    """The files written for one import, as neo4j-admin's ``--nodes``/``--relationships`` take
    them, and how many rows each holds."""

    nodes: list[tuple[str, Path]]
    relationships: list[tuple[str, Path]]
    node_count: int
    relationship_count: int


class _Streamed:
    """Rows appended to a CSV file as batches are applied (facts that nothing changes later)."""

    def __init__(self, path: Path, header: list[str]) -> None:
        self.path = path
        self.handle: TextIO = path.open("w", newline="", encoding="utf-8")
        self.out = csv.writer(self.handle, lineterminator="\n")
        self.out.writerow(header)
        self.rows = 0

    def write(self, row: Sequence[str]) -> None:
        self.out.writerow(row)
        self.rows += 1


@dataclass
class BulkGraph:
    """The graph the transactional import would leave, held in memory (the mutable part) and in
    streamed CSV files (the rest)."""

    directory: Path
    buyers: dict[str, Props] = field(default_factory=dict)
    hosts: dict[str, Props] = field(default_factory=dict)
    shops: dict[str, Props] = field(default_factory=dict)
    categories: set[str] = field(default_factory=set)
    orders: dict[str, Props] = field(default_factory=dict)
    reports: dict[str, Props] = field(default_factory=dict)
    event_hashes: dict[str, str] = field(default_factory=dict)
    # Relationships that later events update or replace, by their end points.
    sells_for: dict[tuple[str, str], Props] = field(default_factory=dict)
    follows: dict[tuple[str, str], Props] = field(default_factory=dict)
    fan_of: dict[tuple[str, str], Props] = field(default_factory=dict)
    in_category: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (label, id)
    clocks: dict[str, Props] = field(default_factory=dict)
    ingest_batches: list[Props] = field(default_factory=list)
    _streams: dict[str | tuple[str, str, str], _Streamed] = field(default_factory=dict)

    # -- streamed facts ----------------------------------------------------------------------

    def _stream(self, key: str | tuple[str, str, str]) -> _Streamed:
        stream = self._streams.get(key)
        if stream is None:
            if isinstance(key, str):
                name, header = f"nodes-{key}.csv", _node_header(key)
            else:
                name, header = f"rels-{'-'.join(key)}.csv", _rel_header(key)
            stream = self._streams[key] = _Streamed(self.directory / name, header)
        return stream

    def fact(self, label: str, node_id: str, props: Props) -> None:
        """A node created once and never changed (CREATE with all its properties)."""
        get = props.get
        self._stream(label).write([node_id, *[_field(get(p), t) for p, t in NODE_COLUMNS[label]]])

    def relate(self, kind: str, start: tuple[str, str], end: tuple[str, str], **props: Any) -> None:
        """A relationship created once and never changed (CREATE)."""
        key = (kind, start[0], end[0])
        row = [start[1], end[1]]
        if props:
            row += [_field(props.get(p), t) for p, t in REL_COLUMNS[key]]
        self._stream(key).write(row)

    # -- MERGE ---------------------------------------------------------------------------------

    def buyer(self, buyer_id: str) -> Props:
        return self.buyers.setdefault(buyer_id, {})

    def host(self, host_id: str) -> Props:
        return self.hosts.setdefault(host_id, {})

    def shop(self, shop_id: str) -> Props:
        return self.shops.setdefault(shop_id, {})

    # -- one batch -----------------------------------------------------------------------------

    def checks(self, events: Sequence[dict[str, Any]]) -> GraphChecks:
        """What ``read_checks`` would read from the graph for these events."""
        hashes = self.event_hashes
        return GraphChecks(
            event_hashes={
                e["eventId"]: hashes[e["eventId"]] for e in events if e["eventId"] in hashes
            },
            orders=frozenset(
                e["orderId"] for e in events if "orderId" in e and e["orderId"] in self.orders
            ),
            reports=frozenset(
                e["reportId"] for e in events if "reportId" in e and e["reportId"] in self.reports
            ),
        )

    def apply(self, writes: Iterable[tuple[str, list[dict[str, Any]]]]) -> None:
        for name, rows in writes:
            _APPLY[name](self, rows)

    def log_batch(self, accepted: Sequence[dict[str, Any]]) -> int:
        """``ingest/log_batch``: the batch's IngestBatch node and the ingest clock."""
        clock = self.clocks.setdefault("ingest", {"seq": 0})
        clock["seq"] += 1
        self.ingest_batches.append(
            {"seq": clock["seq"], **touched_by(accepted).log_params(), "events": len(accepted)}
        )
        return int(clock["seq"])

    # -- the files -----------------------------------------------------------------------------

    def write_csv(self) -> CsvFiles:
        """Write what is held in memory, close every file; the files for neo4j-admin."""
        for label, nodes in (
            ("Buyer", self.buyers),
            ("Host", self.hosts),
            ("Shop", self.shops),
            ("Order", self.orders),
            ("FalseAdReport", self.reports),
            ("Clock", self.clocks),
        ):
            for node_id, props in nodes.items():
                self.fact(label, node_id, props)
        for category in self.categories:
            self.fact("Category", category, {})
        for batch in self.ingest_batches:
            stream = self._stream("IngestBatch")
            stream.write([_field(batch.get(p), t) for p, t in NODE_COLUMNS["IngestBatch"]])
        for kind, rels in (
            ("SELLS_FOR", self.sells_for),
            ("FOLLOWS", self.follows),
            ("FAN_OF", self.fan_of),
        ):
            start, end = ("Host", "Shop") if kind == "SELLS_FOR" else ("Buyer", "Host")
            for (a, b), props in rels.items():
                self.relate(kind, (start, a), (end, b), **props)
        for (label, node_id), categories in self.in_category.items():
            for category in categories:
                self.relate("IN_CATEGORY", (label, node_id), ("Category", category))
        node_files: list[tuple[str, Path]] = []
        rel_files: list[tuple[str, Path]] = []
        node_count = rel_count = 0
        for key, stream in self._streams.items():
            stream.handle.close()
            if isinstance(key, str):
                node_files.append((key, stream.path))
                node_count += stream.rows
            else:
                rel_files.append((key[0], stream.path))
                rel_count += stream.rows
        return CsvFiles(node_files, rel_files, node_count, rel_count)

    def close(self) -> None:
        for stream in self._streams.values():
            stream.handle.close()


def _node_header(label: str) -> list[str]:
    columns = [f"{p}:{t}" for p, t in NODE_COLUMNS[label]]
    return columns if label in _NO_ID else [f"id:ID({label})", *columns]


def _rel_header(key: tuple[str, str, str]) -> list[str]:
    _, start, end = key
    return [f":START_ID({start})", f":END_ID({end})", *(f"{p}:{t}" for p, t in REL_COLUMNS[key])]


# -- the queries, one function each (cypher/ingest/<name>.cypher) -------------------------------


def _buyer_registered(g: BulkGraph, rows: list[Props]) -> None:
    for row in rows:
        b = g.buyer(row["buyerId"])
        b["registeredAt"] = _min(b.get("registeredAt"), row["at"])


def _registered(label: str, key: str) -> Callable[[BulkGraph, list[Props]], None]:
    """host_registered / shop_registered: a batch's registrations of one node reduced to one
    update, as the query reduces them: registered at the earliest; of the registrations not older
    than the stored profile, the latest (ties: the last in the batch) gives the profile time, the
    latest with a name the name, the latest with a category the one category."""

    def apply(g: BulkGraph, rows: list[Props]) -> None:
        nodes = g.hosts if label == "Host" else g.shops
        by_node: dict[str, list[Props]] = {}
        for row in rows:
            by_node.setdefault(row[key], []).append(row)
        for node_id, regs in by_node.items():
            n = nodes.setdefault(node_id, {})
            profile_at = n.get("profileAt")
            newer = [r for r in regs if profile_at is None or r["at"] >= profile_at]
            n["registeredAt"] = _min(n.get("registeredAt"), min(r["at"] for r in regs))
            latest = _latest(newer, lambda r: True)
            if latest is not None:
                n["profileAt"] = latest["at"]
            named = _latest(newer, lambda r: r.get("name") is not None)
            if named is not None:
                n["name"] = named["name"]
            categorised = _latest(newer, lambda r: r.get("category") is not None)
            if categorised is not None:
                g.categories.add(categorised["category"])
                g.in_category[(label, node_id)] = {categorised["category"]}

    return apply


def _latest(rows: list[Props], keep: Callable[[Props], bool]) -> Props | None:
    """The latest row by ``at`` that ``keep`` accepts; of equal times, the last."""
    found: Props | None = None
    for r in rows:
        if keep(r) and (found is None or r["at"] >= found["at"]):
            found = r
    return found


def _host_sells_for_shop(g: BulkGraph, rows: list[Props]) -> None:
    for row in rows:
        g.host(row["hostId"])
        g.shop(row["shopId"])
        r = g.sells_for.setdefault((row["hostId"], row["shopId"]), {})
        r["since"] = _min(r.get("since"), row["at"])


def _shop_rights_changed(g: BulkGraph, rows: list[Props]) -> None:
    for row in rows:
        g.shop(row["shopId"])
        g.fact("RightsChange", row["eventId"], {"at": row["at"], "rights": row["rights"]})
        g.relate("CHANGES_RIGHTS_OF", ("RightsChange", row["eventId"]), ("Shop", row["shopId"]))

    def newer(row: Props) -> bool:
        at = g.shops[row["shopId"]].get("rightsAt")
        return at is None or row["at"] >= at

    for row in _passing(rows, newer):
        g.shops[row["shopId"]].update(rights=row["rights"], rightsAt=row["at"])


def _order_placed(g: BulkGraph, rows: list[Props]) -> None:
    for row in rows:
        g.buyer(row["buyerId"])
        g.host(row["hostId"])
        g.shop(row["shopId"])
        g.orders[row["orderId"]] = {
            "amount": row["amount"],
            "placedAt": row["at"],
            "itemId": row.get("itemId"),
            "category": row.get("category"),
        }
        order = ("Order", row["orderId"])
        g.relate("PLACED", ("Buyer", row["buyerId"]), order)
        g.relate("HOSTED_BY", order, ("Host", row["hostId"]))
        g.relate("FULFILLED_BY", order, ("Shop", row["shopId"]))


def _order_delivered(g: BulkGraph, rows: list[Props]) -> None:
    for row in rows:
        o = g.orders[row["orderId"]]
        o["deliveredAt"] = _min(o.get("deliveredAt"), row["at"])


def _order_refunded(g: BulkGraph, rows: list[Props]) -> None:
    # The query reduces a batch's refunds of one order to its earliest (ties: the first), then
    # keeps it when it is earlier than the stored one.
    earliest: dict[str, Props] = {}
    for row in rows:
        first = earliest.get(row["orderId"])
        if first is None or row["at"] < first["at"]:
            earliest[row["orderId"]] = row
    for row in earliest.values():
        if _ordered(g, row, "refundedAt", lambda at, x: at < x):
            g.orders[row["orderId"]].update(
                refundedAt=row["at"], refundReason=row["reason"], returned=row["returned"]
            )


def _passing(rows: list[Props], keep: Callable[[Props], bool]) -> list[Props]:
    """``WITH ... WHERE keep SET ...``: Cypher evaluates a clause for every row before the next
    clause runs, so the filter sees the graph as it was before any row of the batch set it."""
    return [row for row in rows if keep(row)]


def _ordered(g: BulkGraph, row: Props, prop: str, later: Callable[[int, int], bool]) -> bool:
    value = g.orders[row["orderId"]].get(prop)
    return value is None or later(row["at"], value)


def _on_order(label: str, kind: str, *fields: str) -> Callable[[BulkGraph, list[Props]], None]:
    """review_posted, complaint_filed, inspection_recorded: a node per event, on its order."""

    def apply(g: BulkGraph, rows: list[Props]) -> None:
        for row in rows:
            g.fact(label, row["eventId"], {**{f: row[f] for f in fields}, "at": row["at"]})
            g.relate(kind, (label, row["eventId"]), ("Order", row["orderId"]))

    return apply


def _dispute_ruled(g: BulkGraph, rows: list[Props]) -> None:
    for row in _passing(rows, lambda r: _ordered(g, r, "ruledAt", lambda at, x: x <= at)):
        g.orders[row["orderId"]].update(
            ruling=row["ruling"], ruledAt=row["at"], rulingEvent=row["eventId"]
        )


def _false_ad_reported(g: BulkGraph, rows: list[Props]) -> None:
    for row in rows:
        g.buyer(row["buyerId"])
        g.host(row["hostId"])
        g.reports[row["reportId"]] = {"at": row["at"]}
        g.relate("FILED", ("Buyer", row["buyerId"]), ("FalseAdReport", row["reportId"]))
        g.relate("AGAINST", ("FalseAdReport", row["reportId"]), ("Host", row["hostId"]))


def _false_ad_confirmed(g: BulkGraph, rows: list[Props]) -> None:
    for row in rows:
        r = g.reports[row["reportId"]]
        r["confirmedAt"] = _min(r.get("confirmedAt"), row["at"])


def _follow_changed(g: BulkGraph, rows: list[Props]) -> None:
    for row in rows:
        g.buyer(row["buyerId"])
        g.host(row["hostId"])
        active = row["active"]
        g.relate(
            "FOLLOW_CHANGE",
            ("Buyer", row["buyerId"]),
            ("Host", row["hostId"]),
            at=row["at"],
            active=active,
        )
        f = g.follows.setdefault((row["buyerId"], row["hostId"]), {})
        if active and (f.get("firstAt") is None or row["at"] < f["firstAt"]):
            f["firstAt"] = row["at"]
    for row in _passing(rows, lambda r: _newer_rel(g.follows, r)):
        f = g.follows[(row["buyerId"], row["hostId"])]
        if not row["active"]:
            f.pop("since", None)
        elif not f.get("active", False):
            f["since"] = row["at"]
        f["active"] = row["active"]
        f["at"] = row["at"]


def _newer_rel(rels: dict[tuple[str, str], Props], row: Props) -> bool:
    at = rels[(row["buyerId"], row["hostId"])].get("at")
    return at is None or row["at"] >= at


def _between(kind: str, *fields: str) -> Callable[[BulkGraph, list[Props]], None]:
    """commented, watched: one relationship per event."""

    def apply(g: BulkGraph, rows: list[Props]) -> None:
        for row in rows:
            g.buyer(row["buyerId"])
            g.host(row["hostId"])
            g.relate(
                kind,
                ("Buyer", row["buyerId"]),
                ("Host", row["hostId"]),
                at=row["at"],
                **{f: row[f] for f in fields},
            )

    return apply


def _fan_club_tier_set(g: BulkGraph, rows: list[Props]) -> None:
    for row in rows:
        g.buyer(row["buyerId"])
        g.host(row["hostId"])
        g.relate(
            "TIER_CHANGE",
            ("Buyer", row["buyerId"]),
            ("Host", row["hostId"]),
            at=row["at"],
            tier=row["tier"],
        )
        m = g.fan_of.setdefault((row["buyerId"], row["hostId"]), {})
        if row["tier"] != 0:
            m["joinedAt"] = _min(m.get("joinedAt"), row["at"])
    for row in _passing(rows, lambda r: _newer_rel(g.fan_of, r)):
        g.fan_of[(row["buyerId"], row["hostId"])].update(tier=row["tier"], at=row["at"])


def _penalized(label: str, key: str) -> Callable[[BulkGraph, list[Props]], None]:
    def apply(g: BulkGraph, rows: list[Props]) -> None:
        for row in rows:
            (g.host if label == "Host" else g.shop)(row[key])
            g.fact(
                "Penalty",
                row["eventId"],
                {"severity": row["severity"], "code": row["code"], "at": row["at"]},
            )
            g.relate("PENALIZES", ("Penalty", row["eventId"]), (label, row[key]))

    return apply


def _record_events(g: BulkGraph, rows: list[Props]) -> None:
    for row in rows:
        g.event_hashes[row["eventId"]] = row["hash"]
        g.fact("Event", row["eventId"], {"type": row["type"], "at": row["at"], "hash": row["hash"]})


def _advance_clock(g: BulkGraph, rows: list[Props]) -> None:
    at = max(row["at"] for row in rows)
    clock = g.clocks.setdefault("events", {})
    if clock.get("at") is None or at > clock["at"]:
        clock["at"] = at


_APPLY: dict[str, Callable[[BulkGraph, list[Props]], None]] = {
    "ingest/buyer_registered": _buyer_registered,
    "ingest/host_registered": _registered("Host", "hostId"),
    "ingest/shop_registered": _registered("Shop", "shopId"),
    "ingest/host_sells_for_shop": _host_sells_for_shop,
    "ingest/shop_rights_changed": _shop_rights_changed,
    "ingest/order_placed": _order_placed,
    "ingest/order_delivered": _order_delivered,
    "ingest/order_refunded": _order_refunded,
    "ingest/review_posted": _on_order("Review", "REVIEWS", "rating"),
    "ingest/complaint_filed": _on_order("Complaint", "ABOUT", "reason"),
    "ingest/inspection_recorded": _on_order("Inspection", "INSPECTS", "kind", "passed"),
    "ingest/dispute_ruled": _dispute_ruled,
    "ingest/false_ad_reported": _false_ad_reported,
    "ingest/false_ad_confirmed": _false_ad_confirmed,
    "ingest/follow_changed": _follow_changed,
    "ingest/commented": _between("COMMENTED"),
    "ingest/watched": _between("WATCHED", "minutes"),
    "ingest/fan_club_tier_set": _fan_club_tier_set,
    "ingest/host_penalized": _penalized("Host", "hostId"),
    "ingest/shop_penalized": _penalized("Shop", "shopId"),
    "ingest/record_events": _record_events,
    "ingest/advance_clock": _advance_clock,
}
assert set(write_queries()) <= set(_APPLY), "a query of the write order has no bulk function"


class BulkWriter:
    """Records batches into a :class:`BulkGraph` as :class:`Ingester` records them into Neo4j:
    the same batches, clock rule, plan and log entries (``write_valid``), so
    :func:`graph_api.ingest.ingest_stream` drives it, reports and rejects included."""

    def __init__(
        self,
        directory: Path,
        batch_size: int,
        *,
        max_clock_skew_ms: int = DEFAULT_CLOCK_SKEW_MS,
        clock: Callable[[], int] = wall_clock_ms,
    ) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.graph = BulkGraph(directory)
        self.batch_size = batch_size
        self.max_clock_skew_ms = max_clock_skew_ms
        self.clock = clock

    def write_valid(self, items: Sequence[tuple[int, dict[str, Any]]]) -> BatchResult:
        current, future = split_future(items, self.clock(), self.max_clock_skew_ms)
        result = BatchResult()
        if current:
            writes, result = plan_batch(current, self.graph.checks([e for _, e in current]))
            self.graph.apply(writes)
            if result.accepted:
                result.position = self.graph.log_batch(result.accepted)
        if future:
            result.rejected.extend(future)
            result.rejected.sort(key=lambda r: r.index)
        return result
