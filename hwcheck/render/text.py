"""Results → text: Rich tables, Markdown, LaTeX, strict JSON. Chosen once, at the end.

The core hands over sections of already formatted strings (:mod:`hwcheck.core.views`); this module
only lays them out, so every command gets every format for free. Every string goes through the
format's one escaping function (:mod:`hwcheck.core.escape`) on its way out: text from an answers file
can neither forge a row, nor colour the terminal, nor inject Markdown, HTML or LaTeX.

Terminal and files: nothing is ever cut. A table wider than the terminal first writes its
``name = formula`` headers as ``name`` with the formulas below it, then moves its long columns
(``Table.below`` first) onto indented lines under each row; a matrix wider than the terminal
prints in column blocks. Output to a file or a pipe is laid out at its natural width.
"""

from __future__ import annotations

import io

from hwcheck.core import escape
from hwcheck.core.views import Heading, Matrix, Section, Table
from hwcheck.render.plain import (
    _verdict_style,
    column_blocks,
    natural_width,
    short_headers,
    stacked_lines,
    wrap,
)
from hwcheck.render.plain import column_widths as _column_widths


def verdict_table(verdicts, digits: int = 6) -> Table:
    from hwcheck.claims.verdict import CLAIM_COLUMNS, claim_cells

    rows = tuple(claim_cells(v.to_json(), digits) for v in verdicts)
    return Table(columns=CLAIM_COLUMNS, rows=rows, title="Claims", nowrap=(0, 3), below=(4,))


def sections_of(result, verdicts, digits: int) -> list[Section]:
    sections = list(result.view(digits))
    if verdicts:
        sections.append(verdict_table(verdicts, digits))
    return sections


def render(
    result, verdicts, fmt: str, digits: int, *, width: int | None = None, standalone=False
) -> str:
    """The whole output of a command in one format."""
    if fmt == "json":
        from hwcheck.core.jsonout import json_text

        return json_text(result, verdicts)
    sections = sections_of(result, verdicts, digits)
    if fmt == "markdown":
        return to_markdown(sections)
    if fmt == "latex":
        from hwcheck.render.latex import latex_output

        return latex_output(result, sections, digits, standalone=standalone)
    return to_text(sections, width=width)


# ---------------------------------------------------------------------------- Rich

T = escape.terminal


def rich_group(sections: list[Section], width: int | None = None):
    """The sections as one Rich renderable, laid out for ``width`` columns (None: natural)."""
    from rich.console import Group
    from rich.text import Text as RichText

    parts: list = []
    for section in sections:
        if isinstance(section, Table):
            parts.extend(_rich_table(section, width))
        elif isinstance(section, Matrix):
            parts.extend(_rich_matrix(section, width))
        elif isinstance(section, Heading):
            parts.append(RichText(T(section.text), style="bold underline"))
            parts.append(RichText(""))
        else:
            if section.title:
                parts.append(RichText(T(section.title), style="bold"))
            indent = "    " if section.preformatted or section.math else ""
            lines = [w for line in section.lines for w in wrap(T(line), width, indent)]
            parts.append(RichText("\n".join(lines), no_wrap=True, overflow="ignore"))
            parts.append(RichText(""))
    return Group(*parts)


def _cell_text(cell: str, bold: bool = False, justify: str = "left"):
    from rich.text import Text as RichText

    text = T(cell)
    style = _verdict_style(text) or ("bold" if bold else "")
    return RichText(text, style=style, justify=justify)


def _rich_table(section: Table, width: int | None) -> list:
    from rich import box
    from rich.table import Table as RichTable
    from rich.text import Text as RichText

    columns = [T(c) for c in section.columns]
    rows = [[T(c) for c in row] for row in section.rows]
    footer = [[T(c) for c in row] for row in section.footer]
    legend: list[str] = []
    natural = natural_width(columns, rows + footer)
    if width is not None and natural > width:  # formulas in the headers move below the table
        columns, legend = short_headers(columns)
        natural = natural_width(columns, rows + footer)
    parts: list = []
    if section.title:
        parts.append(RichText(T(section.title), style="bold"))
    if width is not None and natural > width:
        parts.append(_stacked_table(section, columns, rows, footer, width))
    else:
        table = RichTable(box=box.SIMPLE_HEAD, show_footer=False, pad_edge=False, show_edge=False)
        aligns = section.align or "l" * len(columns)
        for name, align in zip(columns, aligns):
            justify = {"l": "left", "r": "right", "c": "center"}[align]
            table.add_column(RichText(name), justify=justify, no_wrap=True, overflow="fold")
        justify = [{"l": "left", "r": "right", "c": "center"}[a] for a in aligns]
        for raw in section.rows:
            table.add_row(*[_cell_text(cell, justify=j) for cell, j in zip(raw, justify)])
        if footer:
            table.add_section()
            for raw in section.footer:
                table.add_row(*[_cell_text(cell, True, justify=j) for cell, j in zip(raw, justify)])
        parts.append(table)
    notes = legend + [T(n) for n in section.notes]
    if notes:
        lines = [w for n in notes for w in wrap(n, width, indent="  ")]
        parts.append(RichText("\n".join(lines), no_wrap=True, overflow="ignore"))
    parts.append(RichText(""))
    return parts


def _stacked_table(section: Table, columns, rows, footer, width: int):
    """The table without its widest columns (:func:`hwcheck.render.plain.stacked_lines`)."""
    from rich.text import Text as RichText

    out = RichText(no_wrap=True, overflow="ignore")
    for text, style in stacked_lines(section, columns, rows, footer, width):
        out.append(text + "\n", style=style)
    out.rstrip()
    return out


def _rich_matrix(section: Matrix, width: int | None) -> list:
    """A matrix in column blocks that each fit ``width`` (one block when it fits or is a file)."""
    from rich import box
    from rich.table import Table as RichTable
    from rich.text import Text as RichText

    entries = [[T(c) for c in row] for row in section.entries]
    n_cols = len(entries[0]) if entries else 0
    col_labels = [T(c) for c in section.col_labels] or [""] * n_cols
    row_labels = [T(c) for c in section.row_labels]
    widths = _column_widths(col_labels, entries) if n_cols else []
    label_width = max((len(r) for r in row_labels), default=0)
    blocks = column_blocks(widths, label_width + 2 if row_labels else 0, width)
    parts: list = []
    if section.title:
        parts.append(RichText(T(section.title), style="bold"))
    for block in blocks:
        if len(blocks) > 1:
            parts.append(
                RichText(f"columns {block[0] + 1}–{block[-1] + 1} of {n_cols}", style="dim")
            )
        table = RichTable(box=box.SIMPLE, pad_edge=False, show_edge=False)
        if row_labels:
            table.add_column("", style="dim", no_wrap=True)
        for j in block:
            table.add_column(
                RichText(col_labels[j]), justify="right", no_wrap=True, overflow="fold"
            )
        for i, row in enumerate(entries):
            label = [RichText(row_labels[i])] if row_labels else []
            table.add_row(*label, *[RichText(row[j], justify="right") for j in block])
        parts.append(table)
    if section.notes:
        lines = [w for n in section.notes for w in wrap(T(n), width, indent="  ")]
        parts.append(RichText("\n".join(lines), no_wrap=True, overflow="ignore"))
    parts.append(RichText(""))
    return parts


#: output to a file or a pipe is laid out at its natural width, but never narrower than this
MIN_WIDTH = 100


def to_text(sections: list[Section], *, width: int | None = None) -> str:
    """Rich rendering captured as plain text, at ``width`` or at the content's natural width
    (measured by Rich, so nothing is cropped, folded or ellipsized). At the natural width the
    layout is plain padding, written without Rich where :mod:`hwcheck.render.plain` can."""
    if width is None:
        from hwcheck.render.plain import plain_text

        text = plain_text(sections)
        if text is not None:
            return text
        return rich_text(sections)
    return _captured(sections, width, width)


def rich_text(sections: list[Section]) -> str:
    """Rich's own rendering at the natural width (what :func:`plain_text` reproduces)."""
    from rich.console import Console

    console = Console(width=100_000, color_system=None, highlight=False, emoji=False, markup=False)
    natural = console.measure(rich_group(sections)).maximum
    return _captured(sections, max(natural, MIN_WIDTH), None)


def _captured(sections: list[Section], console_width: int, layout_width: int | None) -> str:
    from rich.console import Console

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=console_width,
        color_system=None,
        highlight=False,
        emoji=False,
        markup=False,
        soft_wrap=False,
    )
    console.print(rich_group(sections, layout_width))
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"


def print_rich(sections: list[Section]) -> None:
    """Print to the real stdout with colour when it is a terminal, laid out for its width
    (without Rich when every line fits: :func:`hwcheck.render.plain.terminal_text`)."""
    import sys

    from hwcheck.render.plain import terminal_text

    text = terminal_text(sections)
    if text is not None:
        sys.stdout.write(text)
        return
    from rich.console import Console

    console = Console(highlight=False, emoji=False, markup=False)
    console.print(rich_group(sections, console.width))


# ------------------------------------------------------------------------- Markdown

M = escape.markdown


def _md_row(cells) -> str:
    """Cells escaped; a formula cell too, as Unicode text: inline ``$…$`` in a table would meet
    CommonMark's emphasis rules (``}_{`` opens one), so math is kept to ``$$`` blocks."""
    return "| " + " | ".join(M(c) if c else " " for c in cells) + " |"


def to_markdown(sections: list[Section]) -> str:
    """GitHub-flavoured Markdown: headings, pipe tables, math in ``$$…$$``, code for pictures."""
    out: list[str] = []
    for section in sections:
        if isinstance(section, Heading):
            out.append("#" * min(max(section.level, 1), 6) + " " + M(section.text))
            out.append("")
            continue
        if section.title:
            out.append(f"**{M(section.title)}**\n")
        if isinstance(section, Table):
            aligns = section.align or "l" * len(section.columns)
            out.append(_md_row(section.columns))
            out.append(
                "|"
                + "|".join({"l": " --- ", "r": " ---: ", "c": " :---: "}[a] for a in aligns)
                + "|"
            )
            out.extend(_md_row(row) for row in section.rows + section.footer)
            out.extend([""] + [M(n) + "  " for n in section.notes])
        elif isinstance(section, Matrix):
            labels = section.col_labels or tuple("" for _ in section.entries[0])
            head = ("",) + tuple(labels) if section.row_labels else tuple(labels)
            out.append(_md_row(head))
            out.append("|" + "|".join(" ---: " for _ in head) + "|")
            for i, row in enumerate(section.entries):
                cells = ((section.row_labels[i],) if section.row_labels else ()) + tuple(row)
                out.append(_md_row(cells))
            out.extend([""] + [M(n) + "  " for n in section.notes])
        elif section.math or section.latex is not None:
            for line in section.latex if section.latex is not None else section.lines:
                out.extend(["$$", line, "$$"])
        elif section.preformatted:
            lines = [escape.visible(line) for line in section.lines]
            fence = "`" * max(3, 1 + max((_backtick_run(x) for x in lines), default=0))
            out.extend([fence + "text", *lines, fence])
        else:
            out.extend(M(line) + "  " for line in section.lines)
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _backtick_run(line: str) -> int:
    import re

    return max((len(m) for m in re.findall(r"`+", line)), default=0)


class StderrProgress:
    """A transient progress bar on stderr for long ``check`` runs (terminals only)."""

    def __init__(self, minimum: int = 20):
        self.minimum = minimum
        self.progress = None
        self.task = None

    def __call__(self, done: int, total: int, label: str) -> None:
        if total < self.minimum:
            return
        if self.progress is None:
            from rich.console import Console
            from rich.progress import Progress

            self.progress = Progress(console=Console(stderr=True), transient=True)
            self.progress.start()
            self.task = self.progress.add_task("checking", total=total)
        from rich.markup import escape as no_markup

        self.progress.update(
            self.task, completed=done, total=total, description=f"checking {no_markup(T(label))}"
        )

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
