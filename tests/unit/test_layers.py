"""The architecture as a test (docs/architecture.md): imports run one way, from the CLI and the
service down to the pure scoring library, with no cycle, and each third-party library is imported
only by the layer that owns it. Read from the source with ``ast``, so it checks what the files
say, not what happened to be imported first."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("graph_api", "schema", "scoring", "cypher", "bench")

# Lowest first. A module may import modules of its own layer or of a lower one, never a higher one.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("scoring", "cypher"),
    (
        "graph_api.errors",
        "graph_api.json_fields",
        "graph_api.auth",
        "graph_api.settings",
        "graph_api.events",
        "graph_api.policy",
    ),
    ("graph_api.store", "graph_api.neo4j_local", "graph_api.kafka_local"),
    ("graph_api.derive",),
    ("graph_api.ingest",),
    ("graph_api.research", "graph_api.seed", "graph_api.spark"),
    ("graph_api.usecases",),
    ("schema",),
    ("graph_api.service",),
    ("graph_api.cli",),
    ("bench",),
)

# Third-party packages that one part of the tree owns: nothing else may import them.
OWNERS = {
    "neo4j": ("graph_api.store",),
    "strawberry": ("schema",),
    "graphql": ("schema",),
    "starlette": ("schema", "graph_api.service"),
    "uvicorn": ("graph_api.cli",),
    "matplotlib": ("graph_api.research.report",),
    "tqdm": ("graph_api.cli", "bench"),
    "confluent_kafka": (
        "graph_api.kafka_local",
        "graph_api.ingest.kafka",
        "graph_api.ingest.produce",
    ),
    "pyspark": ("graph_api.spark",),
    "pyarrow": ("graph_api.spark",),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[_module_name(path)] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> list[tuple[str, int, bool]]:
    """(imported module, line, at module level) for every import of ``path``; ``from a import b``
    names the module ``a.b`` when that is a module of the tree, else ``a``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    top_level = {id(node) for node in tree.body}
    out: list[tuple[str, int, bool]] = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [
                f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in MODULES else node.module
                for a in node.names
            ]
        out.extend((name, node.lineno, id(node) in top_level) for name in names)
    return out


def _unit(module: str, units: tuple[str, ...]) -> str | None:
    """The longest prefix of ``module`` among ``units``."""
    best = None
    for u in units:
        if (module == u or module.startswith(u + ".")) and (best is None or len(u) > len(best)):
            best = u
    return best


LAYER_OF = {unit: i for i, layer in enumerate(LAYERS) for unit in layer}


def _layer(module: str) -> int:
    if module == "graph_api":  # the package itself: a docstring, no imports
        return 1
    unit = _unit(module, tuple(u for u in LAYER_OF if u != "graph_api"))
    assert unit is not None, f"{module} is in no layer of tests/unit/test_layers.py: add it"
    return LAYER_OF[unit]


def test_every_module_has_a_layer() -> None:
    for module in MODULES:
        _layer(module)


def test_imports_run_down_the_layers() -> None:
    upward = []
    for module, path in MODULES.items():
        for target, line, _ in _imports(path):
            if target.split(".")[0] not in PACKAGES:
                continue
            if _layer(target) > _layer(module):
                upward.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert not upward, "imports against the layers:\n" + "\n".join(upward)


def test_no_import_cycle() -> None:
    graph: nx.DiGraph[str] = nx.DiGraph()
    for module, path in MODULES.items():
        for target, _, _ in _imports(path):
            if target in MODULES and target != module:
                graph.add_edge(module, target)
    cycles = list(nx.simple_cycles(graph))
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c + [c[0]]) for c in cycles)


@pytest.mark.parametrize("library", sorted(OWNERS))
def test_each_library_is_imported_only_by_its_owner(library: str) -> None:
    owners = OWNERS[library]
    strays = [
        f"{path.relative_to(ROOT)}:{line}"
        for module, path in MODULES.items()
        for target, line, _ in _imports(path)
        if target.split(".")[0] == library and _unit(module, owners) is None
    ]
    assert not strays, f"{library} is {', '.join(owners)}'s to import, but: {', '.join(strays)}"


def test_scoring_is_pure() -> None:
    """scoring/ is a library: no I/O layer, no database, no web framework."""
    for module, path in MODULES.items():
        if module.split(".")[0] != "scoring":
            continue
        for target, line, _ in _imports(path):
            assert target.split(".")[0] not in (
                "graph_api",
                "schema",
                "bench",
                "neo4j",
                "strawberry",
                "starlette",
            ), f"{path.relative_to(ROOT)}:{line} imports {target}"


def test_the_layer_test_sees_a_violation(tmp_path: Path) -> None:
    """The checks above could pass by reading nothing: make sure an upward import is caught."""
    bad = tmp_path / "x.py"
    bad.write_text("import graph_api.cli\n\ndef f():\n    import schema\n")
    found = _imports(bad)
    assert ("graph_api.cli", 1, True) in found and ("schema", 4, False) in found
    assert _layer("graph_api.cli") > _layer("scoring.pair_trust")
