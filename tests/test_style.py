"""House rules of STYLE.md, checked on the source: a pure core, no eval of user text."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "hwcheck"
PRESENTATION = {"cli.py", "render.py", "__main__.py"}
MODULES = sorted(p for p in PACKAGE.rglob("*.py"))
CORE = [p for p in MODULES if p.name not in PRESENTATION or p.parent != PACKAGE]


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


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*/request.py")), ids=lambda p: p.parent.name)
def test_request_modules_stay_light(path):
    for node in ast.walk(_tree(path)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
            assert (module or "").split(".")[0] not in {"numpy", "sympy", "torch"}, path


def test_results_are_frozen_dataclasses():
    import dataclasses

    import hwcheck.result
    from hwcheck.commands import COMMANDS

    seen = set()
    for spec in COMMANDS.values():
        module = __import__(spec.runner.split(":")[0], fromlist=["*"])
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, hwcheck.result.Result)
                and value is not hwcheck.result.Result
            ):
                assert dataclasses.is_dataclass(value) and value.__dataclass_params__.frozen, value
                seen.add(value)
    assert seen
