"""The test session is hermetic: settings in the caller's shell do not reach the tests
(tests/conftest.py, scrub_environment)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from graph_api.settings import load_settings
from tests.conftest import KEPT_VARIABLES, scrub_environment

ROOT = Path(__file__).resolve().parents[2]

# Each of these broke the suite, or changed what it tests, when it leaked in from a shell.
HOSTILE = {
    "TRUSTGRAPH_API_KEYS": "short:ADMIN",  # keys of under 16 characters: a ConfigError
    "TRUSTGRAPH_MAX_DEPTH": "abc",
    "TRUSTGRAPH_INTROSPECTION": "sometimes",
    "TRUSTGRAPH_MAX_BODY_BYTES": "12",
    "TRUSTGRAPH_POLICY": "/nonexistent/policy.toml",
    "TRUSTGRAPH_NEO4J_HOME": "/nonexistent/home",
    "NEO4J_PASSWORD": "x",
    "NEO4J_USER": "somebody",
}


def test_the_session_sees_none_of_the_callers_settings():
    leaked = [
        name
        for name in os.environ
        if (name.startswith("TRUSTGRAPH_") and not name.startswith(KEPT_VARIABLES))
        or (name.startswith("NEO4J_") and not os.environ.get("NEO4J_URI"))
    ]
    assert leaked == []
    settings = load_settings()  # the process environment, as the service's factory reads it
    assert len(settings.api_keys) == 0 and settings.limits.max_depth == 12
    assert settings.limits.introspection == "keys" and settings.policy_path is None


def test_scrub_keeps_the_tests_own_variables():
    env = {
        **HOSTILE,
        "TRUSTGRAPH_TEST_BOLT_PORT": "27687",
        "TRUSTGRAPH_CACHE_DIR": "/tmp/c",
        "PATH": "/bin",
    }
    assert sorted(scrub_environment(env)) == sorted(HOSTILE)
    assert env == {
        "TRUSTGRAPH_TEST_BOLT_PORT": "27687",
        "TRUSTGRAPH_CACHE_DIR": "/tmp/c",
        "PATH": "/bin",
    }
    server = {"NEO4J_URI": "bolt://db:7687", "NEO4J_PASSWORD": "pw", "TRUSTGRAPH_API_KEYS": "k"}
    scrub_environment(server)
    assert server == {"NEO4J_URI": "bolt://db:7687", "NEO4J_PASSWORD": "pw"}


def test_a_shell_full_of_bad_settings_does_not_change_the_outcome():
    """A pytest of its own, started with every hostile setting above, passes the test that
    reads the environment (and the settings tests)."""
    env = {k: v for k, v in os.environ.items() if k != "NEO4J_URI"} | HOSTILE
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"{Path(__file__).relative_to(ROOT)}::test_the_session_sees_none_of_the_callers_settings",
            "tests/unit/test_settings.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert " passed" in run.stdout and "error" not in run.stdout.lower()
