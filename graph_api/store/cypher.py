"""Load the Cypher files of ``cypher/`` once, into a read-only mapping.

One query per file, named by its path without the extension (``ingest/order_placed``). A
query's parameters are the ``$names`` it uses; :meth:`Query.params` checks that a caller passes
exactly those, so a typo fails at the call site with the query's name rather than deep inside
Neo4j. Scripts (``schema/constraints``) hold several statements split on ``;``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any

_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_COMMENT = re.compile(r"//[^\n]*")


@dataclass(frozen=True)
class Query:
    name: str
    text: str
    parameters: frozenset[str]

    def params(self, **values: Any) -> dict[str, Any]:
        """Return ``values`` after checking they are exactly this query's parameters."""
        given = frozenset(values)
        if given != self.parameters:
            missing = sorted(self.parameters - given)
            extra = sorted(given - self.parameters)
            raise TypeError(f"query {self.name}: missing parameters {missing}, unexpected {extra}")
        return values

    def statements(self) -> list[str]:
        """The statements of a script file (split on ';', comments dropped)."""
        body = _COMMENT.sub("", self.text)
        return [s.strip() for s in body.split(";") if s.strip()]


def _load() -> Mapping[str, Query]:
    root = resources.files("cypher")
    queries: dict[str, Query] = {}
    stack = [(root, "")]
    while stack:
        folder, prefix = stack.pop()
        for entry in folder.iterdir():
            if entry.is_dir():
                stack.append((entry, f"{prefix}{entry.name}/"))
            elif entry.name.endswith(".cypher"):
                text = entry.read_text(encoding="utf-8")
                name = prefix + entry.name[: -len(".cypher")]
                code = _COMMENT.sub("", text)
                if not code.strip():
                    raise ValueError(f"cypher file {name}.cypher is empty")
                queries[name] = Query(name, text, frozenset(_PARAM.findall(code)))
    return MappingProxyType(dict(sorted(queries.items())))


_QUERIES: Mapping[str, Query] | None = None


def queries() -> Mapping[str, Query]:
    """All queries, loaded on first use and cached for the life of the process."""
    global _QUERIES
    if _QUERIES is None:
        _QUERIES = _load()
    return _QUERIES


def query(name: str) -> Query:
    try:
        return queries()[name]
    except KeyError:
        raise KeyError(f"no cypher file {name}.cypher (known: {', '.join(queries())})") from None
