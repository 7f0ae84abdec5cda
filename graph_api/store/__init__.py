"""The store: the only code in trustgraph that talks to Neo4j (and the only importer of ``neo4j``).

cypher     the queries of ``cypher/``, loaded once, their parameters checked at each call
database   Store (reads, managed write transactions, the driver's errors translated) and Tx
pool       ReadPool: reads spread over several servers (TRUSTGRAPH_READ_URIS), with failover
records    feature rows decoded once into the typed facts that derivation, reads and research share
"""

from graph_api.store.cypher import Query, queries, query
from graph_api.store.database import FactReader, Store, Tx, probe
from graph_api.store.pool import ReadPool
from graph_api.store.records import BuyerRecord, EntityRecord

__all__ = [
    "BuyerRecord",
    "EntityRecord",
    "FactReader",
    "Query",
    "ReadPool",
    "Store",
    "Tx",
    "probe",
    "queries",
    "query",
]
