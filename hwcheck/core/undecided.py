"""A value a time bound stopped before it was decided: :class:`Undecided` (re-exported by
:mod:`hwcheck.core.result`; here so that the claims engine can import it without importing the
result module, which imports the claims engine back)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, eq=False)
class Undecided:
    """A value a time bound stopped before it was decided (an equivalence, a value at a point).

    Never a value to compare against: a claim on it is ``inconclusive`` (reason ``timeout``) and
    its rule names the bound that ran out. JSON: ``"inconclusive"``.

    >>> Undecided("timeout", 0.01, "--file-budget").describe()
    'not decided: the --file-budget of 0.01 s ran out'
    >>> Undecided("timeout", 5.0).describe()
    'not decided: the time bound of 5 s ran out'
    """

    reason: str = "timeout"
    budget: float | None = None  # seconds of the bound that ran out (None: not known)
    name: str | None = None  # the option that set it (``--file-budget``); None: the step's own

    def to_json(self) -> str:
        return "inconclusive"

    def __str__(self) -> str:
        return "inconclusive"

    def __eq__(self, other: object) -> bool:
        """Equal to the same bound, and to the text ``"inconclusive"`` (what the JSON shows, and
        what a notebook compares ``result.verdict`` with)."""
        if isinstance(other, str):
            return other == "inconclusive"
        if isinstance(other, Undecided):
            return (self.reason, self.budget, self.name) == (other.reason, other.budget, other.name)
        return NotImplemented

    def __hash__(self) -> int:
        return hash("inconclusive")

    def describe(self) -> str:
        """What ran out, in words: the budget by its option name and its seconds."""
        if self.reason != "timeout":
            return f"not decided ({self.reason})"
        if self.budget is None:
            return "not decided within the time bound"
        bound = self.name or "time bound"
        return f"not decided: the {bound} of {self.budget:g} s ran out"


def is_undecided(value: Any) -> bool:
    """An :class:`Undecided`: a value never compared with a claim."""
    return isinstance(value, Undecided)
