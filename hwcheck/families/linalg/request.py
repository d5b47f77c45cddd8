"""Requests of ``lstsq`` and ``linear-collapse`` (light: no numpy, no sympy)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hwcheck.core.options import integer, text


@dataclass(frozen=True)
class LstsqRequest:
    X: Any = text(None, "The data matrix X, one sample per row: '1 2 0; 0 1 1'.", required=True)
    y: Any = text(None, "The targets y, one per row of X: '1 2'.", required=True)


@dataclass(frozen=True)
class LinearCollapseRequest:
    layers: int = integer(
        4, "Number m of linear layers y = (…(xW₁ + b₁)W₂ + …)Wₘ + bₘ.", minimum=1, maximum=12
    )
