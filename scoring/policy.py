"""The versioned policy: one TOML file holds every threshold, weight and window of scoring.

``scoring/policies/v5.toml`` is the default, shipped with the package beside the earlier
versions (v1: before the anti-gaming defences; v2: lockstep groups among weighed accounts only;
v3: lockstep over every buyer, without v4's weighed crowds and claim bursts; v4: without v5's
lockstep continuations and registration batches);
another file can be chosen by configuration (``TRUSTGRAPH_POLICY``). Its top-level ``version``
is recorded in every trust, badge and boost decision. The file has parts, each validated by its
own loader, all reading it with one reader (``scoring.policy_reader``), whose one error,
``PolicyError``, names the key path of anything missing, unknown, of the wrong type or out of
range:

    [trust.*]                      pair trust            scoring.trust_policy
    [buyers]                       throwaway-account weights   scoring.buyer_weight
    [rings]                        brushing-ring detection     scoring.rings
    [lockstep]                     lockstep groups (v2-v5)     scoring.lockstep
    [dense]                        FRAUDAR dense blocks (v2-v5) scoring.fraudar
    [crowds]                       weighed crowds, claim bursts (v4-v5) scoring.crowds
    [metrics] [badges.*] [boost]   shop and host rules   scoring.entity_policy

Parsing is pure (text in, values out); reading the file is the caller's business.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources

from scoring.buyer_weight import BuyerWeightPolicy, load_buyer_weight_policy
from scoring.crowds import CrowdPolicy, load_crowd_policy
from scoring.entity_policy import EntityPolicy, load_entity_policy
from scoring.fraudar import DensePolicy, load_dense_policy
from scoring.lockstep import LockstepPolicy, load_lockstep_policy
from scoring.policy_reader import PolicyError, PolicyTable
from scoring.rings import RingPolicy, load_ring_policy
from scoring.trust_policy import TrustPolicy, load_trust_policy

DEFAULT_POLICY = "v5.toml"
_KNOWN_TABLES = frozenset(
    {
        "version",
        "description",
        "trust",
        "buyers",
        "rings",
        "lockstep",
        "dense",
        "crowds",
        "metrics",
        "badges",
        "boost",
    }
)


@dataclass(frozen=True)
class Policy:
    version: str
    trust: TrustPolicy
    buyers: BuyerWeightPolicy
    entity: EntityPolicy
    rings: RingPolicy
    lockstep: LockstepPolicy | None = None  # None: no lockstep detection (v1)
    dense: DensePolicy | None = None  # None: no dense-block detection (v1)
    crowds: CrowdPolicy | None = None  # None: no weighed crowds or claim bursts (v1-v3)


def parse_policy(text: str, source: str = "policy") -> Policy:
    """Parse and validate a policy document. Raises :class:`PolicyError` (a ``ValueError``) whose
    message starts with ``source`` and names the key path."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError("", f"not valid TOML: {exc}", source) from None
    try:
        PolicyTable(document, keys=_KNOWN_TABLES)  # any other top-level table is a typo
        trust = load_trust_policy(document)
        buyers = load_buyer_weight_policy(document)
        rings = load_ring_policy(document)
        lockstep = load_lockstep_policy(document)
        dense = load_dense_policy(document)
        crowds = load_crowd_policy(document)
        entity = load_entity_policy(document)
    except PolicyError as exc:
        raise exc.in_source(source) from None
    return Policy(
        version=str(document["version"]),
        trust=trust,
        buyers=buyers,
        entity=entity,
        rings=rings,
        lockstep=lockstep,
        dense=dense,
        crowds=crowds,
    )


def default_policy_text() -> str:
    """The text of the policy shipped with the package (package data, not a user's file)."""
    return (
        resources.files("scoring").joinpath("policies", DEFAULT_POLICY).read_text(encoding="utf-8")
    )


def default_policy() -> Policy:
    return parse_policy(default_policy_text(), f"scoring/policies/{DEFAULT_POLICY}")
