"""trustgraph: the running service, its store, ingestion, the local-Neo4j launcher and the CLI."""

__version__ = "0.1.0"
