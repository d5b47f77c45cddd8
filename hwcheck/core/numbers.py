"""User text → numbers. Nothing here is ever evaluated as code.

Every parser accepts both the command-line string form and the native value an answers file
(TOML) gives, so one request type serves the CLI and the file. Every error names the place.

Numbers follow one grammar, defined by an ASCII normal form (:func:`normal_form`: Persian and
Arabic-Indic digits, ``٫`` and ``/`` between Eastern digits as decimal marks, an ASCII comma
between Eastern digits where it cannot group thousands, thousands separators in single-number
fields, ``·10^k``) and bounded by :data:`MAX_DIGITS`. They come back exact: ``int`` for integer
literals, :class:`~fractions.Fraction` for decimals and fractions (``0.25`` → ``1/4``), so
exact modes lose nothing; where a float is needed, :func:`parse_float` / :func:`as_float`
check the float range first. Booleans follow :func:`parse_bool`. Lists, shapes and matrices
are :mod:`hwcheck.core.arrays`; files and TOML tables :mod:`hwcheck.core.inputs`.
"""

from __future__ import annotations

import math
import re
import sys
from fractions import Fraction
from typing import Any, Self

from hwcheck.core.errors import HwcheckError
from hwcheck.core.lazy import Pattern

MAX_RANK = 6
MAX_DIGITS = 400  # digits in one number (documented in the README); its value stays below 10**400
MAX_EXPONENT = 400  # |k| in 1e±k / ·10^k

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
_PLAIN = Pattern(rf"[+-]?{_DEC}{_EXP}?")
_FAST = Pattern(r"[+-]?[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?")
_FRACTION = Pattern(rf"(?P<num>[+-]?{_DEC}{_EXP}?)\s*/\s*(?P<den>{_DEC}{_EXP}?)")
_TEN_POWER = Pattern(
    r"(?:(?P<m>.*?)\s*(?:[·×*x]|\\cdot|\\times)\s*|(?P<sign>[+-]?))10\s*(?:\^|\*\*)\s*"
    r"(?:\((?P<p>[+-]?[0-9]+)\)|\{(?P<b>[+-]?[0-9]+)\}|(?P<e>[+-]?[0-9]+))"
)
_GROUPED = {
    mark: Pattern(rf"[+-]?[0-9]{{1,3}}(?:{re.escape(mark)}[0-9]{{3}})+(?:\.[0-9]*)?{_EXP}?")
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


_EASTERN_COMMA = Pattern(r"(?P<int>[+-]?[0-9]+),(?P<frac>[0-9]+)(?P<rest>(?:[eE][+-]?[0-9]+)?)")


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


_LONG_DIGITS = Pattern(rf"\d{{{MAX_DIGITS + 1}}}")


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


class WrittenFloat(float):
    """A float read from text (an answers file's TOML, a claimed JSON list), with the literal it
    was read from: ``0.70`` keeps its two significant figures.

    >>> x = WrittenFloat("0.70")
    >>> x == 0.7, x.text, repr(x), str(x)
    (True, '0.70', '0.70', '0.7')

    ``repr`` is the text as written (so a message or a significant-figure count sees what the
    student wrote); ``str``, formatting and JSON give the float's own shortest form.
    """

    __slots__ = ("text",)
    text: str

    def __new__(cls, text: str) -> Self:
        value = super().__new__(cls, text.replace("_", ""))
        value.text = text
        return value

    def __repr__(self) -> str:
        return self.text

    def __str__(self) -> str:
        return float.__repr__(self)

    def __reduce__(self):  # pickled into --jobs workers and back
        return WrittenFloat, (self.text,)

    def __copy__(self) -> WrittenFloat:
        return self

    def __deepcopy__(self, memo) -> WrittenFloat:
        return self
