"""The facts of the rebuild from the accepted events, in Spark: the twin of the feature queries.

``cypher/features/pair_facts.cypher`` reads one record per buyer from the graph, and
``shop_facts``/``host_facts`` one per shop or host; the graph holds what the ingest queries
(``cypher/ingest/*.cypher``) made of the events. This module makes the same records from the
events directly, with the ingest queries' rules for what an event changes:

* an order's delivery is its earliest ``ORDER_DELIVERED``; its refund the earliest
  ``ORDER_REFUNDED`` (ties: lowest eventId); its ruling the latest ``DISPUTE_RULED`` (ties:
  highest eventId); every review, complaint and inspection is kept;
* a report is confirmed at its earliest ``FALSE_AD_CONFIRMED``;
* a buyer, shop or host is registered at its earliest registration; a shop's or host's category
  is that of its latest registration that names one;
* a shop's rights as of the evaluation time are those of its latest ``SHOP_RIGHTS_CHANGED`` at or
  before it (ties: highest eventId), else none;
* buyers, shops and hosts are every id an accepted event names (a reference creates the node).

The records come out as rows shaped like the feature queries' (same fields, same nesting), so
that the scoring side decodes them with the same :mod:`graph_api.store.records` decoders.
``tests/spark/test_spark_rescore.py`` guards the twins: the Spark rebuild and ``rescore`` must
leave the same graph.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from graph_api.store.records import COMMENTED, FOLLOW_CHANGE, TIER_CHANGE, WATCHED

ORDER_EVENTS = ("ORDER_DELIVERED", "ORDER_REFUNDED", "REVIEW_POSTED", "COMPLAINT_FILED")


def _of(events: DataFrame, kind: str) -> DataFrame:
    return events.filter(F.col("type") == kind)


def orders(events: DataFrame) -> DataFrame:
    """One row per placed order with its outcome timeline (the Order node and what hangs off it)."""
    placed = _of(events, "ORDER_PLACED").select(
        "orderId",
        "buyerId",
        "hostId",
        "shopId",
        F.col("at").alias("placedAt"),
        "amount",
        "itemId",
        "category",
    )
    delivered = (
        _of(events, "ORDER_DELIVERED").groupBy("orderId").agg(F.min("at").alias("deliveredAt"))
    )
    refunded = (
        _of(events, "ORDER_REFUNDED")
        .groupBy("orderId")
        .agg(F.min(F.struct("at", "eventId", "reason", "returned")).alias("r"))
        .select(
            "orderId",
            F.col("r.at").alias("refundedAt"),
            F.col("r.reason").alias("refundReason"),
            F.col("r.returned").alias("returned"),
        )
    )
    reviews = (
        _of(events, "REVIEW_POSTED")
        .groupBy("orderId")
        .agg(F.collect_list(F.struct("at", "rating", "eventId")).alias("reviews"))
    )
    complaints = (
        _of(events, "COMPLAINT_FILED")
        .groupBy("orderId")
        .agg(F.collect_list(F.struct("at", "reason")).alias("complaints"))
    )
    inspections = (
        _of(events, "INSPECTION_RECORDED")
        .groupBy("orderId")
        .agg(F.collect_list(F.struct("at", "kind", "passed")).alias("inspections"))
    )
    rulings = (
        _of(events, "DISPUTE_RULED")
        .groupBy("orderId")
        .agg(F.max(F.struct("at", "eventId", "ruling")).alias("d"))
        .select("orderId", F.col("d.ruling").alias("ruling"), F.col("d.at").alias("ruledAt"))
    )
    out = placed
    for part in (delivered, refunded, reviews, complaints, inspections, rulings):
        out = out.join(part, "orderId", "left")
    return out


def _registered(events: DataFrame, kind: str, key: str) -> DataFrame:
    return _of(events, kind).groupBy(key).agg(F.min("at").alias("registeredAt"))


def _category(events: DataFrame, kind: str, key: str) -> DataFrame:
    return (
        _of(events, kind)
        .filter(F.col("category").isNotNull())
        .groupBy(key)
        .agg(F.max(F.struct("at", "eventId", "category")).alias("c"))
        .select(key, F.col("c.category").alias("category"))
    )


def shop_rights(events: DataFrame, as_of: int) -> DataFrame:
    """(shopId, rights) as of ``as_of``, for shops that had a rights change by then."""
    return (
        _of(events, "SHOP_RIGHTS_CHANGED")
        .filter(F.col("at") <= as_of)
        .groupBy("shopId")
        .agg(F.max(F.struct("at", "eventId", "rights")).alias("r"))
        .select("shopId", F.col("r.rights").alias("rights"))
    )


def reports(events: DataFrame) -> DataFrame:
    """(reportId, buyerId, hostId, confirmedAt or null)."""
    confirmed = (
        _of(events, "FALSE_AD_CONFIRMED").groupBy("reportId").agg(F.min("at").alias("confirmedAt"))
    )
    return (
        _of(events, "FALSE_AD_REPORTED")
        .select("reportId", "buyerId", "hostId")
        .join(confirmed, "reportId", "left")
    )


def _ids(events: DataFrame, key: str) -> DataFrame:
    return events.filter(F.col(key).isNotNull()).select(F.col(key).alias("id")).distinct()


def interactions(events: DataFrame) -> DataFrame:
    """(buyerId, hostId, kind, at, value): watch sessions (minutes), comments (null), follow
    changes (1 followed, 0 unfollowed) and fan-club tiers, as ``features/pair_facts`` lists them."""
    value: Column = (
        F.when(F.col("type") == "WATCHED", F.col("minutes"))
        .when(F.col("type") == "FOLLOWED", F.lit(1.0))
        .when(F.col("type") == "UNFOLLOWED", F.lit(0.0))
        .when(F.col("type") == "FAN_CLUB_TIER_SET", F.col("tier").cast("double"))
        .otherwise(F.lit(None).cast("double"))
    )
    kind: Column = (
        F.when(F.col("type") == "WATCHED", F.lit(WATCHED))
        .when(F.col("type") == "COMMENTED", F.lit(COMMENTED))
        .when(F.col("type").isin("FOLLOWED", "UNFOLLOWED"), F.lit(FOLLOW_CHANGE))
        .otherwise(F.lit(TIER_CHANGE))
    )
    return events.filter(
        F.col("type").isin("WATCHED", "COMMENTED", "FOLLOWED", "UNFOLLOWED", "FAN_CLUB_TIER_SET")
    ).select("buyerId", "hostId", kind.alias("kind"), "at", value.alias("value"))


def buyer_facts(
    events: DataFrame, order_rows: DataFrame, as_of: int, ring_marks: DataFrame
) -> DataFrame:
    """One row per buyer (every buyer an event names) shaped like ``features/pair_facts``:
    buyerId, registeredAt, ringId, orders, interactions, reports, shops (null lists: none)."""
    buyers = _ids(events, "buyerId").withColumnRenamed("id", "buyerId")
    by_buyer = order_rows.groupBy("buyerId").agg(
        F.collect_list(
            F.struct(
                "orderId",
                "hostId",
                "shopId",
                "placedAt",
                "amount",
                "itemId",
                "category",
                "deliveredAt",
                "refundedAt",
                "refundReason",
                "returned",
                "reviews",
                "complaints",
                "inspections",
            )  # fmt: skip
        ).alias("orders")
    )
    acts = (
        interactions(events)
        .groupBy("buyerId")
        .agg(F.collect_list(F.struct("hostId", "kind", "at", "value")).alias("interactions"))
    )
    confirmed = (
        reports(events)
        .filter(F.col("confirmedAt").isNotNull())
        .groupBy("buyerId")
        .agg(F.collect_list(F.struct("hostId", "confirmedAt")).alias("reports"))
    )
    rights = shop_rights(events, as_of)
    shops = (
        order_rows.select("buyerId", "shopId")
        .distinct()
        .join(rights, "shopId", "left")
        .groupBy("buyerId")
        .agg(F.collect_list(F.struct("shopId", "rights")).alias("shops"))
    )
    out = buyers.join(_registered(events, "BUYER_REGISTERED", "buyerId"), "buyerId", "left")
    for part in (ring_marks.select("buyerId", "ringId"), by_buyer, acts, confirmed, shops):
        out = out.join(part, "buyerId", "left")
    return out


def entity_facts(
    events: DataFrame,
    order_rows: DataFrame,
    kind: str,
    as_of: int,
    since: int,
    violation_since: int,
    buyer_state: DataFrame,
    levels: DataFrame,
    standings: DataFrame,
) -> DataFrame:
    """One row per shop (``kind`` SHOP) or host (HOST) shaped like ``features/shop_facts`` /
    ``host_facts``: id, category, registeredAt, orders, buyers, penalties, reports, rights,
    standing. ``buyer_state``: what the buyer pass wrote on each Buyer (weight, credibility,
    targetCredibility, shops, hosts) with registeredAt and ringTargets; ``levels``: (buyerId,
    targetId, level) of the buyer pass's pairs of this kind; ``standings``: (id, standing) of the
    stored Standing nodes (badge hysteresis)."""
    key = "shopId" if kind == "SHOP" else "hostId"
    entities = _ids(events, key)
    window = order_rows.filter((F.col("placedAt") > since) & (F.col("placedAt") <= as_of))
    by_entity = window.groupBy(key).agg(
        F.collect_list(
            F.struct(
                "orderId",
                "buyerId",
                "placedAt",
                "amount",
                "deliveredAt",
                "refundedAt",
                "refundReason",
                "returned",
                "reviews",
                "complaints",
                "inspections",
                "ruling",
                "ruledAt",
            )  # fmt: skip
        ).alias("orders")
    )
    count = "shops" if kind == "SHOP" else "hosts"
    buyers = (
        window.select(key, "buyerId")
        .distinct()
        .join(buyer_state, "buyerId", "left")
        .join(
            levels.withColumnRenamed("targetId", key),
            ["buyerId", key],
            "left",
        )
        .groupBy(key)
        .agg(
            F.collect_list(
                F.struct(
                    "buyerId",
                    "weight",
                    "level",
                    "credibility",
                    F.col(count).alias("targets"),
                    "registeredAt",
                    "ringTargets",
                    "targetCredibility",
                )  # fmt: skip
            ).alias("buyers")
        )
    )
    penalties = (
        _of(events, "VIOLATION_PENALIZED")
        .filter(F.col(key).isNotNull() & (F.col("at") > violation_since) & (F.col("at") <= as_of))
        .groupBy(key)
        .agg(F.collect_list(F.struct("at", "severity", "code")).alias("penalties"))
    )
    registration = "SHOP_REGISTERED" if kind == "SHOP" else "HOST_REGISTERED"
    out = (
        entities.withColumnRenamed("id", key)
        .join(_registered(events, registration, key), key, "left")
        .join(_category(events, registration, key), key, "left")
    )
    for part in (by_entity, buyers, penalties):
        out = out.join(part, key, "left")
    if kind == "HOST":
        against = (
            reports(events)
            .filter(F.col("confirmedAt").isNotNull() & (F.col("confirmedAt") <= as_of))
            .groupBy("hostId")
            .agg(F.collect_list("confirmedAt").alias("reports"))
        )
        out = out.join(against, key, "left").withColumn("rights", F.lit(None).cast("array<string>"))
    else:
        out = out.join(shop_rights(events, as_of), key, "left").withColumn(
            "reports", F.lit(None).cast("array<bigint>")
        )
    prefix = F.lit(f"{kind}:")
    return (
        out.withColumn("standingId", F.concat(prefix, F.col(key)))
        .join(standings.withColumnRenamed("id", "standingId"), "standingId", "left")
        .withColumnRenamed(key, "id")
    )
