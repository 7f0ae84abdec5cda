"""The use cases: what a client can ask, the same for GraphQL resolvers and CLI commands.

facade     Trustgraph: one method per use case, arguments checked the same way for both
arguments  the argument checks (BadInput naming the argument)
reads      trust of one pair scored live, trust in bulk, standings, connections, journeys
changes    the change feed: level and badge changes from the log in the graph, to subscribers
derivation the deriver task: follows the ingest log, and waits for a position on demand
stream     waits until every read server has applied (and derived) Kafka stream positions
"""

from graph_api.usecases.changes import ChangeFeed
from graph_api.usecases.derivation import DerivationLoop
from graph_api.usecases.facade import JourneyAnswer, PairAnswer, Trustgraph
from graph_api.usecases.stream import StreamWaiter

__all__ = [
    "ChangeFeed",
    "DerivationLoop",
    "JourneyAnswer",
    "PairAnswer",
    "StreamWaiter",
    "Trustgraph",
]
