"""The plain-text layout (hwcheck.render.plain) is Rich's own output, byte for byte.

Output to a file or a pipe skips Rich when the layout is plain padding (start-up: importing
Rich's console is a quarter of ``hwcheck params``). Every test here renders the same sections
both ways — the plain writer and Rich itself (``render.text.rich_text``) — and compares: every
command's golden cases, generated tables, matrices and texts with wide, combining and escaped
characters, and the cases the writer declines (which Rich then lays out).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hwcheck.core.views import Heading, Matrix, Table, Text
from hwcheck.render import plain
from hwcheck.render.text import rich_text, to_text
from tests.test_golden_commands import CASES


def same_as_rich(sections) -> str | None:
    """The plain text, asserted equal to Rich's (None when the writer declines)."""
    text = plain.plain_text(sections)
    if text is not None:
        assert text == rich_text(sections)
    return text


@pytest.mark.parametrize("name", sorted(set(CASES) - {"key"}))  # key prints a TOML file
def test_every_golden_case_is_rich_bytes(name, cli, monkeypatch):
    """Each command's table output, as the CLI writes it, is what Rich writes."""
    seen = []
    original = plain.plain_text

    def checked(sections):
        seen.append((original(sections), rich_text(sections)))
        return seen[-1][0]

    monkeypatch.setattr(plain, "plain_text", checked)
    cli(*CASES[name])
    assert seen, "the table output went through the natural-width layout"
    for ours, rich in seen:
        assert ours == rich


def test_long_params_table_is_rich_bytes():
    """A model longer than the long-table threshold (laid out as preformatted text chunks)."""
    import hwcheck

    spec = "64x64x3 | " + " | ".join(["conv2d filters=4 kernel=3 padding=same", "relu"] * 60)
    result = hwcheck.params(spec=spec)
    assert same_as_rich(list(result.view(6))) is not None


# ---------------------------------------------------------------------------- generated

#: characters of every width class: ASCII, Rich's fast single-cell ranges, one-cell characters
#: outside them (− ⌊ ≈ …), wide East Asian characters, a combining accent, and characters
#: that escaping rewrites (newline, tab, ANSI escape, bidi override, non-breaking space)
ALPHABET = "ab XY 09.,-+=|×·²αβ−⌊⌋≈–…✓✗─汉字한ｶ\u0301\n\t\x1b\u202e\u00a0\u2009"
cells = st.text(alphabet=ALPHABET, max_size=12)


@st.composite
def tables(draw):
    n = draw(st.integers(1, 5))
    row = st.tuples(*[cells] * n)
    return Table(
        columns=draw(st.tuples(*[cells] * n)),
        rows=tuple(draw(st.lists(row, max_size=5))),
        title=draw(st.none() | cells),
        footer=tuple(draw(st.lists(row, max_size=2))),
        notes=tuple(draw(st.lists(cells, max_size=2))),
        align=draw(st.none() | st.text(alphabet="lrc", min_size=n, max_size=n)),
    )


@st.composite
def matrices(draw):
    rows, n = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    return Matrix(
        entries=tuple(draw(st.tuples(*[cells] * n)) for _ in range(rows)),
        row_labels=draw(st.just(()) | st.tuples(*[cells] * rows)),
        col_labels=draw(st.just(()) | st.tuples(*[cells] * n)),
        title=draw(st.none() | cells),
        notes=tuple(draw(st.lists(cells, max_size=2))),
    )


texts = st.builds(
    Text,
    lines=st.lists(st.text(alphabet=ALPHABET, max_size=30), max_size=4).map(tuple),
    title=st.none() | cells,
    preformatted=st.booleans(),
)
headings = st.builds(Heading, text=cells, level=st.integers(1, 3))
sections = st.lists(tables() | matrices() | texts | headings, min_size=1, max_size=4)


@settings(max_examples=300, deadline=None)
@given(sections)
def test_generated_sections_are_rich_bytes(generated):
    same_as_rich(generated)


@settings(max_examples=60, deadline=None)
@given(sections)
def test_to_text_is_rich_whether_or_not_the_writer_declines(generated):
    assert to_text(generated) == rich_text(generated)


# ---------------------------------------------------------------------------- examples


def test_a_params_like_table():
    table = Table(
        ("#", "name", "output shape", "parameters = k·k·C·F + F"),
        (("", "input", "32×32×3", ""), ("0", "conv2d", "32×32×32", "896")),
        "params",
        footer=(("", "total", "32×32×32", "896"),),
        notes=("MACs = multiply–accumulates ≈ 2·FLOPs",),
        align="llrr",
    )
    text = same_as_rich([table])
    assert text is not None and text.splitlines()[0] == "params"


def test_wide_and_combining_characters_are_counted_as_rich_counts_them():
    table = Table(("名前", "e\u0301"), (("汉字汉字", "x"), ("a", "ｶﾅ")), align="cr")
    assert same_as_rich([table]) is not None


def test_centre_and_right_drop_trailing_spaces_as_rich_does():
    table = Table(("a", "b"), (("x  ", "y  "), ("long cell", "longer cell")), align="cr")
    assert same_as_rich([table]) is not None


def test_footer_without_rows_and_empty_text():
    sections = [Table(("a",), (), footer=(("t",),)), Text(()), Heading("H")]
    assert same_as_rich(sections) is not None


def test_what_it_declines_rich_lays_out():
    """An empty column (width 0) and a ragged row are Rich's layout, never a guess."""
    empty = Table(("", "b"), (("", "1"),))
    ragged = Table(("a", "b"), (("1",),))
    for section in (empty, ragged):
        assert plain.plain_text([section]) is None
    assert to_text([empty]) == rich_text([empty])


def test_counting_cells_needs_rich_only_for_rare_characters():
    assert plain.cell_len("3·3·32 + 32 = 896 ×") == 19  # Rich's one-cell ranges
    assert plain.cell_len("汉字") == 4
    assert plain.cell_len("e\u0301") == 1
