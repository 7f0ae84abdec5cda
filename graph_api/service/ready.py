"""Wait until a `trustgraph serve` answers ``/readyz`` with 200: what a script, a benchmark or a
test does after starting the service (a process manager's readiness probe asks the same URL).

The standard library's HTTP client, so that the service's runtime needs nothing more."""

from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.request


class NotReady(RuntimeError):
    """The service did not become ready: it exited, or the time ran out."""


def wait_ready(
    url: str,
    *,
    proc: subprocess.Popen[bytes] | subprocess.Popen[str] | None = None,
    timeout: float = 60.0,
    interval: float = 0.2,
) -> None:
    """Return once ``url``/readyz answers 200. Raise :class:`NotReady` when ``proc`` (the
    service's process, if given) exits first or ``timeout`` seconds pass; a 503 (Neo4j not
    reachable yet) or a refused connection (not listening yet) is waited out."""
    deadline = time.monotonic() + timeout
    probe = url.rstrip("/") + "/readyz"
    last = "no answer"
    while True:
        try:
            with urllib.request.urlopen(probe, timeout=2) as r:
                if r.status == 200:
                    return
                last = f"HTTP {r.status}"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
        except (OSError, urllib.error.URLError) as exc:
            last = str(getattr(exc, "reason", exc))
        if proc is not None and proc.poll() is not None:
            raise NotReady(f"{probe}: the service exited ({proc.returncode}) before it was ready")
        if time.monotonic() > deadline:
            raise NotReady(f"{probe}: not ready after {timeout:.0f} s (last: {last})")
        time.sleep(interval)
