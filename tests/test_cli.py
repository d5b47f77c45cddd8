"""The command line as a contract: help, examples, exit codes, one-line errors, strict JSON."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys

import pytest

from hwcheck.core.registry import COMMANDS
from tests.conftest import ROOT


def strict_json(text: str):
    def reject(token):
        raise ValueError(f"non-strict JSON token {token}")

    return json.loads(text, parse_constant=reject)


def test_every_registered_command_is_on_the_cli():
    from hwcheck.cli import build_app

    names = {c.name for c in build_app().registered_commands}
    assert names == set(COMMANDS)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_help_has_summary_and_example(cli, name):
    code, out, _ = cli(name, "--help")
    assert code == 0
    assert COMMANDS[name].summary.split()[0] in out
    assert "Examples:" in out and f"hwcheck {COMMANDS[name].examples[0].split()[0]}" in out


EXAMPLES = [(name, example) for name, spec in COMMANDS.items() for example in spec.examples]


@pytest.mark.parametrize("name, example", EXAMPLES)
def test_help_examples_run(cli, monkeypatch, name, example):
    monkeypatch.chdir(ROOT)
    code, out, err = cli(*shlex.split(example))
    assert code == 0, err
    assert out.strip() and not err.strip()


@pytest.mark.parametrize(
    "name, example", [e for e in EXAMPLES if "--json" not in e[1] and e[0] != "check"]
)
def test_json_output_is_one_strict_document(cli, monkeypatch, name, example):
    monkeypatch.chdir(ROOT)
    code, out, _ = cli(*shlex.split(example), "--json")
    assert code == 0
    doc = strict_json(out)
    assert doc["command"] == name and doc["hwcheck"]
    assert cli(*shlex.split(example), "--json")[1] == out, (
        "the same input gives byte-identical JSON"
    )


def test_usage_errors_are_one_line_with_exit_2(cli):
    code, out, err = cli("conv-cost", "--bogus")
    lines = err.strip().splitlines()
    assert code == 2 and lines[0].startswith("error: conv-cost: ") and "--bogus" in lines[0]
    assert len(lines) <= 2 and out == ""
    code, out, err = cli("no-such-command")
    assert code == 2 and err.startswith("error: ")


def test_json_errors_also_go_to_stdout(cli):
    code, out, err = cli("conv-cost", "--size", "zero", "--json")
    assert code == 2 and err.startswith("error: --size: ")
    doc = strict_json(out)
    assert doc["error"]["code"] == 2 and doc["error"]["where"] == "--size"


def test_claim_on_missing_key_lists_nearest(cli):
    code, _out, err = cli("conv-cost", "--size", "8", "--claim", "no_such_key=1")
    assert code == 2
    assert err.startswith(
        "error: --claim no_such_key: no key 'no_such_key' in the result; nearest:"
    )


def test_version_and_bare_command(cli):
    from hwcheck import __version__

    assert cli("--version")[:2] == (0, f"hwcheck {__version__}\n")
    code, out, _ = cli()
    assert code == 0 and "Commands" in out


def test_format_choices_are_checked(cli):
    code, _, err = cli("conv-cost", "--size", "8", "--format", "html")
    assert code == 2 and "--format" in err


def test_python_dash_m_and_console_script_agree():
    out = subprocess.run(  # noqa: PLW1510
        [sys.executable, "-m", "hwcheck", "--version"], capture_output=True, text=True, cwd=ROOT
    )
    assert out.returncode == 0 and out.stdout.startswith("hwcheck ")


def _imported(code: str) -> set[str]:
    probe = f"import sys\n{code}\nprint('\\nloaded:', ' '.join(m for m in ('sympy', 'numpy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)  # noqa: PLW1510
    assert out.returncode == 0, out.stderr
    return set(out.stdout.rsplit("loaded:", 1)[1].split())


def test_help_imports_neither_numpy_nor_sympy():
    assert _imported("import hwcheck.cli") == set()
    assert (
        _imported(
            "from hwcheck.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"
        )
        == set()
    )
    assert _imported("import hwcheck") == set()


# ------------------------------------------------------------------ start-up: what a run imports

STARTUP_MODEL = """input = [32, 32, 3]
[[layers]]
type = "conv2d"
filters = 8
kernel = 3
padding = "same"
[[layers]]
type = "maxpool2d"
kernel = 2
[[layers]]
type = "flatten"
[[layers]]
type = "dense"
units = 10
"""

#: what ``params MODEL`` needs none of (benchmarks/bench_arch.py measures the time it saves):
#: Rich (output to a pipe is plain padding), the claims engine (no claims), the zoo (a path is no
#: zoo name), and the libraries only other roads use
NOT_FOR_A_TABLE = (
    "rich",
    "rich.console",
    "hwcheck.claims",
    "hwcheck.claims.verdict",
    "hwcheck.families.arch.zoo",
    "hwcheck.families.arch.rf",
    "importlib.resources",
    "html",
    "unicodedata",
    "numpy",
    "sympy",
)


def _modules_after(args: list[str], watch) -> tuple[str, set[str]]:
    """Run ``hwcheck ARGS`` in a fresh interpreter with stdout a pipe: (stdout, watched modules loaded)."""
    probe = (
        "import contextlib, io, sys\n"
        "from hwcheck.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    try:\n"
        f"        main({args!r})\n"
        "    except SystemExit:\n"
        "        pass\n"
        f"print(out.getvalue() + 'loaded:', *[m for m in {tuple(watch)!r} if m in sys.modules])"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)  # noqa: PLW1510
    assert run.returncode == 0, run.stderr
    text, loaded = run.stdout.rsplit("loaded:", 1)
    return text, set(loaded.split())


def test_a_params_table_starts_without_rich_claims_or_zoo(tmp_path):
    model = tmp_path / "m.toml"
    model.write_text(STARTUP_MODEL, encoding="utf-8")
    text, loaded = _modules_after(["params", str(model)], NOT_FOR_A_TABLE)
    assert loaded == set()
    assert "total" in text and "─" in text  # the table itself, laid out without Rich
    _, loaded = _modules_after(["params", str(model), "--json"], NOT_FOR_A_TABLE)
    assert loaded == set()


def test_what_a_table_skips_is_still_there_when_needed(tmp_path):
    """Claims bring the claims engine; a zoo name the zoo (each imported where used)."""
    model = tmp_path / "m.toml"
    model.write_text(STARTUP_MODEL, encoding="utf-8")
    watch = ("hwcheck.claims.verdict", "hwcheck.families.arch.zoo")
    _, loaded = _modules_after(["params", str(model), "--claim", "total_params=1"], watch)
    assert loaded == {"hwcheck.claims.verdict"}
    text, loaded = _modules_after(["params", "lenet5"], watch)
    assert loaded == {"hwcheck.families.arch.zoo"} and "61,706" in text


NUMERIC = [
    ["params", "--spec", "35x35x16 | conv2d filters=32 kernel=3 padding=same"],
    ["rf", "--spec", "32x32x1 | conv2d filters=1 kernel=3 | conv2d filters=1 kernel=3"],
    ["conv-matrix", "--input", "3x3", "--kernel", "2x2", "--op", "conv"],
    ["conv-backprop", "--x", "1 2 3; 4 5 6; 7 8 9", "--f", "1 0; 0 -1", "--loss", "gap"],
    ["conv-cost", "--size", "64"],
    ["separable", "--f", "3 6 9; 4 8 12; 5 10 15"],
    ["sgd", "--steps", "4"],
    ["adam", "--steps", "4"],
    ["gd-quadratic", "--H", "2 0; 0 1", "--lr", "0.5"],
    ["check", "examples.toml", "--only", "A,B,C,E,F,G,I,J,K,M-adamw,N,O"],  # numeric claims only
]


@pytest.mark.parametrize("argv", NUMERIC, ids=lambda a: a[0])
def test_numeric_commands_never_import_sympy(argv):
    code = f"from hwcheck.cli import main\ntry:\n    main({argv!r} + ['--json'])\nexcept SystemExit:\n    pass"
    assert "sympy" not in _imported(code)


def test_no_request_declares_a_shared_option():
    """--json, --format, --claim, --digits, --rtol, --atol are added by the CLI to every calculator."""
    from hwcheck.core.options import COMMON_OPTIONS, request_fields

    for spec in COMMANDS.values():
        names = {f.name for f in request_fields(spec.request_type())}
        shared = set(COMMON_OPTIONS) if spec.calculator else {"json", "format", "digits"}
        assert not names & shared, (spec.name, names & shared)
