"""API keys and roles.

Keys come from configuration, never from code: ``TRUSTGRAPH_API_KEYS`` (``key:ROLE`` pairs
separated by commas) and/or the file ``TRUSTGRAPH_API_KEYS_FILE`` names (one ``key:ROLE`` per
line, ``#`` comments). Only a SHA-256 digest of each key is kept in memory, and a presented key
is compared with every digest by :func:`hmac.compare_digest` without stopping at a match, so
neither the comparison nor the table's order tells a timing attacker anything about a key.

Roles, from the issue (what each may do is enforced per field in ``schema/permissions.py``):

    PUBLIC       no key: badges, boosts and public shop and host facts; never buyer-level data
    RECOMMENDER  trust reads (trust, trustBatch) and everything PUBLIC
    RESEARCHER   exploration: buyers, a host's buyers and fan club, journeys, relations
    INGEST       recordEvents
    ADMIN        everything
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from graph_api.errors import ConfigError


class Role(enum.Enum):
    PUBLIC = "PUBLIC"
    RECOMMENDER = "RECOMMENDER"
    RESEARCHER = "RESEARCHER"
    INGEST = "INGEST"
    ADMIN = "ADMIN"


# Where the request middleware leaves the caller's role in the ASGI scope, for the GraphQL view.
ROLE_SCOPE_KEY = "trustgraph.role"

MIN_KEY_LENGTH = 16  # a short key is guessable; say so at start-up rather than in an incident


def bearer(header: str | None) -> str | None:
    """The key of an ``Authorization: Bearer <key>`` header: None without a header, "" for a
    header that is not a bearer key (which no key matches)."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else ""


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


@dataclass(frozen=True)
class KeyTable:
    """The configured keys, as (digest, role) pairs."""

    entries: tuple[tuple[bytes, Role], ...] = ()

    def role_of(self, key: str) -> Role | None:
        """The role of ``key``, or None if it is not a configured key. Constant time in the key:
        every entry is compared, whatever matches."""
        presented = _digest(key)
        found: Role | None = None
        for digest, role in self.entries:
            if hmac.compare_digest(presented, digest):
                found = role
        return found

    def __len__(self) -> int:
        return len(self.entries)


def _pairs(text: str, source: str, separator: str) -> Iterable[tuple[str, str, str]]:
    for n, item in enumerate(text.split(separator), start=1):
        item = item.strip()
        if not item or item.startswith("#"):
            continue
        where = f"{source} entry {n}" if separator == "," else f"{source} line {n}"
        key, sep, role = item.rpartition(":")
        if not sep or not key:
            raise ConfigError(source, f"<{where}>", "key:ROLE pairs (the key itself is not shown)")
        yield key.strip(), role.strip().upper(), where


def load_keys(environ: Mapping[str, str]) -> KeyTable:
    """Read ``TRUSTGRAPH_API_KEYS`` and ``TRUSTGRAPH_API_KEYS_FILE``. Errors name the variable and
    the entry, never the key."""
    found: list[tuple[str, str, str, str]] = []
    inline = environ.get("TRUSTGRAPH_API_KEYS", "")
    found += [
        (k, r, w, "TRUSTGRAPH_API_KEYS") for k, r, w in _pairs(inline, "TRUSTGRAPH_API_KEYS", ",")
    ]
    path = environ.get("TRUSTGRAPH_API_KEYS_FILE")
    if path:
        try:
            text = Path(path).expanduser().read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(
                "TRUSTGRAPH_API_KEYS_FILE", path, f"a readable file ({exc.strerror})"
            ) from None
        found += [
            (k, r, w, "TRUSTGRAPH_API_KEYS_FILE")
            for k, r, w in _pairs(text, "TRUSTGRAPH_API_KEYS_FILE", "\n")
        ]
    entries: list[tuple[bytes, Role]] = []
    seen: set[bytes] = set()
    roles = ", ".join(r.value for r in Role if r is not Role.PUBLIC)
    for key, role_name, where, var in found:
        if role_name not in Role.__members__ or role_name == "PUBLIC":
            raise ConfigError(var, f"<{where}: role {role_name!r}>", f"a role among {roles}")
        if len(key) < MIN_KEY_LENGTH or any(c.isspace() or c == "," for c in key):
            raise ConfigError(
                var,
                f"<{where}>",
                f"keys of at least {MIN_KEY_LENGTH} characters, "
                "without spaces or commas (the key itself is not shown)",
            )
        digest = _digest(key)
        if digest in seen:
            raise ConfigError(var, f"<{where}>", "each key once (this key is listed twice)")
        seen.add(digest)
        entries.append((digest, Role[role_name]))
    return KeyTable(tuple(entries))
