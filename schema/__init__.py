"""The GraphQL schema (strawberry). The service arrives with issue 4."""
