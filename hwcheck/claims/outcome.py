"""What a comparison decides (:class:`Outcome`), under which tolerance (:class:`Tolerance`)."""

from __future__ import annotations

from dataclasses import dataclass

VERDICTS = ("correct", "imprecise", "inconclusive", "wrong", "error")
_SEVERITY = {v: i for i, v in enumerate(VERDICTS)}


@dataclass(frozen=True)
class Tolerance:
    rtol: float = 1e-3
    atol: float = 1e-9

    def describe(self) -> str:
        text = f"rtol {self.rtol:g}"
        return text if self.atol == 1e-9 else f"{text}, atol {self.atol:g}"


@dataclass(frozen=True)
class Outcome:
    """What a comparator decides: verdict, rule, optional hint."""

    verdict: str
    rule: str
    hint: str | None = None


def worst(outcomes: list[Outcome]) -> Outcome:
    return max(outcomes, key=lambda o: _SEVERITY[o.verdict])
