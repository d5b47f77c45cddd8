"""A claimed value, read once at the boundary (CONVENTIONS §4, §5).

Every road gives a claim in its own raw form: text from ``--claim`` or a CSV cell, a TOML
string, a TOML integer, boolean or array, a TOML float that keeps its source text (a ``float``
with a ``text`` attribute), a Python value from the API. :func:`read_claim` turns each into one
:class:`Claimed`: the text (as written, or the canonical text of a typed value) read by one
grammar. A TOML float ``0.70`` and the string ``"0.70"`` give the same ``Claimed``; a TOML array
``[15, 15, 64]`` and the strings ``"(15, 15, 64)"`` and ``"15x15x64"`` the same value. The
comparators see only ``Claimed``s, so the road never changes a verdict.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from hwcheck.core.arrays import MAX_TEXT
from hwcheck.core.errors import HwcheckError
from hwcheck.core.numbers import MAX_RANK, WrittenFloat, normal_form, parse_number

#: entries of one claimed list read one by one (each keeps its figures); a larger list is text
MAX_CLAIM_ENTRIES = 200_000


@dataclass(frozen=True)
class Claimed:
    """One claimed value.

    ``text``: as written (a typed value: its canonical text); ``value``: what it reads as — an
    ``int``, a ``Fraction`` (exact decimals), a ``float`` (only ``inf``/``nan``), ``bool``,
    ``None``, a list, a dict, or the stripped text (an expression or a word); ``figures``:
    significant figures as written; ``approximate``: how an approximately written number was
    marked (``"~, M"``, ``"k"``, ``"scientific notation"``), ``None`` for a plain one;
    ``items``/``fields``: a list's entries or an object's values, each read as written.
    """

    text: str
    value: Any
    figures: int | None = None
    approximate: str | None = None
    items: tuple[Claimed, ...] | None = None
    fields: tuple[tuple[str, Claimed], ...] | None = None

    @property
    def is_number(self) -> bool:
        return isinstance(self.value, (int, float, Fraction)) and not isinstance(self.value, bool)

    def number(self, what: str = "a number"):
        """The value as a number, or the grammar's reason it is not one."""
        if self.is_number:
            return self.value
        if isinstance(self.value, str) and self.items is None:
            parse_number(self.text, "claim", allow_nonfinite=True)  # raises the grammar's reason
        raise HwcheckError("claim", f"expected {what}, got '{self.text[:60]}'")

    def tree(self) -> Any:
        """A list claim as nested lists of its entries' ``Claimed`` (a scalar: itself)."""
        if self.items is None:
            return self
        return [item.tree() for item in self.items]

    def to_json(self) -> Any:
        """The value as read, for JSON: a number, a list, an object, a string."""
        return plain(self.value)


def plain(value: Any) -> Any:
    """A read value as a JSON value: exact decimals as numbers (``7/10`` → 0.7)."""
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else _float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def read_claim(raw: Any, where: str = "claim") -> Claimed:
    """Any road's raw claim → :class:`Claimed` (never raises: what cannot be read stays text,
    and the comparator says why it cannot be judged).

    >>> read_claim("0.70") == read_claim(WrittenFloat("0.70"))
    True
    >>> read_claim([15, 15, 64]).value == read_claim("15x15x64").value == [15, 15, 64]
    True
    """
    if isinstance(raw, Claimed):
        return raw
    text = canonical_text(raw)
    try:
        if isinstance(raw, (list, tuple, dict)):  # typed: its entries keep their own texts
            return _from_native(list(raw) if isinstance(raw, tuple) else raw, text, 0)
        return _read_text(text, 0)
    except RecursionError:
        return Claimed(text, text)


def canonical_text(raw: Any, depth: int = 0) -> str:
    """The text of a raw claim: a string as written (stripped), a TOML float its source text,
    a typed value in JSON-like notation (numbers as written)."""
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if raw is None:
        return "null"
    if isinstance(raw, float):
        written = getattr(raw, "text", None)
        if isinstance(written, str):
            return written.strip()
        if not math.isfinite(raw):
            return "nan" if math.isnan(raw) else ("inf" if raw > 0 else "-inf")
        return repr(float(raw))
    if isinstance(raw, (int, Fraction)):
        return str(raw)
    if isinstance(raw, (list, tuple, dict)) and depth > MAX_RANK:
        return "[…]"  # nested deeper than any array: not written out
    if isinstance(raw, (list, tuple)):
        return "[" + ", ".join(_inner_text(x, depth + 1) for x in raw) + "]"
    if isinstance(raw, dict):
        inner = (
            f"{json.dumps(str(k), ensure_ascii=False)}: {_inner_text(v, depth + 1)}"
            for k, v in raw.items()
        )
        return "{" + ", ".join(inner) + "}"
    if hasattr(raw, "tolist"):  # numpy values (API)
        return canonical_text(raw.tolist())
    return str(raw).strip()


_BARE = re.compile(r"[^\s,;\[\]()\"'{}:]+")


def _inner_text(x: Any, depth: int) -> str:
    """An entry of a typed list as written: a string bare when it reads as one token
    (``[W11, 1/4, 0]``), quoted otherwise."""
    if isinstance(x, str):
        return x.strip() if _BARE.fullmatch(x.strip()) else json.dumps(x, ensure_ascii=False)
    return canonical_text(x, depth)


# ---------------------------------------------------------------------------- reading text

_WORDS = {"true": True, "false": False, "null": None, "none": None}


def _read_text(text: str, depth: int) -> Claimed:
    if len(text) > MAX_TEXT or depth > MAX_RANK + 1:
        return Claimed(text, text)
    word = text.lower()
    if word in _WORDS:
        return Claimed(text, _WORDS[word])
    if text[:1] in "[{":
        native = _json(text)
        if native is not _FAIL:
            return _from_native(native, text, depth)
    scalar = _scalar(text)
    if scalar is not None:
        return scalar
    entries = _list_reading(text, depth)
    if entries is not None:
        return Claimed(text, [e.value for e in entries], items=tuple(entries))
    return Claimed(text, text)  # an expression, a word, or something no grammar reads


def _scalar(text: str) -> Claimed | None:
    """A number: the grammar's (CONVENTIONS §4), or one written approximately (``~1.4M``)."""
    if not text or len(text) > 4000:
        return None
    approx = approximate(text)
    try:
        value = parse_number(text, "claim", allow_nonfinite=True)
    except HwcheckError:
        if approx is None:
            return None
        value = approx[0]
    return Claimed(text, _normal(value), significant_figures(text), approx[1] if approx else None)


def _normal(value: Any) -> Any:
    if isinstance(value, Fraction) and value.denominator == 1:
        return int(value)
    return value


_FAIL = object()


def _json(text: str) -> Any:
    try:
        return json.loads(text, parse_float=WrittenFloat)
    except (ValueError, RecursionError):  # JSONDecodeError, past the int digit limit, too deep
        return _FAIL


def _from_native(native: Any, text: str, depth: int) -> Claimed:
    if isinstance(native, (list, dict)) and depth > MAX_RANK:
        return Claimed("[…]", [], items=())  # deeper than any array: its shape tells it apart
    if isinstance(native, list):
        if len(native) > MAX_CLAIM_ENTRIES:
            return Claimed(text, text)
        items = tuple(_from_native(x, canonical_text(x, depth + 1), depth + 1) for x in native)
        return Claimed(text, [i.value for i in items], items=items)
    if isinstance(native, dict):
        fields = tuple(
            (str(k), _from_native(v, canonical_text(v, depth + 1), depth + 1))
            for k, v in native.items()
        )
        return Claimed(text, {k: c.value for k, c in fields}, fields=fields)
    if isinstance(native, str):
        return _read_text(native.strip(), depth + 1)
    return _read_text(canonical_text(native), depth + 1)


# ------------------------------------------------------------------------- list readings

_DIGITS = r"[0-9۰-۹٠-٩]+"
_SHAPE = re.compile(rf"[\[(]?\s*{_DIGITS}(?:\s*[x×X]\s*{_DIGITS})+\s*[\])]?")
_TOKEN = re.compile(r"[\[\]()]|;|\n|[^\s,;\[\]()]+")


def _list_reading(text: str, depth: int) -> list[Claimed] | None:
    """A list from ``15x15x64``, ``(None, 35, 35, 32)``, ``1 2; 3 4``, ``[[1, 2], [3, 4]]`` with
    any digits: each entry read by the one number grammar (a comma separates entries). ``None``
    unless every entry is a number (or a batch word)."""
    if _SHAPE.fullmatch(text):
        return [_read_entry(t) for t in re.findall(_DIGITS, text)]
    tokens = _TOKEN.findall(text.replace("،", ",").replace("؛", ";"))  # Arabic comma, semicolon
    if len(tokens) > 2 * MAX_CLAIM_ENTRIES:
        return None
    nested = _nested(tokens)
    if nested is None or not isinstance(nested, list):
        return None
    entries = _entries(nested, depth)
    if entries is None or not _all_numbers(entries):
        return None
    return entries


def _nested(tokens: list[str]) -> Any:
    """Tokens → nested lists of entry texts: brackets nest, ``;`` or a new line splits rows of a
    bracketless (or once bracketed) matrix. ``None`` when the brackets do not pair up."""
    if tokens[:1] in (["["], ["("]) and tokens[-1:] in (["]"], [")"]):
        inner = tokens[1:-1]
        if "[" not in inner and "(" not in inner:
            tokens = inner  # one pair around a flat list or a matrix written with ';'
    if any(t in (";", "\n") for t in tokens):
        if any(t in "[]()" for t in tokens):
            return None
        rows, row = [], []
        for t in tokens:
            if t in (";", "\n"):
                rows.append(row)
                row = []
            else:
                row.append(t)
        rows.append(row)
        if rows and not rows[-1]:
            rows.pop()  # a trailing ';'
        return rows if len(rows) > 1 and all(rows) else (rows[0] if len(rows) == 1 else None)
    stack: list[list] = [[]]
    for t in tokens:
        if t in "[(":
            stack.append([])
        elif t in "])":
            if len(stack) < 2 or len(stack) > MAX_RANK + 1:
                return None
            done = stack.pop()
            stack[-1].append(done)
        else:
            stack[-1].append(t)
    if len(stack) != 1:
        return None
    top = stack[0]
    return top[0] if len(top) == 1 and isinstance(top[0], list) else top


def _entries(nested: list, depth: int) -> list[Claimed] | None:
    out = []
    for x in nested:
        if isinstance(x, list):
            inner = _entries(x, depth + 1)
            if inner is None:
                return None
            out.append(
                Claimed(
                    "[" + ", ".join(c.text for c in inner) + "]",
                    [c.value for c in inner],
                    items=tuple(inner),
                )
            )
        else:
            out.append(_read_entry(x))
    return out


def _read_entry(token: str) -> Claimed:
    """One entry of a written list: a word (``None``), a number, or text."""
    word = token.lower()
    if word in _WORDS:
        return Claimed(token, _WORDS[word])
    return _scalar(token) or Claimed(token, token)


_BATCH_WORDS = {"none", "null", "?", "batch", "n", "b"}


def _all_numbers(entries: list[Claimed]) -> bool:
    flat = [leaf for e in entries for leaf in _leaves(e)]
    if not flat:
        return False
    first_ok = (
        flat[0].is_number
        or flat[0].value is None
        or (isinstance(flat[0].value, str) and flat[0].text.lower() in _BATCH_WORDS)
    )
    return first_ok and all(c.is_number for c in flat[1:])


def _leaves(c: Claimed) -> list[Claimed]:
    if c.items is None:
        return [c]
    return [leaf for item in c.items for leaf in _leaves(item)]


# ------------------------------------------------------------------- approximate numbers

_APPROX_MARK = re.compile(
    r"\s*(?:~|∼|≈|≃|about\s|approx\.?\s?|approximately\s|ca\.\s?)\s*", re.IGNORECASE
)
_SCALE_WORDS = {
    "k": 10**3,
    "thousand": 10**3,
    "m": 10**6,
    "mn": 10**6,
    "million": 10**6,
    "millions": 10**6,
    "b": 10**9,
    "g": 10**9,
    "bn": 10**9,
    "billion": 10**9,
    "billions": 10**9,
    "t": 10**12,
    "trillion": 10**12,
}
_SCALE = re.compile(r"(?P<m>.*?\d\.?)\s*(?P<w>[A-Za-z]+)\s*")
_SCIENTIFIC = re.compile(r"\d\s*[eE]\s*[-+−]?\d|[·×*]\s*10\s*(?:\^|\*\*|[⁰¹²³⁴⁵⁶⁷⁸⁹⁻])")


def approximate(claimed: Any) -> tuple[Any, str] | None:
    """A number written approximately — ``~1.4M``, ``≈ 0.9M``, ``4.6k``, ``1.4e6``, ``1.37
    million`` — as ``(value, how)``; ``None`` for a plainly written number (``4,640``, ``4640.0``).

    >>> approximate("~1.4M"), approximate("4.6k"), approximate("4,640")
    ((Fraction(1400000, 1), '~, M'), (Fraction(4600, 1), 'k'), None)
    """
    if isinstance(claimed, Claimed):
        claimed = claimed.text
    if not isinstance(claimed, str) or len(claimed) > 200:
        return None
    text, how = claimed.strip(), []
    mark = _APPROX_MARK.match(text)
    if mark and mark.end():
        text, how = text[mark.end() :], [mark.group(0).strip()]
    scaled = _SCALE.fullmatch(text)
    factor = 1
    if scaled and scaled.group("w").lower() in _SCALE_WORDS:
        word = scaled.group("w")
        text, factor = scaled.group("m"), _SCALE_WORDS[word.lower()]
        how.append(word)
    elif _SCIENTIFIC.search(text):
        how.append("scientific notation")
    if not how:
        return None
    try:
        value = parse_number(text, "claim", allow_nonfinite=True)
    except HwcheckError:
        return None
    return value * factor, ", ".join(how)


_EASTERN = str.maketrans({**{chr(0x06F0 + i): str(i) for i in range(10)},
                          **{chr(0x0660 + i): str(i) for i in range(10)}, "٫": "."})  # fmt: skip


def significant_figures(claimed: Any) -> int | None:
    """Significant figures a claim was written with (``0.0014`` → 2, ``-1.9·10⁻⁴`` → 2)."""
    if isinstance(claimed, Claimed):
        return claimed.figures
    if isinstance(claimed, bool) or not isinstance(claimed, (str, float)):
        return None
    text = canonical_text(claimed).replace("−", "-")
    try:  # ۰٫۲۵ counts as 0.25 does: figures of the ASCII normal form
        text = normal_form(text, "claim")
    except HwcheckError:  # an approximate form (۴٫۶k): its digits read as their ASCII twins
        text = text.translate(_EASTERN)
    mantissa = re.split(r"[eE·×*]|\\cdot|\\times", text)[0]
    if "/" in mantissa:
        return None
    digits = re.sub(r"[^0-9.]", "", mantissa)
    if "." in digits:
        digits = digits.replace(".", "").lstrip("0")
    else:
        digits = digits.lstrip("0").rstrip("0")
    return len(digits) or None


def _float(x: Any) -> float:
    """A number as a float; beyond the float range (a claim of 1e400) it is ±inf."""
    try:
        return float(x)
    except OverflowError:
        return math.inf if x > 0 else -math.inf


# --------------------------------------------------------------- readings by expected type


def as_sequence(claimed: Claimed, expected: list) -> list:
    """A claim read as a list for a list-valued key: nested lists of entry ``Claimed``s.

    The claim's own list reading when it has one; a number for a one-entry list; otherwise its
    text read as a list (``1,605,632`` is three entries where a list of three is expected)."""
    if claimed.items is not None:
        return claimed.tree()
    if claimed.fields is not None or not isinstance(claimed.value, (str, int, Fraction, float)):
        return [claimed]
    text = claimed.text
    if _symbolic(expected) and not claimed.is_number:
        rows = text.split(";")
        tokens = [[_read_entry(t) for t in re.split(r"[\s,]+", r.strip()) if t] for r in rows]
        return tokens if len(_shape(expected)) > 1 and len(rows) > 1 else tokens[0]
    if claimed.is_number and _shape(expected) == (1,):
        return [claimed]  # "1,605,632" for a one-axis shape is one number
    entries = _list_reading(text, 0)
    if entries is not None:
        return [e.tree() for e in entries]
    from hwcheck.core.arrays import parse_array

    try:  # the grammar's reason, or a list form only the array grammar reads
        native = parse_array(text.strip("()"), "claim")
    except HwcheckError as exc:
        raise HwcheckError(
            "claim", f"cannot read a list from '{text[:60]}': {exc.message}"
        ) from None
    return read_claim(native).tree()


def _symbolic(expected: Any) -> bool:
    if isinstance(expected, list):
        return any(_symbolic(x) for x in expected)
    return isinstance(expected, str)


def _shape(value: Any) -> tuple[int, ...]:
    shape = []
    while isinstance(value, list):
        shape.append(len(value))
        if not value:
            break
        value = value[0]
    return tuple(shape)


def claimed_number(claimed: Any):
    """A claim (raw or read) as a number, ``None`` when it is not one (the families'
    follows-from-earlier readings)."""
    read = read_claim(claimed)
    return read.value if read.is_number else None


def claimed_list(claimed: Any, expected: list) -> list:
    """A claim (raw or read) as nested lists of plain values, read for a list-valued key."""
    return _values(as_sequence(read_claim(claimed), expected))


def _values(tree: Any) -> Any:
    if isinstance(tree, list):
        return [_values(x) for x in tree]
    return tree.value if isinstance(tree, Claimed) else tree
