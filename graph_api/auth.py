"""API keys, roles and the caller a key stands for.

Keys come from configuration, never from code: ``TRUSTGRAPH_API_KEYS`` (``key:ROLE`` pairs
separated by commas) and/or the file ``TRUSTGRAPH_API_KEYS_FILE`` names (one ``key:ROLE`` per
line, ``#`` comments). Only a SHA-256 digest of each key is kept in memory, and a presented key
is compared with every digest by :func:`hmac.compare_digest` without stopping at a match, so
neither the comparison nor the table's order tells a timing attacker anything about a key.

A MERCHANT key names the shops and hosts it belongs to, after ``=``, joined by ``+``, each as
``shop/<id>`` or ``host/<id>``: ``key:MERCHANT=shop/s00012+host/h00031``. The role is what
follows the entry's last ``:``, as for every role, so a key may contain any character but
whitespace and commas; a bound id follows the event format's id rule but cannot contain ``:``
(nor ``+``, which the format never allows). A MERCHANT entry without ids, or ids given to
another role, is a configuration error.

Roles, from the issue (what each may do is enforced per field in ``schema/permissions.py``):

    PUBLIC       no key: badges, boosts and public shop and host facts; never buyer-level data
    MERCHANT     what PUBLIC may, plus the exact badge hints of its own shops and hosts
    RECOMMENDER  trust reads (trust, trustBatch) and everything PUBLIC
    RESEARCHER   exploration: buyers, a host's buyers and fan club, journeys, relations
    INGEST       recordEvents
    ADMIN        everything, exact hints included

Exact hints (what a shop or host lacks for a badge, in numbers, and what a pair lacks for its
next trust level) go to ADMIN and to a MERCHANT for its own shops and hosts
(:meth:`Caller.sees_exact_hints`); everyone else gets the coarse form (``schema/hints.py``).
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from graph_api.errors import ConfigError, InvalidField
from graph_api.events import check_id
from scoring.pair_trust import HOST, SHOP


class Role(enum.Enum):
    PUBLIC = "PUBLIC"
    MERCHANT = "MERCHANT"
    RECOMMENDER = "RECOMMENDER"
    RESEARCHER = "RESEARCHER"
    INGEST = "INGEST"
    ADMIN = "ADMIN"


@dataclass(frozen=True)
class Caller:
    """Who calls: the key's role and, for a MERCHANT, the shops and hosts its key is bound to
    (empty for every other role)."""

    role: Role
    shops: frozenset[str] = frozenset()
    hosts: frozenset[str] = frozenset()

    def owns(self, kind: str, entity_id: str) -> bool:
        """The key is bound to this shop (``kind`` SHOP) or host (HOST)."""
        if kind == SHOP:
            return entity_id in self.shops
        if kind == HOST:
            return entity_id in self.hosts
        return False

    def sees_exact_hints(self, kind: str, entity_id: str) -> bool:
        """Exact hints about this shop or host (its badges' gaps, or a pair's next level toward
        it): ADMIN always, a MERCHANT for its own shops and hosts, nobody else."""
        if self.role is Role.ADMIN:
            return True
        return self.role is Role.MERCHANT and self.owns(kind, entity_id)


PUBLIC_CALLER = Caller(Role.PUBLIC)

# Where the request middleware leaves the Caller in the ASGI scope, for the GraphQL view.
CALLER_SCOPE_KEY = "trustgraph.caller"

# How a MERCHANT entry names what it is bound to: "=" after the role, "+" between bindings, and
# each binding "shop/<id>" or "host/<id>" (the kind in either case).
BINDING_SEPARATOR = "+"
_KINDS = {"shop": SHOP, "host": HOST}
MERCHANT_SYNTAX = "MERCHANT=shop/<id>+host/<id>... (one or more; ids without ':')"

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
    """The configured keys, as (digest, caller) pairs."""

    entries: tuple[tuple[bytes, Caller], ...] = ()

    def caller_of(self, key: str) -> Caller | None:
        """The caller ``key`` stands for, or None if it is not a configured key. Constant time in
        the key: every entry is compared, whatever matches."""
        presented = _digest(key)
        found: Caller | None = None
        for digest, caller in self.entries:
            if hmac.compare_digest(presented, digest):
                found = caller
        return found

    def role_of(self, key: str) -> Role | None:
        """The role of ``key``, or None if it is not a configured key."""
        caller = self.caller_of(key)
        return None if caller is None else caller.role

    def __len__(self) -> int:
        return len(self.entries)


def _pairs(text: str, source: str, separator: str) -> Iterable[tuple[str, str, str]]:
    for n, item in enumerate(text.split(separator), start=1):
        item = item.strip()
        if not item or item.startswith("#"):
            continue
        where = f"{source} entry {n}" if separator == "," else f"{source} line {n}"
        # The role (and a MERCHANT's ids) follow the last ":": keys may contain ":", ids may not.
        key, sep, spec = item.rpartition(":")
        if not sep or not key:
            raise ConfigError(source, f"<{where}>", "key:ROLE pairs (the key itself is not shown)")
        yield key.strip(), spec.strip(), where


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
    entries: list[tuple[bytes, Caller]] = []
    seen: set[bytes] = set()
    roles = ", ".join(r.value for r in Role if r is not Role.PUBLIC)
    for key, spec, where, var in found:
        role_name, has_ids, ids = spec.partition("=")
        role_name = role_name.strip().upper()
        if role_name not in Role.__members__ or role_name == "PUBLIC":
            raise ConfigError(
                var, f"<{where}: role {role_name!r}>", f"a role among {roles} ({MERCHANT_SYNTAX})"
            )
        role = Role[role_name]
        if role is Role.MERCHANT and not ids.strip():
            raise ConfigError(
                var,
                f"<{where}: MERCHANT without ids>",
                f"{MERCHANT_SYNTAX}: a MERCHANT key names the shops and hosts it is for",
            )
        if role is not Role.MERCHANT and has_ids:
            raise ConfigError(
                var,
                f"<{where}: role {role_name} with ids>",
                f"ids only for MERCHANT keys ({MERCHANT_SYNTAX}); {role_name} is not bound",
            )
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
        entries.append((digest, _caller(role, ids, var, where)))
    return KeyTable(tuple(entries))


def _caller(role: Role, ids: str, var: str, where: str) -> Caller:
    """The caller of one entry: for a MERCHANT, the shops and hosts of ``ids``
    (``shop/<id>+host/<id>...``)."""
    if role is not Role.MERCHANT:
        return Caller(role)
    bound: dict[str, set[str]] = {SHOP: set(), HOST: set()}
    for n, binding in enumerate(ids.split(BINDING_SEPARATOR), start=1):
        binding = binding.strip()
        kind_name, slash, entity_id = binding.partition("/")
        kind = _KINDS.get(kind_name.strip().lower())
        problem = None
        if not slash or kind is None:
            problem = "shop/<id> or host/<id>"
        else:
            try:
                check_id("id", entity_id)
            except InvalidField as exc:
                problem = f"a valid id ({exc.message})"
        if problem is not None:
            raise ConfigError(
                var,
                f"<{where}: MERCHANT binding {n}, {binding!r}>",
                f"{problem} ({MERCHANT_SYNTAX})",
            )
        assert kind is not None
        bound[kind].add(entity_id)
    return Caller(role, shops=frozenset(bound[SHOP]), hosts=frozenset(bound[HOST]))
