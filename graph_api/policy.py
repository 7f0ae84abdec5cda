"""The edge where policies enter: the policy in force (``TRUSTGRAPH_POLICY`` names a TOML file,
or the policy shipped with the package is used) and candidate policies for a what-if. Reading
the file happens here; parsing and validation are scoring's (pure) business, whose one error
(``PolicyError``) becomes a ``ConfigError`` (the configured policy) or a ``BadInput`` (a
candidate) here, naming the key path."""

from __future__ import annotations

from graph_api.errors import BadInput, ConfigError
from graph_api.settings import Settings
from scoring.policy import Policy, default_policy, parse_policy
from scoring.policy_reader import PolicyError


def load_policy(settings: Settings) -> Policy:
    if settings.policy_path is None:
        return default_policy()
    path = settings.policy_path
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            "TRUSTGRAPH_POLICY", str(path), f"a readable policy file ({exc.strerror})"
        ) from exc
    try:
        return parse_policy(text, str(path))
    except PolicyError as exc:
        # The ConfigError names the file already: say what is wrong, by key path, once.
        raise ConfigError(
            "TRUSTGRAPH_POLICY", str(path), f"a valid policy: {exc.sentence}"
        ) from exc


def parse_candidate(text: str, source: str = "policy") -> Policy:
    """A candidate policy's text (``simulatePolicy``, ``trustgraph simulate --policy``)."""
    try:
        return parse_policy(text, source)
    except PolicyError as exc:
        raise BadInput("policy", exc.sentence) from exc
