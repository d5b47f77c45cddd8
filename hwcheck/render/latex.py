"""Sections → LaTeX that compiles with pdflatex under a plain ``article`` with amsmath/amssymb.

Imported only for ``--format latex``. Every string passes through :func:`hwcheck.core.escape.latex`
(text) or :func:`hwcheck.core.escape.latex_math` (matrix entries), so the output is pure ASCII:
Greek letters, hats, primes, sub- and superscripts become macros inside ``$…$``; matrices sit
in display math; equations the program writes in LaTeX (``Text.latex``, ``Text.math``) are
displayed with ``\\[…\\]``; pictures are typewriter lines, never a verbatim block.
"""

from __future__ import annotations

from hwcheck.core.escape import latex as text
from hwcheck.core.escape import latex_math
from hwcheck.core.views import Heading, Matrix, Section, Table, Text

PREAMBLE = r"""\documentclass{article}
\usepackage{amsmath,amssymb}
\begin{document}
"""


def wrap_document(body: str) -> str:
    """``--standalone``: the body in a complete document."""
    return PREAMBLE + "\n" + body + "\n\\end{document}\n"


def _cell(cell: str, space: str = " ") -> str:
    """A table cell or line start: ``[`` after ``\\\\`` would be read as its optional argument.
    A formula cell (:class:`hwcheck.core.formula.FormulaText`) is written as its own math."""
    latex = getattr(cell, "latex", None)
    if isinstance(latex, str):
        return f"${latex}$"
    out = text(cell, space=space)
    return "{}" + out if out.startswith(("[", "*")) else out


def _title(title: str) -> str:
    return "\\par\\medskip\\noindent\\textbf{" + text(title) + "}\\par\\nopagebreak\\smallskip"


def _notes(notes) -> list[str]:
    return ["\\par\\noindent{\\small " + _cell(n) + "}" for n in notes]


def table(section: Table) -> list[str]:
    aligns = section.align or "l" * len(section.columns)
    spec = "".join("p{4.5cm}" if i in section.below else a for i, a in enumerate(aligns))
    out = ["\\par\\noindent\\begin{tabular}{" + spec + "}", "\\hline"]
    out.append(" & ".join(_cell(c) for c in section.columns) + " \\\\ \\hline")
    out.extend(" & ".join(_cell(c) for c in row) + " \\\\" for row in section.rows)
    if section.footer:
        out.append("\\hline")
        out.extend(" & ".join(_cell(c) for c in row) + " \\\\" for row in section.footer)
    out += ["\\hline", "\\end{tabular}"]
    return out + _notes(section.notes)


def matrix(section: Matrix) -> list[str]:
    if section.latex is not None:
        entries = section.latex
    else:
        entries = tuple(tuple(latex_math(e) for e in row) for row in section.entries)
    n_cols = max((len(row) for row in entries), default=0)
    out = ["\\[", "\\left[\\begin{array}{" + "r" * max(n_cols, 1) + "}"]
    out.extend("  " + " & ".join(row) + " \\\\" for row in entries)
    out += ["\\end{array}\\right]", "\\]"]
    return out + _notes(section.notes)


def lines(section: Text) -> list[str]:
    if section.latex is not None or section.math:
        return [f"\\[ {line} \\]" for line in (section.latex or section.lines)]
    if section.preformatted:
        body = [_cell(line, space="~") or "~" for line in section.lines]
        return ["\\par\\noindent{\\ttfamily " + " \\\\\n".join(body) + "}\\par"]
    return ["\\par\\noindent " + _cell(line) for line in section.lines if line.strip()]


def to_latex(sections: list[Section]) -> str:
    out: list[str] = []
    for section in sections:
        if isinstance(section, Heading):
            command = ("section", "subsection", "subsubsection")[min(max(section.level, 1), 3) - 1]
            out.append(f"\\{command}*{{{text(section.text)}}}")
            continue
        if section.title:
            out.append(_title(section.title))
        if isinstance(section, Matrix):
            out += matrix(section)
        elif isinstance(section, Table):
            out += table(section)
        else:
            out += lines(section)
        out.append("")
    return "\n".join(out).rstrip() + "\n"
