"""Regular expressions compiled on first use, so that importing a module compiles nothing.

Compiling a pattern costs 0.1–0.5 ms, and the number grammar alone has a dozen: paid at import,
every command paid for patterns most runs never use (``hwcheck params`` on a model file reads no
thousands separator). A :class:`Pattern` is written where the compiled pattern was and is used
the same way; its first method call compiles it, and from then on each method is the compiled
pattern's own bound method (an ordinary attribute: no indirection on the hot path).

>>> DIGITS = Pattern(r"[0-9]+")
>>> DIGITS.fullmatch("4640") is not None, DIGITS.fullmatch("4k") is None
(True, True)
>>> DIGITS.pattern
'[0-9]+'
"""

from __future__ import annotations

import re


class Pattern:
    """``re.compile(source, flags)``, compiled when first used."""

    def __init__(self, source: str, flags: int = 0):
        self._source = source
        self._flags = flags

    def __getattr__(self, name: str):
        """Called only for what the instance does not have yet: the compiled pattern's methods
        (``match``, ``fullmatch``, ``search``, ``sub``, …), each kept once looked up."""
        if name.startswith("_"):
            raise AttributeError(name)
        value = getattr(re.compile(self._source, self._flags), name)
        setattr(self, name, value)
        return value

    def __repr__(self) -> str:
        return f"Pattern({self._source!r})"
