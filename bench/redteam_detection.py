"""Red-team detection without the graph (issue 11): every attack family planted on seeded
platforms, each buyer weighed from its own events (:func:`scoring.buyer_weight.buyer_weight`, as
the rescore weighs it) and every detector of each policy run over them (rings, lockstep groups,
dense blocks, weighed crowds, claim bursts), as ``trustgraph rings`` runs them after a first
rescore. An account is flagged when its own weight is below ``metrics.min_buyer_weight`` or a
group holds it. Over the accounts that placed an order: flagged per family, and precision and
recall overall (the planted brushing rings are attackers too, not false positives).

It measures detection only (no badges, levels or tiers: ``bench.redteam`` derives those through
Neo4j), in a minute for every case, and reproduces ``bench.redteam``'s detection figures for v3
exactly on the cases both ran (seed 7).

    python -m bench.redteam_detection [--buyers 3000,20000] [--sizes small,large]
        [--adapt ,in_room,in_room+history] [--policies v4,v5] [--seed 7]

It rewrites the ``Red team detection`` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.graph import ROOT
from bench.report import splice_section
from graph_api.events import parse_at
from graph_api.seed import SeedConfig, generate
from graph_api.seed.config import ATTACK_FAMILIES
from scoring.buyer_weight import BuyerWeight, buyer_weight
from scoring.crowds import detect_claim_bursts, detect_weighed_crowds
from scoring.facts import FOR_CAUSE_REASONS, Complaint, OrderFact
from scoring.fraudar import detect_dense
from scoring.lockstep import Account, detect_lockstep, gc_paused
from scoring.policy import Policy, parse_policy
from scoring.rings import Candidate, detect_rings

POLICIES = ROOT / "scoring" / "policies"
INTERACTIONS = frozenset({"WATCHED", "COMMENTED", "FOLLOWED", "UNFOLLOWED", "FAN_CLUB_TIER_SET"})


def _facts(
    events: Iterable[dict[str, Any]],
) -> tuple[dict[str, list[OrderFact]], dict[str, int], dict[str, list[int]], dict[str, list]]:
    """Orders (as OrderFacts), registrations, interaction times and watch sessions per buyer."""
    registered: dict[str, int] = {}
    orders: dict[str, dict[str, Any]] = {}
    times: dict[str, list[int]] = defaultdict(list)
    sessions: dict[str, list[tuple[str, int, float]]] = defaultdict(list)
    for e in events:
        kind, t = e["type"], parse_at(e["at"])
        if kind == "BUYER_REGISTERED":
            registered[e["buyerId"]] = t
        elif kind == "ORDER_PLACED":
            orders[e["orderId"]] = {
                "order_id": e["orderId"],
                "buyer_id": e["buyerId"],
                "host_id": e["hostId"],
                "shop_id": e["shopId"],
                "placed_at": t,
                "amount": e["amount"],
                "complaints": [],
            }
        elif kind in INTERACTIONS:
            times[e["buyerId"]].append(t)
            if kind == "WATCHED":
                sessions[e["buyerId"]].append((e["hostId"], t, e["minutes"]))
        elif kind == "ORDER_DELIVERED":
            orders[e["orderId"]]["delivered_at"] = t
        elif kind == "ORDER_REFUNDED":
            o = orders[e["orderId"]]
            o.update(refunded_at=t, refund_reason=e["reason"], returned=e.get("returned"))
        elif kind == "REVIEW_POSTED":
            orders[e["orderId"]].update(rating=e["rating"], reviewed_at=t)
        elif kind == "COMPLAINT_FILED":
            orders[e["orderId"]]["complaints"].append(Complaint(t, e["reason"]))
    by_buyer: dict[str, list[OrderFact]] = defaultdict(list)
    for o in orders.values():
        o["complaints"] = tuple(o["complaints"])
        by_buyer[o["buyer_id"]].append(OrderFact(**o))
    return by_buyer, registered, times, sessions


def _claims(orders: list[OrderFact]) -> tuple[tuple[str, str, int], ...]:
    out = []
    for o in orders:
        at = [c.at for c in o.complaints if c.reason in FOR_CAUSE_REASONS]
        if o.refunded_at is not None and o.refund_reason in FOR_CAUSE_REASONS:
            at.append(o.refunded_at)
        if at:
            out.append((o.shop_id, o.host_id, min(at)))
    return tuple(out)


def flagged(events: list[dict[str, Any]], policy: Policy, as_of: int) -> set[str]:
    """The buyers with orders that the policy's weights and groups leave out of the metrics."""
    orders, registered, times, sessions = _facts(events)
    weights: dict[str, BuyerWeight] = {
        b: buyer_weight(
            b, registered.get(b), os, times[b], policy.buyers, as_of, watch_sessions=sessions[b]
        )
        for b, os in orders.items()
    }
    accounts, candidates = [], []
    for b, os in orders.items():
        w = weights[b]
        placed = tuple((o.shop_id, o.host_id, o.placed_at) for o in os)
        unproven = w.credibility is not None
        accounts.append(Account(b, w.weight, placed, _claims(os), unproven, registered.get(b)))
        candidates.append(Candidate(b, w.weight, w.signals, placed))
    with gc_paused():
        groups: list[Any] = list(
            detect_rings([c for c in candidates if c.weight < 1.0], policy.rings, as_of)
        )
        if policy.lockstep is not None:
            groups += detect_lockstep(accounts, policy.lockstep, as_of)
        if policy.dense is not None:
            groups += detect_dense(accounts, policy.dense, as_of)
        if policy.crowds is not None:
            groups += detect_weighed_crowds(accounts, policy.crowds, as_of, policy.lockstep)
            groups += detect_claim_bursts(accounts, policy.crowds, as_of)
    light = {b for b, w in weights.items() if w.weight < policy.entity.metrics.min_buyer_weight}
    return light | {m for g in groups for m in g.members}


def run_case(
    buyers: int, size: str, adapt: tuple[str, ...], seed: int, policies: dict[str, Policy]
) -> dict[str, Any]:
    started = time.perf_counter()
    config = SeedConfig(
        seed=seed, buyers=buyers, attacks=ATTACK_FAMILIES, attack_size=size, attack_adapt=adapt
    )
    stream, report = generate(config)
    events = list(stream)
    truth = report.to_dict()
    family = {b: a["family"] for a in truth["attacks"] for b in a["buyerIds"]}
    rings = {b for r in truth.get("rings", ()) for b in r["buyerIds"]}
    as_of = max(parse_at(e["at"]) for e in events)
    ordered = {e["buyerId"] for e in events if e["type"] == "ORDER_PLACED"}
    attack = set(family) & ordered
    case: dict[str, Any] = {"buyers": buyers, "size": size, "adapt": list(adapt)}
    for name, policy in policies.items():
        found = flagged(events, policy, as_of)
        per = Counter(family[b] for b in found & attack)
        totals = Counter(family[b] for b in attack)
        organic = len(found - attack - rings)
        hit = len(found & attack)
        case[name] = {
            "families": {f: [per[f], totals[f]] for f in ATTACK_FAMILIES},
            "organic": organic,
            "precision": round(hit / (hit + organic), 3) if hit + organic else 1.0,
            "recall": round(hit / len(attack), 3) if attack else 1.0,
        }
    case["seconds"] = round(time.perf_counter() - started, 1)
    return case


def section(cases: list[dict[str, Any]], names: list[str], seed: int, stamp: str) -> list[str]:
    default = names[-1]
    lines = [
        "## Red team detection (pure, every case)",
        "",
        f"`python -m bench.redteam_detection`, {stamp}, seed {seed}. Every family planted, "
        "each buyer weighed from its own events and every detector of the policy run over all "
        "of them, as `trustgraph rings` runs after a rescore; flagged: own weight below "
        "`metrics.min_buyer_weight` or held by a group. Detection only (what a family buys is "
        "`bench.redteam`'s, above); on the cases both run it gives `bench.redteam`'s v3 "
        "detection figures exactly. Accounts flagged per family (of those that ordered), "
        f"under {default}; precision and recall under each policy.",
        "",
        "| buyers | attacks | adapted | "
        + " | ".join(f.replace("_", " ") for f in ATTACK_FAMILIES)
        + f" | {default}: organic flagged | "
        + " | ".join(f"{n}: P / R" for n in names)
        + " |",
        "| ---: | --- | --- | "
        + " | ".join("---:" for _ in ATTACK_FAMILIES)
        + " | ---: | "
        + " | ".join("---" for _ in names)
        + " |",
    ]
    for c in cases:
        now = c[default]
        cells = [f"{now['families'][f][0]}/{now['families'][f][1]}" for f in ATTACK_FAMILIES]
        lines.append(
            f"| {c['buyers']:,} | {c['size']} | {'+'.join(c['adapt']) or 'as published'} | "
            + " | ".join(cells)
            + f" | {now['organic']} | "
            + " | ".join(f"{c[n]['precision']:.3f} / {c[n]['recall']:.3f}" for n in names)
            + " |"
        )
    lines.append("")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buyers", default="3000,20000")
    parser.add_argument("--sizes", default="small,large")
    parser.add_argument("--adapt", default=",in_room,in_room+history")
    parser.add_argument("--policies", default="v4,v5")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--report", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args()
    names = [n for n in args.policies.split(",") if n]
    policies = {n: parse_policy((POLICIES / f"{n}.toml").read_text(), f"{n}.toml") for n in names}
    cases = []
    for buyers in (int(x) for x in args.buyers.split(",") if x):
        for size in (s for s in args.sizes.split(",") if s):
            for adapt in args.adapt.split(","):
                chosen = tuple(a for a in adapt.split("+") if a)
                case = run_case(buyers, size, chosen, args.seed, policies)
                print(case, flush=True)
                cases.append(case)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    splice_section(
        Path(args.report), section(cases, names, args.seed, stamp), "## Red team detection"
    )


if __name__ == "__main__":
    main()
