"""Results → text: Rich tables, Markdown, LaTeX, strict JSON. Chosen once, at the end.

The core hands over sections of already formatted strings (:mod:`hwcheck.result`); this module
only lays them out, so every command gets every format for free.
"""

from __future__ import annotations

import io
from typing import Any

from hwcheck.jsonout import dumps
from hwcheck.views import Matrix, Section, Table

VERDICT_STYLE = {
    "correct": "green",
    "wrong": "red",
    "imprecise": "yellow",
    "inconclusive": "yellow",
    "error": "red",
}


def document(result, verdicts=None) -> dict[str, Any]:
    """The JSON document: result keys plus ``claims`` when any were given."""
    doc = result.to_json()
    if verdicts:
        doc["claims"] = [v.to_json() for v in verdicts]
    return doc


def verdict_table(verdicts, digits: int = 6) -> Table:
    from hwcheck.verify import CLAIM_COLUMNS, CLAIM_MIN_WIDTHS, claim_cells

    rows = tuple(claim_cells(v.to_json(), digits) for v in verdicts)
    return Table(
        columns=CLAIM_COLUMNS, rows=rows, title="Claims", nowrap=(0, 3), min_widths=CLAIM_MIN_WIDTHS
    )


def render(result, verdicts, fmt: str, digits: int, *, width: int | None = None) -> str:
    """The whole output of a command in one format."""
    if fmt == "json":
        return dumps(document(result, verdicts), plain=True) + "\n"
    sections = list(result.view(digits))
    if verdicts:
        sections.append(verdict_table(verdicts, digits))
    if fmt == "markdown":
        return to_markdown(sections)
    if fmt == "latex":
        return to_latex(sections)
    return to_text(sections, width=width)


# ---------------------------------------------------------------------------- Rich


def rich_group(sections: list[Section]):
    from rich import box
    from rich.console import Group
    from rich.table import Table as RichTable
    from rich.text import Text as RichText

    parts = []
    for section in sections:
        if isinstance(section, Table):
            table = RichTable(
                title=section.title,
                box=box.SIMPLE_HEAD,
                title_justify="left",
                caption="\n".join(section.notes) or None,
                caption_justify="left",
                show_footer=False,
            )
            aligns = section.align or "l" * len(section.columns)
            for i, (name, align) in enumerate(zip(section.columns, aligns)):
                minimum = section.min_widths[i] if i < len(section.min_widths) else 0
                table.add_column(
                    name,
                    justify={"l": "left", "r": "right", "c": "center"}[align],
                    overflow="fold",
                    no_wrap=i in section.nowrap,
                    min_width=minimum or None,
                )
            for row in section.rows:
                table.add_row(*[_styled(cell) for cell in row])
            if section.footer:
                table.add_section()
                for row in section.footer:
                    table.add_row(*[RichText(cell, style="bold") for cell in row])
            parts.append(table)
        elif isinstance(section, Matrix):
            table = RichTable(
                title=section.title,
                box=box.SIMPLE,
                title_justify="left",
                caption="\n".join(section.notes) or None,
                caption_justify="left",
            )
            if section.row_labels:
                table.add_column("", style="dim")
            for label in section.col_labels or [""] * len(
                section.entries[0] if section.entries else ()
            ):
                table.add_column(label, justify="right")
            for i, row in enumerate(section.entries):
                label = (section.row_labels[i],) if section.row_labels else ()
                table.add_row(*label, *row)
            parts.append(table)
        else:
            if section.title:
                parts.append(RichText(section.title, style="bold"))
            body = "\n".join(section.lines)
            parts.append(
                RichText(
                    body,
                    no_wrap=section.preformatted,
                    overflow="ignore" if section.preformatted else "fold",
                )
            )
            parts.append(RichText(""))
    return Group(*parts)


def _styled(cell: str):
    from rich.text import Text as RichText

    from hwcheck.verify import VERDICT_MARK

    for verdict, mark in VERDICT_MARK.items():
        if cell.startswith(mark + " ") and cell.endswith(verdict):
            return RichText(cell, style=VERDICT_STYLE[verdict])
    return RichText(cell)


#: widths for text that is not going to a terminal: as wide as the content needs (so numbers
#: never fold), within these bounds
MIN_WIDTH, MAX_WIDTH = 100, 160


def to_text(sections: list[Section], *, width: int | None = None) -> str:
    """Rich rendering captured as plain text, at ``width`` or at the content's natural width."""
    if width is None:
        natural = max((len(line) for line in _captured(sections, 1000).splitlines()), default=0)
        width = min(max(natural, MIN_WIDTH), MAX_WIDTH)
    return _captured(sections, width)


def _captured(sections: list[Section], width: int) -> str:
    from rich.console import Console

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        color_system=None,
        highlight=False,
        emoji=False,
        markup=False,
        soft_wrap=False,
    )
    console.print(rich_group(sections))
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"


def print_rich(sections: list[Section]) -> None:
    """Print to the real stdout with colour when it is a terminal."""
    from rich.console import Console

    Console(highlight=False, emoji=False, markup=False).print(rich_group(sections))


# ------------------------------------------------------------------------- Markdown


def _md_escape(cell: str) -> str:
    return cell.replace("|", "\\|").replace("\n", "<br>")


def to_markdown(sections: list[Section]) -> str:
    out: list[str] = []
    for section in sections:
        if section.title:
            out.append(f"**{section.title}**\n")
        if isinstance(section, Table):
            aligns = section.align or "l" * len(section.columns)
            out.append("| " + " | ".join(map(_md_escape, section.columns)) + " |")
            out.append(
                "|"
                + "|".join({"l": " --- ", "r": " ---: ", "c": " :---: "}[a] for a in aligns)
                + "|"
            )
            for row in section.rows + section.footer:
                out.append("| " + " | ".join(map(_md_escape, row)) + " |")
            out.extend([""] + [f"{n}  " for n in section.notes])
        elif isinstance(section, Matrix):
            labels = section.col_labels or tuple("" for _ in section.entries[0])
            head = ("",) + labels if section.row_labels else labels
            out.append("| " + " | ".join(head) + " |")
            out.append("|" + "|".join(" ---: " for _ in head) + "|")
            for i, row in enumerate(section.entries):
                cells = ((section.row_labels[i],) if section.row_labels else ()) + row
                out.append("| " + " | ".join(map(_md_escape, cells)) + " |")
            out.extend([""] + [f"{n}  " for n in section.notes])
        else:
            if section.preformatted:
                out.extend(["```", *section.lines, "```"])
            else:
                out.extend(f"{line}  " for line in section.lines)
        out.append("")
    return "\n".join(out).rstrip() + "\n"


# ---------------------------------------------------------------------------- LaTeX

_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\^{}",
}
_UNICODE_MATH = {
    "·": r"$\cdot$",
    "×": r"$\times$",
    "−": "-",
    "⌊": r"$\lfloor$",
    "⌋": r"$\rfloor$",
    "σ": r"$\sigma$",
    "λ": r"$\lambda$",
    "∂": r"$\partial$",
    "≤": r"$\le$",
    "≈": r"$\approx$",
    "✓": r"$\checkmark$",
    "✗": r"$\times$",
    "√": r"$\surd$",
    "²": r"$^2$",
    "ᵀ": r"$^T$",
    "→": r"$\to$",
    "ε": r"$\varepsilon$",
    "β": r"$\beta$",
    "α": r"$\alpha$",
    "η": r"$\eta$",
}


def latex_escape(text: str) -> str:
    out = []
    for ch in text:
        if ch in _LATEX_SPECIALS:
            out.append(_LATEX_SPECIALS[ch])
        elif ch in _UNICODE_MATH:
            out.append(_UNICODE_MATH[ch])
        elif "₀" <= ch <= "₉":
            out.append(f"$_{ord(ch) - ord('₀')}$")
        else:
            out.append(ch)
    return "".join(out)


def to_latex(sections: list[Section]) -> str:
    out: list[str] = []
    for section in sections:
        if section.title:
            out.append(f"% {section.title}")
        if isinstance(section, Matrix):
            entries = section.latex or section.entries
            out.append(r"\begin{bmatrix}")
            out.extend("  " + " & ".join(row) + r" \\" for row in entries)
            out.append(r"\end{bmatrix}")
        elif isinstance(section, Table):
            aligns = section.align or "l" * len(section.columns)
            out.append(r"\begin{tabular}{" + aligns + "}")
            out.append(r"\hline")
            out.append(" & ".join(latex_escape(c) for c in section.columns) + r" \\ \hline")
            for row in section.rows:
                out.append(" & ".join(latex_escape(c) for c in row) + r" \\")
            if section.footer:
                out.append(r"\hline")
                for row in section.footer:
                    out.append(" & ".join(latex_escape(c) for c in row) + r" \\")
            out.append(r"\hline")
            out.append(r"\end{tabular}")
            out.extend(f"% {n}" for n in section.notes)
        else:
            if section.latex is not None:
                out.extend(section.latex)
            elif section.preformatted:
                out.extend([r"\begin{verbatim}", *section.lines, r"\end{verbatim}"])
            else:
                out.extend(latex_escape(line) + r"\\" for line in section.lines)
        out.append("")
    return "\n".join(out).rstrip() + "\n"


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
        self.progress.update(
            self.task, completed=done, total=total, description=f"checking {label}"
        )

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
