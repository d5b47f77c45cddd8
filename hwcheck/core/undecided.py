"""A value a computation could not decide (a time bound ran out): a typed marker, so that it is
never mistaken for a value. Re-exported by :mod:`hwcheck.core.result`; this module imports
nothing, so the claims layer can name it without an import cycle."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Undecided:
    """Never a value to compare a claim against — a claim on it is ``inconclusive``.
    JSON: ``"inconclusive"``."""

    reason: str = "timeout"
    budget: float | None = None

    def to_json(self) -> str:
        return "inconclusive"


def is_undecided(value: Any) -> bool:
    """An :class:`Undecided` (or a marker of that name with the same fields, from a branch that
    declares its own)."""
    return isinstance(value, Undecided) or (
        type(value).__name__ == "Undecided"
        and hasattr(value, "reason")
        and hasattr(value, "budget")
    )
