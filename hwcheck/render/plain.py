"""Sections → the plain text Rich prints for them at their natural width, without importing Rich.

Output to a file or a pipe is laid out at its natural width (:func:`hwcheck.render.text.to_text`):
nothing wraps, nothing is coloured, and a table is columns padded to their widest cell with the
``SIMPLE_HEAD`` box (a rule under the header, a blank line before the footer). That is a few
lines of padding, while importing and running Rich's console costs a quarter of the start-up of
``hwcheck params``. This module writes exactly Rich's bytes for that case and declines (returns
None) for anything whose layout only Rich knows exactly; the tests compare the two on every
command's output and on generated sections.

>>> from hwcheck.core.views import Table
>>> plain_text([Table(("k", "n"), (("a", "1"), ("bb", "22")), align="lr")]).splitlines()
['k     n', '───────', 'a     1', 'bb   22', '']
"""

from __future__ import annotations

from hwcheck.core import escape
from hwcheck.core.views import Heading, Matrix, Table

#: output narrower than this is laid out at this width (render.text.MIN_WIDTH); only the measure
MIN_WIDTH = 100
#: Rich measures at most this many cells (the console it measures with); wider is Rich's to fold
MAX_CELLS = 100_000

_SINGLE_CELL: frozenset[str] | None = None


def _single_cell() -> frozenset[str]:
    """The characters Rich itself counts one cell each without its width tables (rich.cells)."""
    global _SINGLE_CELL
    if _SINGLE_CELL is None:
        ranges = ((0x20, 0x7E), (0xA0, 0xAC), (0xAE, 0x2FF), (0x370, 0x482), (0x2500, 0x25FC))
        _SINGLE_CELL = frozenset(chr(c) for a, b in ranges for c in range(a, b + 1))
    return _SINGLE_CELL


def cell_len(text: str) -> int:
    """Terminal cells of ``text``, as Rich counts them (its tables only for the rarer characters)."""
    if _single_cell().issuperset(text):
        return len(text)
    from rich.cells import cell_len as rich_cell_len

    return rich_cell_len(text)


class Declined(Exception):
    """A section this module does not lay out (Rich does)."""


def plain_text(sections) -> str | None:
    """The sections as Rich prints them to a file at their natural width, or None to ask Rich."""
    try:
        lines = [line for section in sections for line in _section(section)]
    except Declined:
        return None
    printed = "".join(line + "\n" for line in lines)  # Rich ends every line it prints
    return "\n".join(line.rstrip() for line in printed.splitlines()) + "\n"


def _visible(text: str) -> str:
    """Terminal-safe text (every character printable, so no tab, newline or control remains)."""
    out = escape.terminal(text)
    if not out.isprintable() or len(out) > MAX_CELLS // 2:
        raise Declined
    return out


def _section(section) -> list[str]:
    if isinstance(section, Table):
        return _table_section(section)
    if isinstance(section, Matrix):
        return _matrix_section(section)
    if isinstance(section, Heading):
        return [_visible(section.text), ""]
    title = [_visible(section.title)] if section.title else []
    body = "\n".join(_visible(line) for line in section.lines).split("\n")
    return [*title, *body, ""]


def _table_section(section: Table) -> list[str]:
    columns = [_visible(c) for c in section.columns]
    rows = [[_visible(c) for c in row] for row in section.rows]
    footer = [[_visible(c) for c in row] for row in section.footer]
    aligns = section.align or "l" * len(columns)
    out = [_visible(section.title)] if section.title else []
    out += _grid(columns, rows, footer, aligns)
    out += [_visible(n) for n in section.notes]
    return [*out, ""]


def _matrix_section(section: Matrix) -> list[str]:
    entries = [[_visible(c) for c in row] for row in section.entries]
    n_cols = len(entries[0]) if entries else 0
    labels = [_visible(c) for c in section.col_labels] or [""] * n_cols
    if section.row_labels:
        row_labels = [_visible(c) for c in section.row_labels]
        labels = ["", *labels]
        entries = [[label, *row] for label, row in zip(row_labels, entries)]
        aligns = "l" + "r" * n_cols
    else:
        aligns = "r" * n_cols
    out = [_visible(section.title)] if section.title else []
    out += _grid(labels, entries, [], aligns)
    out += [_visible(n) for n in section.notes]
    return [*out, ""]


def _grid(columns: list[str], rows: list[list[str]], footer: list[list[str]], aligns: str):
    """A Rich table with box SIMPLE_HEAD (SIMPLE when it has no footer: the same lines),
    ``show_edge=False``, ``pad_edge=False``, every column ``no_wrap``, at its natural width."""
    n = len(columns)
    body = rows + footer
    if n == 0 or len(aligns) != n or any(len(r) != n for r in body):
        raise Declined  # ragged or empty: Rich's business
    widths = [max(cell_len(r[i]) for r in [columns, *body]) for i in range(n)]
    pads = [(0 if i == 0 else 1, 0 if i == n - 1 else 1) for i in range(n)]
    if sum(widths) + 3 * (n - 1) > MAX_CELLS or 0 in widths:
        raise Declined

    def line(cells: list[str]) -> str:
        parts = []
        for cell, width, align, (left, right) in zip(cells, widths, aligns, pads):
            parts.append(" " * left + _justify(cell, width, align) + " " * right)
        return " ".join(parts)

    out = [line(columns), "─" * (sum(widths) + 3 * (n - 1))]
    out += [line(r) for r in rows]
    if rows and footer:
        out.append("")
    out += [line(r) for r in footer]
    return out


def _justify(cell: str, width: int, align: str) -> str:
    """Rich's ``Lines.justify``: right and centre drop trailing spaces first."""
    if align == "l":
        return cell + " " * (width - cell_len(cell))
    cell = cell.rstrip()
    excess = width - cell_len(cell)
    if align == "r":
        return " " * excess + cell
    if align == "c":
        return " " * (excess // 2) + cell + " " * (excess - excess // 2)
    raise Declined
