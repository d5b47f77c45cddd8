"""On a terminal, a table that fits is written without Rich, and looks exactly as Rich draws it.

``hwcheck.render.plain.terminal_text`` takes the natural-width layout (already byte-identical to
Rich's, tests/test_render_plain.py) and adds Rich's styles as SGR codes. Each test renders the
same sections both ways, the fast writer and Rich's own console forced to a terminal of the
same width, and compares every visible character with the styles in force on it.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hwcheck.core.views import Heading, Matrix, Table, Text
from hwcheck.render import plain
from hwcheck.render.text import rich_group
from tests.test_golden_commands import CASES
from tests.test_render_plain import sections as generated_sections

TERMINAL = {"TERM": "xterm-256color"}
SGR = re.compile(r"\x1b\[([0-9;]*)m")


def styled_chars(text: str) -> list[tuple[str, frozenset[str]]]:
    """Every non-blank character with the SGR parameters in force on it (lines right-trimmed)."""
    out, active, pos = [], set(), 0
    text = "\n".join(line.rstrip() for line in text.splitlines())
    for match in SGR.finditer(text + "\x1b[m"):
        for ch in text[pos : match.start()]:
            if not ch.isspace():
                out.append((ch, frozenset(active)))
            elif ch == "\n":
                out.append((ch, frozenset()))
        codes = match.group(1).split(";")
        if codes in (["0"], [""]):
            active.clear()
        else:
            active.update(codes)
        pos = match.end()
    return out


def rich_terminal(sections, width: int) -> str:
    from rich.console import Console

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=True,
        color_system="standard",
        highlight=False,
        emoji=False,
        markup=False,
    )
    console.print(rich_group(sections, width))
    return buffer.getvalue()


def ours(sections, width: int, monkeypatch) -> str | None:
    monkeypatch.setattr(os, "get_terminal_size", lambda fd=1: os.terminal_size((width, 40)))
    return plain.terminal_text(sections, TERMINAL)


def plain_chars(text: str) -> str:
    return "\n".join(line.rstrip() for line in SGR.sub("", text).splitlines())


def same_as_rich(sections, width, monkeypatch) -> str | None:
    text = ours(sections, width, monkeypatch)
    if text is not None:
        rich = rich_terminal(sections, width)
        assert plain_chars(text) == plain_chars(rich)
        assert styled_chars(text) == styled_chars(rich)
    return text


@pytest.mark.parametrize("name", sorted(set(CASES) - {"key"}))  # key prints a TOML file
def test_every_golden_case_looks_as_rich_draws_it(name, cli, monkeypatch):
    seen = []
    original = plain.plain_text

    def keep(sections):
        seen.append(sections)
        return original(sections)

    monkeypatch.setattr(plain, "plain_text", keep)
    cli(*CASES[name])
    assert seen
    monkeypatch.setattr(plain, "plain_text", original)
    for sections in seen:
        widest = max(map(plain.cell_len, (original(sections) or "x").splitlines()))
        assert same_as_rich(sections, max(widest, 20), monkeypatch) is not None
        for width in (80, 50):  # narrower terminals: stacked tables, matrices in blocks
            same_as_rich(sections, width, monkeypatch)


def test_verdicts_are_coloured_and_totals_bold(monkeypatch):
    table = Table(
        ("claim", "verdict"),
        (("a", "✓ correct"), ("b", "✗ wrong")),
        footer=(("total", "✓ correct"),),
    )
    text = same_as_rich([Heading("sheet"), table], 60, monkeypatch)
    assert "\x1b[32m✓ correct\x1b[0m" in text and "\x1b[31m✗ wrong\x1b[0m" in text
    assert "\x1b[1;4msheet\x1b[0m" in text and "\x1b[1mtotal\x1b[0m" in text


def test_a_table_wider_than_the_terminal_is_stacked_as_rich_stacks_it(monkeypatch):
    table = Table(("a", "b = x + y", "c"), (("x" * 30, "y" * 50, "✗ wrong"),), below=(1,))
    text = same_as_rich([table], 60, monkeypatch)
    assert "    b: " + "y" * 50 in plain_chars(text)  # the moved column under its row
    assert "b = x + y" in plain_chars(text)  # the header's formula as a legend


def test_a_cell_wider_than_the_terminal_is_cut_as_rich_cuts_it(monkeypatch):
    text = same_as_rich([Table(("a",), (("x" * 90,),))], 80, monkeypatch)
    assert plain_chars(text).splitlines()[3] == "    " + "x" * 10


@pytest.mark.parametrize(
    "environ",
    [{}, {"TERM": "dumb"}, {**TERMINAL, "NO_COLOR": "1"}, {**TERMINAL, "COLUMNS": "50"}],
)
def test_terminals_rich_must_ask_about_are_rich_s(environ, monkeypatch):
    assert plain.terminal_width(environ) == 0
    assert ours_with(environ, monkeypatch) is None


def ours_with(environ, monkeypatch):
    monkeypatch.setattr(os, "get_terminal_size", lambda fd=1: os.terminal_size((200, 40)))
    return plain.terminal_text([Text("t", ("line",))], environ)


def test_a_terminal_of_no_size_is_rich_s_80_columns(monkeypatch):
    monkeypatch.setattr(os, "get_terminal_size", lambda fd=1: os.terminal_size((0, 0)))
    assert plain.terminal_width(TERMINAL) == 80


@settings(max_examples=150, deadline=None)
@given(generated_sections, st.integers(20, 160))
def test_generated_sections_look_as_rich_draws_them(drawn, width):
    with pytest.MonkeyPatch.context() as monkeypatch:
        same_as_rich(drawn, width, monkeypatch)


def test_a_table_on_a_terminal_does_not_import_rich(tmp_path):
    """The point of the fast writer: the start-up of a table on a terminal stays Rich-free."""
    code = (
        "import os, sys\n"
        "os.get_terminal_size = lambda fd=1: os.terminal_size((200, 40))\n"
        "os.environ.pop('COLUMNS', None); os.environ['TERM'] = 'xterm'\n"
        "os.environ.pop('NO_COLOR', None); os.environ.pop('FORCE_COLOR', None)\n"
        "import hwcheck\n"
        "from hwcheck.render.text import print_rich, sections_of\n"
        "print_rich(sections_of(hwcheck.params(spec='8x8x3 | conv2d 4 3'), [], 6))\n"
        "heavy = {'rich.console', 'rich.table', 'rich.text', 'rich.style'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "\x1b[1m" in done.stdout and "conv2d" in done.stdout


def test_matrix_row_labels_are_dim(monkeypatch):
    matrix = Matrix(title="W", entries=(("1", "2"),), row_labels=("r0",), col_labels=("a", "b"))
    text = same_as_rich([matrix], 40, monkeypatch)
    assert "\x1b[2mr0\x1b[0m" in text


def test_every_character_counted_without_rich_is_one_cell_for_rich():
    from rich.cells import cell_len

    for first, last in plain.ONE_CELL_RANGES:
        wide = [hex(c) for c in range(first, last + 1) if cell_len(chr(c)) != 1]
        assert not wide, (hex(first), wide)
