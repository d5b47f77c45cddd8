"""Options of ``hwcheck check`` (light: no numpy or sympy)."""

from __future__ import annotations

from dataclasses import dataclass

from hwcheck.core.options import flag, integer, multi, names, number, text


@dataclass(frozen=True)
class CheckRequest:
    files: tuple = multi(
        "Answers files (TOML); - for standard input.", positional=True, required=True
    )
    only: tuple[str, ...] | None = names("Check only these exercise ids (comma-separated).")
    show: bool = flag(
        "Print the worked solution of every exercise with a claim that is not correct."
    )
    show_all: bool = flag(
        "Print every exercise with its worked solution and verdicts: the solution sheet "
        "(--format latex --standalone gives a document to compile)."
    )
    gradescope: str | None = text(None, "Also write a Gradescope results.json to this path.")
    jobs: int = integer(
        1, "Check files in this many parallel processes (same output order).", minimum=1, maximum=64
    )
    file_budget: float = number(
        20.0,
        "Seconds of symbolic work one answers file may take; then its remaining expression "
        "claims are inconclusive (timeout).",
    )
    run_budget: float = number(
        600.0, "Seconds the whole run may take, over every file (same rule as --file-budget)."
    )
    rtol: float | None = number(
        None,
        "Relative tolerance for float claims, overriding the files' [defaults].",
        nonnegative=True,
    )
    atol: float | None = number(
        None,
        "Absolute tolerance for float claims, overriding the files' [defaults].",
        nonnegative=True,
    )
