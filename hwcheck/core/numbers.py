"""User text → numbers, arrays, shapes and assignments. Nothing here is ever evaluated as code.

Every parser accepts both the command-line string form and the native value an answers file
(TOML) gives, so one request type serves the CLI and the file. Every error names the place
(``--x: row 2 has 3 entries, row 1 has 2``).

Numbers follow one grammar, defined by an ASCII normal form (:func:`normal_form`: Persian and
Arabic-Indic digits, ``٫`` and ``/`` between Eastern digits as decimal marks, thousands
separators in single-number fields, ``·10^k``) and bounded by :data:`MAX_DIGITS`. They come
back exact: ``int`` for integer literals, :class:`~fractions.Fraction` for decimals and
fractions (``0.25`` → ``1/4``), so exact modes lose nothing; where a float is needed,
:func:`parse_float` / :func:`as_float` check the float range first. Booleans follow
:func:`parse_bool`.
"""

from __future__ import annotations

import contextvars
import json
import math
import re
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

from hwcheck.core.errors import HwcheckError

MAX_TEXT = 2_000_000  # characters of one option's text
MAX_FILE_BYTES = 64 * 1024 * 1024  # one @file
MAX_ENTRIES = 4_000_000  # numbers in one array
MAX_RANK = 6
MAX_DIGITS = 400  # digits in one number (documented in the README); its value stays below 10**400
MAX_EXPONENT = 400  # |k| in 1e±k / ·10^k

#: Folder that ``@path`` references must stay inside (set while checking an answers file).
FILE_ROOT: contextvars.ContextVar[Path | None] = contextvars.ContextVar("FILE_ROOT", default=None)

# ---------------------------------------------------------------------------- numbers
#
# One grammar for every number a user writes, defined by an ASCII *normal form*:
# Eastern digits (Persian U+06F0–06F9, Arabic-Indic U+0660–0669) become ASCII, the Arabic
# decimal mark ``٫`` and a ``/`` between two Eastern digits (the handwritten Persian decimal
# mark: ``۰/۲۵`` = 0.25) become ``.``, and so does an ASCII comma between Eastern digits that
# cannot group thousands (``٠,٢٥`` = 0.25), thousands separators and ``_`` groupings are dropped,
# Unicode minus signs become ``-``, and ``m·10^k`` / ``m×10⁻ᵏ`` become ``mek``. A number means
# what its normal form means as a Python decimal literal or ``a/b`` fraction; anything the
# normal form cannot express is an error naming the place.

FLOAT_MAX = sys.float_info.max
_BOUND = 10**MAX_DIGITS  # |value| of any number read: at most MAX_DIGITS digits before the point
_MAX_NUMBER_TEXT = 4 * MAX_DIGITS  # characters of one number's text (separators, spaces)

_PERSIAN = "۰۱۲۳۴۵۶۷۸۹"
_ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"
_EASTERN = frozenset(_PERSIAN + _ARABIC_INDIC)
_TO_ASCII = str.maketrans(
    {
        **{c: str(i) for i, c in enumerate(_PERSIAN)},
        **{c: str(i) for i, c in enumerate(_ARABIC_INDIC)},
    }
)
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
#: Unicode minus signs → ``-``; direction marks (copied with right-to-left text) dropped.
_SIGNS = str.maketrans(
    {"−": "-", "–": "-", "﹣": "-", "－": "-", "＋": "+"}
    | dict.fromkeys("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)
#: comma, Arabic thousands mark, thin / narrow no-break / no-break space, and an ordinary space
#: (only between digits: ``1 / 4`` stays a fraction, ``1.9 × 10^3`` a power)
_THOUSANDS_MARKS = ",٬\u2009\u202f\u00a0 "
_NONFINITE = {"inf": math.inf, "infinity": math.inf, "∞": math.inf, "nan": math.nan}

_DEC = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_EXP = r"(?:[eE][+-]?[0-9]+)"
_PLAIN = re.compile(rf"[+-]?{_DEC}{_EXP}?")
_FAST = re.compile(r"[+-]?[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?")
_FRACTION = re.compile(rf"(?P<num>[+-]?{_DEC}{_EXP}?)\s*/\s*(?P<den>{_DEC}{_EXP}?)")
_TEN_POWER = re.compile(
    r"(?:(?P<m>.*?)\s*(?:[·×*x]|\\cdot|\\times)\s*|(?P<sign>[+-]?))10\s*(?:\^|\*\*)\s*"
    r"(?:\((?P<p>[+-]?[0-9]+)\)|\{(?P<b>[+-]?[0-9]+)\}|(?P<e>[+-]?[0-9]+))"
)
_GROUPED = {
    mark: re.compile(rf"[+-]?[0-9]{{1,3}}(?:{re.escape(mark)}[0-9]{{3}})+(?:\.[0-9]*)?{_EXP}?")
    for mark in _THOUSANDS_MARKS
}


def normal_form(text: str, where: str = "number", *, thousands: bool = True) -> str:
    """The ASCII normal form of one written number: ``[+-]d.dEk`` or ``[+-]d.dEk/d.dEk``.

    ``thousands`` allows thousands separators (``,``, ``٬``, thin, no-break and ordinary spaces
    between digits; groups of three) and, in a number of Eastern digits, the ASCII comma as the
    decimal mark where it cannot group thousands (:func:`_eastern_decimal_comma`) — single-number
    fields only: inside lists and matrices a comma or a space separates entries. ``_`` between
    digits is a grouping everywhere. Raises :class:`HwcheckError` for anything else.

    >>> normal_form("۰/۲۵"), normal_form("۱٬۲۳۴٬۵۶۷"), normal_form("−1.9×10⁻⁴"), normal_form("4,640")
    ('0.25', '1234567', '-1.9e-4', '4640')
    >>> normal_form("٠,٢٥"), normal_form("١,٢٣٤"), normal_form("127 562")
    ('0.25', '1234', '127562')
    """
    if len(text) > _MAX_NUMBER_TEXT:
        raise _too_long(text, where)
    shown = _short(text.strip())
    s = text.strip().translate(_SIGNS)
    eastern = any(c in _EASTERN for c in s)
    if eastern:
        if any("0" <= c <= "9" for c in s):
            raise HwcheckError(
                where,
                f"'{shown}' mixes Eastern (۰–۹) and ASCII (0–9) digits",
                hint="write the whole number in one kind of digit",
            )
        for i, c in enumerate(s):  # '/' between Eastern digits: the Persian decimal mark
            if c == "/" and not (
                0 < i < len(s) - 1 and s[i - 1] in _EASTERN and s[i + 1] in _EASTERN
            ):
                raise HwcheckError(
                    where,
                    f"'{shown}': '/' between Eastern digits is the decimal mark (۰/۲۵ = 0.25); "
                    "it cannot also be a fraction bar",
                )
        s = s.replace("/", ".").translate(_TO_ASCII)
    s = s.replace("٫", ".")
    s = re.sub(r"10([⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+)", lambda m: "10^" + m.group(1).translate(_SUPERSCRIPTS), s)
    if re.search(r"[0-9]_[0-9]", s):
        if re.search(r"(?<![0-9])_|_(?![0-9])", s):
            raise HwcheckError(
                where, f"'{shown}' is not a number", hint="'_' goes between digits: 4_640"
            )
        s = s.replace("_", "")
    power = _TEN_POWER.fullmatch(s)  # m·10^k: the thousands rule applies to m
    exponent = None
    if power:
        mantissa = power.group("m")
        s = (power.group("sign") or "") + "1" if mantissa is None else mantissa.strip()
        exponent = (power.group("p") or power.group("b") or power.group("e")).lstrip("+")
    if eastern and thousands:
        s = _eastern_decimal_comma(s)
    marks = [m for m in _THOUSANDS_MARKS if m in s and (m != " " or re.search("[0-9] [0-9]", s))]
    if marks:
        if not thousands:
            raise HwcheckError(
                where,
                f"'{shown}': thousands separators are not read inside a list (a comma separates entries)",
            )
        if len(marks) > 1 or not _GROUPED[marks[0]].fullmatch(s):
            raise HwcheckError(
                where,
                f"'{shown}' is not a number",
                hint="thousands separators go between groups of three digits (1,234,567 or "
                "1 234 567); the decimal mark is '.' or '٫'",
            )
        s = s.replace(marks[0], "")
    if exponent is not None:
        if not _PLAIN.fullmatch(s) or "e" in s.lower():
            raise HwcheckError(
                where,
                f"'{shown}' is not a number",
                hint="write m·10^k with a decimal m, e.g. 1.9·10^-4",
            )
        s = f"{s}e{exponent}"
    if _PLAIN.fullmatch(s):
        return s
    fraction = _FRACTION.fullmatch(s)
    if fraction:
        return f"{fraction.group('num')}/{fraction.group('den')}"
    hint = None
    if re.fullmatch(r"[+-]?[eE][+-]?[0-9]+", s):
        hint = "an exponent needs a number before it: 1e5, not e5"
    raise HwcheckError(where, f"'{shown}' is not a number", hint=hint)


_EASTERN_COMMA = re.compile(r"(?P<int>[+-]?[0-9]+),(?P<frac>[0-9]+)(?P<rest>(?:[eE][+-]?[0-9]+)?)")


def _eastern_decimal_comma(s: str) -> str:
    """In a number written with Eastern digits (already made ASCII in ``s``), the one ASCII comma
    that cannot be a thousands separator is the decimal mark, as Persian and Arabic writers use
    it: ``٠,٢٥`` = 0.25. It cannot be one when the digits after it are not exactly three, or
    when the digits before it are a lone zero (``٠,٢٥٠`` = 0.25). ``١,٢٣٤`` stays 1234."""
    comma = _EASTERN_COMMA.fullmatch(s)
    if comma and (len(comma.group("frac")) != 3 or comma.group("int").lstrip("+-") == "0"):
        return f"{comma.group('int')}.{comma.group('frac')}{comma.group('rest')}"
    return s


def _too_long(text: str, where: str) -> HwcheckError:
    return HwcheckError(
        where,
        f"'{_short(text.strip(), 20)}' is too long: a number has at most {MAX_DIGITS} digits",
    )


def _decimal_value(text: str, where: str, shown: str) -> Fraction:
    """The exact value of one ASCII decimal ``[+-]d.dEk`` within the digit and exponent bounds."""
    mantissa, _, exponent = text.lower().partition("e")
    if len(mantissa) > MAX_DIGITS and sum(c.isdigit() for c in mantissa) > MAX_DIGITS:
        raise HwcheckError(where, f"'{shown}' has more than {MAX_DIGITS} digits")
    if (
        exponent
        and len(exponent.lstrip("+-0")) > 4
        or exponent
        and abs(int(exponent)) > MAX_EXPONENT
    ):
        raise HwcheckError(
            where,
            f"'{shown}': exponent {_short(exponent, 12)} is out of range (|k| ≤ {MAX_EXPONENT})",
        )
    return Fraction(text)


def value_of(normal: str, where: str = "number", shown: str | None = None) -> int | Fraction:
    """What a normal form means: ``int`` for an integer literal, else an exact Fraction."""
    shown = shown or normal
    if normal.isascii() and normal.isdigit() and len(normal) <= MAX_DIGITS:  # a plain integer
        return int(normal)
    num, slash, den = normal.partition("/")
    value = _decimal_value(num, where, shown)
    if slash:
        denominator = _decimal_value(den, where, shown)
        if denominator == 0:
            raise HwcheckError(where, f"'{shown}' divides by zero")
        value = value / denominator
    _check_bound(value, where, shown)
    if not slash and "." not in normal and "e" not in normal.lower():
        return int(value)
    return value


def _check_bound(value: int | Fraction, where: str, shown: str | None = None) -> None:
    if abs(value) >= _BOUND:
        what = f"'{shown}'" if shown else "the number"
        raise HwcheckError(
            where, f"{what} is too large: a number has at most {MAX_DIGITS} digits before the point"
        )


def parse_number(
    value, where: str, *, allow_nonfinite: bool = False, thousands: bool = True
) -> int | Fraction | float:
    """A number from text or a native value, exact: ``int`` or ``Fraction`` (``float`` only for
    ``inf``/``nan`` when ``allow_nonfinite``).

    Text follows the grammar of :func:`normal_form`: integers (``4_640``, ``4,640``), decimals,
    scientific notation (``1e-3``, ``−1.9·10⁻⁴``, ``1.9×10^-4``), fractions (``1/4``), signs,
    Persian and Arabic-Indic digits (``۰٫۲۵``, ``۰/۲۵``, ``۱٬۲۳۴``). At most
    :data:`MAX_DIGITS` digits, and a value below 10^MAX_DIGITS.

    >>> parse_number("4,640", "x"), parse_number("1/4", "x"), parse_number("−1.9·10⁻⁴", "x")
    (4640, Fraction(1, 4), Fraction(-19, 100000))
    """
    if isinstance(value, bool):
        raise HwcheckError(where, f"expected a number, got {str(value).lower()}")
    if isinstance(value, (int, Fraction)):
        _check_bound(value, where)
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            if allow_nonfinite:
                return value
            raise HwcheckError(where, f"{value} is not a finite number")
        return Fraction(repr(float(value)))  # the shortest decimal: 0.1 → 1/10 (numpy floats too)
    kind = _numpy_scalar_kind(value)  # numpy scalars (API, .npy)
    if kind in ("i", "u"):
        return parse_number(int(value), where)
    if kind == "f":
        return parse_number(float(value), where, allow_nonfinite=allow_nonfinite)
    if not isinstance(value, str):
        raise HwcheckError(where, f"expected a number, got {type_name(value)}")
    if len(value) > _MAX_NUMBER_TEXT:
        raise _too_long(value, where)
    word = value.strip().translate(_SIGNS).lower()
    if word.lstrip("+-") in _NONFINITE and word[:2].count("-") + word[:2].count("+") <= 1:
        if not allow_nonfinite:
            raise HwcheckError(where, f"'{value.strip()}' is not a finite number")
        return -_NONFINITE[word[1:]] if word.startswith("-") else _NONFINITE[word.lstrip("+")]
    text = value.strip()
    if len(text) <= 40 and _FAST.fullmatch(text):  # already in normal form: skip the rewriting
        return value_of(text, where, text)
    return value_of(normal_form(value, where, thousands=thousands), where, _short(text))


def _numpy_scalar_kind(value) -> str | None:
    """numpy's dtype kind (``i``, ``u``, ``f``, ``b``…) of a scalar, without importing numpy."""
    if getattr(value, "ndim", None) != 0:
        return None
    return getattr(getattr(value, "dtype", None), "kind", None)


def parse_int(
    value,
    where: str,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    thousands: bool = True,
) -> int:
    """An integer (``4640``, ``4_640``, ``4,640``, ``4640.0``, ``۴۶۴۰``) within optional bounds."""
    number = parse_number(value, where, thousands=thousands)
    if Fraction(number).denominator != 1:
        raise HwcheckError(where, f"expected an integer, got {_short(str(value).strip())}")
    number = int(number)
    if minimum is not None and number < minimum:
        raise HwcheckError(where, f"must be at least {minimum:,}, got {_show_int(number)}")
    if maximum is not None and number > maximum:
        raise HwcheckError(where, f"must be at most {maximum:,}, got {_show_int(number)}")
    return number


def _show_int(n: int) -> str:
    return (
        f"{n:,}" if abs(n) < 10**24 else f"{'-' if n < 0 else ''}a {len(str(abs(n)))}-digit number"
    )


def parse_float(
    value,
    where: str,
    *,
    positive: bool = False,
    nonnegative: bool = False,
    allow_nonfinite: bool = False,
) -> float:
    """A number where a float is needed: it must lie within the float range (±1.8·10³⁰⁸, and
    a nonzero value must not round to 0)."""
    number = parse_number(value, where, allow_nonfinite=allow_nonfinite)
    result = as_float(number, where, _short(str(value).strip()))
    if positive and not result > 0:
        raise HwcheckError(where, f"must be positive, got {_short(str(value).strip())}")
    if nonnegative and not result >= 0:
        raise HwcheckError(where, f"must not be negative, got {_short(str(value).strip())}")
    return result


def as_float(number: Fraction | float, where: str, shown: str | None = None) -> float:
    """An exact number as a float, or an error naming ``where`` when it is past the float range."""
    if isinstance(number, float):
        return number
    try:
        result = float(number)  # correctly rounded; OverflowError past the float range
        if result == 0 and number != 0:
            raise HwcheckError(
                where,
                f"{_what(shown)} is too small for a float (|x| ≥ 5·10⁻³²⁴)",
            )
    except OverflowError:
        raise HwcheckError(
            where, f"{_what(shown)} is past the float range (|x| ≤ 1.8·10³⁰⁸)"
        ) from None
    return result


def _what(shown: str | None) -> str:
    return f"'{shown}'" if shown else "the number"


def parse_entry(value, where: str) -> int | Fraction:
    """One entry of a list or matrix: a number without thousands separators (a comma separates
    entries), within the float range, since arrays feed numeric code."""
    number = parse_number(value, where, thousands=False)
    as_float(number, where, _short(value.strip()) if isinstance(value, str) else None)
    return number


# ---------------------------------------------------------------------------- booleans


def parse_bool(value: Any, where: str) -> bool:
    """One rule for every yes/no value: a TOML/JSON boolean (``true``/``false``), a Python bool,
    or the text ``true``/``false`` in any case. ``yes``, ``1``, ``on``… are refused with a hint."""
    if isinstance(value, bool):
        return value
    if _numpy_scalar_kind(value) == "b":  # numpy booleans (API)
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    shown = f"'{_short(value)}'" if isinstance(value, str) else type_name(value)
    hint = None
    if isinstance(value, (str, int, float)) and str(value).strip().lower() in (
        "yes",
        "no",
        "y",
        "n",
        "on",
        "off",
        "1",
        "0",
        "1.0",
        "0.0",
    ):
        hint = "write true or false (a TOML boolean, without quotes)"
    raise HwcheckError(where, f"expected true or false, got {shown}", hint=hint)


# ---------------------------------------------------------------------------- arrays


def parse_array(value, where: str, *, max_entries: int = MAX_ENTRIES):
    """A numeric array of any rank as nested lists of int/Fraction.

    Text forms: ``"1 2 3; 4 5 6"`` (rows by ``;``, entries by spaces or commas; no ``;`` means
    a 1-D vector), JSON nesting ``[[1,2],[3,4]]``, or ``@path`` to a .json, .csv, .txt or .npy
    file. Native forms: numbers and (nested) lists.
    """
    if isinstance(value, str):
        text = value.strip()
        if len(text) > MAX_TEXT:
            raise HwcheckError(where, f"input is too long ({len(text):,} characters)")
        if not text:
            raise HwcheckError(where, "empty matrix")
        if text.startswith("@"):
            label, content = load_array_file(text[1:], where, max_entries)
            if isinstance(content, str):  # .csv, .txt: rows of text
                return _parse_rows(content, label, max_entries)
            return _validate_nested(content, label, max_entries)
        shape = _shape_text(text, where)
        if shape is not None:
            return shape
        if text.startswith("["):
            try:
                native = json.loads(text, parse_float=str)  # decimals read by the grammar
            except json.JSONDecodeError:  # not JSON: the same nesting read with the grammar
                native = read_nested(text, where, max_entries)
            except (ValueError, RecursionError) as exc:  # ValueError: a >4,300-digit integer
                msg = (
                    "nesting too deep"
                    if isinstance(exc, RecursionError)
                    else f"a number has more than {MAX_DIGITS} digits"
                )
                raise HwcheckError(where, f"not a JSON array: {msg}") from None
            return _validate_nested(native, where, max_entries)
        if text.startswith("("):
            return _validate_nested(read_nested(text, where, max_entries), where, max_entries)
        return _parse_rows(text, where, max_entries)
    return _validate_nested(value, where, max_entries)


#: digits of either script: a shape's sizes
_ANY_DIGIT = "0-9۰-۹٠-٩"
_SHAPE_TEXT = re.compile(rf"[{_ANY_DIGIT}]+(?:\s*[x×X]\s*[{_ANY_DIGIT}]+)+")


def _shape_text(text: str, where: str) -> list[int] | None:
    """``30x30x32``, ``۳۰×۳۰×۳۲``, ``[30x30x32]`` or ``(30x30x32)``: a shape's sizes as a vector
    (``None`` for any other text). Each size is one integer of the grammar."""
    inner = text
    if text[:1] + text[-1:] in ("[]", "()"):
        inner = text[1:-1].strip()
    if not _SHAPE_TEXT.fullmatch(inner):
        return None
    sizes = re.split(r"\s*[x×X]\s*", inner)
    out = []
    for j, size in enumerate(sizes, start=1):
        try:
            out.append(parse_int(size, where, thousands=False))
        except HwcheckError as exc:
            raise HwcheckError(where, f"size {j}: {exc.message}", exc.hint) from None
    return out


_CLOSE = {"[": "]", "(": ")"}
_NEST_TOKEN = re.compile(r"[\[\]()]|[,،]|[^\s\[\](),،]+")


def read_nested(text: str, where: str, max_entries: int = MAX_ENTRIES) -> list:
    """Bracketed nesting as JSON writes it, read with the number grammar instead of JSON's:
    Eastern digits (``[[۱, ۲], [۳, ۴]]``, ``[۱٫۵, ۲]``), entries separated by commas, the
    Arabic comma ``،`` or spaces (numpy prints ``[[1. 2.] [3. 4.]]``), ``( )`` as well as
    ``[ ]``, a trailing comma allowed. Entries come back as their text, to be read and checked
    by :func:`_validate_nested` (numbers, ragged rows, the float range).

    >>> read_nested("[[۱, ۲], (۳ ۴)]", "--x")
    [['۱', '۲'], ['۳', '۴']]
    """
    stack: list[tuple[str, list]] = []
    result: list | None = None
    previous = None
    entries = 0
    for match in _NEST_TOKEN.finditer(text):
        token = match.group()
        if result is not None:
            raise HwcheckError(where, f"'{_short(token)}' after the closing bracket")
        if token in _CLOSE:
            if len(stack) > MAX_RANK:
                raise HwcheckError(where, f"more than {MAX_RANK} nested levels")
            items: list = []
            if stack:
                stack[-1][1].append(items)
            stack.append((_CLOSE[token], items))
        elif token in ("]", ")"):
            if not stack or token != stack[-1][0]:
                raise HwcheckError(where, f"'{token}' does not close an open bracket")
            result = stack.pop()[1] if len(stack) == 1 else None
            if result is None:
                stack.pop()
        elif token in (",", "،"):
            if previous in (None, "[", "(", ",", "،"):
                raise HwcheckError(where, "an empty entry (a comma after a bracket or a comma)")
        else:
            if not stack:
                raise HwcheckError(where, f"'{_short(token)}' is outside the brackets")
            entries += 1
            if entries > max_entries:
                raise HwcheckError(where, f"more than {max_entries:,} entries")
            stack[-1][1].append(token)
        previous = token
    if result is None:
        raise HwcheckError(
            where, f"'{stack[0][0] if stack else ']'}' is missing: a bracket is not closed"
        )
    return result


def _parse_rows(text: str, where: str, max_entries: int):
    rows_text = [r for r in re.split(r"[;؛\n]", text)]
    if len(rows_text) > 1 and not rows_text[-1].strip():
        rows_text = rows_text[:-1]  # a trailing ';' or newline
    rows = []
    count = 0
    for i, row_text in enumerate(rows_text, start=1):
        tokens = [t for t in re.split(r"[\s,،]+", row_text.strip()) if t]
        if not tokens:
            raise HwcheckError(where, f"row {i} is empty")
        count += len(tokens)
        if count > max_entries:
            raise HwcheckError(where, f"more than {max_entries:,} entries")
        row = []
        for j, tok in enumerate(tokens, start=1):
            label = f"row {i}, entry {j}" if len(rows_text) > 1 else f"entry {j}"
            try:
                row.append(parse_entry(tok, where))
            except HwcheckError as exc:
                raise HwcheckError(where, f"{label}: {exc.message}", exc.hint) from None
        if rows and len(row) != len(rows[0]):
            raise HwcheckError(where, f"row {i} has {len(row)} entries, row 1 has {len(rows[0])}")
        rows.append(row)
    return rows[0] if len(rows_text) == 1 else rows


def _validate_nested(value, where: str, max_entries: int):
    counter = [0]

    def walk(node, path: tuple[int, ...], depth: int):
        if depth > MAX_RANK:
            raise HwcheckError(where, f"more than {MAX_RANK} nested levels")
        if isinstance(node, (list, tuple)):
            if not node:
                raise HwcheckError(
                    where, "empty " + ("matrix" if not path else f"row {_pos(path)}")
                )
            items = [walk(item, path + (k,), depth + 1) for k, item in enumerate(node)]
            first = shape_of(items[0])
            for k, item in enumerate(items[1:], start=1):
                if shape_of(item) != first:
                    if not path:
                        raise HwcheckError(
                            where,
                            f"row {k + 1} has {_describe(item)}, row 1 has {_describe(items[0])}",
                        )
                    raise HwcheckError(where, f"ragged array at {_pos(path + (k,))}")
            return items
        counter[0] += 1
        if counter[0] > max_entries:
            raise HwcheckError(where, f"more than {max_entries:,} entries")
        try:
            return parse_entry(node, where)
        except HwcheckError as exc:
            loc = f"entry {_pos(path)}" if path else "value"
            raise HwcheckError(where, f"{loc}: {exc.message}", exc.hint) from None

    return walk(value, (), 0)


def _describe(item) -> str:
    if isinstance(item, list):
        return f"{len(item)} entries"
    return "1 entry"


def _pos(path: tuple[int, ...]) -> str:
    return ",".join(str(p + 1) for p in path)


def shape_of(array) -> tuple[int, ...]:
    """Shape of a rectangular nested list, read along the first entries; ``()`` for a scalar."""
    shape = []
    while isinstance(array, list):
        shape.append(len(array))
        if not array:
            break
        array = array[0]
    return tuple(shape)


def parse_matrix(value, where: str, *, max_entries: int = MAX_ENTRIES):
    """A 2-D array; a 1-D input becomes one row, a scalar a 1×1 matrix."""
    array = parse_array(value, where, max_entries=max_entries)
    rank = len(shape_of(array))
    if rank == 0:
        return [[array]]
    if rank == 1:
        return [array]
    if rank != 2:
        raise HwcheckError(where, f"expected a matrix, got an array of rank {rank}")
    return array


def parse_vector(value, where: str, *, max_entries: int = MAX_ENTRIES):
    """A 1-D array; an n×1 or 1×n matrix is accepted, a scalar is a length-1 vector."""
    array = parse_array(value, where, max_entries=max_entries)
    shape = shape_of(array)
    if len(shape) == 0:
        return [array]
    if len(shape) == 1:
        return array
    if len(shape) == 2 and 1 in shape:
        return [x for row in array for x in row]
    raise HwcheckError(where, f"expected a vector, got shape {list(shape)}")


def load_array_file(name: str, where: str, max_entries: int) -> tuple[str, list | str]:
    """``(place, content)`` of an ``@path`` array file, read within the size bounds but not yet
    parsed: nested lists for .json and .npy, the rows' text for .csv, .txt and .tsv. ``place``
    names the option and the file (``--x (m.csv)``) for the parser's messages."""
    path = resolve_path(name, where)
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return _load_npy(path, name, where, max_entries)
    if suffix not in {".json", ".csv", ".txt", ".tsv", ""}:
        raise HwcheckError(
            where, f"{name}: unsupported file type '{suffix}' (use .json, .csv, .txt or .npy)"
        )
    text = read_text_file(name, where, MAX_FILE_BYTES, path)
    if suffix == ".json":
        try:
            native = json.loads(text, parse_float=str)
        except (ValueError, RecursionError) as exc:
            raise HwcheckError(
                where, f"{name}: not valid JSON: {getattr(exc, 'msg', exc)}"
            ) from None
        if _leaves(native, max_entries) > max_entries:  # counted before any number is read
            raise HwcheckError(where, f"{name}: more than {max_entries:,} entries")
        return f"{where} ({name})", native
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise HwcheckError(where, f"{name}: empty file")
    columns = len([t for t in re.split(r"[\s,;]+", lines[0].strip()) if t])
    if len(lines) * columns > max_entries:  # the size known up front, before any number is read
        raise HwcheckError(
            where,
            f"{name}: {len(lines):,} rows × {columns:,} entries is more than "
            f"{max_entries:,} entries",
        )
    return f"{where} ({name})", "\n".join(lines) + ("\n" if len(lines) == 1 else "")


def _leaves(native, limit: int) -> int:
    """The number of non-list values in nested lists, counting stops past ``limit``."""
    count, stack = 0, [native]
    while stack and count <= limit:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        else:
            count += 1
    return count


def _load_npy(path: Path, name: str, where: str, max_entries: int) -> tuple[str, list]:
    """A .npy array, its shape and type read from the header before any data."""
    import io

    import numpy as np

    data = _read_bytes(path, name, where, MAX_FILE_BYTES)
    try:
        stream = io.BytesIO(data)
        version = np.lib.format.read_magic(stream)
        read_header = (
            np.lib.format.read_array_header_1_0
            if version == (1, 0)
            else np.lib.format.read_array_header_2_0
        )
        shape, _, dtype = read_header(stream)  # the header only: shape and type before data
    except (ValueError, OSError, SyntaxError, TypeError) as exc:
        raise HwcheckError(where, f"{name}: not a numeric .npy file ({exc})") from None
    if dtype.kind not in "iuf" or math.prod(shape) > max_entries:
        raise HwcheckError(
            where, f"{name}: expected a numeric array of at most {max_entries:,} entries"
        )
    try:
        array = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise HwcheckError(where, f"{name}: not a numeric .npy file ({exc})") from None
    return f"{where} ({name})", array.tolist()


#: folders of the operating system's own pseudo-files (sizes they report are not what they hold)
SYSTEM_FOLDERS = ("/proc", "/sys", "/dev")
_BOM = b"\xef\xbb\xbf"


def read_text_file(name: str, where: str, max_bytes: int, path: Path | None = None) -> str:
    """The UTF-8 text of file ``path`` (default ``name``), or of standard input for ``-``.

    One bounded reader for every file hwcheck reads: a regular file only (a folder, FIFO,
    device, socket or ``/proc`` file is refused before it is opened, so nothing blocks), at most
    ``max_bytes`` read, a leading UTF-8 byte-order mark dropped. ``-`` (standard input) only
    from the command line: never while an answers file is being checked.
    """
    if name == "-":
        if FILE_ROOT.get() is not None:
            raise HwcheckError(
                where, "'-' (standard input) may be named only on the command line, not in a file"
            )
        data = _read_stdin(where, max_bytes)
    else:
        data = _read_bytes(path or Path(name), name, where, max_bytes)
    data = data.removeprefix(_BOM)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HwcheckError(
            where, f"{_it(name, where)} is not UTF-8 text (byte {exc.start})"
        ) from None


def _it(name: str, where: str) -> str:
    return "it" if where == name else _short(name, 80)


def _read_stdin(where: str, max_bytes: int) -> bytes:
    try:
        stream = getattr(sys.stdin, "buffer", None)
        data = (
            stream.read(max_bytes + 1) if stream else sys.stdin.read(max_bytes + 1).encode("utf-8")
        )
    except (OSError, ValueError) as exc:
        raise HwcheckError(where, f"cannot read standard input: {exc}") from None
    if len(data) > max_bytes:
        raise HwcheckError(where, f"standard input is larger than {max_bytes // 1024:,} KiB")
    return data


def _read_bytes(path: Path, name: str, where: str, max_bytes: int) -> bytes:
    """At most ``max_bytes`` of a regular file, checked with ``stat`` before it is opened."""
    import os
    import stat

    it = _it(name, where)
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise HwcheckError(where, f"{it} is {_file_kind(info.st_mode)}, not a regular file")
        if _is_system_file(path):
            raise HwcheckError(where, f"{it} is a file of the operating system, not a user file")
        if info.st_size > max_bytes:
            raise HwcheckError(where, f"{it} is larger than {max_bytes // 1024:,} KiB")
        flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0)
        fd = os.open(path, flags)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped after the stat above
                raise HwcheckError(where, f"{it} is not a regular file")
            with os.fdopen(fd, "rb", closefd=False) as handle:
                data = handle.read(max_bytes + 1)
        finally:
            os.close(fd)
    except FileNotFoundError:
        raise HwcheckError(where, f"no such file: {_short(name, 80)}") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        reason = getattr(exc, "strerror", None) or "a file name cannot hold a NUL byte"
        raise HwcheckError(where, f"cannot read {it}: {reason}") from None
    if len(data) > max_bytes:
        raise HwcheckError(where, f"{it} is larger than {max_bytes // 1024:,} KiB")
    return data


def _file_kind(mode: int) -> str:
    import stat

    kinds = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"))
    kinds += ((stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))
    return next((label for test, label in kinds if test(mode)), "not a file")


def _is_system_file(path: Path) -> bool:
    import os

    real = os.path.realpath(path)
    return any(real == top or real.startswith(top + "/") for top in SYSTEM_FOLDERS)


def resolve_path(name: str, where: str) -> Path:
    """A user-given path; inside an answers file it must stay in the file's folder (after
    symlinks are followed) and may not be ``-``. Whether it can be read is the reader's to say."""
    root = FILE_ROOT.get()
    shown = _short(name, 80)
    if "\x00" in name:
        raise HwcheckError(where, f"path '{shown}': a file name cannot hold a NUL byte")
    if root is None:
        return Path(name).expanduser()
    if name == "-":
        raise HwcheckError(
            where, "'-' (standard input) may be named only on the command line, not in a file"
        )
    try:
        path = (root / name).resolve()
        inside = path.is_relative_to(root.resolve())
    except (OSError, RuntimeError, ValueError) as exc:  # RuntimeError: a symlink loop
        reason = getattr(exc, "strerror", None) or "a symlink loop"
        raise HwcheckError(where, f"cannot read '{shown}': {reason}") from None
    if not inside:
        raise HwcheckError(where, f"path '{shown}' leaves the answers file's folder")
    return path


def read_toml_table(value: Any, name: str, max_bytes: int) -> tuple[str, dict]:
    """(source, table) of a TOML argument: a table (API, answers file), ``-`` (standard input,
    the command line only), TOML text (API) or a path. ``name`` is the argument (``model``)."""
    if isinstance(value, dict):
        return name, value
    if not isinstance(value, str):
        raise HwcheckError(name, "expected a file name, '-' or a table")
    if value == "-":
        return "<stdin>", parse_toml(read_text_file("-", "<stdin>", max_bytes), "<stdin>")
    if "\n" in value:  # TOML text given directly (API)
        return name, parse_toml(value, name)
    path = resolve_path(value, f"<{name}>")
    return value, parse_toml(read_text_file(value, value, max_bytes, path), value)


def parse_toml(text: str, where: str) -> dict:
    """A TOML document; a syntax error names its line and column (tomllib's message)."""
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise HwcheckError(where, f"malformed TOML: {exc}") from None
    except RecursionError:
        raise HwcheckError(where, "malformed TOML: nested too deeply") from None
    except ValueError:  # Python's 4,300-digit limit on an integer literal
        raise HwcheckError(
            where, f"malformed TOML: a number has more than {MAX_DIGITS} digits"
        ) from None


# ---------------------------------------------------------------------------- shapes, lists


def parse_shape(
    value, where: str, *, rank: int | None = None, maximum: int = 10**18
) -> tuple[int, ...]:
    """``"3x3"``, ``"3×3"``, ``"3,3"``, ``"[3, 3]"``, ``[3, 3]`` or ``3`` → ``(3, 3)``."""
    if isinstance(value, bool):
        raise HwcheckError(where, "expected a shape such as 3x3")
    if isinstance(value, int):
        items = [value]
    elif isinstance(value, (list, tuple)):
        items = list(value)
        if not items:
            raise HwcheckError(where, "empty shape: expected at least one size, got 0")
    elif isinstance(value, str):
        text = value.strip().strip("[]()")
        if not text:
            raise HwcheckError(where, "empty shape: expected at least one size, got 0")
        items = re.split(r"\s*[x×X,،]\s*|\s+", text)
        if "" in items:
            raise HwcheckError(where, f"'{_short(value.strip())}' is not a shape such as 3x3")
        if len(items) > 16:
            raise HwcheckError(where, "too many axes")
    else:
        raise HwcheckError(where, f"expected a shape such as 3x3, got {type_name(value)}")
    shape = tuple(parse_int(v, where, minimum=1, maximum=maximum, thousands=False) for v in items)
    if rank is not None and len(shape) != rank:
        raise HwcheckError(where, f"expected {rank} sizes, got {len(shape)}")
    return shape


def parse_names(value, where: str) -> tuple[str, ...]:
    """``"w,b"`` or ``["w", "b"]`` → ``("w", "b")``."""
    if isinstance(value, str):
        items = [v.strip() for v in value.split(",")]
    elif isinstance(value, (list, tuple)):
        items = [v.strip() if isinstance(v, str) else v for v in value]
    else:
        raise HwcheckError(
            where, f"expected a comma-separated list of names, got {type_name(value)}"
        )
    out = []
    for item in items:
        if not isinstance(item, str) or not item:
            raise HwcheckError(where, "empty or non-text name in the list")
        if len(item) > 64:
            raise HwcheckError(where, "name is too long")
        out.append(item)
    return tuple(out)


def is_name(text) -> bool:
    """A variable name users may write: a letter (Unicode too: λ) then letters, digits or _,
    at most 64 characters, and not starting with ``_`` (no dunders)."""
    return isinstance(text, str) and len(text) <= 64 and bool(re.fullmatch(r"[^\W\d_]\w*", text))


def parse_assignments(value, where: str, *, vectors: bool = False) -> dict[str, object]:
    """``"w=0.1,b=0"`` (or a mapping) → ``{"w": Fraction(1, 10), "b": 0}``.

    With ``vectors``, values are lists: ``"x=2,1,2,1"`` → ``{"x": [2, 1, 2, 1]}``; several
    assignments come as a list of such strings or one mapping.
    """
    pairs: list[tuple[str, object]] = []
    if isinstance(value, dict):
        pairs = list(value.items())
    elif isinstance(value, (list, tuple)) and vectors:
        for item in value:
            pairs.extend(parse_assignments(item, where, vectors=True).items())
    elif isinstance(value, str):
        if vectors:
            name, eq, rest = value.partition("=")
            if not eq:
                raise HwcheckError(where, f"expected name=v1,v2,…, got '{_short(value)}'")
            pairs = [(name.strip(), rest)]
        else:
            for part in [p for p in re.split(r"[,;]", value) if p.strip()]:
                name, eq, rest = part.partition("=")
                if not eq:
                    raise HwcheckError(where, f"expected name=value, got '{_short(part.strip())}'")
                pairs.append((name.strip(), rest.strip()))
    else:
        raise HwcheckError(where, f"expected name=value pairs, got {type_name(value)}")
    out: dict[str, object] = {}
    for name, raw in pairs:
        if not is_name(name):
            raise HwcheckError(where, f"'{_short(str(name))}' is not a valid name")
        if name in out:
            raise HwcheckError(where, f"'{name}' is given twice")
        out[name] = (
            parse_vector(raw, f"{where} ({name})")
            if vectors
            else parse_number(raw, f"{where} ({name})")
        )
    return out


_LONG_DIGITS = re.compile(rf"\d{{{MAX_DIGITS + 1}}}")


def check_plain(value: Any, where: str, _depth: int = 0) -> None:
    """Refuse what no reader of hwcheck's can take, anywhere inside ``value`` (lists and tables,
    keys included): TOML dates, times and date-times, and text holding a run of more than
    :data:`MAX_DIGITS` digits (the digit bound, checked before any JSON or index parsing
    meets Python's 4,300-digit limit). Claims hold numbers, text, booleans, arrays, tables."""
    import datetime

    if isinstance(value, (datetime.date, datetime.time)):
        raise HwcheckError(where, f"expected a number, text or an array, got {type_name(value)}")
    if isinstance(value, str):
        if _LONG_DIGITS.search(value):
            raise HwcheckError(where, f"a number has more than {MAX_DIGITS} digits")
        return
    if _depth > MAX_RANK + 4:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            check_plain(str(key), where, _depth + 1)
            check_plain(item, f"{where}.{key}", _depth + 1)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            check_plain(item, f"{where}[{index}]", _depth + 1)


def _short(text: str, n: int = 40) -> str:
    """User text quoted in a message: at most ``n`` characters, control characters (a newline,
    an ANSI escape, a direction mark) shown as escapes so that no message can forge a line."""
    text = text if len(text) <= n else text[: n - 1] + "…"
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def type_name(value) -> str:
    """How a value's type is named in messages (``a table``, ``a date``…)."""
    import datetime

    if isinstance(value, datetime.datetime):
        return "a date-time"
    if isinstance(value, datetime.date):
        return "a date"
    if isinstance(value, datetime.time):
        return "a time of day"
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return "an array of tables"
    return {
        dict: "a table",
        list: "a list",
        tuple: "a list",
        str: "text",
        float: "a number",
        int: "an integer",
        bool: "a boolean",
    }.get(type(value), type(value).__name__)
