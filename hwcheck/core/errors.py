"""One error family for everything a user can get wrong.

A :class:`HwcheckError` carries *where* the problem is (``model.toml: layers[3] (conv2d)``,
``--x``, ``expression``) and *what* it is, plus an optional hint line. Context is added
once, at the boundary that knows it (``err.within("model.toml")``), so inner code only names
what it knows. The CLI turns it into ``error: <where>: <what>`` and exit code 2.
"""

from __future__ import annotations

from collections.abc import Iterable


class HwcheckError(Exception):
    """Bad input or usage: exit code 2."""

    code = 2

    def __init__(self, where: str, message: str, hint: str | None = None):
        super().__init__(f"{where}: {message}" if where else message)
        self.where = where
        self.message = message
        self.hint = hint

    def within(self, outer: str) -> HwcheckError:
        """Prefix the location with an outer context (``file.toml`` + ``layers[2]``)."""
        if outer:
            self.where = f"{outer}: {self.where}" if self.where else outer
            self.args = (f"{self.where}: {self.message}",)
        return self

    def to_json(self) -> dict:
        out = {"code": self.code, "where": self.where, "message": self.message}
        if self.hint:
            out["hint"] = self.hint
        return out


def suggest(word: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """Nearest valid spellings of ``word`` (for 'did you mean' hints)."""
    import difflib  # only when there is a mistake to name

    choices = list(choices)
    close = difflib.get_close_matches(word, choices, n=n, cutoff=0.6)
    if not close:
        lower = word.lower()
        close = [c for c in choices if lower and (lower in c.lower() or c.lower() in lower)][:n]
    return close


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` — did you mean 'x'?`` or the empty string."""
    close = suggest(word, choices)
    if not close:
        return ""
    return " — did you mean " + " or ".join(f"'{c}'" for c in close) + "?"


def pointer(text: str, index: int, width: int = 60) -> str:
    """A hint of two lines: the text around 0-based ``index``, and a caret under that place.

    >>> print(pointer("w*x + foo(b)", 6))
    w*x + foo(b)
          ^
    """
    line = text.replace("\n", " ").replace("\t", " ")
    start = 0 if len(line) <= width else max(0, min(index - width // 2, len(line) - width))
    end = start + width
    shown = ("…" if start else "") + line[start:end] + ("…" if end < len(line) else "")
    return f"{shown}\n{' ' * (index - start + (1 if start else 0))}^"
