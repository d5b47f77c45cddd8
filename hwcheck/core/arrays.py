"""User text → arrays, shapes, matrices, names and assignments. Never evaluated as code.

One grammar for every number inside every list, shape and matrix: each entry is one number of
:mod:`hwcheck.core.numbers` (Eastern digits, ``٫``, fractions, ``·10^k``), while a comma, the
Arabic comma ``،`` or a space separates entries and ``;``/``؛``/a new line rows. Text forms:
``"1 2; 3 4"``, JSON-like nesting of any rank (``[[۱, ۲], [۳, ۴]]``, numpy's printed
``[[1. 2.] [3. 4.]]``), shapes ``30x30x32``/``۳۰×۳۰×۳۲``, and ``@path`` files
(:mod:`hwcheck.core.inputs`). Native forms: numbers and (nested) lists. Errors name the row.
"""

from __future__ import annotations

import re

from hwcheck.core.errors import HwcheckError
from hwcheck.core.inputs import load_array_file
from hwcheck.core.lazy import Pattern
from hwcheck.core.numbers import (
    MAX_DIGITS,
    MAX_RANK,
    _short,
    parse_entry,
    parse_int,
    parse_number,
    type_name,
)

MAX_TEXT = 2_000_000  # characters of one option's text
MAX_ENTRIES = 4_000_000  # numbers in one array


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
            import json

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
_SHAPE_TEXT = Pattern(rf"[{_ANY_DIGIT}]+(?:\s*[x×X]\s*[{_ANY_DIGIT}]+)+")


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
_NEST_TOKEN = Pattern(r"[\[\]()]|[,،]|[^\s\[\](),،]+")


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


# ---------------------------------------------------------------------------- shapes, lists


def parse_shape(
    value, where: str, *, rank: int | None = None, maximum: int = 10**18, minimum: int = 1
) -> tuple[int, ...]:
    """``"3x3"``, ``"3×3"``, ``"3,3"``, ``"[3, 3]"``, ``[3, 3]`` or ``3`` → ``(3, 3)``
    (``minimum=0`` for indices, as :func:`parse_indices`)."""
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
    shape = tuple(
        parse_int(v, where, minimum=minimum, maximum=maximum, thousands=False) for v in items
    )
    if rank is not None and len(shape) != rank:
        raise HwcheckError(where, f"expected {rank} sizes, got {len(shape)}")
    return shape


def parse_indices(value, where: str) -> tuple[int, ...]:
    """One 0-based index per axis, written as a shape is: ``"2,2"``, ``(2, 2)``, ``2x2`` →
    ``(2, 2)``; the command checks them against its sizes."""
    return parse_shape(value, where, minimum=0, maximum=10**9)


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
