"""Every student's variant of a template key: the draws, the concrete exercises, their results.

A key's exercises are read once; a template (:mod:`hwcheck.answers.variants.template`) is drawn
for each student (:mod:`hwcheck.answers.variants.draw`), filled, and computed with the key's
own road (``answers.run.compute``); a draw the command refuses is drawn again. Students who
draw the same values share one computed exercise.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hwcheck.answers.files import load_document
from hwcheck.answers.grade.key import KeyClaim, KeyExercise
from hwcheck.answers.variants.draw import MAX_ATTEMPTS, draw_indices
from hwcheck.answers.variants.template import Template, is_template
from hwcheck.core.errors import HwcheckError


@dataclass(frozen=True)
class Variant:
    """One student's exercise: its drawn parameters (empty for a plain exercise), the concrete
    ``[[exercise]]`` table and the computed exercise."""

    student: str
    exercise: str
    parameters: dict[str, Any]
    entry: dict[str, Any]
    computed: KeyExercise
    numbers: dict[str, Any] | None = None  # the parameters as JSON (a range's decimal a number)


class Drawer:
    """The key's exercises, drawn and computed for one student at a time."""

    def __init__(self, document: dict[str, Any], name: str, folder: Path, seed: int):
        self.document, self.name, self.folder, self.seed = document, name, folder, seed
        entries = document.get("exercise")
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise HwcheckError(name, "'exercise' must be an array of tables: [[exercise]]")
        self.entries = entries
        self.templates = [Template.of(e, name) if is_template(e) else None for e in entries]
        self.computed: dict[tuple[int, tuple[int, ...]], KeyExercise | HwcheckError] = {}

    def student(self, student: str) -> list[Variant]:
        return [self._variant(i, student) for i in range(len(self.entries))]

    def _variant(self, index: int, student: str) -> Variant:
        entry, template = self.entries[index], self.templates[index]
        if template is None or not template.parameters:
            filled = template.fill(entry, ()) if template else entry
            return Variant(student, _id(entry), {}, filled, self._compute(index, (), filled))
        counts = tuple(p.count for p in template.parameters)
        last: HwcheckError | None = None
        for attempt in range(MAX_ATTEMPTS):
            indices = draw_indices(self.seed, template.id, student, counts, attempt)
            filled = template.fill(entry, indices)
            computed = self._compute(index, indices, filled, retry=True)
            if isinstance(computed, KeyExercise):
                shown, numbers = template.parameters_of(indices), template.numbers_of(indices)
                return Variant(student, template.id, shown, filled, computed, numbers)
            last = computed
        raise HwcheckError(
            f"{self.name}: exercise {template.id}",
            f"no draw computes in {MAX_ATTEMPTS} attempts (student {student}); the last: "
            f"{last.message if last else '?'}",
            hint="narrow [exercise.vary] to values the command accepts",
        )

    def _compute(self, index: int, indices: tuple[int, ...], entry: dict, retry: bool = False):
        memo = (index, indices)
        if memo not in self.computed:
            self.computed[memo] = self._compute_entry(entry, retry)
        found = self.computed[memo]
        if isinstance(found, HwcheckError) and not retry:
            raise found
        return found

    def _compute_entry(self, entry: dict[str, Any], retry: bool) -> KeyExercise | HwcheckError:
        from hwcheck.answers.grade.key import compute

        document = {k: v for k, v in self.document.items() if k != "exercise"}
        answers = load_document({**document, "exercise": [entry]}, self.name, self.folder)
        exercise = answers.exercises[0]
        where = f"{self.name}: exercise {exercise.id}"
        if exercise.problem:
            raise HwcheckError(where, exercise.problem)  # the key's, not the draw's
        if "." in exercise.id:
            raise HwcheckError(where, "an exercise id in a key contains no '.'")
        try:
            result = compute(answers, exercise, where)
        except HwcheckError as exc:
            if retry:
                return exc
            raise
        data = result.to_json()
        claims = tuple(
            KeyClaim(exercise.id, key, exercise.claim_points[key], expected(data, key, where))
            for key in exercise.claims
        )
        return KeyExercise(exercise, result, data, claims, dict(exercise.partial))


def _id(entry: dict[str, Any]) -> str:
    return str(entry.get("id", "?"))


def expected(data: dict[str, Any], key: str, where: str) -> Any:
    from hwcheck.claims.lookup import lookup

    try:
        return lookup(data, key)[1]
    except HwcheckError as exc:
        raise HwcheckError(f"{where}: claim {key}", exc.message) from None
