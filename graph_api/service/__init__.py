"""The HTTP service: the Starlette app that composes the GraphQL schema with the use cases, its
middleware, logs and metrics. The only package that imports ``schema``."""
