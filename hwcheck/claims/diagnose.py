"""Named mistakes: why a wrong answer is wrong (issue 14, CONVENTIONS §5).

A :class:`Mistake` recomputes a quantity the way the mistake would (the bias forgotten, `same`
read as `valid`, σ² where σ belongs, 1/λ_max for 2/λ_max, …). Each family keeps its entries next
to the quantity they perturb (``hwcheck/families/arch/mistakes.py``, ``conv``, ``symbolic``, ``optim``),
imported only when a wrong claim of that family is diagnosed, so ``hwcheck params`` never loads
sympy. Ids are stable snake_case (the README lists them; ``grade``'s ``[exercise.partial]`` names
them).

:func:`diagnose` runs for wrong claims only. A mistake is named only when its value differs
from the right one by more than the tolerance *and* the claim matches it within the tolerance:
never a false diagnosis.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


def families() -> dict[str, Callable[[], tuple]]:
    """command → its family's catalogue provider, as each command's spec declares it
    (``mistakes=`` in ``hwcheck/families/<family>/spec.py``; called on first use)."""
    from hwcheck.core.registry import mistake_providers

    return mistake_providers()


@dataclass(frozen=True)
class Candidate:
    """One value a mistake gives for the claimed quantity, with the work that produced it.

    ``also`` names further mistake ids made together with this one (a combination);
    ``says`` replaces the default ``matches "name"`` wording (framework conventions)."""

    value: Any
    work: str | Callable[[], str] = ""  # a callable is asked only when the claim matches
    also: tuple[str, ...] = ()
    says: str | None = None

    def shown(self) -> str:
        return self.work() if callable(self.work) else self.work


@dataclass(frozen=True)
class Case:
    """What a mistake's ``recompute`` sees: the result, its JSON, the claim's path, the expected
    value and every claim of the exercise (for mistakes that follow from earlier claims)."""

    result: Any
    data: dict
    path: tuple
    expected: Any
    claims: dict


@dataclass(frozen=True)
class Mistake:
    id: str
    name: str
    explanation: str
    applies_to: str  # the quantity, as the README lists it
    combinable: bool
    recompute: Callable[[Case], Iterable[Candidate]]
    commands: tuple[str, ...] = ()
    reads_claims: bool = False  # its values depend on the other claims (not cached per result)


@dataclass(frozen=True)
class Match:
    """A named mistake a wrong claim matches: ``{id, name, value}`` in the JSON."""

    id: str
    name: str
    value: Any
    work: str = ""
    says: str | None = None
    together: tuple[str, ...] = ()  # the ids of a combination this match is part of

    def to_json(self) -> dict[str, Any]:
        from hwcheck.core.jsonout import to_jsonable

        value = self.value["expr"] if isinstance(self.value, dict) else self.value
        return {"id": self.id, "name": self.name, "value": to_jsonable(value)}

    def describe(self) -> str:
        text = self.says or f'matches "{self.name}"'
        return f"{text}: {self.work}" if self.work else text


def describe(matches: Iterable[Match]) -> str:
    """``matches "bias forgotten": 5·5·3·256 = 19,200``; mistakes made together share one line
    (``matches "σ² where σ belongs" + "the regulariser's λw dropped": …``)."""
    groups: dict[tuple, list[Match]] = {}
    for m in matches:
        groups.setdefault((m.together, m.work) if m.together else (m.id, m.work), []).append(m)
    lines = []
    for (_, work), group in groups.items():
        if len(group) == 1:
            lines.append(group[0].describe())
            continue
        names = " + ".join(f'"{m.name}"' for m in group)
        lines.append(f"matches {names}: {work}" if work else f"matches {names}")
    return "; ".join(lines)


def _never(case: Case) -> Iterable[Candidate]:
    return ()


#: a later claim that is right given an earlier wrong one (each family recomputes it)
FOLLOWS_FROM_EARLIER = Mistake(
    "follows_from_earlier",
    "follows from the earlier mistake",
    "right given an earlier wrong answer of the same exercise: the error was carried, not made again",
    "any quantity computed from an earlier claimed one",
    True,
    _never,
    reads_claims=True,
)


#: a wrong answer that is right for another student's variant (``grade --variants`` names it)
OTHER_VARIANT = Mistake(
    "other_variant",
    "another student's variant",
    "the right answer of another student's variant of the exercise: another handout's numbers",
    "any claim graded with grade --variants",
    True,
    _never,
)


def ids() -> tuple[str, ...]:
    """Every mistake id (``grade`` validates ``[exercise.partial]`` against these)."""
    return tuple(m.id for m in catalogue())


def catalogue() -> tuple[Mistake, ...]:
    """Every mistake of every family, in README order."""
    seen: dict[str, Mistake] = {}
    for provider in dict.fromkeys(families().values()):
        for m in provider():
            seen.setdefault(m.id, m)
    seen.setdefault(FOLLOWS_FROM_EARLIER.id, FOLLOWS_FROM_EARLIER)
    seen.setdefault(OTHER_VARIANT.id, OTHER_VARIANT)
    return tuple(seen.values())


def get(mistake_id: str) -> Mistake:
    for m in catalogue():
        if m.id == mistake_id:
            return m
    raise KeyError(mistake_id)


def for_command(command: str) -> tuple[Mistake, ...]:
    provider = families().get(command)
    if provider is None:
        return ()
    return tuple(m for m in provider() if not m.commands or command in m.commands)


def diagnose(comparer, case: Case, claimed: Any) -> tuple[Match, ...]:
    """The named mistakes whose value the (wrong) claim matches, within the comparer's tolerance.

    ``comparer`` is a :class:`hwcheck.claims.compare.Comparer`: a candidate counts only when it is *not*
    the right value (comparing it as a claim against the expected value fails) and the claim
    *is* the candidate (comparing the claim against it succeeds)."""
    found: dict[tuple[str, str], Match] = {}
    for mistake in for_command(case.data.get("command", "")):
        for cand in _candidates(mistake, case):
            if not _matches(comparer, case, cand.value, claimed):
                continue
            names = (mistake.id, *cand.also)
            work = cand.shown()
            together = names if len(names) > 1 else ()
            for mid in names:
                entry = mistake if mid == mistake.id else _entry(mid)
                key = (mid, repr(cand.value), together)
                if entry is not None and key not in found:
                    says = cand.says if mid == mistake.id else None
                    found[key] = Match(mid, entry.name, cand.value, work, says, together)
    return _without_idle_partners(tuple(found.values()))


def _without_idle_partners(matches: tuple[Match, ...]) -> tuple[Match, ...]:
    """A combination whose value one of its mistakes gives alone: the other did nothing here."""
    alone = {(m.id, repr(m.value)) for m in matches if not m.together}
    idle = {
        m.together
        for m in matches
        if m.together and any((mid, repr(m.value)) in alone for mid in m.together)
    }
    kept, seen = [], set()
    for m in matches:
        if (m.together and m.together in idle) or (m.id, repr(m.value)) in seen:
            continue
        seen.add((m.id, repr(m.value)))
        kept.append(m)
    return tuple(kept)


#: (result id, path, mistake id) → (result, candidates): a class's answers to one exercise share
#: one computed result (check's cache), so each mistake is recomputed once per key, not per student
_CACHE: dict[tuple, tuple[Any, list[Candidate]]] = {}


def _candidates(mistake: Mistake, case: Case) -> list[Candidate]:
    key = (id(case.result), case.path, mistake.id)
    cached = None if mistake.reads_claims else _CACHE.get(key)
    if cached is not None and cached[0] is case.result:
        return cached[1]
    try:
        candidates = list(mistake.recompute(case))
    except Exception:  # noqa: BLE001 - a diagnosis that cannot run names nothing
        candidates = []
    if not mistake.reads_claims:
        if len(_CACHE) >= 4096:
            _CACHE.clear()
        _CACHE[key] = (case.result, candidates)
    return candidates


def _entry(mistake_id: str) -> Mistake | None:
    try:
        return get(mistake_id)
    except KeyError:
        return None


def _matches(comparer, case: Case, value: Any, claimed: Any) -> bool:
    from hwcheck.core.errors import HwcheckError

    try:
        if comparer.compare(case.path, case.expected, _as_claim(value)).verdict == "correct":
            return False  # the mistake gives the right value here: naming it would be false
        return comparer.compare(case.path, value, claimed).verdict == "correct"
    except (HwcheckError, ArithmeticError, ValueError, TypeError, KeyError, IndexError):
        return False


def _as_claim(value: Any) -> Any:
    """A candidate value as a claim would carry it (an expression dict by its text)."""
    if isinstance(value, dict) and "expr" in value:
        return value["expr"]
    return value
