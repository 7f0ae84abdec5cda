"""What every command shares: messages on stderr, progress bars, the store and the facade opened
with a hint when Neo4j is not there, and flag names for argument errors."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tqdm import tqdm

from graph_api.errors import StoreUnavailable
from graph_api.policy import load_policy
from graph_api.settings import Settings
from graph_api.store import Store
from graph_api.usecases import Trustgraph

# GraphQL argument names (what the use cases name in BadInput) that the CLI spells differently.
_FLAGS = {"first": "--top", "targetKind": "--kind"}


def flag(argument: str) -> str:
    """The CLI flag of a use-case argument: ``horizonDays`` -> ``--horizon-days``,
    ``pretrusted[2]`` -> ``--pretrusted (value 3)``."""
    base, _, index = argument.partition("[")
    name = _FLAGS.get(base) or "--" + re.sub(r"[A-Z]", lambda m: "-" + m.group(0).lower(), base)
    return f"{name} (value {int(index.rstrip(']')) + 1})" if index.rstrip("]").isdigit() else name


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def progress(total: int | None, unit: str, desc: str) -> tqdm[Any]:
    # disable=None: a bar on a terminal, silence in logs and CI.
    return tqdm(total=total, unit=unit, unit_scale=True, desc=desc, disable=None, file=sys.stderr)


def open_store(settings: Settings) -> Store:
    """A store whose server answered, or StoreUnavailable with a hint of what to do."""
    store = Store(settings)
    try:
        store.verify()
    except StoreUnavailable as exc:
        store.close()
        hint = (
            "start it with `trustgraph neo4j start`"
            if settings.uses_local_neo4j
            else "check NEO4J_URI, NEO4J_USER and NEO4J_PASSWORD"
        )
        raise StoreUnavailable(settings.bolt_uri, f"{exc.__cause__ or exc}; {hint}") from exc
    return store


@contextmanager
def trustgraph(settings: Settings) -> Iterator[Trustgraph]:
    """The use cases over the configured store and policy, closed at the end."""
    policy = load_policy(settings)  # TRUSTGRAPH_POLICY, or the shipped policy
    with open_store(settings) as store:
        yield Trustgraph(store, policy, settings.limits, timezone=settings.timezone)


def buyers_shops_hosts(store: Store) -> int:
    """How many buyers, shops and hosts the graph holds: the total of a rescore's progress bar."""
    nodes = store.graph_counts()[0]
    return nodes.get("Buyer", 0) + nodes.get("Shop", 0) + nodes.get("Host", 0)


def buyers(store: Store) -> int:
    return store.graph_counts()[0].get("Buyer", 0)
