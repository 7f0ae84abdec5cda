"""GraphQL output types: thin views over the values of ``graph_api.usecases.reads`` and ``scoring``,
one module per area of the API, each with the converters that make its types:

- ``enums``: TrustLevel, TargetKind, BadgeKind, BoostTier;
- ``common``: ``to_datetime`` and ``Reason``, which several areas use;
- ``trust``: pair trust for recommenders (TrustRelation, TrustBatch and its column scalars);
- ``standing``: a shop's or host's badge, boost and metrics;
- ``connections``: Relay pages (a host's buyers and fan club, a buyer's relations);
- ``entities``: Host, Shop, Buyer, BadgeCard and the fields that read further;
- ``journeys``: how one pair moved between levels;
- ``changes``: what recordEvents reports and the subscriptions stream;
- ``subgraphs``: neighbourhoods for graph viewers;
- ``simulation``: the policy what-if;
- ``research``: the funnel and propagated trust.

Each module imports only modules listed before it, so there is no cycle. The package itself
re-exports nothing: import a type from its area's module. Which module defines a type does not
matter to the SDL (strawberry prints the types sorted by name); the order of the fields inside
each class does.
"""
