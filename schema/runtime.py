"""What resolvers get from the request: the context, its loaders, and ``run_sync``.

The store is synchronous (the neo4j driver's blocking API); resolvers are ``async`` and hand each
store call to the thread pool with :func:`run_sync`, so one slow query never blocks the event
loop that serves the other requests and the subscriptions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from strawberry.dataloader import DataLoader

from graph_api.auth import Caller, Role
from graph_api.settings import Settings
from graph_api.usecases import ChangeFeed, DerivationLoop, StreamWaiter, Trustgraph
from graph_api.usecases.cards import TRUST_READS

T = TypeVar("T")


@dataclass
class ReadLog:
    """What one HTTP operation read, for the response cache (``schema/responses.py``): the badge
    cards it depends on (and :data:`TRUST_READS` for trust), and whether it read anything else
    (then its answer is not kept)."""

    cards: set[str] = field(default_factory=set)
    other: bool = False


# The read log of the operation being executed (None outside the HTTP view). Resolvers run in
# tasks that copy the context of the request's task, so they all see the same ReadLog object.
read_log: ContextVar[ReadLog | None] = ContextVar("trustgraph_read_log", default=None)


def read_other() -> None:
    """Note that the current operation read something other than badge cards."""
    log = read_log.get()
    if log is not None:
        log.other = True


async def run_sync(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn`` in the thread pool. Every resolver's store call goes through here, so an operation
    that reads anything but badge cards (``Loaders.entities``) is never served from the response
    cache."""
    read_other()
    return await run_in_threadpool(fn, *args, **kwargs)


def read_cards(keys: Iterable[str]) -> None:
    """Note that the current operation's answer depends on these cards (or TRUST_READS)."""
    log = read_log.get()
    if log is not None:
        log.cards.update(keys)


async def run_trust_read(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn``, a read of trust (``trust``, ``trustBatch``), in the thread pool. Its answer depends
    on nothing but TRUST relationships, facts and the graph's clock, which every process follows
    (``usecases/cards.py``), so an operation that reads only trust and cards may be answered from
    the response cache until one of them moves."""
    read_cards([TRUST_READS])
    return await run_in_threadpool(fn, *args, **kwargs)


@dataclass
class Loaders:
    """Per-request DataLoaders: every shop or host card in one response is read in one query."""

    entities: DataLoader[str, dict[str, Any] | None]


def make_loaders(trustgraph: Trustgraph) -> Loaders:
    async def load_entities(ids: list[str]) -> list[dict[str, Any] | None]:
        # Cards this process holds fresh are answered on the event loop; only the others go to
        # the thread pool and Neo4j (usecases/cards.py).
        read_cards(ids)
        found, missing = trustgraph.cached_cards(ids)
        if missing:
            found = {**found, **await run_in_threadpool(trustgraph.cards, missing)}
        return [found.get(i) for i in ids]

    return Loaders(entities=DataLoader(load_fn=load_entities))


@dataclass
class Context:
    trustgraph: Trustgraph  # the use cases (graph_api.usecases.facade)
    feed: ChangeFeed
    settings: Settings
    caller: Caller  # the key's role and, for a MERCHANT, its shops and hosts
    request_id: str
    loaders: Loaders
    request: Any = None
    response: Any = None
    connection_params: Any = None  # a WebSocket's connection_init payload (strawberry sets it)
    derivation: DerivationLoop | None = None  # the process's deriver (None: a facade for reads)
    stream: StreamWaiter | None = None  # waits for stream positions (TRUSTGRAPH_INGEST=kafka)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def role(self) -> Role:
        return self.caller.role
