"""LaTeX that compiles (issue 13.4): every command's ``--format latex`` goes through pdflatex.

All the ``--help`` examples are compiled in one plain ``article`` with the packages the body
names (``hwcheck.render.latex.PACKAGES``; one pdflatex run; a failure names the example), the
``check --show-all`` solution sheet as the complete document ``--standalone`` prints. Skipped
cleanly without pdflatex.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys

import pytest

from hwcheck.core.registry import COMMANDS
from hwcheck.render.latex import PACKAGES
from tests.conftest import ROOT

EXAMPLES = [
    (name, [a for a in shlex.split(example) if a not in ("--json", "--format", "latex")])
    for name, spec in COMMANDS.items()
    for example in spec.examples
    if name != "key"  # key writes a TOML file (table or JSON), not a report
]
PREAMBLE = "\\documentclass{article}\n" + PACKAGES + "\n\\begin{document}\n"

needs_pdflatex = pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no pdflatex")


def pdflatex(tmp_path, source: str) -> str:
    """Compile; returns the log. Fails the test with the error and the lines around it."""
    (tmp_path / "doc.tex").write_text(source, encoding="ascii")
    run = subprocess.run(
        [
            "pdflatex",
            "-interaction=nonstopmode",
            "-halt-on-error",
            "-no-shell-escape",
            "doc.tex",
        ],
        cwd=tmp_path,
        check=False,
        capture_output=True,
        timeout=120,
    )
    log = (tmp_path / "doc.log").read_text(encoding="latin-1")
    if run.returncode != 0 or not (tmp_path / "doc.pdf").exists():
        error = re.search(r"^!.*?(?:\n.*){0,6}", log, flags=re.MULTILINE)
        line = re.search(r"^l\.(\d+)", log, flags=re.MULTILINE)
        context = ""
        if line:
            lines = source.splitlines()
            k = int(line.group(1))
            context = "\n".join(lines[max(0, k - 4) : k + 1])
        pytest.fail(f"pdflatex failed:\n{error.group(0) if error else log[-2000:]}\n{context}")
    return log


def output(cli, monkeypatch, *args) -> str:
    monkeypatch.chdir(ROOT)
    code, out, err = cli(*args)
    assert code in (0, 1), err
    return out


@pytest.mark.parametrize("name, args", EXAMPLES, ids=[" ".join(a)[:60] for _, a in EXAMPLES])
def test_latex_is_ascii_with_math_delimited(cli, monkeypatch, name, args):
    out = output(cli, monkeypatch, *args, "--format", "latex")
    assert out.isascii(), [c for c in out if not c.isascii()][:5]
    assert "verbatim" not in out
    for env in ("array", "bmatrix", "matrix"):  # matrices only inside display math
        for match in re.finditer(r"\\begin\{" + env + r"\}", out):
            before = out[: match.start()]
            assert before.count("\\[") > before.count("\\]"), f"{env} outside math"


@needs_pdflatex
def test_every_command_compiles(cli, monkeypatch, tmp_path):
    parts = [PREAMBLE]
    for name, args in EXAMPLES:
        parts.append(f"\\section*{{{name}}}\n% hwcheck {' '.join(args)}\n")
        parts.append(output(cli, monkeypatch, *args, "--format", "latex"))
        parts.append("\\clearpage\n")
    parts.append("\\end{document}\n")
    log = pdflatex(tmp_path, "".join(parts))
    assert "Output written" in log


@needs_pdflatex
def test_solution_sheet_compiles_standalone(cli, monkeypatch, tmp_path):
    sheet = output(
        cli,
        monkeypatch,
        "check",
        "examples.toml",
        "--show-all",
        "--format",
        "latex",
        "--standalone",
    )
    assert sheet.startswith("\\documentclass{article}") and sheet.rstrip().endswith(
        "\\end{document}"
    )
    ids = re.findall(r'^id = "([^"]+)"', (ROOT / "examples.toml").read_text(), flags=re.MULTILINE)
    for exercise_id in ids:  # every exercise under its own heading
        assert f"\\subsection*{{Exercise {exercise_id}" in sheet.replace("--", "-")
    pdflatex(tmp_path, sheet)


@needs_pdflatex
def test_wrong_claims_sheet_compiles_with_verdicts(cli, monkeypatch, tmp_path):
    sheet = output(
        cli,
        monkeypatch,
        "check",
        "tests/data/course_claims.toml",
        "--show-all",
        "--format",
        "latex",
        "--standalone",
    )
    assert "$\\times$ wrong" in sheet and "$\\checkmark$ correct" in sheet
    pdflatex(tmp_path, sheet)


def test_standalone_needs_latex(cli):
    code, _, err = cli("conv-cost", "--size", "8", "--standalone")
    assert code == 2 and err.startswith("error: --standalone: ")


@pytest.mark.parametrize(
    "args, imported",
    [
        (["params", "--spec", "8x8x1 | conv2d 1 3", "--json"], False),
        (["params", "--spec", "8x8x1 | conv2d 1 3"], False),
        (["params", "--spec", "8x8x1 | conv2d 1 3", "--format", "latex"], True),
    ],
)
def test_latex_code_is_imported_only_for_latex(args, imported):
    probe = (
        "import sys\nfrom hwcheck.cli import main\ntry:\n    main(sys.argv[1:])\n"
        "except SystemExit:\n    pass\n"
        "print('LATEX' if 'hwcheck.render.latex' in sys.modules else 'NOLATEX', file=sys.stderr)\n"
        "print('MPL' if 'matplotlib' in sys.modules else 'NOMPL', file=sys.stderr)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ("LATEX" if imported else "NOLATEX") in run.stderr.split()
    assert "NOMPL" in run.stderr.split()
