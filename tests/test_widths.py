"""Terminal and pipes (issue 13.2–13.3): at 60, 80, 100 and 200 columns no text is lost and no
number is folded; output to a file or a pipe is complete at any width, with no ellipsis.

Every ``--help`` example (and the solution sheets of both answers files) is printed through the
real terminal path (stdout a terminal of ``COLUMNS`` columns) and through a pipe; every cell,
entry, title, note and line of the result's view must appear whole, and no line may be wider
than the terminal.
"""

from __future__ import annotations

import re
import shlex

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hwcheck.core import escape
from hwcheck.core.registry import COMMANDS
from hwcheck.core.views import Heading, Matrix, Table, Text
from tests.conftest import ROOT

EXAMPLES = [
    [a for a in shlex.split(example) if a not in ("--json",)]
    for spec in COMMANDS.values()
    for example in spec.examples
    if "--format" not in example and spec.name != "key"  # key writes a TOML file's text as is
] + [
    ["check", "examples.toml", "--show-all"],
    ["check", "tests/data/course_claims.toml", "--show-all"],
    ["adam", "--steps", "3", "--amsgrad", "--explain"],
    ["rmsprop", "--steps", "2", "--centered", "--momentum", "0.9", "--weight-decay", "0.1"],
    ["conv-matrix", "--input", "6x6", "--kernel", "3x3"],
]
WIDTHS = [60, 80, 100, 200]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def strings_of(sections) -> list[str]:
    """Everything a person must be able to read: cells, entries, titles, notes, lines."""
    out: list[str] = []
    for s in sections:
        if isinstance(s, Heading):
            out.append(s.text)
            continue
        if s.title:
            out.append(s.title)
        if isinstance(s, Table):
            out += list(s.columns) + [c for row in s.rows + s.footer for c in row] + list(s.notes)
        elif isinstance(s, Matrix):
            out += [c for row in s.entries for c in row] + list(s.notes)
            out += list(s.row_labels) + list(s.col_labels)
        elif isinstance(s, Text):
            out += list(s.lines)
    return [escape.terminal(x) for x in out if x.strip()]


def sections_for(args):
    from hwcheck.cli import build_app  # noqa: F401 - the same parsing as the CLI
    from hwcheck.core.options import build_request
    from hwcheck.core.registry import COMMANDS

    spec = COMMANDS[args[0]]
    values: dict = {}
    positional = [f for f in _fields(spec) if f.metadata.get("positional")]
    rest = list(args[1:])
    claims = []
    i = 0
    while i < len(rest):
        token = rest[i]
        if token == "--claim":
            claims.append(rest[i + 1])
            i += 2
        elif token.startswith("--"):
            name = token[2:].replace("-", "_")
            field = next(f for f in _fields(spec) if f.name == name)
            if field.metadata["kind"] == "flag":
                values[name] = True
                i += 1
                continue
            if field.metadata["kind"] == "multi":  # a repeatable option: --layer … --layer …
                values.setdefault(name, []).append(rest[i + 1])
            else:
                values[name] = rest[i + 1]
            i += 2
        else:
            key = positional[0].name
            if positional[0].metadata["kind"] == "multi":
                values.setdefault(key, []).append(token)
            else:
                values[key] = token
                positional = positional[1:]
            i += 1
    from hwcheck.claims.lookup import parse_claim
    from hwcheck.render.text import sections_of

    result = spec.run(build_request(spec.request_type(), values, source="cli"))
    verdicts = result.verify([parse_claim(c) for c in claims]) if claims else []
    return sections_of(result, verdicts, 6)


def _fields(spec):
    from hwcheck.core.options import request_fields

    return request_fields(spec.request_type())


def normalised(text: str) -> str:
    return " ".join(text.split())


def assert_complete(out: str, sections, width: int | None) -> None:
    lines = out.splitlines()
    if width is not None:
        from rich.cells import cell_len

        too_wide = [line for line in lines if cell_len(line) > width]
        assert not too_wide, f"{len(too_wide)} lines wider than {width}: {too_wide[:2]}"
    flat = normalised(out)
    words = {w for line in lines for w in line.split()}
    for text in strings_of(sections):
        if width is not None and any(len(token) > width - 8 for token in text.split()):
            continue  # a word wider than the terminal must be split (the sparkline at 60)
        assert normalised(text) in flat, f"{text!r} is not printed whole"
        for token in text.split():  # no number or word folded across lines
            if width is None or len(token) <= width - 8:
                assert any(token in w for w in words), f"{token!r} is folded"


@pytest.mark.parametrize("args", EXAMPLES, ids=[" ".join(a)[:50] for a in EXAMPLES])
def test_terminal_widths_lose_nothing(cli, monkeypatch, args):
    import sys

    monkeypatch.chdir(ROOT)
    sections = sections_for(args)
    for width in WIDTHS:
        monkeypatch.setenv("COLUMNS", str(width))
        monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
        code, out, err = cli(*args)
        assert code in (0, 1), err
        out = ANSI.sub("", out)
        assert_complete(out, sections, width)


@pytest.mark.parametrize("args", EXAMPLES, ids=[" ".join(a)[:50] for a in EXAMPLES])
def test_pipes_are_complete_without_ellipsis(cli, monkeypatch, args):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "40")  # a narrow terminal must not narrow a pipe
    sections = sections_for(args)
    code, out, err = cli(*args)
    assert code in (0, 1), err
    assert_complete(out, sections, None)
    produced = [c for c in out if c == "…"]
    expected = [c for s in strings_of(sections) for c in s if c == "…"]
    assert len(produced) <= len(expected), "an ellipsis the view did not ask for"


def test_a_wide_claims_table_moves_the_reason_under_its_row():
    from hwcheck.render.text import to_text

    reason = "expression: numeric (12 probes, seed 0) — differs at b=0.94, t=1.3: expected 0.133011, claimed 0.114883"
    table = Table(
        ("claim", "claimed", "expected", "verdict", "rule"),
        (("derivatives.x", "w*y*(1 - y)*(y - t)", "0.441074", "✗ wrong", reason),),
        nowrap=(0, 3),
        below=(4,),
    )
    out = to_text([table], width=80)
    lines = out.splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith("derivatives.x"))
    assert "0.441074" in lines[row] and "✗ wrong" in lines[row]
    assert lines[row + 1].startswith("    rule: expression: numeric")
    assert normalised(reason) in normalised(out)


def test_a_wide_matrix_prints_in_column_blocks():
    from hwcheck.render.text import to_text

    entries = tuple(tuple(f"{i * 30 + j:.4f}" for j in range(30)) for i in range(3))
    out = to_text([Matrix(entries, title="A")], width=60)
    assert "columns 1–" in out and "of 30" in out
    for row in entries:
        for entry in row:
            assert entry in out


@pytest.mark.parametrize("width", [60, 100])
def test_rich_in_a_notebook_lays_out_for_its_width(width):
    """``rich.print(result)`` (notebooks): the width Rich offers, nothing cut."""
    import io

    from rich.console import Console

    import hwcheck

    result = hwcheck.adam(steps=2, amsgrad=True)
    buffer = io.StringIO()
    Console(file=buffer, width=width, color_system=None).print(result)
    assert_complete(buffer.getvalue(), result.view(6), width)


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet="ab 1.−αβ漢", max_size=120), st.integers(10, 80))
def test_wrap_keeps_every_character_within_the_width(line, width):
    from rich.cells import cell_len

    from hwcheck.render.text import wrap

    pieces = wrap(line, width, indent="    ")
    assert all(cell_len(p) <= width for p in pieces)
    assert "".join(p.replace(" ", "") for p in pieces) == line.replace(" ", "")
