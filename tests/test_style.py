"""House rules of STYLE.md, checked on the source: a pure core, no eval of user text."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "hwcheck"
PRESENTATION = {"cli.py", "__main__.py"}
MODULES = sorted(p for p in PACKAGE.rglob("*.py"))
CORE = [
    p
    for p in MODULES
    if not (p.name in PRESENTATION and p.parent == PACKAGE) and p.parent != PACKAGE / "render"
]


def _tree(path: Path) -> ast.AST:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_core_never_imports_presentation_prints_or_exits(path):
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            names = [a.name.split(".")[0] for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [(node.module or "").split(".")[0]]
        else:
            names = []
        assert not set(names) & {"typer", "rich", "click"}, (
            f"{path.name}:{node.lineno} imports {names}"
        )
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in {"print", "exit", "quit"}, (
                f"{path.name}:{node.lineno} calls {node.func.id}"
            )
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            base = node.func.value
            assert not (
                isinstance(base, ast.Name) and base.id == "sys" and node.func.attr == "exit"
            ), path.name


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_nothing_evaluates_text(path):
    banned = {"eval", "exec", "sympify", "parse_expr", "S", "__import__"}
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name):
                assert node.func.id not in banned | {"compile"}, (
                    f"{path.name}:{node.lineno} calls {node.func.id}"
                )
            elif isinstance(node.func, ast.Attribute):  # re.compile is fine; sympy.sympify is not
                assert node.func.attr not in banned, (
                    f"{path.name}:{node.lineno} calls .{node.func.attr}"
                )


@pytest.mark.parametrize(
    "path", sorted(PACKAGE.glob("**/request*.py")), ids=lambda p: p.parent.name
)
def test_request_modules_stay_light(path):
    for node in ast.walk(_tree(path)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
            assert (module or "").split(".")[0] not in {"numpy", "sympy", "torch"}, path


def test_results_are_frozen_dataclasses():
    import dataclasses
    import importlib

    import hwcheck.core.result

    seen = set()
    for name in import_graph():  # every module of the families and answers files
        if not name.startswith(("hwcheck.families", "hwcheck.answers")):
            continue
        module = importlib.import_module(name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, hwcheck.core.result.Result)
                and value is not hwcheck.core.result.Result
            ):
                assert dataclasses.is_dataclass(value) and value.__dataclass_params__.frozen, value
                seen.add(value)
    assert len(seen) > 10


# ----------------------------------------------------------------------- import cycles


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph() -> dict[str, set[str]]:
    """Module → the hwcheck modules it imports, lazy (function-level) imports included."""
    modules = {_module_name(p): p for p in MODULES}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Import):
                found = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([base] if base else []))
                found = [
                    f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                    for a in node.names
                ]
            else:
                continue
            for target in found:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    targets.add(target)
        graph[name] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root, imported in graph.items():
        if root in index:
            continue
        work = [(root, iter(sorted(imported)))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_inside_hwcheck():
    graph = import_graph()
    assert "hwcheck.core.jsonout" in graph["hwcheck.core.result"]  # lazy imports are counted
    assert cycles(graph) == []


# ---------------------------------------------------------------------------- layers

#: core ← claims ← families ← answers: a layer imports only itself and the layers before it
LAYERS = ("core", "claims", "families", "answers")
#: render (presentation) may import core and claims; answers writes its files through render
MAY_IMPORT_RENDER = ("render", "answers")


def layer_of(module: str) -> str:
    """``core``, ``claims``, ``families``, ``answers``, ``render`` or ``top`` (the package root,
    cli.py, api.py, __main__.py: they compose the layers and may import anything; nothing below
    imports them, not even for the version, which is ``hwcheck.core.version``)."""
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in (*LAYERS, "render"):
        return parts[1]
    return "top"


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """Every import (lazy ones included) that goes up a layer."""
    bad = []
    for module, targets in sorted(graph.items()):
        source = layer_of(module)
        if source == "top":
            continue
        for target in sorted(targets):
            into = layer_of(target)
            if into == "top":
                ok = False
            elif into == "render":
                ok = source in MAY_IMPORT_RENDER
            elif source == "render":
                ok = into in ("core", "claims", "render")
            else:
                ok = LAYERS.index(into) <= LAYERS.index(source)
            if not ok:
                bad.append(f"{module} ({source}) imports {target} ({into})")
    return bad


def test_layers_only_import_downward():
    assert upward_imports(import_graph()) == []


def test_layer_check_catches_an_upward_import():
    graph = {
        "hwcheck.core.result": {"hwcheck.render.text", "hwcheck.core.views", "hwcheck"},
        "hwcheck.claims.verify": {"hwcheck.families.optim.problems"},
        "hwcheck.render.plot": {"hwcheck.answers.grade.html", "hwcheck.claims.diagnose"},
        "hwcheck.families.optim.results": {"hwcheck.claims.verify", "hwcheck"},
        "hwcheck.answers.check": {"hwcheck.render.files", "hwcheck.families.arch.spec"},
        "hwcheck.cli": {"hwcheck.answers.check"},
        "hwcheck.api": {"hwcheck.families.optim.spec"},
    }
    assert upward_imports(graph) == [
        "hwcheck.claims.verify (claims) imports hwcheck.families.optim.problems (families)",
        "hwcheck.core.result (core) imports hwcheck (top)",
        "hwcheck.core.result (core) imports hwcheck.render.text (render)",
        "hwcheck.families.optim.results (families) imports hwcheck (top)",
        "hwcheck.render.plot (render) imports hwcheck.answers.grade.html (answers)",
    ]
