"""The GraphQL-over-HTTP spec's audit suite (npm graphql-http's auditServer, run by
web/audit.mjs with Node) against the real service: every audit passes, MUST and SHOULD alike
(application/json and application/graphql-response+json)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from graph_api.settings import Settings
from tests.e2e.conftest import Server

pytestmark = pytest.mark.integration

WEB = Path(__file__).resolve().parents[2] / "web"


@pytest.fixture(scope="module")
def audited(service_settings: Settings, _session_store) -> Iterator[Server]:
    """The service with introspection public: the suite's queries are ``__typename`` and
    ``__type`` (with a key-less client, as the audits run)."""
    limits = dataclasses.replace(service_settings.limits, introspection="public")
    with Server(service_settings.with_overrides(limits=limits)) as s:
        yield s


def test_every_graphql_over_http_audit_passes(audited):
    done = subprocess.run(
        ["node", str(WEB / "audit.mjs"), f"{audited.url}/graphql"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=WEB,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    failed = report["warn"] + report["error"]
    assert not failed, json.dumps(failed, indent=1, ensure_ascii=False)
    assert report["ok"] == report["total"] == 61


SPEC = "application/graphql-response+json"


@pytest.mark.parametrize(
    "body, status_spec",
    [
        ({"query": "{ clock "}, 400),  # does not parse
        ({"query": "{ noSuchField }"}, 400),  # does not validate
        ({"query": "query($n: Int!) { clock }", "variables": {"n": "x"}}, 400),  # coercion
        ({"query": '{ clock shop(id: "s1") { id } }'}, 200),  # executed: data
        ({"query": '{ buyer(id: "b1") { id } }'}, 200),  # a field error (no key): data null
    ],
)
def test_the_media_type_a_client_asks_for_decides_status_and_shape(audited, body, status_spec):
    url = f"{audited.url}/graphql"
    spec = httpx.post(
        url, json=body, headers={"Accept": f"{SPEC}, application/json;q=0.9"}, timeout=60
    )
    assert spec.status_code == status_spec, spec.text
    assert spec.headers["content-type"] == f"{SPEC}; charset=utf-8"
    got = spec.json()
    assert ("data" in got) == (status_spec == 200), got
    assert all("code" in e["extensions"] for e in got.get("errors", []))
    # application/json (and no Accept at all): 200 whatever happened, with a data entry.
    for accept in ("application/json", None):
        legacy = httpx.post(
            url, json=body, headers={"Accept": accept} if accept else {}, timeout=60
        )
        assert legacy.status_code == 200 and legacy.headers["content-type"] == "application/json"
        assert "data" in legacy.json()
        assert legacy.json().get("errors") == got.get("errors")
