"""``hwcheck key DRAFT.toml``: the draft with every claim's value replaced by the computed one.

A draft is a key whose claims may be wrong, approximate or placeholders (``"?"``, or ``""``):
the instructor names the claims, hwcheck writes the numbers. The text is rewritten in place,
claim by claim, so comments, order and everything else stay as written; the output is checked
to read back as TOML with exactly the computed values.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from dataclasses import dataclass
from typing import Any, ClassVar

from hwcheck.core.errors import HwcheckError
from hwcheck.core.result import Result, Text, view_only

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r'^(\s*)("(?:[^"\\]|\\.)*"|\'[^\']*\'|[A-Za-z0-9_-]+)\s*=\s*(.*)$')
MAX_VALUE_LINES = 10_000


@dataclass(frozen=True)
class KeyResult(Result):
    command: ClassVar[str] = "key"
    toml: str
    exercises: list[dict[str, Any]]
    plain_text: str = view_only("")

    def view(self, digits: int = 6) -> list:
        return [Text(tuple(self.toml.splitlines()), preformatted=True)]


def fill_key(request) -> KeyResult:
    from hwcheck.answers.files import read_text
    from hwcheck.answers.grade.key import load_key

    name = str(request.draft)
    text, _ = read_text(name)
    key = load_key(name, require_values=False, text=text)
    values = {
        i: {c.key: toml_value(_claim_value(c.expected)) for c in ex.claims}
        for i, ex in enumerate(key.exercises)
    }
    filled = rewrite(text.removeprefix("\ufeff"), values, name)
    _check(filled, key, name)
    summary = [{"id": ex.exercise.id, "claims": len(ex.claims)} for ex in key.exercises]
    return KeyResult(filled, summary, filled)


def _claim_value(expected: Any) -> Any:
    """What the key writes: a derivative's expression rather than its whole object."""
    if isinstance(expected, dict) and "expr" in expected:
        return expected["expr"]
    return expected


# ---------------------------------------------------------------------------- rewriting


def rewrite(text: str, values: dict[int, dict[str, str]], name: str) -> str:
    """Replace the value of every ``KEY = VALUE`` line of each ``[exercise.claims]`` table."""
    lines = text.splitlines()
    out: list[str] = []
    exercise, in_claims, done = -1, False, set()
    i = 0
    while i < len(lines):
        line = lines[i]
        header = _HEADER.match(line)
        if header and not line.lstrip().startswith(("#",)) and "=" not in line.split("]")[0]:
            table = header.group(1)
            if line.lstrip().startswith("[[") and table == "exercise":
                exercise += 1
            in_claims = table == "exercise.claims"
            out.append(line)
            i += 1
            continue
        match = _KEY.match(line) if in_claims else None
        if match and exercise in values:
            indent, raw_key, rest = match.groups()
            key = _key_text(raw_key)
            end, comment = _value_end(lines, i, rest)
            if key in values[exercise]:
                out.append(f"{indent}{raw_key} = {values[exercise][key]}{comment}")
                done.add((exercise, key))
                i = end + 1
                continue
        out.append(line)
        i += 1
    wanted = {(e, k) for e, claims in values.items() for k in claims}
    if wanted - done:
        e, k = min(wanted - done)
        raise HwcheckError(
            f"{name}: exercise #{e + 1}: claim {k}",
            "cannot be rewritten in place: write each claim as a KEY = VALUE line "
            "under [exercise.claims]",
        )
    return "\n".join(out) + "\n"


def _key_text(raw: str) -> str:
    if raw.startswith('"'):
        return json.loads(raw)
    if raw.startswith("'"):
        return raw[1:-1]
    return raw


def _value_end(lines: list[str], start: int, rest: str) -> tuple[int, str]:
    """The last line of the value that starts with ``rest`` on line ``start``, and the comment
    after it when the value fits on one line."""
    text = rest
    for end in range(start, min(len(lines), start + MAX_VALUE_LINES)):
        if end > start:
            text += "\n" + lines[end]
        try:
            tomllib.loads("x = " + text)
        except (tomllib.TOMLDecodeError, ValueError):
            continue
        return end, (_comment(text) if end == start else "")
    raise HwcheckError(f"line {start + 1}", "a claim's value does not end")


def _comment(text: str) -> str:
    for i, ch in enumerate(text):
        if ch == "#":
            try:
                tomllib.loads("x = " + text[:i])
            except (tomllib.TOMLDecodeError, ValueError):
                continue
            return "  " + text[i:].rstrip()
    return ""


# ------------------------------------------------------------------------------ values


def toml_value(value: Any, indent: str = "") -> str:
    """A JSON value as a TOML literal (matrices one row per line)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return float.__repr__(value)  # the computed value, not a WrittenFloat's text
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return '"null"'
    if isinstance(value, list):
        line = "[" + ", ".join(toml_value(v) for v in value) + "]"
        if len(line) > 80 and value and all(isinstance(v, list) for v in value):
            rows = ",\n".join(f"{indent}  {toml_value(v)}" for v in value)
            return f"[\n{rows},\n{indent}]"
        return line
    if isinstance(value, dict):
        items = ", ".join(f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in value.items())
        return "{ " + items + " }" if items else "{}"
    return json.dumps(str(value), ensure_ascii=False)


def _check(filled: str, key, name: str) -> None:
    """The output reads back as TOML (as the key is read) and every claim holds exactly the
    computed value."""
    from hwcheck.answers.toml import load_toml

    try:
        document = load_toml(filled, name)
    except HwcheckError as exc:  # pragma: no cover - a bug
        raise HwcheckError(
            name, f"the filled key is not valid TOML ({exc.message}); please report it"
        )
    for entry, ex in zip(document.get("exercise", []), key.exercises):
        for c in ex.claims:
            written = entry.get("claims", {}).get(c.key)
            if toml_value(written) != toml_value(_claim_value(c.expected)):
                raise HwcheckError(  # pragma: no cover - a bug
                    f"{name}: exercise {ex.exercise.id}: claim {c.key}",
                    "the filled value does not read back; please report it",
                )
