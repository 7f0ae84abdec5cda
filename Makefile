# The two commands of the README, and a few more. Each installs what it needs first.
.PHONY: run test unit bench install neo4j-stop clean

install:
	@scripts/bootstrap.sh

# Start the local Neo4j (or use NEO4J_URI), load demo data into an empty graph, print stats.
run: install
	.venv/bin/trustgraph up

# Every test: unit tests, then integration tests against a real Neo4j the session starts.
test: install
	.venv/bin/python -m pytest

unit: install
	.venv/bin/python -m pytest tests/unit

# The benchmarks; writes docs/benchmarks.md. Takes several minutes.
bench: install
	.venv/bin/python -m bench.run

neo4j-stop: install
	.venv/bin/trustgraph neo4j stop

clean:
	rm -rf .venv .trustgraph .pytest_cache .hypothesis
