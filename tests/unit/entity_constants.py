"""What the shop-and-host tests share: the shipped policy file, the unit of days and the time
they evaluate at."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from scoring.facts import MS_PER_DAY

POLICY_FILE = Path(__file__).resolve().parents[2] / "scoring" / "policies" / "v1.toml"
RAW: dict[str, Any] = tomllib.loads(POLICY_FILE.read_text(encoding="utf-8"))  # deep-copy to change
DAY = MS_PER_DAY
AS_OF = 1_637_683_200_000  # 2021-11-24 00:00 +08:00, the day 信任购 launched
