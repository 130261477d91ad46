"""The package's structure: no import cycle, presentation stays out of engine internals, no
gene named in code outside the knowledge-base loader and the gene-kind registry, and a
consult translates each genotype once."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from advisor.consult import consult_file
from advisor.genotype import KINDS
from tests.conftest import PACKAGE, ROOT

PRESENTATION = ("advisor.ui", "advisor.report", "advisor.cli", "advisor.serve")
GENE_NAMES_ALLOWED = ("advisor/knowledge/", "advisor/genotype/kinds.py")


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Imports that run (module level and inside functions), not ``if TYPE_CHECKING:``."""
    out = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.Import | ast.ImportFrom):
                out.append(child)
            visit(child)

    visit(tree)
    return out


def _graph() -> dict[str, set[str]]:
    files = {_module(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in files}
    for module, path in files.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in _runtime_imports(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [f"{node.module}.{a.name}" for a in node.names] + [node.module or ""])
            for name in names:
                target = name
                while target and target not in files:
                    target = target.rpartition(".")[0]
                if not target.startswith("advisor"):
                    continue
                graph[module].add(target)
                parent = target.rpartition(".")[0]
                while parent and not package.startswith(parent):  # parents run first
                    graph[module].add(parent)
                    parent = parent.rpartition(".")[0]
            graph[module].discard(module)
    return graph


def test_no_import_cycle():
    graph = _graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt):], nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_presentation_uses_no_private_engine_names():
    bad = []
    for path in PACKAGE.rglob("*.py"):
        module = _module(path)
        if not module.startswith(PRESENTATION):
            continue
        for node in _runtime_imports(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and \
                    not node.module.startswith(PRESENTATION):
                bad += [f"{module}: {node.module}.{a.name}" for a in node.names
                        if a.name.startswith("_") and not a.name.endswith("__")]
    assert not bad, bad


def test_no_gene_or_rsid_named_in_code(kb):
    names = {*kb.genes, *kb.input_keys}
    pattern = re.compile(r"(?<![\w*-])(" + "|".join(re.escape(n) for n in sorted(
        names, key=len, reverse=True)) + r"|rs\d{4,})(?![\w])")
    hits = []
    for path in [*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.j2")]:
        rel = path.relative_to(PACKAGE.parent).as_posix()
        if rel.startswith(GENE_NAMES_ALLOWED):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            hits += [f"{rel}:{number}: {m.group(1)}" for m in pattern.finditer(line)]
    assert not hits, hits


def test_consult_translates_each_genotype_once(kb, monkeypatch):
    seen: list[tuple[str, str]] = []
    for kind in KINDS.values():
        original = type(kind).translate

        def counting(self, gene, key, raw, _original=original):
            seen.append((key, str(raw)))
            return _original(self, gene, key, raw)

        monkeypatch.setattr(type(kind), "translate", counting)
    example = ROOT / "examples" / "hla-b1502-focal-dre.yaml"
    result = consult_file(kb, example, acute=True)
    assert result.status_epilepticus is not None and len(result.phenotypes) >= 4
    assert sorted(seen) == sorted(set(seen))
    assert {key for key, _ in seen} == set(result.phenotypes)
