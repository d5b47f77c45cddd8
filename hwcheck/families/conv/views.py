"""Shared pieces of the convolution views: labels, LaTeX names, truncated matrices."""

from __future__ import annotations

import re
from dataclasses import replace

from hwcheck.core.numfmt import fmt, fmt_shape, subscript
from hwcheck.core.result import Matrix

MAX_VIEW = 40  # rows and columns shown of one matrix (JSON always has everything)


def label(
    name: str, indices: tuple[int, ...], base: int = 0, channels: tuple[int, ...] = ()
) -> str:
    """``y₀₁``, ``x₁₂``, with channels first ``x₀,₁₂``; indices joined with ``,`` when any exceeds 9."""

    def part(ix):
        shifted = [k + base for k in ix]
        return subscript(("," if any(k > 9 for k in shifted) else "").join(map(str, shifted)))

    return name + (part(channels) + "," if channels else "") + part(indices)


def grid_labels(name: str, shape: tuple[int, ...], base: int) -> list[str]:
    """Labels of every position of an H×W grid (``x₁₂``) or C×H×W grid (``x₀,₁₂``), row-major."""
    from itertools import product

    if len(shape) == 3:
        return [
            label(name, idx, base, (c,))
            for c in range(shape[0])
            for idx in product(range(shape[1]), range(shape[2]))
        ]
    return [label(name, idx, base) for idx in product(*(range(n) for n in shape))]


def latex_entry(value, digits: int) -> str:
    """``W01`` → ``W_{01}``, ``W1_10`` → ``W_{1,10}``; numbers as printed."""
    if isinstance(value, str):
        m = re.fullmatch(r"([^\d_]+)([\d_]+)", value)
        if m:
            return f"{m.group(1)}_{{{m.group(2).replace('_', ',')}}}"
        return value
    return fmt(value, digits, sep=False)


def matrix_section(
    entries, title: str, digits: int, row_labels=(), col_labels=(), notes=(), more: str = ""
) -> Matrix:
    """A Matrix section, truncated to MAX_VIEW×MAX_VIEW with a note saying where the rest is
    (``more``: another option that shows it, e.g. ``--sparse``)."""
    n_rows, n_cols = len(entries), len(entries[0]) if entries else 0
    shown = [row[:MAX_VIEW] for row in entries[:MAX_VIEW]]
    notes = tuple(notes)
    if n_rows > MAX_VIEW or n_cols > MAX_VIEW:
        notes += (
            (
                f"showing {min(n_rows, MAX_VIEW)}×{min(n_cols, MAX_VIEW)} of "
                f"{fmt_shape([n_rows, n_cols])}; --json has every entry{more}"
            ),
        )
    return Matrix(
        entries=tuple(tuple(fmt(v, digits, sep=False) for v in row) for row in shown),
        row_labels=tuple(row_labels[:MAX_VIEW]),
        col_labels=tuple(col_labels[:MAX_VIEW]),
        title=title,
        notes=notes,
        latex=tuple(tuple(latex_entry(v, digits) for v in row) for row in shown),
    )


def grids(array, title: str, digits: int, channel_name: str = "c", base: int = 0) -> list[Matrix]:
    """A 2-D array as one matrix, a 3-D or 4-D array as one matrix per leading index."""
    if not isinstance(array, list) or not array or not isinstance(array[0], list):
        return [
            matrix_section([[array]] if not isinstance(array, list) else [array], title, digits)
        ]
    if not isinstance(array[0][0], list):
        return [matrix_section(array, title, digits)]
    out = []
    for k, sub in enumerate(array[:8]):
        out.extend(grids(sub, f"{title}[{channel_name}={k + base}]", digits, "c", base))
    if len(array) > 8:
        out[-1] = replace(
            out[-1], notes=out[-1].notes + (f"showing 8 of {len(array)} channels; --json has all",)
        )
    return out
