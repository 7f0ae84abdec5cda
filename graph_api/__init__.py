"""trustgraph's application: everything between the pure scoring library (``scoring/``) and the
people and programs that use it. Its packages are layers; imports run from the top down
(docs/architecture.md draws them; tests/unit/test_layers.py enforces them):

    cli/         the trustgraph command                       (top)
    service/     the Starlette app that serves schema/ (GraphQL)
    usecases/    the Trustgraph facade: what a client can ask, checked the same way for both
    research/    exports, networkx, rings, propagation, the funnel, what-if;  seed/  the generator
    ingest/      events into facts
    derive/      derived state (weights, trust, standings) from the facts
    store/       the only code that talks to Neo4j;  neo4j_local  the local server
    errors, settings, auth, events, policy, json_fields             (bottom)
"""

__version__ = "0.1.0"
