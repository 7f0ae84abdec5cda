"""The lock file the bootstrap installs from (requirements.lock) pins every dependency that
pyproject.toml declares, at a version the declaration allows, with hashes: what CI tests is
what a new machine gets."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


def _locked() -> dict[str, str]:
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pins = re.findall(r"^([A-Za-z0-9_.-]+)==([^ \\\n]+)", text, re.M)
    assert pins and text.count("--hash=sha256:") >= len(pins), "every pin carries its hashes"
    return {canonicalize_name(name): version for name, version in pins}


def test_every_declared_dependency_is_pinned_within_its_range() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    locked = _locked()
    for line in declared:
        req = Requirement(line)
        name = canonicalize_name(req.name)
        stale = "requirements.lock is stale: run `make lock`"
        assert name in locked, f"{req.name} is declared but not pinned; {stale}"
        assert req.specifier.contains(locked[name], prereleases=True), (
            f"{req.name}=={locked[name]} is outside {req.specifier}; {stale}"
        )
