"""Trust propagation (scoring/propagation.py): hand-checked graphs, networkx's PageRank where they
coincide, the reference against the fast implementation, and collusion resistance."""

from __future__ import annotations

import random

import networkx as nx
import pytest

from scoring.propagation import Edge, local_trust, propagate, propagate_reference

IMPLS = [propagate_reference, propagate]


@pytest.mark.parametrize("impl", IMPLS)
def test_hand_checked_graph(impl):
    """b1 trusts A (pre-trusted) and B equally; b2 trusts only C, unreachable from A.
    By hand (alpha = 0.15, d = 0.85): t_b1 = d*a/(1-d^2), t_B = d*t_b1/2, t_A = t_B + a, t_C = 0."""
    edges = [Edge("b1", "A", 1.0), Edge("b1", "B", 1.0), Edge("b2", "C", 1.0)]
    r = impl(edges, ["A"], alpha=0.15)
    a, d = 0.15, 0.85
    t_b1 = d * a / (1 - d * d)
    t_b = d * t_b1 / 2
    t_a = t_b + a
    assert r.targets["A"] == pytest.approx(t_a / (t_a + t_b), abs=1e-9)
    assert r.targets["B"] == pytest.approx(t_b / (t_a + t_b), abs=1e-9)
    assert r.targets["C"] == pytest.approx(0.0, abs=1e-12)
    assert r.buyers == pytest.approx({"b1": 1.0, "b2": 0.0}, abs=1e-9)
    assert r.converged and [k for k, _ in r.ranking()] == ["A", "B", "C"]


def random_edges(seed: int, buyers: int = 60, targets: int = 15, per_buyer: int = 3) -> list[Edge]:
    rng = random.Random(seed)
    edges = {}
    for b in range(buyers):
        for t in rng.sample(range(targets), per_buyer):
            edges[(f"b{b}", f"t{t}")] = Edge(f"b{b}", f"t{t}", round(rng.random(), 3))
    return list(edges.values())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_coincides_with_networkx_pagerank(seed):
    """The fixed point is PageRank on the two-way walk graph, with personalization and dangling
    distribution on the pre-trusted set and damping 1 - alpha."""
    edges = random_edges(seed)
    pre = {"t0": 2.0, "t3": 1.0}
    g: nx.DiGraph[str] = nx.DiGraph()
    for e in edges:
        if e.weight > 0:
            g.add_edge(f"B:{e.buyer}", f"T:{e.target}", weight=e.weight)
            g.add_edge(f"T:{e.target}", f"B:{e.buyer}", weight=e.weight)
    total = sum(pre.values())
    p = {n: (pre.get(n[2:], 0.0) / total if n.startswith("T:") else 0.0) for n in g}
    pr = nx.pagerank(
        g, alpha=0.85, personalization=p, dangling=p, weight="weight", tol=1e-13, max_iter=1000
    )
    mass = sum(v for k, v in pr.items() if k.startswith("T:"))
    expected = {k[2:]: v / mass for k, v in pr.items() if k.startswith("T:")}
    got = propagate(edges, pre, alpha=0.15).targets
    assert got == pytest.approx(expected, abs=1e-8)


@pytest.mark.parametrize("seed", range(5))
def test_reference_and_fast_agree(seed):
    edges = random_edges(seed, buyers=40, targets=12)
    for seeds_are_buyers, pre in ((False, ["t1", "t5"]), (True, ["b3"])):
        ref = propagate_reference(edges, pre, seeds_are_buyers=seeds_are_buyers)
        fast = propagate(edges, pre, seeds_are_buyers=seeds_are_buyers)
        assert fast.targets == pytest.approx(ref.targets, abs=1e-9)
        assert fast.buyers == pytest.approx(ref.buyers, abs=1e-9)


def test_deterministic_and_independent_of_edge_order():
    edges = random_edges(9)
    a = propagate(edges, ["t2"])
    b = propagate(list(reversed(edges)), ["t2"])
    assert a.targets == pytest.approx(b.targets, abs=1e-12) and a.ranking() == b.ranking()


def test_a_colluding_ring_earns_little():
    """Honest buyers trust honest shops (one pre-trusted); 30 sybil buyers trust their own shop S
    with full weight, and one of them also trusts an honest shop. Without propagation S would
    look like the most trusted shop (30 buyers); anchored on the pre-trusted shop it ranks last."""
    rng = random.Random(4)
    edges = [Edge(f"h{b}", f"shop{s}", 0.8) for b in range(40) for s in rng.sample(range(5), 2)]
    edges += [Edge(f"s{k}", "S", 1.0) for k in range(30)] + [Edge("s0", "shop3", 0.5)]
    buyers_of = {t: sum(1 for e in edges if e.target == t) for t in {e.target for e in edges}}
    assert max(buyers_of, key=lambda t: buyers_of[t]) == "S"  # by head count the ring's shop leads
    r = propagate(edges, ["shop0"])
    assert r.ranking()[-1][0] == "S"
    assert r.targets["S"] < min(v for k, v in r.targets.items() if k != "S") / 5


def test_personalized_trust_from_one_buyer():
    """From buyer x (who trusts A), targets that buyers like x also trust rank first among the
    others: y and z trust A and B; w trusts only C."""
    edges = [
        Edge("x", "A", 1),
        Edge("y", "A", 1),
        Edge("y", "B", 1),
        Edge("z", "A", 1),
        Edge("z", "B", 1),
        Edge("w", "C", 1),
        Edge("w", "D", 1),
    ]
    r = propagate(edges, ["x"], seeds_are_buyers=True)
    order = [k for k, _ in r.ranking()]
    assert order[:2] == ["A", "B"] and r.targets["C"] == pytest.approx(0.0, abs=1e-12)


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="alpha"):
        propagate([Edge("b", "t", 1.0)], ["t"], alpha=1.0)
    with pytest.raises(ValueError, match="weight"):
        propagate([Edge("b", "t", -1.0)], ["t"])
    with pytest.raises(ValueError, match="pre-trusted"):
        propagate([Edge("b", "t", 1.0)], ["nope"])
    assert propagate([], ["t"]).targets == {}
    assert local_trust(0.7, 0.1, 0.5) == pytest.approx(0.3) and local_trust(0.1, 0.4) == 0.0
