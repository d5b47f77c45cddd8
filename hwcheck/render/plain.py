"""Sections → the plain text Rich prints for them at their natural width, without importing Rich.

Output to a file or a pipe is laid out at its natural width (:func:`hwcheck.render.text.to_text`):
nothing wraps, nothing is coloured, and a table is columns padded to their widest cell with the
``SIMPLE_HEAD`` box (a rule under the header, a blank line before the footer). That is a few
lines of padding, while importing and running Rich's console costs a quarter of the start-up of
``hwcheck params``. This module writes exactly Rich's bytes for that case and declines (returns
None) for anything whose layout only Rich knows exactly; the tests compare the two on every
command's output and on generated sections.

On a terminal the same layout is what Rich prints whenever every line fits the terminal's width
(nothing then wraps, folds or stacks): :func:`terminal_text` writes it with the styles Rich would
give it (bold headings, header and total rows, coloured verdicts, dim row labels) as plain SGR
codes, so a table on a terminal starts as fast as one in a pipe. Anything wider, and any
terminal Rich must ask about (no size, ``TERM=dumb``, ``NO_COLOR``, ``COLUMNS``), is Rich's.

>>> from hwcheck.core.views import Table
>>> plain_text([Table(("k", "n"), (("a", "1"), ("bb", "22")), align="lr")]).splitlines()
['k     n', '───────', 'a     1', 'bb   22', '']
"""

from __future__ import annotations

import os

from hwcheck.core import escape
from hwcheck.core.views import Heading, Matrix, Table

#: output narrower than this is laid out at this width (render.text.MIN_WIDTH); only the measure
MIN_WIDTH = 100
#: Rich measures at most this many cells (the console it measures with); wider is Rich's to fold
MAX_CELLS = 100_000

_SINGLE_CELL: frozenset[str] | None = None


#: characters Rich counts one cell each (its own fast ranges, and the punctuation, super- and
#: subscripts, letterlike symbols, arrows, operators, technical signs, box drawing and check
#: marks the tables print: tests/test_render_terminal.py holds every one to rich.cells)
ONE_CELL_RANGES = (
    (0x20, 0x7E),
    (0xA0, 0xAC),
    (0xAE, 0x2FF),
    (0x370, 0x482),
    (0x1D62, 0x1D6A),
    (0x2010, 0x2027),
    (0x2030, 0x205E),
    (0x2070, 0x209C),
    (0x2100, 0x214F),
    (0x2190, 0x2319),
    (0x2500, 0x25FC),
    (0x2713, 0x2718),
)


def _single_cell() -> frozenset[str]:
    """The characters of :data:`ONE_CELL_RANGES` (counted without importing Rich)."""
    global _SINGLE_CELL
    if _SINGLE_CELL is None:
        ranges = ONE_CELL_RANGES
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


#: Rich's styles as SGR parameters (its standard colours are the terminal's own 16)
SGR = {"bold": "1", "dim": "2", "underline": "4", "red": "31", "green": "32", "yellow": "33"}


def _paint(text: str, style: str) -> str:
    """``text`` in ``style`` (space-separated names of :data:`SGR`) while :data:`_PAINTING`."""
    if not _PAINTING or not style or not text:
        return text
    codes = ";".join(SGR[name] for name in style.split())
    return f"\x1b[{codes}m{text}\x1b[0m"


_PAINTING = False
_WIDTH = 0  # the terminal's columns while painting


def plain_text(sections) -> str | None:
    """The sections as Rich prints them to a file at their natural width, or None to ask Rich."""
    try:
        lines = [line for section in sections for line in _section(section)]
    except Declined:
        return None
    printed = "".join(line + "\n" for line in lines)  # Rich ends every line it prints
    return "\n".join(line.rstrip() for line in printed.splitlines()) + "\n"


def terminal_text(sections, environ=os.environ) -> str | None:
    """The sections as Rich prints them on a terminal (:func:`terminal_width` columns),
    styled; None where only Rich knows the layout (it then draws them)."""
    global _PAINTING, _WIDTH
    width = terminal_width(environ)
    if not width:
        return None
    try:
        _WIDTH = width
        laid_out = plain_text(sections)
        if laid_out is None or max(map(cell_len, laid_out.splitlines()), default=0) > width:
            return None  # a cell wider than the terminal: Rich folds it
        _PAINTING = True
        return plain_text(sections)
    finally:
        _PAINTING, _WIDTH = False, 0


def terminal_width(environ=os.environ) -> int:
    """Columns of the terminal on standard output, or 0 when Rich would decide otherwise
    (sizes or colours set by the environment, a dumb terminal); 80, as Rich, when none tells."""
    term = environ.get("TERM", "")
    if not term or term in ("dumb", "unknown") or os.name == "nt":
        return 0
    if any(k in environ for k in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "JUPYTER_COLUMNS")):
        return 0
    for stream in (0, 1, 2):  # Rich asks standard input, output and error, in that order
        try:
            return os.get_terminal_size(stream).columns or 80  # no size reported: Rich's 80
        except (OSError, ValueError):
            continue
    return 80


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
        return [_paint(_fitted(_visible(section.text)), "bold underline"), ""]
    title = [_paint(_fitted(_visible(section.title)), "bold")] if section.title else []
    body = "\n".join(_visible(line) for line in section.lines).split("\n")
    if _WIDTH:  # prose and pictures are cut at spaces into lines that fit (render.text.wrap)
        indent = "    " if section.preformatted or section.math else ""
        body = [piece for line in body for piece in wrap(line, _WIDTH, indent)]
    return [*title, *body, ""]


def _fitted(line: str) -> str:
    """A one-line title or heading; one wider than the terminal is Rich's to fold."""
    if _WIDTH and cell_len(line) > _WIDTH:
        raise Declined
    return line


def _table_section(section: Table) -> list[str]:
    columns = [_visible(c) for c in section.columns]
    rows = [[_visible(c) for c in row] for row in section.rows]
    footer = [[_visible(c) for c in row] for row in section.footer]
    aligns = section.align or "l" * len(columns)
    out = [_paint(_fitted(_visible(section.title)), "bold")] if section.title else []
    legend: list[str] = []
    if _WIDTH and natural_width(columns, rows + footer) > _WIDTH:
        columns, legend = short_headers(columns)
    if _WIDTH and natural_width(columns, rows + footer) > _WIDTH:
        stacked = stacked_lines(section, columns, rows, footer, _WIDTH)
        out += [_paint(text, style) for text, style in stacked]
    else:
        out += _grid(columns, rows, footer, aligns)
    notes = legend + [_visible(n) for n in section.notes]
    out += [piece for n in notes for piece in wrap(n, _WIDTH or None, "  ")]
    return [*out, ""]


# ----------------------------------------------------------- layout for a terminal's width


def wrap(line: str, width: int | None, indent: str = "") -> list[str]:
    """``line`` cut at spaces into pieces of at most ``width`` cells, continuations indented; a
    word longer than a line is split (nothing is ever dropped).

    >>> wrap("    rule: numeric (12 probes) differs", 20, "      ")
    ['    rule: numeric', '      (12 probes)', '      differs']
    """
    if width is None or cell_len(line) <= width:
        return [line]
    body = line.lstrip(" ")
    out: list[str] = []
    current = line[: len(line) - len(body)]  # the line's own indentation stays
    for word in body.split(" "):
        if not current.strip():
            current += word
        elif cell_len(current + " " + word) <= width:
            current += " " + word
        else:
            out.append(current)
            current = indent + word
        while cell_len(current) > width:  # one word wider than the line: split it
            cut = len(current)
            while cut > len(indent) + 1 and cell_len(current[:cut]) > width:
                cut -= 1
            out.append(current[:cut])
            current = indent + current[cut:]
    out.append(current)
    return out


def column_widths(columns: list[str], rows: list[list[str]]) -> list[int]:
    return [
        max([cell_len(c)] + [cell_len(r[i]) for r in rows if i < len(r)])
        for i, c in enumerate(columns)
    ]


def natural_width(columns: list[str], rows: list[list[str]], gap: int = 3) -> int:
    """The width of a SIMPLE_HEAD table without edge padding: cells, and between two columns
    a padding space, the (blank) divider and another padding space."""
    widths = column_widths(columns, rows)
    return sum(widths) + gap * (len(widths) - 1)


def short_headers(columns: list[str]) -> tuple[list[str], list[str]]:
    """Headers ``name = formula`` shortened to ``name``, and the formulas as a legend below."""
    short = [c.split(" = ", 1)[0] if " = " in c else c for c in columns]
    return short, [c for c, s in zip(columns, short) if c != s]


def stacked_lines(section: Table, columns, rows, footer, width: int) -> list[tuple[str, str]]:
    """The table without its widest columns, each moved cell on its own line under its row:
    (text, style) per line (``Table.below`` columns move first, the first column never)."""
    n = len(columns)
    body = rows + footer
    kept = list(range(n))
    order = list(section.below) + sorted(
        (i for i in range(1, n) if i not in section.below),
        key=lambda i: -column_widths([columns[i]], [[r[i]] for r in body])[0],
    )
    for i in order:
        shown = [[r[k] for k in kept] for r in body]
        if len(kept) == 1 or natural_width([columns[k] for k in kept], shown, gap=2) <= width:
            break
        kept.remove(i)
    moved = [i for i in range(n) if i not in kept]
    widths = column_widths([columns[k] for k in kept], [[r[k] for k in kept] for r in body])
    aligns = section.align or "l" * n
    rule = ("─" * min(width, sum(widths) + 2 * (len(widths) - 1)), "")
    out: list[tuple[str, str]] = []

    def line(cells: list[str], raw: list[str] | None, bold=False) -> None:
        pieces = []
        for w, k, cell in zip(widths, kept, cells):
            pad = " " * (w - cell_len(cell))
            pieces.append(pad + cell if aligns[k] == "r" else cell + pad)
        text = "  ".join(pieces).rstrip()
        out.extend((piece, "bold" if bold else "") for piece in wrap(text, width, "    "))
        for k in moved if raw is not None else []:
            if raw[k].strip():
                label = columns[k] + ": " if columns[k] else ""
                style = _verdict_style(raw[k])
                out.extend((p, style) for p in wrap("    " + label + raw[k], width, "      "))

    line([columns[k] for k in kept], None, bold=True)
    out.append(rule)
    for row in rows:
        line([row[k] for k in kept], row)
    if footer:
        out.append(rule)
        for row in footer:
            line([row[k] for k in kept], row, bold=True)
    return out


#: the colours of the verdicts, in a terminal
VERDICT_STYLE = {
    "correct": "green",
    "wrong": "red",
    "imprecise": "yellow",
    "inconclusive": "yellow",
    "error": "red",
}


def _verdict_style(cell: str) -> str:
    if not cell.endswith(tuple(VERDICT_STYLE)):  # most cells: no need for the claims modules
        return ""
    from hwcheck.claims.verdict import VERDICT_MARK

    for verdict, mark in VERDICT_MARK.items():
        if cell.startswith(mark + " ") and cell.endswith(verdict):
            return VERDICT_STYLE[verdict]
    return ""


def column_blocks(widths: list[int], label_width: int, width: int | None) -> list[list[int]]:
    """A matrix's columns in blocks that each fit ``width`` (one block when ``width`` is None):
    each column takes its cells and 3 more, after ``label_width`` for the row labels."""
    blocks: list[list[int]] = [[]]
    used = label_width
    for j, cells in enumerate(widths):
        if width is not None and blocks[-1] and used + cells + 3 > width:
            blocks.append([])
            used = label_width
        blocks[-1].append(j)
        used += cells + 3
    return blocks


def _matrix_section(section: Matrix) -> list[str]:
    entries = [[_visible(c) for c in row] for row in section.entries]
    n_cols = len(entries[0]) if entries else 0
    labels = [_visible(c) for c in section.col_labels] or [""] * n_cols
    row_labels = [_visible(c) for c in section.row_labels]
    widths = column_widths(labels, entries) if n_cols else []
    label_width = max((len(r) for r in row_labels), default=0) + 2 if row_labels else 0
    blocks = column_blocks(widths, label_width, _WIDTH or None)
    out = [_paint(_fitted(_visible(section.title)), "bold")] if section.title else []
    for block in blocks:
        if len(blocks) > 1:
            out.append(_paint(f"columns {block[0] + 1}–{block[-1] + 1} of {n_cols}", "dim"))
        cells = [[r[j] for j in block] for r in entries]
        out += _matrix_block([labels[j] for j in block], cells, row_labels)
    notes = [_visible(n) for n in section.notes]
    out += [piece for n in notes for piece in wrap(n, _WIDTH or None, "  ")]
    return [*out, ""]


def _matrix_block(labels: list[str], entries: list[list[str]], row_labels: list[str]):
    if row_labels:
        entries = [[label, *row] for label, row in zip(row_labels, entries)]
        return _grid(["", *labels], entries, [], "l" + "r" * len(labels), dim_first=True)
    return _grid(labels, entries, [], "r" * len(labels))


def _grid(columns, rows, footer, aligns: str, dim_first: bool = False) -> list[str]:
    """A Rich table with box SIMPLE_HEAD (SIMPLE when it has no footer: the same lines),
    ``show_edge=False``, ``pad_edge=False``, every column ``no_wrap``, at its natural width.
    Styled as Rich styles it: header and footer rows bold, verdict cells in their colour, a
    matrix's row labels (``dim_first``) dim."""
    n = len(columns)
    body = rows + footer
    if n == 0 or len(aligns) != n or any(len(r) != n for r in body):
        raise Declined  # ragged or empty: Rich's business
    widths = [max(cell_len(r[i]) for r in [columns, *body]) for i in range(n)]
    pads = [(0 if i == 0 else 1, 0 if i == n - 1 else 1) for i in range(n)]
    if sum(widths) + 3 * (n - 1) > MAX_CELLS or 0 in widths:
        raise Declined

    def line(cells: list[str], style: str = "") -> str:
        parts = []
        for i, (cell, width, align, (left, right)) in enumerate(zip(cells, widths, aligns, pads)):
            look = _cell_style(cell) or style or ("dim" if dim_first and i == 0 else "")
            parts.append(" " * left + _justify(cell, width, align, look) + " " * right)
        return " ".join(parts)

    out = [line(columns, "bold"), "─" * (sum(widths) + 3 * (n - 1))]
    out += [line(r) for r in rows]
    if rows and footer:
        out.append("")
    out += [line(r, "bold") for r in footer]
    return out


def _cell_style(cell: str) -> str:
    """A verdict cell's colour, as the terminal renderer gives it (only while painting)."""
    return _verdict_style(cell) if _PAINTING else ""


def _justify(cell: str, width: int, align: str, style: str = "") -> str:
    """Rich's ``Lines.justify``: right and centre drop trailing spaces first."""
    if align == "l":
        return _paint(cell, style) + " " * (width - cell_len(cell))
    cell = cell.rstrip()
    excess = width - cell_len(cell)
    if align == "r":
        return " " * excess + _paint(cell, style)
    if align == "c":
        return " " * (excess // 2) + _paint(cell, style) + " " * (excess - excess // 2)
    raise Declined
