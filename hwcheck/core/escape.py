"""One escaping function per output format, applied by the renderer to every string it lays out.

Cells, titles, notes and lines are plain Unicode text, and some of it comes from users (exercise
ids, titles, claim keys, claimed values, file names, expressions). Each format gets exactly one
function that makes any such text safe and visible there:

- :func:`terminal` — control characters, ANSI escapes, bidi overrides and line separators are
  shown as ``\\x1b``, ``\\n``, ``\\u202e``: a newline in an id cannot forge a table row and an
  escape sequence cannot recolour or erase the screen (Rich markup is never parsed: the renderer
  hands Rich ``Text`` objects only);
- :func:`markdown` — CommonMark punctuation backslash-escaped, ``<``/``>``/``&`` as entities (no
  raw HTML passes), ``|`` escaped for tables;
- :func:`latex` — text mode: the ten specials escaped, mathematical Unicode (Greek letters,
  hats, primes, sub- and superscripts, operators) turned into macros inside ``$…$``, Persian
  and Arabic-Indic digits through a macro that prints them as Western digits under pdflatex
  (``٫`` and a ``/`` between them as the decimal point, as the number grammar reads them; the
  renderer adds a note saying so) and as written under XeLaTeX (:func:`eastern`), anything else
  non-ASCII shown as ``[U+XXXX]``: the result is pure ASCII and compiles with pdflatex;
  :func:`latex_math` is the same for a string that sits inside math mode; ``breaks=True``
  lets a long token (a claim key, a list without spaces) break after ``,;/=_*+·×``
  and a dot before a letter;
- :func:`html` — ``html.escape`` of the visible text.

>>> terminal("A\\n| ✓ correct\\x1b[2J")
'A\\\\n| ✓ correct\\\\x1b[2J'
>>> markdown("<b>x</b> | *y*")
'&lt;b&gt;x&lt;/b&gt; \\\\| \\\\*y\\\\*'
>>> latex("m̂₁ = m₁/(1 − β₁ᵗ) & 5%")
'$\\\\hat{m}_{1}$ = $m_{1}$/(1 - $\\\\beta_{1}^{t}$) \\\\& 5\\\\%'
"""

from __future__ import annotations

import itertools
import re

from hwcheck.core.lazy import Pattern

# ------------------------------------------------------------------------- visible text


def visible(text: str) -> str:
    """Every character Python calls unprintable (controls, format characters such as bidi
    overrides, line separators, unassigned code points) written out as a Python escape."""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch.isprintable():
            out.append(ch)
        elif ch in "\n\r\t":
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}[ch])
        elif ord(ch) < 0x100:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}")
    return "".join(out)


def terminal(text: str) -> str:
    """Text for a terminal or a plain-text file: every character visible, nothing interpreted."""
    return visible(text)


def html(text: str) -> str:
    """Text for HTML: visible, then ``& < > " '`` as entities."""
    import html as _html

    return _html.escape(visible(text), quote=True)


# ---------------------------------------------------------------------------- Markdown

_MD_SPECIAL = set("\\`*_[]|~$")
_MD_BLOCK_START = Pattern(r"^(\s*)(#{1,6}|[+=-]|\d{1,9}(?=[.)]))(?=[.)]?(\s|$))")


def markdown(text: str) -> str:
    """Text for Markdown (CommonMark/GitHub): inline, safe in a table cell, no raw HTML, and no
    block construct (heading, list, quote) when it starts a line."""
    out = []
    for ch in visible(text):
        if ch in "<>&":
            out.append({"<": "&lt;", ">": "&gt;", "&": "&amp;"}[ch])
        elif ch in _MD_SPECIAL:
            out.append("\\" + ch)
        else:
            out.append(ch)
    escaped = "".join(out)
    if re.fullmatch(r"\s*(=+|-+)\s*", escaped):  # a setext underline would make a heading
        return escaped.replace(escaped.strip()[0], "\\" + escaped.strip()[0], 1)
    m = _MD_BLOCK_START.match(escaped)
    if m:
        head = m.group(2)
        if head[0].isdigit():  # "1. x" would start a list: escape the mark after the digits
            end = m.end()
            return escaped[:end] + "\\" + escaped[end:]
        return escaped[: m.start(2)] + "\\" + escaped[m.start(2) :]
    return escaped


# ------------------------------------------------------------------------------- LaTeX

_TEXT_SPECIALS = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}
_MATH_SPECIALS = {
    "\\": r"\backslash ",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\sim ",
    "^": r"\hat{}",
}
_GREEK = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "omicron",
    "pi",
    "rho",
    "varsigma",
    "sigma",
    "tau",
    "upsilon",
    "phi",
    "chi",
    "psi",
    "omega",
]
#: Unicode → a math-mode macro (rendered inside ``$…$``)
MATH = {chr(0x3B1 + i): "\\" + name + " " for i, name in enumerate(_GREEK)}
MATH.update({"ο": "o", "ϵ": r"\epsilon ", "ε": r"\varepsilon ", "ϕ": r"\phi ", "φ": r"\varphi "})
MATH.update(
    {
        "Γ": r"\Gamma ",
        "Δ": r"\Delta ",
        "Θ": r"\Theta ",
        "Λ": r"\Lambda ",
        "Ξ": r"\Xi ",
        "Π": r"\Pi ",
        "Σ": r"\Sigma ",
        "Φ": r"\Phi ",
        "Ψ": r"\Psi ",
        "Ω": r"\Omega ",
        "·": r"\cdot ",
        "⋅": r"\cdot ",
        "×": r"\times ",
        "÷": r"\div ",
        "⌊": r"\lfloor ",
        "⌋": r"\rfloor ",
        "⌈": r"\lceil ",
        "⌉": r"\rceil ",
        "≤": r"\le ",
        "≥": r"\ge ",
        "≠": r"\ne ",
        "≈": r"\approx ",
        "≡": r"\equiv ",
        "∝": r"\propto ",
        "∼": r"\sim ",
        "±": r"\pm ",
        "∂": r"\partial ",
        "∇": r"\nabla ",
        "√": r"\surd ",
        "∑": r"\sum ",
        "∏": r"\prod ",
        "∫": r"\int ",
        "∞": r"\infty ",
        "⋆": r"\star ",
        "∗": r"\ast ",
        "∘": r"\circ ",
        "⊙": r"\odot ",
        "⊗": r"\otimes ",
        "⊕": r"\oplus ",
        "→": r"\to ",
        "←": r"\leftarrow ",
        "↦": r"\mapsto ",
        "⇒": r"\Rightarrow ",
        "⟹": r"\Longrightarrow ",
        "⇔": r"\Leftrightarrow ",
        "∈": r"\in ",
        "∉": r"\notin ",
        "⊂": r"\subset ",
        "∀": r"\forall ",
        "∃": r"\exists ",
        "∧": r"\wedge ",
        "∨": r"\vee ",
        "¬": r"\neg ",
        "‖": r"\| ",
        "∣": r"\mid ",
        "′": r"{}^{\prime}",
        "″": r"{}^{\prime\prime}",
        "½": r"\tfrac{1}{2}",
        "¼": r"\tfrac{1}{4}",
        "¾": r"\tfrac{3}{4}",
        "✓": r"\checkmark ",
        "✗": r"\times ",
        "■": r"\blacksquare ",
        "□": r"\square ",
        "●": r"\bullet ",
        "∅": r"\emptyset ",
        "ℓ": r"\ell ",
        "ℝ": r"\mathbb{R}",
        "ℕ": r"\mathbb{N}",
        "ℤ": r"\mathbb{Z}",
    }
)
#: Unicode → plain text-mode LaTeX
TEXT = {
    "−": "-",
    "‐": "-",
    "–": "--",
    "—": "---",
    "…": r"\ldots{}",
    "“": "``",
    "”": "''",
    "‘": "`",
    "’": "'",
    "\u00a0": "~",
    "°": r"\ensuremath{^\circ}",
    "é": r"\'e",
}
_SUB = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼᵣᵤᵥ", "0123456789+-=()aeoxhklmnpstijruv"))
_SUP = dict(
    zip(
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵗᵀᵖᵏʰʷᵃᵇᶜᵈᵉᶠᵍʲˡᵐᵒʳˢᵘᵛˣʸᶻ",
        "0123456789+-=()nitTpkhwabcdefgjlmorsuvxyz",
    )
)
_SUP["⁻"] = "-"
_ACCENT = {  # combining marks after NFD
    "\u0302": r"\hat",
    "\u0304": r"\bar",
    "\u0305": r"\bar",
    "\u0303": r"\tilde",
    "\u0307": r"\dot",
    "\u0308": r"\ddot",
    "\u20d7": r"\vec",
}
_SPARK = {ch: i + 1 for i, ch in enumerate("▁▂▃▄▅▆▇█")}
#: Persian (U+06F0–06F9) and Arabic-Indic (U+0660–0669) digits and marks → what they mean
EASTERN = {chr(0x6F0 + i): str(i) for i in range(10)}
EASTERN.update({chr(0x660 + i): str(i) for i in range(10)})
EASTERN.update({"٫": ".", "٬": ","})
_EASTERN_SLASH = Pattern("(?<=[۰-۹٠-٩])/(?=[۰-۹٠-٩])")  # ۰/۲۵: the Persian decimal mark


#: a number written in Eastern digits (its decimal and thousands marks, ``/`` between digits)
_EASTERN_RUN = Pattern("((?:[۰-۹٠-٩])(?:[۰-۹٠-٩٫٬]|/(?=[۰-۹٠-٩]))*)")
#: the macro a number in Eastern digits is written with: ``{as Western digits}{as written}``
EASTERN_MACRO = "hwcheckeastern"


def eastern(run: str) -> str:
    """A number in Eastern digits both ways, for :data:`EASTERN_MACRO` to choose: pdflatex
    prints the Western digits, XeLaTeX with a font that has them the digits as written (each a
    ``\\char`` code, so the output stays ASCII).

    >>> eastern("۰٫۵")
    '\\\\hwcheckeastern{0.5}{\\\\char"06F0\\\\char"066B\\\\char"06F5}'
    """
    return f"\\{EASTERN_MACRO}{{{western_digits(run)}}}{{{_as_written(run)}}}"


def _as_written(number: str) -> str:
    return "".join("{\\rmfamily/}" if ch == "/" else f'\\char"{ord(ch):04X}' for ch in number)


#: the Arabic script's blocks (Persian and Arabic letters, their digits and punctuation)
_ARABIC = "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
#: words of the Arabic script (a zero-width non-joiner inside) and the spaces between them
_ARABIC_RUN = Pattern(f"([{_ARABIC}\u200c]+(?: +[{_ARABIC}\u200c]+)*)")
#: the macro Arabic-script words are written with: ``{for pdflatex}{as written, for xelatex}``
RTL_MACRO = "hwcheckrtl"


def rtl(run: str, space: str = " ") -> str:
    """Persian or Arabic words both ways, for :data:`RTL_MACRO` to choose: pdflatex prints
    what it can (``[U+06A9]`` for a letter, Western digits), XeLaTeX the words as written, right
    to left (``\\beginR``…``\\endR``, numbers inside left to right), each letter a
    ``\\char`` code so the output stays ASCII.

    >>> print(rtl("یک ۳۵"))
    \\hwcheckrtl{[U+06CC]\\allowbreak{}[U+06A9]\\allowbreak{} \\hwcheckeastern{35}{\\char"06F3\\char"06F5}}{\\beginR\\char"06CC{}\\char"06A9{}\\ \\beginL\\char"06F3\\char"06F5\\endL\\endR}
    """
    written = []
    for piece in _EASTERN_RUN.split(run):
        if _EASTERN_RUN.fullmatch(piece):
            written.append("\\beginL" + _as_written(piece) + "\\endL")
        else:
            written += ["\\ " if ch == " " else f'\\char"{ord(ch):04X}{{}}' for ch in piece]
    plain = re.sub(r"(\[U\+[0-9A-F]{4,6}\])", r"\1\\allowbreak{}", _numbers(run, space, False))
    return f"\\{RTL_MACRO}{{{plain}}}{{\\beginR{''.join(written)}\\endR}}"


def has_arabic_script(text: str) -> bool:
    """Whether :func:`latex` writes some of ``text`` through :data:`EASTERN_MACRO` or
    :data:`RTL_MACRO`."""
    return bool(_ARABIC_RUN.search(text))


def shown_as_code(ch: str) -> bool:
    """Whether pdflatex shows ``ch`` as its code point (``[U+06A9]``, eight characters wide)."""
    import unicodedata

    known = (MATH, TEXT, _SUB, _SUP, _SPARK, EASTERN, _ACCENT)
    return (
        ord(ch) >= 128
        and not any(ch in table for table in known)
        and (unicodedata.category(ch) != "Mn")
    )


def has_eastern_digits(text: str) -> bool:
    """Whether :func:`latex` prints some of ``text``'s digits as Western digits."""
    return any(ch in EASTERN for ch in text)


def western_digits(text: str) -> str:
    """Persian and Arabic-Indic digits as Western ones, the decimal marks as ``.``.

    >>> western_digits("۰/۲۵ and ۱٬۲۳۴٫۵ and ٣")
    '0.25 and 1,234.5 and 3'
    """
    if not has_eastern_digits(text):
        return text
    return "".join(EASTERN.get(ch, ch) for ch in _EASTERN_SLASH.sub(".", text))


def _tokens(text: str, math_specials: bool):
    """(is_math, latex) pieces; scripts and accents pull a preceding letter into math."""
    pieces: list[list] = []  # [is_math, latex]

    def add(is_math: bool, code: str) -> None:
        if pieces and pieces[-1][0] == is_math:
            pieces[-1][1] += code
        else:
            pieces.append([is_math, code])

    def take_base() -> str:
        """The atom before a script or accent, moved into math (``x`` of ``x₁``)."""
        if not pieces:
            return "{}"
        is_math, code = pieces[-1]
        if not is_math and code and code[-1].isalpha() and not code[-2:-1].isalpha():
            pieces[-1][1] = code[:-1]
            if not pieces[-1][1]:
                pieces.pop()
            return code[-1]
        if is_math and code[-1:].isalpha() and not re.search(r"\\[A-Za-z]+$", code):
            pieces[-1][1] = code[:-1]  # a letter already in math (latex_math's text)
            if not pieces[-1][1]:
                pieces.pop()
            return code[-1]
        if is_math and code.endswith(" ") and "\\" in code:
            head, _, macro = code.rstrip().rpartition("\\")
            pieces[-1][1] = head
            if not head:
                pieces.pop()
            return "\\" + macro + " "
        return "{}"

    import unicodedata  # LaTeX only

    script = ""  # the kind of script group the math ends with ("_", "^"), if any
    for ch in unicodedata.normalize("NFD", western_digits(visible(text))):
        if ch in _ACCENT:
            base = take_base()
            add(True, f"{_ACCENT[ch]}{{{base.strip() or '{}'}}}")
        elif ch in _SUB or ch in _SUP:
            kind, table = ("_", _SUB) if ch in _SUB else ("^", _SUP)
            if script == kind:  # β₁₂: one group
                pieces[-1][1] = pieces[-1][1][:-1] + table[ch] + "}"
            else:
                base = "" if pieces and pieces[-1][0] else take_base()
                add(True, f"{base}{kind}{{{table[ch]}}}")
            script = kind
            continue
        elif ch in MATH:
            add(True, MATH[ch])
        elif ch in _SPARK:
            add(False, rf"\rule{{0.5em}}{{{_SPARK[ch] * 0.2:.1f}ex}}")
        elif ord(ch) < 128:
            specials = _MATH_SPECIALS if math_specials else _TEXT_SPECIALS
            add(math_specials, specials.get(ch, ch))
        elif ch in TEXT:
            add(False, TEXT[ch])
        elif unicodedata.category(ch) == "Mn":
            continue  # another combining mark: the base letter alone
        else:
            add(False, rf"[U+{ord(ch):04X}]")
        script = ""
    return pieces


def _tidy(code: str) -> str:
    """A macro's separating space is dropped before a script, a brace or the end."""
    return re.sub(r" +(?=[_^}{\\\]\[()=+,.;:/-]|$)", "", code.strip())


def latex(text: str, *, space: str = " ", breaks: bool = False) -> str:
    """Text-mode LaTeX for any string: pure ASCII, mathematical characters as macros in ``$…$``.
    ``space="~"`` keeps every space (typewriter pictures); ``breaks``: a long token may break
    (:func:`break_points`).

    >>> print(latex("steps.0.state.exp_avg.w", breaks=True))
    steps.\\allowbreak{}0.\\allowbreak{}state.\\allowbreak{}exp\\_\\allowbreak{}avg.\\allowbreak{}w
    """
    out, start = [], 0
    for run in _ARABIC_RUN.finditer(text):
        words = _words_of(run.group())  # the words with letters; a number stays left to right
        if words is not None:
            first, last = run.start() + words[0], run.start() + words[1]
            out += [_numbers(text[start:first], space, breaks), rtl(text[first:last], space)]
            start = last
    return "".join([*out, _numbers(text[start:], space, breaks)])


def _words_of(run: str) -> tuple[int, int] | None:
    """The span of ``run`` from its first word with a letter to its last (None: no letter)."""
    letters = [i for i, ch in enumerate(run) if ch.isalpha()]
    if not letters:
        return None
    end = run.find(" ", letters[-1])
    return run.rfind(" ", 0, letters[0]) + 1, len(run) if end < 0 else end


def _numbers(text: str, space: str, breaks: bool) -> str:
    """:func:`latex` of text without Arabic-script words: numbers in Eastern digits apart."""
    if has_eastern_digits(text):
        return "".join(
            eastern(piece) if _EASTERN_RUN.fullmatch(piece) else _latin(piece, space, breaks)
            for piece in _EASTERN_RUN.split(text)
            if piece
        )
    return _latin(text, space, breaks)


def _latin(text: str, space: str, breaks: bool) -> str:
    if breaks:
        return "\\allowbreak{}".join(_latin(piece, space, False) for piece in break_points(text))
    out = []
    for is_math, code in _tokens(text, math_specials=False):
        out.append(f"${_tidy(code)}$" if is_math else code.replace(" ", space))
    return "".join(out)


#: a long token may break after these (a comma or dot only where no number continues)
_BREAK_AFTER = Pattern(
    r"(?<=[;/=_|·×])(?=\S)|(?<=[*+])(?=[^\s*])|(?<=,)(?=[^\d\s])|(?<=\.)(?=[^\W\d])"
    r"|(?<=\.)(?=\d+\.)"
)
LONG_TOKEN = 10  # characters: shorter tokens never break


def break_points(text: str) -> list[str]:
    """``text`` cut where a line may break inside a token longer than :data:`LONG_TOKEN`:
    after the characters of :data:`_BREAK_AFTER`, and a stretch of more than three times
    :data:`LONG_TOKEN` characters without one every two times that.

    >>> break_points("layers.2.output_shape = [1,2] 4,640")
    ['layers.', '2.', 'output_', 'shape = [1,2] 4,640']
    """
    cuts = []
    for token in re.finditer(rf"\S{{{LONG_TOKEN + 1},}}", text):
        inner = [m.start() for m in _BREAK_AFTER.finditer(token.group())]
        last = 0
        for at in [*inner, len(token.group())]:
            if at - last > 3 * LONG_TOKEN:  # no break point for too long: cut anyway
                cuts += [
                    token.start() + k for k in range(last + 2 * LONG_TOKEN, at, 2 * LONG_TOKEN)
                ]
            last = at
        cuts += [token.start() + at for at in inner if 0 < at < len(token.group())]
    bounds = [0, *sorted(set(cuts)), len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds) if b > a]


def latex_math(text: str) -> str:
    """The same string for a place that is already in math mode (matrix entries, formulas)."""
    out = []
    for is_math, code in _tokens(text, math_specials=True):
        out.append(_tidy(code) if is_math else r"\text{" + code + "}")
    return " ".join(out)


# ------------------------------------------------------------- expressions as mathematics

_EXPRESSION_PRINTER: list = []  # bound once by the composition root (the symbolic family's)


def bind_expression(printer) -> None:
    """Bind the printer of the expression language (text → LaTeX math, or None when the text
    does not parse); the core cannot import the family that owns the parser."""
    _EXPRESSION_PRINTER[:] = [printer]


def expression_math(text: str) -> str | None:
    """An expression as written (a claim, an expected value) as LaTeX math, through the safe
    parser's tree; None when no printer is bound or the text is not an expression."""
    if not _EXPRESSION_PRINTER or not isinstance(text, str) or not text.strip():
        return None
    return _EXPRESSION_PRINTER[0](text)
