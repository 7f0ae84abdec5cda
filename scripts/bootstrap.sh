#!/usr/bin/env bash
# Make sure the machine has what trustgraph needs that pip cannot install: Python 3.11+,
# Java 17 or 21 (to run Neo4j 5.26), Maven (to assemble Neo4j from Maven Central) and Node.js with
# npm (to build the browser side, web/); for the browser tests, Chromium and a CJK font.
# Installs missing pieces with apt-get when running as root on Debian/Ubuntu; otherwise says
# exactly what to install. Then creates .venv from the lock file and installs the project.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
python_ok() { python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; }
java_ok() { command -v java >/dev/null && java -version 2>&1 | grep -Eq 'version "(17|21)[."]'; }
python_ok || need_apt+=(python3 python3-venv)
java_ok || need_apt+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || need_apt+=(maven)
command -v npm >/dev/null || need_apt+=(nodejs npm)
# Only the browser tests (tests/browser) need these: installed when we can, otherwise said.
want_apt=()
[ -x /usr/bin/chromium ] || want_apt+=(chromium)
dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || want_apt+=(fonts-wqy-microhei)
if [ ${#want_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    need_apt+=("${want_apt[@]}")
  else
    echo "bootstrap: the browser tests need ${want_apt[*]} (sudo apt-get install ${want_apt[*]})" >&2
  fi
fi

if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "bootstrap: installing ${need_apt[*]} with apt-get" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
      "${need_apt[@]}" >/dev/null
  else
    echo "bootstrap: missing ${need_apt[*]}; install them (e.g. sudo apt-get install ${need_apt[*]}) and rerun" >&2
    exit 1
  fi
fi

# The environment is the lock file's (requirements.lock: every package pinned with its hashes,
# compiled from pyproject.toml by `make lock`), so every machine and CI run tests the same
# versions; the project itself is installed on top, editable, without resolving again.
stamp=.venv/.installed-$(cat pyproject.toml requirements.lock | sha1sum | cut -c1-12)
# pip's own output (hundreds of lines of setuptools warnings) goes to .trustgraph/install.log;
# the terminal gets one line when it worked, or the log's last lines when it did not.
if [ ! -f "$stamp" ]; then
  echo "bootstrap: creating .venv from requirements.lock and installing trustgraph" >&2
  mkdir -p .trustgraph
  log=.trustgraph/install.log
  if ! {
    python3 -m venv .venv &&
      .venv/bin/pip install -q --require-hashes -r requirements.lock &&
      .venv/bin/pip install -q --no-deps -e .
  } >"$log" 2>&1; then
    echo "bootstrap: installing failed; the last lines of $log:" >&2
    tail -n 30 "$log" >&2
    exit 1
  fi
  rm -f .venv/.installed-*
  touch "$stamp"
  echo "bootstrap: installed trustgraph and its pinned dependencies in .venv (pip's output: $log)" >&2
fi

# The browser side: the <trust-badge> widget, the /demo page's script and GraphiQL, bundled by
# web/build.mjs (esbuild) from the npm packages pinned in web/package-lock.json into
# graph_api/service/static/ (build output, not in git), so the service needs no CDN. npm ci runs
# when the lock file changed, the build when any of its inputs did.
web_lock=$(sha1sum web/package-lock.json | cut -c1-12)
if [ "$(cat web/node_modules/.trustgraph-lock 2>/dev/null)" != "$web_lock" ]; then
  echo "bootstrap: installing web/ packages with npm ci" >&2
  (cd web && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$web_lock" >web/node_modules/.trustgraph-lock
fi
web_inputs=$(cat web/package-lock.json web/build.mjs web/tsconfig.json web/src/* | sha1sum | cut -c1-12)
if [ "$(cat graph_api/service/static/vendor/BUILD_STAMP 2>/dev/null)" != "$web_inputs" ]; then
  echo "bootstrap: building the widget and GraphiQL (web/build.mjs)" >&2
  (cd web && node build.mjs --stamp "$web_inputs")
fi
