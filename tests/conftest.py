"""Shared fixtures: golden files, the CLI runner, and the torch reference marker."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

#: Keras 3 is a reference on the torch backend (no tensorflow needed), also for a plain pytest run
os.environ.setdefault("KERAS_BACKEND", "torch")

# Property tests draw the same examples on every run (a verdict or a failure never depends on
# the run); HWCHECK_FUZZ=long searches afresh with random seeds and many more examples.
try:
    from hypothesis import settings as _hypothesis_settings

    _hypothesis_settings.register_profile("hwcheck", derandomize=True, database=None)
    _hypothesis_settings.register_profile("hwcheck-long", derandomize=False)
    _hypothesis_settings.load_profile(
        "hwcheck-long" if os.environ.get("HWCHECK_FUZZ") == "long" else "hwcheck"
    )
except ImportError:  # hypothesis is a test extra; its tests skip without it
    pass

GOLDEN = Path(__file__).parent / "golden"
DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent


def pytest_addoption(parser):
    parser.addoption(
        "--update-golden", action="store_true", help="rewrite golden files from current output"
    )


@pytest.fixture
def golden(request):
    """``golden("params/exercise_c.txt", text)``: compare with the stored file (or rewrite it)."""
    update = request.config.getoption("--update-golden")

    def check(name: str, text: str) -> None:
        if name.endswith(".json"):  # stored indented so that changes are reviewable diffs
            import json

            text = json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"
        path = GOLDEN / name
        if update or not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            if not update:
                pytest.fail(f"golden file {name} did not exist; written now — review and commit it")
            return
        stored = path.read_text(encoding="utf-8")
        if stored != text:
            diff = "".join(
                difflib.unified_diff(
                    stored.splitlines(True), text.splitlines(True), "golden", "now"
                )
            )
            pytest.fail(
                f"output differs from golden file {name} (run pytest --update-golden if intended):\n{diff}"
            )

    return check


def pytest_collection_modifyitems(config, items):
    try:
        import torch  # noqa: F401
    except ImportError:
        skip = pytest.mark.skip(reason="torch is not installed (reference tests)")
        for item in items:
            if "torch" in item.keywords:
                item.add_marker(skip)


@pytest.fixture
def cli(capsys, monkeypatch):
    """Run ``hwcheck ARGS`` in-process: returns (exit code, stdout, stderr)."""
    import sys

    from hwcheck.cli import main

    def run(*args: str, stdin: str | None = None):
        if stdin is not None:
            import io

            monkeypatch.setattr(
                sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode()), encoding="utf-8")
            )
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0
        out, err = capsys.readouterr()
        return code, out, err

    return run


FAMILIES = {
    "arch": {"params", "rf"},
    "conv": {"conv-matrix", "conv-backprop", "conv-cost", "separable"},
    "symbolic": {"derive", "equiv"},
    "optim": {"sgd", "adam", "adamw", "rmsprop", "adagrad", "gd-quadratic"},
}


def course_exercises(name: str) -> list[dict]:
    """One command family's exercises: ``examples_conv.toml`` → the conv exercises of
    examples.toml; ``course_claims_conv.toml`` → those of tests/data/course_claims.toml."""
    import re
    import tomllib

    kind, family = re.fullmatch(r"(examples|course_claims)_(\w+)\.toml", name).groups()
    path = ROOT / "examples.toml" if kind == "examples" else DATA / "course_claims.toml"
    exercises = tomllib.loads(path.read_text(encoding="utf-8"))["exercise"]
    return [e for e in exercises if e["command"] in FAMILIES[family]]
