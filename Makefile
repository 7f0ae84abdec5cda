# The two commands of the README, and a few more. Each installs what it needs first.
.PHONY: run test lint unit bench screenshots install lock neo4j-stop clean

install:
	@scripts/bootstrap.sh

# Start the local Neo4j (or use NEO4J_URI), load demo data into an empty graph, print stats,
# serve the API on PORT (make run PORT=8001; a taken port is refused before anything starts).
PORT ?= 8000
run: install
	.venv/bin/trustgraph up --port $(PORT)

# Lint, format and types first (fast, no database), then every test: unit tests, then
# integration and end-to-end tests against a real Neo4j the session starts; then the integration
# tests once more through the routing driver (neo4j://), as against a cluster.
test: install lint
	.venv/bin/python -m pytest
	TRUSTGRAPH_TEST_NEO4J_SCHEME=neo4j .venv/bin/python -m pytest tests/integration

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
	cd web && node_modules/.bin/tsc --noEmit -p tsconfig.json

unit: install
	.venv/bin/python -m pytest tests/unit

# The benchmarks; writes docs/benchmarks.md. Takes several minutes.
bench: install
	.venv/bin/python -m bench.run

# The demo page and GraphiQL in Chromium, on the demo platform: docs/screenshots/*.png.
screenshots: install
	.venv/bin/python -m bench.screenshots

neo4j-stop: install
	.venv/bin/trustgraph neo4j stop

# Pin every dependency (with hashes) after changing pyproject.toml's dependencies.
lock:
	python3 -m venv .trustgraph/lock-venv && .trustgraph/lock-venv/bin/pip install -q pip-tools
	.trustgraph/lock-venv/bin/pip-compile -q --extra test --generate-hashes --strip-extras --allow-unsafe \
		--no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml

clean:
	rm -rf .venv .trustgraph .pytest_cache .hypothesis .mypy_cache .ruff_cache
