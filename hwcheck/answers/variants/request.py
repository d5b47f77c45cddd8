"""Options of ``hwcheck variants`` (light: no numpy or sympy)."""

from __future__ import annotations

from dataclasses import dataclass

from hwcheck.answers.variants.draw import MAX_SEED
from hwcheck.core.options import flag, integer, text


@dataclass(frozen=True)
class VariantsRequest:
    key: str = text(
        None,
        "The template key: exercises with [exercise.vary] parameters and {name} placeholders.",
        positional=True,
        required=True,
    )
    roster: str = text(None, "The class list: a CSV file with a 'student' column.", required=True)
    seed: int = integer(
        None,
        "The term's seed: the same seed, key and roster give the same variants.",
        minimum=0,
        maximum=MAX_SEED,
        required=True,
    )
    out: str = text(
        None,
        "The folder to write (new, empty, or written by variants before: replaced whole).",
        required=True,
    )
    pdf: bool = flag("Also compile each handout and solution sheet to PDF with pdflatex.")
