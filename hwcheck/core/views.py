"""The render-agnostic sections a result's ``view()`` returns: tables, matrices and text.

Cells are already formatted strings; :mod:`hwcheck.render.text` lays them out as a Rich table,
Markdown or LaTeX. Both the results (:mod:`hwcheck.core.result`) and the renderer import these, and
neither imports the other at module level.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Table:
    """Rows of already formatted cells. ``align`` is one of l/r/c per column."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    title: str | None = None
    footer: tuple[tuple[str, ...], ...] = ()
    notes: tuple[str, ...] = ()
    align: str | None = None
    nowrap: tuple[int, ...] = ()  # columns that never wrap (keys, verdicts)
    min_widths: tuple[int, ...] = ()  # per column, 0 for no minimum
    #: columns that move onto their own indented line under each row when the table is wider
    #: than the terminal (long reasons, formulas), tried before any other column
    below: tuple[int, ...] = ()


@dataclass(frozen=True)
class Matrix:
    """A labelled matrix; ``latex`` entries (optional) are used by the LaTeX renderer."""

    entries: tuple[tuple[str, ...], ...]
    row_labels: tuple[str, ...] = ()
    col_labels: tuple[str, ...] = ()
    title: str | None = None
    notes: tuple[str, ...] = ()
    latex: tuple[tuple[str, ...], ...] | None = None


@dataclass(frozen=True)
class Text:
    """Lines of prose or a monospace picture (``preformatted``); ``latex`` overrides in LaTeX."""

    lines: tuple[str, ...]
    title: str | None = None
    preformatted: bool = False
    latex: tuple[str, ...] | None = None  # LaTeX math, one displayed equation per line
    math: bool = False  # ``lines`` are LaTeX math source (shown as such in a terminal; typeset,
    # with no title, in LaTeX)


@dataclass(frozen=True)
class Heading:
    """A heading (an exercise of a solution sheet): ``#``/``\\section*`` at ``level`` 1–3."""

    text: str
    level: int = 2


Section = Table | Matrix | Text | Heading
