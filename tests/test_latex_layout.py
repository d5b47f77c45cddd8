"""LaTeX that fits the page (issue 21.5): nothing wider than the line on A4 or letter.

Every golden command's ``--format latex`` (tests/golden/commands: each command, and each
calculator with claims) is compiled in one plain ``article`` (the body as a reader would
``\\input`` it), every ``--standalone`` document and the solution sheets in one document under
hwcheck's own preamble; each on A4 and on letter: four pdflatex runs in all. The log may hold
no ``Overfull \\hbox`` over 1 pt, and the pages, rendered by pdftoppm, nothing in the side
margins. Skipped cleanly without pdflatex (and the page images without pdftoppm).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hwcheck.core.registry import COMMANDS
from hwcheck.core.views import Matrix, Table, Text
from hwcheck.render import latex as render
from tests.conftest import ROOT
from tests.test_golden_commands import CASES

#: every golden case whose command has a LaTeX form (``key`` writes TOML)
LATEX_CASES = {name: args for name, args in CASES.items() if "latex" in COMMANDS[args[0]].formats}

needs_pdflatex = pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no pdflatex")
needs_pdftoppm = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="no pdftoppm")
PAPERS = ("a4paper", "letterpaper")
#: the document writes where its text column is (pt from the left edge, and its width)
WHERE = "\\AtBeginDocument{\\typeout{hwcheck-text-area: \\the\\dimexpr 1in+\\hoffset+\\oddsidemargin\\relax\\space\\the\\textwidth}}\n"
#: claims written in Persian digits
EASTERN_KEY = ROOT / "tests/data/eastern_digits.toml"
SHEETS = (
    ("check", "examples.toml", "--show-all"),
    ("check", "tests/data/course_claims.toml", "--show-all"),
    ("check", str(EASTERN_KEY), "--show-all"),
)


def latex_of(cli, *args: str) -> str:
    code, out, err = cli(*args, "--format", "latex")
    assert code in (0, 1), err
    return out


def body_of(document: str) -> str:
    """A ``--standalone`` document's body (every one has the same preamble)."""
    preamble, _, body = document.partition("\\begin{document}\n")
    assert render.PREAMBLE.startswith(preamble.split("\\usepackage{iftex}")[0])
    return body.rsplit("\\end{document}", 1)[0]


def compile_pdf(tmp_path: Path, name: str, source: str) -> tuple[str, Path]:
    """(log, pdf); fails the test with pdflatex's error."""
    (tmp_path / f"{name}.tex").write_text(source, encoding="ascii")
    run = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", name],
        cwd=tmp_path,
        capture_output=True,
        timeout=300,
        check=False,
    )
    log = (tmp_path / f"{name}.log").read_text(encoding="latin-1")
    pdf = tmp_path / f"{name}.pdf"
    if run.returncode != 0 or not pdf.exists():
        error = re.search(r"^!.*?(?:\n.*){0,8}", log, flags=re.MULTILINE)
        pytest.fail(f"pdflatex failed on {name}:\n{error.group(0) if error else log[-3000:]}")
    return log, pdf


def overfull(log: str) -> list[str]:
    """Every overfull box wider than 1 pt, with the log line that names its source lines."""
    found = re.finditer(
        r"^Overfull \\[hv]box \((\d+(?:\.\d+)?)pt too (?:wide|high)\)[^\n]*", log, re.MULTILINE
    )
    return [m.group(0) for m in found if float(m.group(1)) > 1.0]


def text_area(log: str) -> tuple[float, float]:
    m = re.search(r"hwcheck-text-area: ([\d.]+)pt ([\d.]+)pt", log)
    assert m, "the document did not report its text area"
    return float(m.group(1)), float(m.group(2))


def read_pgm(path: Path) -> tuple[int, int, bytes]:
    """A binary greyscale PGM (P5, 8 bit): (width, height, pixels row by row)."""
    data = path.read_bytes()
    fields = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    assert fields and int(fields.group(3)) == 255, "expected an 8-bit P5 image"
    width, height = int(fields.group(1)), int(fields.group(2))
    return width, height, data[fields.end() : fields.end() + width * height]


def ink_in_margins(pdf: Path, left: float, width: float) -> list[str]:
    """Pages (rendered at 72 dpi: a pixel is a point) with a non-white pixel more than 2 pt
    left or right of the text column."""
    subprocess.run(
        ["pdftoppm", "-r", "72", "-gray", str(pdf), str(pdf.with_suffix(""))],
        check=True,
        timeout=300,
        capture_output=True,
    )
    bad = []
    for page in sorted(pdf.parent.glob(pdf.stem + "-*.pgm")):
        w, h, pixels = read_pgm(page)
        lo, hi = int(left - 2), int(left + width + 2) + 1
        for y in range(h):
            row = pixels[y * w : (y + 1) * w]
            if min(row[:lo], default=255) < 200 or min(row[hi:], default=255) < 200:
                bad.append(f"{page.name}: ink in a margin at y = {y} pt")
                break
    return bad


def check_fits(tmp_path: Path, name: str, preamble: str, body: str) -> None:
    problems = []
    for paper in PAPERS:
        source = preamble.replace(
            "\\documentclass{article}", f"\\documentclass[{paper}]{{article}}"
        )
        source = source.replace("\\begin{document}", WHERE + "\\begin{document}")
        log, pdf = compile_pdf(tmp_path, f"{name}-{paper}", source + body + "\\end{document}\n")
        problems += [f"{paper}: {line}" for line in overfull(log)]
        if shutil.which("pdftoppm"):
            problems += [f"{paper}: {line}" for line in ink_in_margins(pdf, *text_area(log))]
    assert not problems, "\n".join(problems[:20])


# ------------------------------------------------------------------ the whole documents


@pytest.mark.slow
@needs_pdflatex
def test_every_golden_command_fits_a_plain_article(cli, monkeypatch, tmp_path):
    """``--format latex`` as a reader includes it: article's own margins, the packages named."""
    monkeypatch.chdir(ROOT)
    parts = [
        f"\\section*{{{name}}}\n" + latex_of(cli, *args) + "\\clearpage\n"
        for name, args in LATEX_CASES.items()
    ]
    preamble = "\\documentclass{article}\n" + render.PACKAGES + "\n\\begin{document}\n"
    check_fits(tmp_path, "bodies", preamble, "".join(parts))


@pytest.mark.slow
@needs_pdflatex
def test_every_standalone_document_and_sheet_fits(cli, monkeypatch, tmp_path):
    """``--standalone`` of every golden command, the solution sheets and a few hostile shapes,
    in one document under hwcheck's preamble (each document's body is the same there)."""
    monkeypatch.chdir(ROOT)
    bodies = [body_of(latex_of(cli, *args, "--standalone")) for args in LATEX_CASES.values()]
    bodies += [body_of(latex_of(cli, *args, "--standalone")) for args in SHEETS]
    bodies.append(render.to_latex(HOSTILE, render.SHEET_WIDTH))
    check_fits(tmp_path, "standalone", render.PREAMBLE, "\\clearpage\n".join(bodies))


# ------------------------------------------------------------------ shapes that must not fit


def _numbers(n: int, seed: int) -> list[str]:
    return [f"{(-1) ** (i + seed) * (i * 7919 + seed) / 1e7:.9g}" for i in range(n)]


HOSTILE = [
    Table(  # 24 columns of long numbers: no size holds it, so column blocks
        columns=("t", "θ", *(f"quantity_{j}" for j in range(22))),
        rows=tuple((str(i), "wb"[i % 2], *_numbers(22, i)) for i in range(60)),
        title="a wide and long table",
    ),
    Table(  # one enormous cell in a narrow table: wraps
        columns=("claim", "claimed", "verdict"),
        rows=(("matrix", str([[f"W{i}{j}" for j in range(12)] for i in range(12)]), "✓ correct"),),
    ),
    Matrix(  # 40×40: column blocks and row blocks
        entries=tuple(tuple(f"{(i - j) / 7:.4f}" for j in range(40)) for i in range(40)),
        title="A",
    ),
    Text(lines=("w" * 300, "x = " + "1, " * 200), preformatted=True),
    Text(
        latex=(
            "L = " + " + ".join(rf"\left(w_{{{i}}} x_{{{i}}} - t\right)^{{2}}" for i in range(40)),
        ),
        lines=("",),
    ),
    Text(lines=("a" * 200, "key.path.with_many.parts_" * 12)),
    Table(  # expressions typeset as mathematics: a long sum breaks, a long exponent cannot
        columns=("claim", "claimed", "expected", "verdict", "rule"),
        rows=(
            ("e", " + ".join(f"w{i}*x{i}" for i in range(60)), "۲*w۱", "✗ wrong", "expression"),
            (
                "f",
                "x**(" + "+".join(f"a{i}" for i in range(60)) + ")",
                "x",
                "✗ wrong",
                "expression",
            ),
        ),
        title="Claims",
    ),
]


# ------------------------------------------------------------------ how it is laid out


def test_a_wide_table_is_split_into_blocks_that_repeat_the_row_labels():
    lines = [line.replace("\\allowbreak{}", "") for line in render.table(HOSTILE[0])]
    blocks = [line for line in lines if line.startswith("\\begin{longtable}")]
    assert len(blocks) > 1
    heads = [line for line in lines if line.endswith(" \\\\ \\hline") and "quantity" in line]
    assert len(heads) == 2 * len(blocks)  # the first page's header, and every later page's
    assert all(h.startswith("t & $\\theta$ & ") for h in heads)  # t and θ in every block
    shown = [m for h in heads[::2] for m in re.findall(r"quantity\\_(\d+)", h)]
    assert sorted(shown, key=int) == [str(j) for j in range(22)]  # every column once
    assert sum("(more columns)" in line for line in lines) == 2 * (len(blocks) - 1)
    assert sum("(continued)" in line for line in lines) == len(blocks)  # each block's later pages


def test_column_widths_fit_the_line_they_are_laid_out_for():
    for section in HOSTILE[:2]:
        for width in (render.BODY_WIDTH, render.SHEET_WIDTH):
            for block in (
                render.column_blocks(section, width)
                if render.layout(section, width) is None
                else [section]
            ):
                lay = render.layout(block, width)
                assert lay is not None
                n = len(block.columns)
                used = sum(lay.widths) * lay.size.scale + 2 * lay.size.tabcolsep * (n - 1)
                assert used <= width


def test_a_wide_matrix_is_split_into_labelled_blocks():
    out = "\n".join(render.matrix(HOSTILE[2], render.BODY_WIDTH))
    assert out.count("\\begin{array}") > 2
    assert "rows 1--30 of 40" in out and "rows 31--40 of 40" in out
    assert re.search(r"columns 1--\d+ of 40", out)
    entries = re.findall(r"-?\d\.\d{4}", out)
    assert len(entries) == 40 * 40  # every entry once


def test_a_small_table_and_matrix_stay_whole():
    table = Table(columns=("a", "b"), rows=(("1", "2"),))
    assert sum(line.startswith("\\begin{longtable}") for line in render.table(table)) == 1
    matrix = Matrix(entries=(("1", "2"), ("3", "4")))
    assert "columns" not in "".join(render.matrix(matrix))


def test_a_long_equation_breaks_and_a_short_one_is_displayed():
    assert render.equation("x = 1").startswith("\\[")
    long = render.equation(HOSTILE[4].latex[0])
    assert long.startswith("\\par") and "\\left" not in long and "\\right" not in long


SAMPLES = (
    "-0.00443869",
    "822,974,180",
    "steps.0.state.exp_avg_sq.w",
    "MACs = multiply-accumulates",
    "WWWWMMMM mmmm",
    "θₜ = θₜ₋₁ + Δθₜ",
    "[[W11, W10, 0], [0, W11, W10]]",
    "expression: numeric (probes 12 in [-3, 3])",
    "Persian ۰٫۰۸۵",
)


MATH_SAMPLES = (
    r"\mu_{t+1} = \beta_{1} \left(1 - 0.5 {0.96}^{\left(t + 1\right) \psi}\right)",
    r"\Delta\theta_{t} = -\frac{\mathrm{lr} \hat{m}_{t}}{\sqrt{\hat{v}_{t}} + \varepsilon}",
    r"(y - t) \cdot y \cdot (1 - y) \cdot x + \lambda \cdot w",
    r"\exp(-(w \cdot x + b)) / (1 + \exp(-(w \cdot x + b)))^{2}",
    r"v_{t} = \beta_{2} v_{t-1} + \left(1 - \beta_{2}\right) {g_{t}}^{2}",
)


@needs_pdflatex
def test_estimated_widths_are_not_below_what_pdflatex_measures(tmp_path):
    """The layout rests on an estimate of printed widths: pdflatex measures each sample (an
    ``\\hbox`` of the escaped text, or of the formula) and the estimate may not fall short."""
    boxes = [render._cell(s) for s in SAMPLES] + [f"${m}$" for m in MATH_SAMPLES]
    estimates = [render.text_width(s) for s in SAMPLES] + [
        render.math_width(m) for m in MATH_SAMPLES
    ]
    lines = [
        f"\\setbox0\\hbox{{{box}}}\\typeout{{hwcheck-width {i}: \\the\\wd0}}"
        for i, box in enumerate(boxes)
    ]
    preamble = "\\documentclass{article}\n" + render.PACKAGES + "\n\\begin{document}\n"
    preamble += render.EASTERN_FALLBACK + "\n"
    log, _ = compile_pdf(tmp_path, "widths", preamble + "\n".join(lines) + "\nx\n\\end{document}\n")
    measured = {int(i): float(w) for i, w in re.findall(r"hwcheck-width (\d+): ([\d.]+)pt", log)}
    assert len(measured) == len(boxes)
    for i, box in enumerate(boxes):
        assert measured[i] <= estimates[i] <= 1.7 * measured[i] + 5, (
            box,
            measured[i],
            estimates[i],
        )


# ------------------------------------------------------------------ the solution sheet


def test_the_solution_sheet_has_no_counts_errors_or_latex_heading(cli, monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    bad = tmp_path / "bad.toml"
    bad.write_text(
        (ROOT / "tests/data/course_claims.toml").read_text(encoding="utf-8")
        + '\n[[exercise]]\nid = "Z"\ncommand = "params"\nspec = "8x8x1 | conv2d 1 9"\n',
        encoding="utf-8",
    )
    sheets = [latex_of(cli, "check", "examples.toml", "--only", "H,J", "--show-all")]
    sheets.append(latex_of(cli, "check", str(bad), "--show-all"))
    for sheet in sheets:
        assert "error" not in sheet.lower()
        assert not re.search(r"\d+ (exercises?|claims?)\b|passed|failed|claims correct", sheet)
        assert "\\textbf{LaTeX}" not in sheet
    assert "\\partial" in sheets[0]  # the derivatives are there, as equations
    assert "\\subsection*{Exercise Z}" in sheets[1]


def test_sheet_body_renders_exercises_for_a_handout(monkeypatch):
    """The documented entry for handouts: outcomes in, sheet content out, claims optional."""
    monkeypatch.chdir(ROOT)
    import hwcheck

    result = hwcheck.check("examples.toml", only="B,E")
    with_claims = render.sheet_body(result.exercises)
    without = render.sheet_body(result.exercises, claims=False)
    assert "\\subsection*{Exercise B" in without and "\\subsection*{Exercise E" in without
    assert "verdict" in with_claims and "verdict" not in without
    assert "passed" not in with_claims + without
    one = render.result_body(hwcheck.sgd(steps=2))
    assert "\\begin{longtable}" in one and "verdict" not in one


def test_eastern_digits_print_as_western_with_a_note():
    body = render.to_latex([Text(lines=("claimed ۰٫۰۸۵ and ۰/۲۵ and ٣",))])
    assert "\\hwcheckeastern{0.085}{" in body and "\\hwcheckeastern{0.25}{" in body
    assert '\\hwcheckeastern{3}{\\char"0663}' in body
    assert "U+06F" not in body and "Western digits" in body and body.isascii()
    assert "\\providecommand{\\hwcheckeastern}[2]{#1}" in body  # any preamble: Western
    plain = render.to_latex([Text(lines=("claimed 0.085",))])
    assert "Western digits" not in plain and "hwcheckeastern" not in plain


def eastern_sheet(cli, tmp_path) -> str:
    return latex_of(cli, "check", str(EASTERN_KEY), "--show-all", "--standalone")


def pdf_text(pdf: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("no pdftotext")
    run = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, timeout=60, check=True)
    return run.stdout.decode("utf-8")


@needs_pdflatex
def test_eastern_digits_under_pdflatex_are_western_with_the_note(cli, tmp_path):
    sheet = eastern_sheet(cli, tmp_path)
    assert sheet.isascii() and "[U+06F" not in sheet
    log, pdf = compile_pdf(tmp_path, "fa", sheet)
    assert not overfull(log)
    text = pdf_text(pdf)
    assert "0.085" in text and "0.073" in text and "4,640" in text and "35×35" in text
    assert "[U+06A9]" in text  # a Persian letter: its code point under pdflatex
    assert "printed as Western digits" in text


def has_naskh() -> bool:
    if shutil.which("xelatex") is None or shutil.which("fc-list") is None:
        return False
    run = subprocess.run(
        ["fc-list", "Noto Naskh Arabic"], capture_output=True, timeout=60, check=False
    )
    return bool(run.stdout.strip())


def test_eastern_digits_under_xelatex_print_as_written(cli, tmp_path):
    if not has_naskh():
        pytest.skip("no xelatex or no Noto Naskh Arabic font")
    sheet = eastern_sheet(cli, tmp_path)
    (tmp_path / "fa.tex").write_text(sheet, encoding="ascii")
    run = subprocess.run(
        ["xelatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "fa"],
        cwd=tmp_path,
        capture_output=True,
        timeout=300,
        check=False,
    )
    log = (tmp_path / "fa.log").read_text(encoding="utf-8", errors="replace")
    assert run.returncode == 0, log[-2000:]
    assert "Missing character" not in log and not overfull(log)
    text = pdf_text(tmp_path / "fa.pdf")
    eastern = [ch for ch in text if "\u0660" <= ch <= "\u0669" or "\u06f0" <= ch <= "\u06f9"]
    assert len(eastern) >= 20  # ۴٬۶۴۰, (۳۵, ۳۵, ۳۲), ۰٫۰۸۵, ۰/۰۷۳, the title's ۳۵×۳۵
    letters = [ch for ch in text if ch.isalpha() and ("\u0620" <= ch <= "\u06d3" or ch >= "\ufb50")]
    assert len(letters) >= 12  # the title's Persian words, as written
    assert "printed as Western digits" not in text and "U+06" not in text


# ------------------------------------------------------------------ expressions as mathematics


def claims_table(*rows) -> Table:
    from hwcheck.claims.verdict import CLAIM_COLUMNS

    return Table(CLAIM_COLUMNS, tuple(rows), title="Claims")


def test_claimed_and_expected_expressions_are_typeset_as_mathematics():
    import hwcheck  # noqa: F401  (the composition root binds the expression printer)

    body = "\n".join(
        render.table(
            claims_table(
                ("derivatives.w", "(y - t)*y*(1 - y)*x + λ*w", "lam*w", "✗ wrong", "expression: x"),
                ("derivatives.b", "exp(-z)/(1 + exp(-z))**2", "y*(1-y)", "✓ correct", "expression"),
                ("value", "0.5*2", "1", "✓ correct", "float: within rtol 0.001"),
                ("derivatives.t", "\\input{x} $", "t - y", "✗ wrong", "expression: unreadable"),
            )
        )
    )
    assert "$(y - t) \\cdot y \\cdot (1 - y) \\cdot x + \\lambda \\cdot w$" in body
    assert "$\\lambda \\cdot w$" in body
    assert "$\\exp(-z) / (1 + \\exp(-z))^{2}$" in body
    assert "0.5*2" in body  # a number claim stays as written
    assert "\\input" not in body and "\\textbackslash{}input\\{x\\} \\$" in body  # stays text
    assert "$t - y$" in body


def test_an_expression_sheet_is_mathematics_not_code(cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    sheet = latex_of(cli, "check", "examples.toml", "--only", "H", "--show-all")
    assert "\\texttt" not in sheet
    assert "$(y - t) \\cdot y \\cdot (1 - y) \\cdot x + \\lambda \\cdot w$" in sheet


def test_the_printer_keeps_what_was_written_and_its_meaning():
    """Cross-check: the typeset form, read back into the expression language (the inverse of
    the printer's few rewrites), parses to the same tree as the claim did."""
    from hwcheck.families.symbolic.parser import parse
    from hwcheck.families.symbolic.typeset import written_latex

    claims = [
        "(y - t)*y*(1 - y)*x + lam*w",
        "exp(-(w*x + b))/(1 + exp(-(w*x + b)))**2",
        "a - (b - c) - -d",
        "a/(b*c)*d/e",
        "-x**2 + (-x)**2 + x**-1",
        "2**3**2",
        "max(a, b) + sqrt(v) + abs(g)",
    ]
    back = {
        " \\cdot ": "*",
        "\\lambda": "lam",
        "\\exp": "exp",
        "\\max": "max",
        "\\lvert ": "abs(",
        "\\rvert": ")",
        "^": "**",
        " / ": "/",
    }
    for claim in claims:
        code = written_latex(claim)
        assert code is not None, claim
        text = re.sub(r"\\sqrt\{([^{}]*)\}", r"sqrt(\1)", code)
        for tex, plain in back.items():
            text = text.replace(tex, plain)
        text = re.sub(r"\{([^{}]*)\}", r"(\1)", text)  # groups → parentheses
        text = re.sub(r"\{([^{}]*)\}", r"(\1)", text)  # nested groups
        assert _shape(parse(text)) == _shape(parse(claim)), (claim, code, text)


def _shape(node):
    return (node.kind, node.value, tuple(_shape(a) for a in node.args))


def test_the_modules_examples_run():
    import doctest

    from hwcheck.core import escape
    from hwcheck.families.symbolic import typeset

    for module in (escape, typeset, render):
        assert doctest.testmod(module).failed == 0, module.__name__


def test_the_printer_survives_the_largest_expressions_the_parser_takes():
    from hwcheck.families.symbolic.typeset import written_latex

    def nested(depth: int) -> str:
        return "sigmoid(" * depth + "x" + ")" * depth

    for text in ("+".join(["a"] * 300), "**".join(["a"] * 300), nested(59), "-" * 290 + "a"):
        code = written_latex(text)
        assert code is None or code.isascii()
    assert written_latex("\\input{x}") is None and written_latex("__import__('os')") is None


# ------------------------------------------------------------------ any table fits (property)

WORDS = st.text(alphabet="abcxyz0123456789._-,·θ₁ ", min_size=0, max_size=40)


@given(
    st.integers(1, 24).flatmap(
        lambda n: st.tuples(
            st.lists(WORDS, min_size=n, max_size=n),
            st.lists(st.lists(WORDS, min_size=0, max_size=n + 1), min_size=0, max_size=4),
        )
    ),
    st.sampled_from([render.BODY_WIDTH, render.SHEET_WIDTH]),
)
@settings(max_examples=30, deadline=None)
def test_any_table_is_laid_out_within_the_line(parts, width):
    """Whatever the cells, every table (or column block) the renderer sets is planned no wider
    than the line: its columns' widths plus the gaps between them."""
    columns, rows = parts
    section = render.squared(Table(tuple(columns), tuple(tuple(r) for r in rows)))
    lay = render.layout(section, width)
    blocks = [section] if lay is not None else render.column_blocks(section, width)
    for block in blocks:
        lay = render.layout(block, width) or render.Layout(
            render.SIZES[-1], tuple(render._even(block, width))
        )
        n = len(block.columns)
        used = sum(lay.widths) * lay.size.scale + 2 * lay.size.tabcolsep * (n - 1)
        assert used <= width + 0.01
    assert all("&" * (len(section.columns)) not in line for line in render.table(section, width))
