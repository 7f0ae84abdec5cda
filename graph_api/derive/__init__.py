"""Derived state, computed from the facts: buyers' weights and trust (``TRUST`` relationships)
and the standing of shops and hosts (``Standing`` nodes).

    buyers       one buyer's facts record -> its weight and the trust of each of its pairs
    standing     one shop's or host's facts record -> metrics, badges, boost (with hysteresis)
    passes       read, score and write a set of buyers or of shops and hosts (shared by both paths)
    incremental  the Deriver: rescores what an ingested batch touched, before the call returns
    log          the LogDeriver: follows the ingest log in rounds, under a lease (issue 12)
    rebuild      rescore_all: the full rebuild (``trustgraph rescore``)
    results      what a round produced: level and badge changes

Both paths evaluate at the graph's clock and run the same passes on the same rows, so they leave
identical state (tests/integration/test_incremental.py).
"""

from graph_api.derive.incremental import Deriver, Touched, touched_by
from graph_api.derive.log import (
    BackgroundDrain,
    LogDeriver,
    Positions,
    Round,
    advance_derived,
    read_positions,
)
from graph_api.derive.rebuild import RescoreSummary, rescore_all
from graph_api.derive.results import BadgeChange, DeriveResult, TrustChange

__all__ = [
    "BackgroundDrain",
    "BadgeChange",
    "DeriveResult",
    "Deriver",
    "LogDeriver",
    "Positions",
    "RescoreSummary",
    "Round",
    "Touched",
    "TrustChange",
    "advance_derived",
    "read_positions",
    "rescore_all",
    "touched_by",
]
