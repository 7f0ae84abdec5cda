"""Persisted operations, by Apollo's automatic persisted queries protocol: a client sends
``extensions: {"persistedQuery": {"version": 1, "sha256Hash": "<hex>"}}`` and no query; when
this process does not know the hash it answers PERSISTED_QUERY_NOT_FOUND (HTTP 200, as Apollo
clients expect) and the client sends the query once with its hash, which is checked and kept.
From then on a public read is a short GET, so a browser or a CDN can cache it and revalidate it
with ``If-None-Match`` (``schema/view.py``: ETag, Cache-Control, 304).

The registry is per process and bounded (least recently used first out): a hash it has
forgotten is asked for again, which the protocol allows at any time.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any

from graph_api.errors import BadRequest

PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
MAX_DOCUMENTS = 10_000


class PersistedQueryNotFound(BadRequest):
    """The hash is not known here (yet): send the query with it. HTTP 200, Apollo's shape."""

    code = PERSISTED_QUERY_NOT_FOUND

    def __init__(self) -> None:
        super().__init__("PersistedQueryNotFound", 200)


def sha256_hex(query: str) -> str:
    return hashlib.sha256(query.encode("utf-8")).hexdigest()


class PersistedQueries:
    def __init__(self, max_documents: int = MAX_DOCUMENTS) -> None:
        self.max_documents = max_documents
        self._documents: OrderedDict[str, str] = OrderedDict()

    def __len__(self) -> int:
        return len(self._documents)

    def resolve(self, query: Any, extensions: Any) -> Any:
        """The query to run: ``query`` itself without a ``persistedQuery`` extension, else the
        document of its hash (registered first when the query comes with it)."""
        if not isinstance(extensions, dict) or "persistedQuery" not in extensions:
            return query
        persisted = extensions["persistedQuery"]
        if not isinstance(persisted, dict) or persisted.get("version") != 1:
            raise BadRequest(
                'extensions.persistedQuery must be {"version": 1, "sha256Hash": "<64 hex digits>"}'
            )
        digest = persisted.get("sha256Hash")
        if not isinstance(digest, str) or len(digest) != 64:
            raise BadRequest("extensions.persistedQuery.sha256Hash must be 64 hex digits")
        digest = digest.lower()
        if isinstance(query, str) and query:
            if sha256_hex(query) != digest:
                raise BadRequest(
                    "extensions.persistedQuery.sha256Hash is not the SHA-256 of the query"
                )
            self._documents[digest] = query
            self._documents.move_to_end(digest)
            while len(self._documents) > self.max_documents:
                self._documents.popitem(last=False)
            return query
        known = self._documents.get(digest)
        if known is None:
            raise PersistedQueryNotFound()
        self._documents.move_to_end(digest)
        return known
