"""The store: the only code in trustgraph that talks to Neo4j (and the only importer of ``neo4j``).

    cypher     the queries of ``cypher/``, loaded once, their parameters checked at each call
    database   Store (reads, managed write transactions, the driver's errors translated) and Tx
"""

from graph_api.store.cypher import Query, queries, query
from graph_api.store.database import GraphChecks, Plan, Store, Tx

__all__ = ["GraphChecks", "Plan", "Query", "Store", "Tx", "queries", "query"]
