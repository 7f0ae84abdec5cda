"""The one error hierarchy of trustgraph.

    TrustgraphError
     +-- ConfigError            a setting from the environment or a flag is malformed
     +-- Neo4jLaunchError       the local Neo4j could not be installed, started or stopped
     +-- StoreUnavailable       the database cannot be reached (driver errors are translated here)
     +-- ImportFileError        an import file cannot be read (not a single bad event: those are rejections)

Each error builds its own message so that the CLI can print ``str(exc)`` and nothing else.
"""

from __future__ import annotations


class TrustgraphError(Exception):
    """Root of every error trustgraph raises on purpose."""


class ConfigError(TrustgraphError):
    def __init__(self, name: str, value: object, expected: str) -> None:
        self.name = name
        self.value = value
        self.expected = expected
        super().__init__(f"configuration {name}={value!r} is invalid: expected {expected}")


class Neo4jLaunchError(TrustgraphError):
    """The local Neo4j failed; ``log_tail`` holds the last lines of the server's log, if any."""

    def __init__(self, message: str, log_tail: str | None = None) -> None:
        self.log_tail = log_tail
        if log_tail:
            message = f"{message}\n--- last lines of the Neo4j log ---\n{log_tail.rstrip()}"
        super().__init__(message)


class StoreUnavailable(TrustgraphError):
    def __init__(self, uri: str, detail: str) -> None:
        self.uri = uri
        super().__init__(f"Neo4j at {uri} is unavailable: {detail}")


class ImportFileError(TrustgraphError):
    def __init__(self, path: str, detail: str) -> None:
        self.path = path
        super().__init__(f"cannot import {path}: {detail}")
