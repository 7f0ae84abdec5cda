"""How trustgraph names fields in JSON (CLI ``--json`` output, reports): camelCase, as GraphQL
does, so one name means one thing in every output."""

from __future__ import annotations

import re
from typing import Any


def camel_case(name: str) -> str:
    """``events_per_second`` -> ``eventsPerSecond``."""
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), name)


def json_fields(obj: object, *names: str) -> dict[str, Any]:
    """These attributes of ``obj`` under their camelCase names, in the order given."""
    return {camel_case(n): getattr(obj, n) for n in names}
