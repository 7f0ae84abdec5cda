"""Choose the scoring policy by configuration: ``TRUSTGRAPH_POLICY`` names a TOML file, or the
policy shipped with the package is used. Reading the file happens here, at the edge; parsing
and validation are scoring's (pure) business, whose one error (``PolicyError``) becomes a
``ConfigError`` here that names the file and the key path."""

from __future__ import annotations

from scoring.policy import Policy, default_policy, parse_policy
from scoring.policy_reader import PolicyError

from graph_api.errors import ConfigError
from graph_api.settings import Settings


def load_policy(settings: Settings) -> Policy:
    if settings.policy_path is None:
        return default_policy()
    path = settings.policy_path
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError("TRUSTGRAPH_POLICY", str(path), f"a readable policy file ({exc.strerror})") from exc
    try:
        return parse_policy(text, str(path))
    except PolicyError as exc:
        # The ConfigError names the file already: say what is wrong, by key path, once.
        raise ConfigError("TRUSTGRAPH_POLICY", str(path), f"a valid policy: {exc.sentence}") from exc
