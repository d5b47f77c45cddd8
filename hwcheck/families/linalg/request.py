"""Requests of ``lstsq`` and ``linear-collapse`` (light: no numpy, no sympy)."""

from __future__ import annotations

from dataclasses import dataclass

from hwcheck.core.options import integer, matrix, vector

MAX_SAMPLES = 64  # rows of X (entries of y); X has at most MAX_SAMPLES² entries


@dataclass(frozen=True)
class LstsqRequest:
    X: list[list] = matrix(
        None,
        "The data matrix X, one sample per row: '1 2 0; 0 1 1'.",
        max_entries=MAX_SAMPLES * MAX_SAMPLES,
        required=True,
    )
    y: list = vector(
        None, "The targets y, one per row of X: '1 2'.", max_entries=MAX_SAMPLES, required=True
    )


@dataclass(frozen=True)
class LinearCollapseRequest:
    layers: int = integer(
        4, "Number m of linear layers y = (…(xW₁ + b₁)W₂ + …)Wₘ + bₘ.", minimum=1, maximum=12
    )
