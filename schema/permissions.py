"""Who may read what: checked at the top of every resolver that returns more than public facts.

The matrix (also in docs/api.md, and tested operation by role in tests/e2e):

    field                                  PUBLIC  MERCHANT  RECOMMENDER  RESEARCHER  INGEST  ADMIN
    shop, host, badges (public facts,       yes     yes        yes         yes       yes    yes
      badge, boost, metrics), shop.hosts,
      clock, policy, badgeChanged
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
"""

from __future__ import annotations

from strawberry.types import Info

from graph_api.auth import Role
from graph_api.errors import Forbidden, Unauthenticated


def require(info: Info, *roles: Role) -> None:
    """Raise unless the caller's role is one of ``roles`` (ADMIN always passes)."""
    role: Role = info.context.role
    if role is Role.ADMIN or role in roles:
        return
    field = info.field_name
    allowed = ", ".join(r.value for r in (*roles, Role.ADMIN))
    if not roles:
        allowed = Role.ADMIN.value
    if role is Role.PUBLIC:
        raise Unauthenticated(f"{field} needs an API key with one of the roles {allowed}")
    raise Forbidden(f"{field} is not allowed for the role {role.value}; it needs one of {allowed}")
