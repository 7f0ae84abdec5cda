"""The enums of the API: how far a buyer trusts a target, what kind of target it is, the badges
of the shipped policy and the traffic tiers. Every other module of ``schema.types`` builds on
these; the research enums (FunnelPeriod, FunnelFactor) belong to the research fields and live in
``schema.types.research``."""

from __future__ import annotations

import enum

import strawberry


@strawberry.enum(description="How far a buyer trusts a host or shop (docs/trust-model.md, Levels).")
class TrustLevel(enum.Enum):
    STRANGER = "STRANGER"
    ACQUAINTANCE = "ACQUAINTANCE"
    REGULAR = "REGULAR"


@strawberry.enum
class TargetKind(enum.Enum):
    HOST = "HOST"
    SHOP = "SHOP"


@strawberry.enum(description="The badges of the shipped policy (docs/trust-model.md, Part 2).")
class BadgeKind(enum.Enum):
    TRUST_PURCHASE = "TRUST_PURCHASE"
    QUALITY_MERCHANT = "QUALITY_MERCHANT"
    OFFICIAL_AUTHENTICITY = "OFFICIAL_AUTHENTICITY"


@strawberry.enum(description="Traffic tier from the boost multiplier.")
class BoostTier(enum.Enum):
    SUPPRESSED = "SUPPRESSED"
    NONE = "NONE"
    STANDARD = "STANDARD"
    PREFERRED = "PREFERRED"
