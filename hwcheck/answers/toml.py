"""TOML of answers files, keys, drafts and submissions: every float keeps the text it was written as.

A student who writes ``"w(3)" = 0.70`` wrote two significant figures, exactly as one who writes
``"w(3)" = "0.70"``; ``3.154e8`` is the approximate integer the string ``"3.154e8"`` is. Python's
``float`` forgets both, so every TOML float is read as a :class:`WrittenFloat`: a float (it goes
everywhere a float goes) that also carries ``text``, the literal as written. Integers stay ints.
Model files keep plain floats (hwcheck.core.inputs.parse_toml).
"""

from __future__ import annotations

from typing import Any

from hwcheck.core.numbers import WrittenFloat


def load_toml(text: str, where: str) -> dict[str, Any]:
    """A TOML document whose floats are :class:`WrittenFloat`; a syntax error names its line
    and column (tomllib's message), ``where`` names the file."""
    from hwcheck.core.inputs import parse_toml

    return parse_toml(text, where, parse_float=WrittenFloat)


MAX_DEPTH = 64  # nesting followed by written() and written_text(); deeper is left as it is


def written(value: Any, depth: int = 0) -> Any:
    """``value`` with every WrittenFloat replaced by a token of its text, so that ``0.70`` and
    ``0.7`` (one float, two claims) are told apart where answers are compared as data (a cache
    key, a JSON token). The token starts with NUL, which no answer text may hold."""
    if isinstance(value, WrittenFloat):
        return "\x00float:" + value.text
    if depth > MAX_DEPTH:
        return value
    if isinstance(value, dict):
        return {k: written(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [written(v, depth + 1) for v in value]
    return value


def written_text(value: Any, depth: int = 0) -> str | None:
    """The text of a raw answer as written (a claim's ``claimed_text``): a string as it is, a
    TOML float as its literal, an integer or boolean as TOML writes it, an array or table in
    TOML's inline form; ``None`` for no answer."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, WrittenFloat):
        return value.text
    if isinstance(value, (int, float)):
        return str(value)
    if depth > MAX_DEPTH:
        return "…"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_inline(v, depth) for v in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{_key(k)} = {_inline(v, depth)}" for k, v in value.items())
        return "{" + (f" {items} " if items else "") + "}"
    return str(value)


def _inline(value: Any, depth: int = 0) -> str:
    if isinstance(value, str):
        import json

        return json.dumps(value, ensure_ascii=False)
    return written_text(value, depth + 1) or '""'


def _key(key: Any) -> str:
    import re

    text = str(key)
    return text if re.fullmatch(r"[A-Za-z0-9_-]+", text) else _inline(text)
