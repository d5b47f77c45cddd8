"""Sections → LaTeX that fits the page: pdflatex, ``article``, packages of texlive-latex-base.

Imported only for ``--format latex``. Every string passes through :func:`hwcheck.core.escape.latex`
(text) or :func:`hwcheck.core.escape.latex_math` (matrix entries), so the output is pure ASCII:
Greek letters, hats, primes, sub- and superscripts become macros inside ``$…$``; Persian and
Arabic-Indic digits print as Western digits under pdflatex, with a note at the end saying so, and
as written under xelatex (``--standalone`` adds :data:`XETEX_EASTERN` when they occur).

Nothing runs off the page (checked on A4 and letter by ``tests/test_latex_layout.py``):

- a table is a ``longtable`` (it breaks across pages, its header repeated) laid out for the
  width it will have (:data:`BODY_WIDTH` in a document of the reader's, :data:`SHEET_WIDTH` under
  :data:`PREAMBLE`): natural columns when it fits, else ragged-right ``p`` columns whose widths
  are computed from the content (a long key or list breaks after ``,;/=_*+·×`` and dots), at a
  smaller size if need be, and when even that cannot fit (an Adam trace on a narrow page) the
  columns are split into blocks that each repeat the row labels (``t``, ``θ``);
- a matrix wider than the line is split into column blocks, a tall one into row blocks, each
  block labelled with the columns and rows it holds;
- a displayed equation too long for the line is set as breakable inline math; a typewriter
  picture gets a smaller size, and is cut into continued lines only past ``\\scriptsize``.

The body (``--format latex``) needs ``\\usepackage{amsmath,amssymb,array,longtable}`` in the
reader's preamble; ``--standalone`` adds :data:`PREAMBLE`. :func:`sheet_body` renders exercises as
solution-sheet content (no counts, no error text), for solution sheets and handouts alike.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from hwcheck.core import escape
from hwcheck.core.escape import latex_math
from hwcheck.core.views import Heading, Matrix, Section, Table, Text

PACKAGES = "\\usepackage{amsmath,amssymb,array,longtable}"
PREAMBLE = (
    "\\documentclass{article}\n"
    "% letter paper; \\documentclass[a4paper]{article} for A4 (both fit)\n"
    "\\usepackage[margin=2cm]{geometry}\n" + PACKAGES + "\n\\begin{document}\n"
)
#: the text width (pt) a body is laid out for: plain ``article``, 10pt, either paper
BODY_WIDTH = 345.0
#: the text width under :data:`PREAMBLE`: A4 with 2 cm margins (letter is wider)
SHEET_WIDTH = 483.0
#: the body's settings, in a group: ragged right, never a line stretched past readability
OPEN = (
    "\\begingroup\\raggedright\\setlength{\\emergencystretch}{2em}"
    "\\setlength{\\LTleft}{0pt}\\setlength{\\LTright}{0pt plus 1fill}"
    "\\setlength{\\LTpre}{2pt}\\setlength{\\LTpost}{2pt}"
)
CLOSE = "\\endgroup"
EASTERN_NOTE = (
    "Persian and Arabic-Indic digits are printed as Western digits 0--9 (with the decimal marks "
    "U+066B and `/' between such digits as a point), as hwcheck reads them, and Persian or "
    "Arabic letters as their code points; compile with xelatex to print them as written."
)


#: added to the preamble when the text holds Eastern digits: under XeLaTeX they print as
#: written, in Noto Naskh Arabic (fonts-noto-core); under pdflatex as Western digits, with a note
XETEX_EASTERN = r"""\usepackage{iftex}
\ifXeTeX
  \usepackage{fontspec}
  \newfontfamily\hwcheckeasternfont[Script=Arabic]{Noto Naskh Arabic}
  \TeXXeTstate=1
  \newcommand{\hwcheckeastern}[2]{{\hwcheckeasternfont #2}}
  \newcommand{\hwcheckrtl}[2]{{\hwcheckeasternfont #2}}
  \newcommand{\hwcheckeasternnote}[1]{}
\fi
"""
#: the body's own fallbacks (pdflatex, or a reader's preamble without the above)
EASTERN_FALLBACK = (
    "\\providecommand{\\hwcheckeastern}[2]{#1}\\providecommand{\\hwcheckrtl}[2]{#1}"
    "\\providecommand{\\hwcheckeasternnote}[1]{#1}"
)


def wrap_document(body: str) -> str:
    """``--standalone``: the body in a complete document (compiles with pdflatex, and with
    xelatex when it holds Eastern digits, to print them as written)."""
    preamble = PREAMBLE
    if any(f"\\{macro}{{" in body for macro in (escape.EASTERN_MACRO, escape.RTL_MACRO)):
        preamble = preamble.replace("\\begin{document}", XETEX_EASTERN + "\\begin{document}")
    return preamble + "\n" + body + "\n\\end{document}\n"


# ---------------------------------------------------------------------------- widths

#: widths (pt at 10pt) of Computer Modern characters, by class; a little generous on purpose
_NARROW, _WIDE = set(".,;:'!|`ilj"), set("mwMW@%")


def char_width(ch: str) -> float:
    """The width of one character as pdflatex prints it (pt at 10pt), estimated on the safe side."""
    if ch == " ":
        return 3.4
    if ch in _NARROW:
        return 2.9
    if ch in _WIDE:
        return 9.0
    if ch in "()[]{}-/":
        return 4.0
    if ch in "=+<>×·−≤≥≈→←":
        return 8.0
    if ch.isupper() or ch in "_~^&#$":
        return 7.6
    if ch.isascii() or escape.western_digits(ch) != ch:
        return 5.3
    if escape.shown_as_code(ch):  # [U+06A9] under pdflatex
        return 42.0
    if ch in escape.MATH:
        return 7.0
    return 4.0 if "\u2070" <= ch <= "\u209f" or ch in "ᵗᵀᵢⱼ" else 8.0


def text_width(text: str) -> float:
    """Estimated printed width (pt at 10pt) of a string as :func:`escape.latex` prints it."""
    return 1.05 * sum(char_width(ch) for ch in text)


def _pieces(cell: str, breaks: bool) -> list[str]:
    """The pieces of a text cell a line may not break inside: words (and with ``breaks``, their
    parts)."""
    words = cell.split()
    if not breaks:
        return words
    return [piece for word in words for piece in escape.break_points(word)]


_MATH_BREAK = re.compile(r"\\left\b|\\right\b|[{}]|(?<=[ }])(?:[-+=]|\\cdot|\\le|\\ge|\\to)(?= )")


def math_pieces(code: str) -> list[str]:
    """LaTeX math cut where TeX may break an inline formula: after a relation or a binary
    operator outside every group (``{…}``, ``\\left…\\right``)."""
    pieces, depth, start = [], 0, 0
    for m in _MATH_BREAK.finditer(code):
        token = m.group()
        if token in ("{", "\\left"):
            depth += 1
        elif token in ("}", "\\right"):
            depth -= 1
        elif depth == 0:
            pieces.append(code[start : m.end()])
            start = m.end()
    return [p for p in [*pieces, code[start:]] if p.strip()]


def natural_width(cell: str) -> float:
    latex = getattr(cell, "latex", None)
    return math_width(latex) if latex is not None else text_width(str(cell))


def least_width(cell: str, breaks: bool) -> float:
    """The widest piece that cannot break: a column narrower than this overflows."""
    latex = getattr(cell, "latex", None)
    if latex is not None:
        return max((math_width(p) for p in math_pieces(latex)), default=0.0)
    return max((text_width(p) for p in _pieces(cell, breaks)), default=0.0)


def math_width(code: str) -> float:
    """Estimated width (pt at 10pt) of LaTeX math source (a matrix entry, a displayed line)."""
    code = re.sub(r"\\(left|right|middle|displaystyle|,|;|!)\b\.?", "", code)
    code = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", lambda m: max(m[1], m[2], key=len), code)
    code = re.sub(r"\\(mathrm|text|operatorname|hat|bar|tilde|vec|dot)\{([^{}]*)\}", r"\2", code)
    code = re.sub(r"\\[a-zA-Z]+\s*", "x", code)  # one symbol per macro
    code = re.sub(r"[_^]\{([^{}]*)\}", lambda m: "." * len(m[1]), code)  # scripts, smaller
    code = code.replace("{", "").replace("}", "").replace(" ", "")
    return 1.2 * sum(char_width(ch) + (4.0 if ch in "=+-<>" else 0.0) for ch in code)


# ---------------------------------------------------------------------------- sizes


@dataclass(frozen=True)
class Size:
    """A type size for a table: the command, the scale of its glyphs and the column gap."""

    command: str
    scale: float
    tabcolsep: float  # pt, on each side of a column


SIZES = (Size("", 1.0, 6.0), Size("\\small", 0.9, 4.0), Size("\\footnotesize", 0.8, 3.0))
TT_SIZES = (("", 1.0), ("\\small", 0.9), ("\\footnotesize", 0.8), ("\\scriptsize", 0.7))
TT_CHAR = 5.25  # pt: one typewriter character at 10pt
MATRIX_ROWS = 30  # rows of one displayed block
SLACK = 2.0  # pt added to each column's estimated width
MATH_PIECE = 150.0  # pt: an expression with a wider unbreakable piece is shown as text


# ---------------------------------------------------------------------------- cells


def _cell(cell: str, space: str = " ", breaks: bool = False) -> str:
    """A table cell or line start: ``[`` after ``\\\\`` would be read as its optional argument.
    A formula cell (:class:`hwcheck.core.formula.FormulaText`) is written as its own math."""
    latex = getattr(cell, "latex", None)
    if isinstance(latex, str):
        return f"${latex}$"
    out = escape.latex(cell, space=space, breaks=breaks)
    return "{}" + out if out.startswith(("[", "*")) else out


def _title(title: str) -> str:
    return (
        "\\par\\medskip\\noindent\\textbf{"
        + _cell(title, breaks=True)
        + "}\\par\\nopagebreak\\smallskip"
    )


def _notes(notes) -> list[str]:
    return ["\\par\\noindent{\\small " + _cell(n, breaks=True) + "}" for n in notes]


# ---------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class Layout:
    """How one table is set: its size, and per column a width (pt at 10pt). Every column is a
    ``p`` column of a computed width, so a long table's pages line up after one pdflatex run."""

    size: Size
    widths: tuple[float, ...]


def _columns(section: Table) -> list[list[str]]:
    every = (section.columns, *section.rows, *section.footer)
    return [[row[i] for row in every if i < len(row)] for i in range(len(section.columns))]


@dataclass(frozen=True)
class Measures:
    """Per column (pt at 10pt): its natural width, and the widest piece that cannot break
    when it keeps its words whole (no-wrap) and when it may break inside them."""

    natural: tuple[float, ...]
    whole: tuple[float, ...]
    broken: tuple[float, ...]
    nowrap: frozenset

    def only(self, keep: list[int]) -> Measures:
        def pick(values):
            return tuple(values[i] for i in keep)

        nowrap = frozenset(keep.index(i) for i in self.nowrap if i in keep)
        return Measures(pick(self.natural), pick(self.whole), pick(self.broken), nowrap)


def measure(section: Table) -> Measures:
    columns = _columns(section)
    natural = tuple(max(map(natural_width, col), default=0.0) for col in columns)
    broken = tuple(max((least_width(c, True) for c in col), default=0.0) for col in columns)
    return Measures(natural, natural, broken, frozenset(section.nowrap))


def layout(section: Table, width: float, measures: Measures | None = None) -> Layout | None:
    """The first way the table fits ``width``: natural, wrapped keeping the no-wrap columns,
    wrapped anywhere; at each size in turn. None: no size fits (split the columns)."""
    m = measures or measure(section)
    n = len(m.natural)
    for size in SIZES:
        room = (width - 2 * size.tabcolsep * (n - 1)) / size.scale
        if sum(m.natural) + SLACK * n <= 0.95 * room:  # every column natural
            return Layout(size, tuple(w + SLACK for w in m.natural))
        for keep in (m.nowrap, frozenset()):
            least = [m.whole[i] if i in keep else m.broken[i] for i in range(n)]
            if sum(least) + SLACK * n <= 0.97 * room:
                return Layout(size, _share(least, list(m.natural), room))
    return None


def _share(least: list[float], natural: list[float], room: float) -> tuple[float, ...]:
    """Column widths: each column its natural width up to a common level, never below its
    least width, the level chosen so that the columns fill ``room`` (max-min fair shares)."""
    least = [lo + SLACK for lo in least]
    natural = [max(n + SLACK, lo) for n, lo in zip(natural, least)]
    low, high = 0.0, max(natural)
    for _ in range(40):  # bisect the level
        level = (low + high) / 2
        used = sum(max(lo, min(n, level)) for lo, n in zip(least, natural))
        low, high = (level, high) if used <= room else (low, level)
    return tuple(max(lo, min(n, low)) for lo, n in zip(least, natural))


def _spec(align: str, width: float, size: Size, total: float) -> str:
    flush = {"r": "\\raggedleft", "c": "\\centering"}.get(align, "\\raggedright")
    share = math.floor(10_000 * width * size.scale / total) / 10_000  # never rounded up
    return f">{{{flush}\\arraybackslash}}p{{{share:.4f}\\linewidth}}"


def _row(cells) -> str:
    return " & ".join(_cell(c, breaks=True) for c in cells) + " \\\\"


def longtable(section: Table, lay: Layout, width: float) -> list[str]:
    """The table as a ``longtable``: its title and header repeat on every page it runs to."""
    aligns = (section.align or "l" * len(section.columns)).ljust(len(section.columns), "l")
    specs = "".join(_spec(a, w, lay.size, width) for a, w in zip(aligns, lay.widths))
    head = f"{{{lay.size.command}\\setlength{{\\tabcolsep}}{{{lay.size.tabcolsep:g}pt}}%"
    out = [head, "\\begin{longtable}{@{}" + specs + "@{}}"]
    header = [_row(section.columns) + " \\hline"]
    if section.title:
        out += [_caption(section.title, lay, width), "\\hline", *header, "\\endfirsthead"]
        out += [_caption(section.title + " (continued)", lay, width)]
    out += ["\\hline", *header, "\\endhead"]
    out.extend(_row(row) for row in section.rows)
    if section.footer:
        out.append("\\hline")
        out.extend(_row(row) for row in section.footer)
    return [*out, "\\hline", "\\end{longtable}}"]


def _caption(title: str, lay: Layout, width: float) -> str:
    """The title as the table's first row, so no page break parts it from the table."""
    n = len(lay.widths)
    span = sum(w * lay.size.scale for w in lay.widths) / width
    gaps = 2 * lay.size.tabcolsep * (n - 1) - 1.0
    cell = f"@{{}}>{{\\raggedright\\arraybackslash}}p{{\\dimexpr {span:.4f}\\linewidth+{gaps:g}pt\\relax}}@{{}}"
    text = f"\\normalsize\\bfseries {_cell(title, breaks=True)}"
    return f"\\multicolumn{{{n}}}{{{cell}}}{{{text}}} \\\\[2pt]"


def _is_label(column: list[str]) -> bool:
    """A column of row labels (``θ``'s ``w``/``b``, a sample ``x=2,t=0``): repeated per block."""
    cells = [c for c in column[1:] if c.strip()]
    return bool(cells) and not any(_looks_numeric(c) for c in cells)


def _looks_numeric(cell: str) -> bool:
    return bool(re.fullmatch(r"[-−+]?[\d.,/]+(e[-+]?\d+)?%?", escape.western_digits(cell).strip()))


def column_blocks(section: Table, width: float) -> list[Table]:
    """The table cut into tables of consecutive columns, each repeating the label columns (the
    first column and the columns of short non-numeric labels, a third of the line at most),
    each fitting ``width``."""
    columns, m = _columns(section), measure(section)
    keys, used = [0], m.natural[0] if m.natural else 0.0
    for i, col in enumerate(columns[1:], start=1):
        if _is_label(col) and used + m.natural[i] <= width / 3:
            keys.append(i)
            used += m.natural[i]
    rest = [i for i in range(len(columns)) if i not in keys]
    blocks: list[list[int]] = [[]]
    for i in rest:
        trial = sorted(keys + blocks[-1] + [i])
        if blocks[-1] and layout(section, width, m.only(trial)) is None:
            blocks.append([])
        blocks[-1].append(i)
    return [_subtable(section, sorted(keys + b), n) for n, b in enumerate(blocks)]


def _subtable(section: Table, keep: list[int], n: int) -> Table:
    def cut(row):
        return tuple(row[i] for i in keep if i < len(row))

    title = section.title if n == 0 else f"{section.title or 'Table'} (more columns)"
    return Table(
        columns=cut(section.columns),
        rows=tuple(cut(r) for r in section.rows),
        title=title,
        footer=tuple(cut(r) for r in section.footer),
        align="".join(cut(section.align)) if section.align else None,
        nowrap=tuple(keep.index(i) for i in section.nowrap if i in keep),
        notes=(),
    )


class Math(str):
    """A cell whose text is shown as the LaTeX math it carries (an expression as written)."""

    latex: str

    def __new__(cls, text: str, latex: str):
        made = super().__new__(cls, text)
        made.latex = latex
        return made


def with_expressions(section: Table) -> Table:
    """A claims table whose claimed and expected expressions are typeset as mathematics (the
    rule says the comparison was of expressions; text that does not parse stays text)."""
    from hwcheck.claims.verdict import CLAIM_COLUMNS

    if tuple(section.columns) != tuple(CLAIM_COLUMNS):
        return section
    rows = tuple(_expression_row(row) for row in section.rows)
    return replace(section, rows=rows)


def _expression_row(row: tuple) -> tuple:
    if len(row) < 5 or not str(row[4]).startswith("expression"):
        return row
    cells = list(row)
    for i in (1, 2):
        code = escape.expression_math(str(cells[i]))
        if code is not None and code.isascii():
            typeset = Math(str(cells[i]), code)
            if least_width(typeset, True) <= MATH_PIECE:  # else text, which breaks anywhere
                cells[i] = typeset
    return tuple(cells)


def squared(section: Table) -> Table:
    """Every row as wide as the widest (a short row padded, the header too): an alignment
    with more cells than columns would not compile."""
    n = max((len(row) for row in (section.columns, *section.rows, *section.footer)), default=0)

    def pad(row):
        return tuple(row) + ("",) * (n - len(row))

    if all(len(row) == n for row in (section.columns, *section.rows, *section.footer)):
        return section
    rows, footer = tuple(map(pad, section.rows)), tuple(map(pad, section.footer))
    return replace(section, columns=pad(section.columns), rows=rows, footer=footer)


def table(section: Table, width: float = BODY_WIDTH) -> list[str]:
    section = with_expressions(squared(section))
    if not section.columns:
        return _notes(section.notes)
    lay = layout(section, width)
    if lay is not None:
        return longtable(section, lay, width) + _notes(section.notes)
    out: list[str] = []
    for block in column_blocks(section, width):
        lay = layout(block, width) or Layout(SIZES[-1], tuple(_even(block, width)))
        out += longtable(block, lay, width)
    return out + _notes(section.notes)


def _even(section: Table, width: float) -> list[float]:
    """The last resort (one column wider than the page): equal shares, breaking anywhere."""
    n, size = len(section.columns), SIZES[-1]
    return [(width - 2 * size.tabcolsep * (n - 1)) / size.scale / n - 0.5] * n


# ---------------------------------------------------------------------------- matrices


def _blocks(widths: list[float], room: float, gap: float) -> list[range]:
    """Consecutive column ranges whose widths (plus gaps) fit ``room``."""
    blocks, start, used = [], 0, 0.0
    for j, w in enumerate(widths):
        if j > start and used + gap + w > room:
            blocks.append(range(start, j))
            start, used = j, 0.0
        used += (gap if j > start else 0.0) + w
    blocks.append(range(start, len(widths)))
    return blocks


def matrix(section: Matrix, width: float = BODY_WIDTH) -> list[str]:
    if section.latex is not None:
        entries = section.latex
    else:
        entries = tuple(tuple(latex_math(e) for e in row) for row in section.entries)
    n_rows = len(entries)
    n_cols = max((len(row) for row in entries), default=0)
    col_widths = [
        max((math_width(row[j]) for row in entries if j < len(row)), default=5.0)
        for j in range(n_cols)
    ]
    col_blocks = _blocks(col_widths, 0.95 * width - 16.0, 10.0) if n_cols else [range(0)]
    row_blocks = [range(i, min(i + MATRIX_ROWS, n_rows)) for i in range(0, n_rows, MATRIX_ROWS)]
    out: list[str] = []
    for rows in row_blocks or [range(0)]:
        for cols in col_blocks:
            label = _block_label(rows, n_rows, cols, n_cols)
            if label:
                out.append("\\par\\noindent{\\small " + label + "}")
            out += _array(
                [[row[j] for j in cols if j < len(row)] for row in entries[rows.start : rows.stop]]
            )
    return out + _notes(section.notes)


def _block_label(rows: range, n_rows: int, cols: range, n_cols: int) -> str:
    parts = []
    if len(rows) < n_rows:
        parts.append(f"rows {rows.start + 1}--{rows.stop} of {n_rows}")
    if len(cols) < n_cols:
        parts.append(f"columns {cols.start + 1}--{cols.stop} of {n_cols}")
    return ", ".join(parts)


def _array(rows: list[list[str]]) -> list[str]:
    n_cols = max((len(r) for r in rows), default=1)
    out = ["\\[", "\\left[\\begin{array}{" + "r" * max(n_cols, 1) + "}"]
    out.extend("  " + " & ".join(row) + " \\\\" for row in rows)
    return [*out, "\\end{array}\\right]", "\\]"]


# ---------------------------------------------------------------------------- text


def equation(code: str, width: float = BODY_WIDTH) -> str:
    """A displayed equation, or when too long for the line, inline math that may break at its
    top-level relations and operators (``\\left…\\right`` pairs would forbid it: dropped)."""
    if math_width(code) <= 0.95 * width:
        return f"\\[ {code} \\]"
    flat = re.sub(r"\\(left|right)\s*(\\[a-zA-Z]+|\\[{}|]|[()\[\]|./])", _flat_delimiter, code)
    return (
        "\\par\\smallskip\\noindent\\hangindent=2em\\hangafter=1 "
        f"$\\displaystyle {flat}$\\par\\smallskip"
    )


def _flat_delimiter(m: re.Match) -> str:
    return "" if m[2] == "." else m[2]


def picture(section: Text, width: float = BODY_WIDTH) -> list[str]:
    """A typewriter picture at the largest size its longest line fits; cut past the smallest."""
    longest = max((len(line) for line in section.lines), default=0)
    command, scale = TT_SIZES[-1]
    for command, scale in TT_SIZES:
        if longest * TT_CHAR * scale <= 0.97 * width:
            break
    per_line = max(int(0.97 * width / (TT_CHAR * scale)), 8)
    lines = [piece for line in section.lines for piece in _cut(line, per_line)]
    body = [_cell(line, space="~") or "~" for line in lines]
    return ["\\par\\noindent{" + command + "\\ttfamily " + " \\\\\n".join(body) + "}\\par"]


def _cut(line: str, n: int) -> list[str]:
    if len(line) <= n:
        return [line]
    return [line[:n]] + ["  " + piece for piece in _cut(line[n:], n - 2)] if n > 2 else [line]


def lines(section: Text, width: float = BODY_WIDTH) -> list[str]:
    if section.latex is not None or section.math:
        return [equation(line, width) for line in (section.latex or section.lines)]
    if section.preformatted:
        return picture(section, width)
    return ["\\par\\noindent " + _cell(line, breaks=True) for line in section.lines if line.strip()]


# ---------------------------------------------------------------------------- documents


def _heading(section: Heading) -> str:
    command = ("section", "subsection", "subsubsection")[min(max(section.level, 1), 3) - 1]
    return f"\\{command}*{{{_cell(section.text, breaks=True)}}}"


def _title_of(section: Section) -> str | None:
    """A section's title; a ``math`` section's title names its source form (shown as such in a
    terminal), no heading on a page where the equations are typeset."""
    if isinstance(section, Text) and section.math:
        return None
    return section.title


def section_lines(section: Section, width: float) -> list[str]:
    if isinstance(section, Heading):
        return [_heading(section)]
    if isinstance(section, Table):  # its title is its first row
        return ["\\par\\medskip", *table(section, width)]
    out = [_title(title)] if (title := _title_of(section)) else []
    if isinstance(section, Matrix):
        return out + matrix(section, width)
    return out + lines(section, width)


def _mentions_eastern(sections: list[Section]) -> bool:
    def strings(section):
        if isinstance(section, Table):
            return [c for row in (section.columns, *section.rows, *section.footer) for c in row]
        if isinstance(section, Matrix):
            return [e for row in section.entries for e in row]
        return [getattr(section, "text", "")] + list(getattr(section, "lines", ()))

    extra = [
        s
        for section in sections
        for s in (getattr(section, "title", None) or "", *getattr(section, "notes", ()))
    ]
    return any(
        escape.has_arabic_script(str(s))
        for section in sections
        for s in [*strings(section), *extra]
    )


def to_latex(sections: list[Section], width: float = BODY_WIDTH) -> str:
    """The sections as a LaTeX body laid out for a text ``width`` (pt), in one group."""
    eastern = _mentions_eastern(sections)
    out: list[str] = [OPEN + (EASTERN_FALLBACK if eastern else "")]
    for section in sections:
        out += section_lines(section, width)
        out.append("")
    if eastern:
        out.append("\\par\\noindent{\\small\\hwcheckeasternnote{" + EASTERN_NOTE + "}}")
    out.append(CLOSE)
    return "\n".join(out).rstrip() + "\n"


def sheet_sections(exercises, digits: int = 6, *, claims: bool = True) -> list[Section]:
    """The sections of a solution sheet (or, with ``claims=False``, a handout's worked part)
    for ``exercises`` (:class:`hwcheck.answers.run.ExerciseOutcome`-like: ``id``, ``title``,
    ``solution``, ``claims``): a heading each, the worked solution, the judged claims. No
    counts and no error text: an exercise that could not run is its heading alone."""
    from hwcheck.claims.verdict import CLAIM_COLUMNS, claim_cells

    sections: list[Section] = []
    for ex in exercises:
        sections.append(Heading(f"Exercise {ex.id}" + (f": {ex.title}" if ex.title else "")))
        if ex.solution is not None:
            sections.extend(ex.solution.view(digits))
        if claims and ex.claims:
            rows = tuple(claim_cells(c, digits) for c in ex.claims)
            sections.append(Table(CLAIM_COLUMNS, rows, title="Claims", nowrap=(0, 3)))
    return sections


def sheet_body(exercises, digits: int = 6, *, claims: bool = True, width=SHEET_WIDTH) -> str:
    """Solution-sheet content as a LaTeX body (for :data:`PREAMBLE`, or any document with
    :data:`PACKAGES` whose text is at least ``width`` pt wide): see :func:`sheet_sections`."""
    return to_latex(sheet_sections(exercises, digits, claims=claims), width)


def result_body(result, digits: int = 6, *, width: float = SHEET_WIDTH) -> str:
    """One command's result (what ``hwcheck.<command>(...)`` returns) as a LaTeX body: its
    worked solution alone, no claims and no counts (a handout's or a feedback page's part)."""
    return to_latex(list(result.view(digits)), width)


__all__ = [
    "PACKAGES",
    "PREAMBLE",
    "result_body",
    "sheet_body",
    "sheet_sections",
    "to_latex",
    "wrap_document",
]


def latex_output(result, sections: list[Section], digits: int, *, standalone: bool) -> str:
    """A command's ``--format latex``: a solution sheet (``check --show-all``) holds the
    exercises only; anything else its sections. ``standalone``: a whole document."""
    if getattr(result, "show_all", False) and hasattr(result, "exercises"):
        heading = [s for s in sections[:1] if isinstance(s, Heading)]
        sections = [*heading, *sheet_sections(result.exercises, digits)]
    width = SHEET_WIDTH if standalone else BODY_WIDTH
    body = to_latex(sections, width)
    return wrap_document(body) if standalone else body
