"""Who may read what: checked at the top of every resolver that returns more than public facts.

The matrix (also in docs/api.md, and tested operation by role in tests/e2e):

    field                                  PUBLIC  MERCHANT  RECOMMENDER  RESEARCHER  INGEST  ADMIN
    shop, host, badges (public facts,       yes     yes        yes         yes       yes    yes
      badge, boost, metrics), shop.hosts,
      clock, policy, derivation,
      streamApplied, badgeChanged
    exact hints: badge details' missing      -     own (1)      -           -         -     yes
      and failed rules, nextLevel (2)
    trust, trustBatch, trustChanged          -       -         yes         yes        -     yes
    buyer, journey, host.buyers,             -       -          -          yes        -     yes
      host.fanClub, buyer.relations,
      neighbourhood, funnel, trustRanking
    recordEvents                             -       -          -           -        yes    yes
    simulatePolicy                           -       -          -           -         -     yes

(1) For the shops and hosts its key is bound to (``key:MERCHANT=shop/<id>+host/<id>``); for any
other shop or host a MERCHANT sees what PUBLIC sees. (2) Whoever may read the field and is not
shown the exact hints gets the coarse ones (``schema/hints.py``): the rule that fails and the
direction of the fix, no figures. That is decided per shop or host, in the resolvers
(``Caller.sees_exact_hints``), not by :func:`require`, since the field itself is public.

No key at all where a role is needed is UNAUTHENTICATED; a key whose role is not allowed is
FORBIDDEN. ADMIN may do everything.

The roles of the root fields are in :data:`ROOT_ROLES`, the one table both checks read: the
service refuses an operation that selects a root field its caller may not use before it decodes
the operation's variables (``schema/guards.py``), and the field's resolver checks again
(:func:`require_root`). Fields below the root (``host.buyers``...) call :func:`require`.
"""

from __future__ import annotations

from strawberry.types import Info

from graph_api.auth import Role
from graph_api.errors import Forbidden, TrustgraphError, Unauthenticated

# Root fields that need a role, by "Type.field" as GraphQL spells them; every other root field is
# public. An empty tuple: ADMIN only.
ROOT_ROLES: dict[str, tuple[Role, ...]] = {
    "Query.trust": (Role.RECOMMENDER, Role.RESEARCHER),
    "Query.trustBatch": (Role.RECOMMENDER, Role.RESEARCHER),
    "Query.buyer": (Role.RESEARCHER,),
    "Query.journey": (Role.RESEARCHER,),
    "Query.neighbourhood": (Role.RESEARCHER,),
    "Query.simulatePolicy": (),
    "Query.funnel": (Role.RESEARCHER,),
    "Query.trustRanking": (Role.RESEARCHER,),
    "Mutation.recordEvents": (Role.INGEST,),
    "Subscription.trustChanged": (Role.RECOMMENDER, Role.RESEARCHER),
}


def refusal(role: Role, field: str, roles: tuple[Role, ...]) -> TrustgraphError | None:
    """Why ``role`` may not use ``field`` (None when it may; ADMIN always may)."""
    if role is Role.ADMIN or role in roles:
        return None
    allowed = ", ".join(r.value for r in (*roles, Role.ADMIN))
    if not roles:
        allowed = Role.ADMIN.value
    if role is Role.PUBLIC:
        return Unauthenticated(f"{field} needs an API key with one of the roles {allowed}")
    return Forbidden(f"{field} is not allowed for the role {role.value}; it needs one of {allowed}")


def require(info: Info, *roles: Role) -> None:
    """Raise unless the caller's role is one of ``roles`` (ADMIN always passes)."""
    error = refusal(info.context.role, info.field_name, roles)
    if error is not None:
        raise error


def require_root(info: Info) -> None:
    """Raise unless the caller may use this root field (by :data:`ROOT_ROLES`)."""
    require(info, *ROOT_ROLES[f"{info.path.typename}.{info.field_name}"])
