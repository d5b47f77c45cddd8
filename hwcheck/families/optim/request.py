"""Requests of the optimizer commands (light: no numpy, no sympy).

The five optimizers share the trace options (:class:`TraceOptions`) and the problem options
(:class:`ProblemOptions`); each adds its own hyperparameters, named as in ``torch.optim`` (``--weight-decay`` ↔ ``weight_decay``).
Defaults are torch's, except ``--lr`` = 0.1 everywhere (CONVENTIONS §8).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import partial
from typing import Any

from hwcheck.core.arrays import parse_assignments
from hwcheck.core.numbers import parse_float, parse_int
from hwcheck.core.options import (
    assignments,
    choice,
    flag,
    integer,
    matrix,
    multi,
    number,
    text,
    vector,
)

MAX_STEPS = 100_000
MAX_PARAMS = 1_000  # parameters of a problem: H is at most MAX_PARAMS × MAX_PARAMS
PROBLEMS = ("neuron", "quadratic", "lstsq", "expr")


def parse_batch(raw: Any, where: str) -> int | str:
    """``--batch``: a number of samples N ≥ 1 (at most the samples: checked by the problem) or
    ``all``."""
    if isinstance(raw, str) and raw.strip().lower() == "all":
        return "all"
    return parse_int(raw, where, minimum=1)


def parse_scale(raw: Any, where: str) -> float | str:
    """``--scale``: a positive factor s of s·‖Xw − y‖², or ``mean`` (1/(2n))."""
    if isinstance(raw, str) and raw.strip().lower() == "mean":
        return "mean"
    return parse_float(raw, where, positive=True)


@dataclass(frozen=True)
class ProblemOptions:
    """What is minimised, from where, and for how many steps."""

    problem: str = choice(
        "neuron", PROBLEMS, "objective: neuron (default), quadratic, lstsq or expr"
    )
    init: dict | None = assignments(None, "initial parameters, e.g. w=0.1,b=0 (neuron, expr)")
    data: dict | tuple = multi(
        "per-sample data column, e.g. --data x=2,1,2,1 --data t=0,1,0,1 (neuron, expr)",
        parse=partial(parse_assignments, vectors=True),
    )
    lam: float = number(0.0, "neuron: (lam/2)·w² regularizes w only (exercise H)")
    l2: float = number(0.0, "adds (λ/2)·‖θ‖² over every parameter, any problem")
    batch: int | str | None = text(
        None, "samples per step, N (next N cyclically, averaged) or all", parse=parse_batch
    )
    H: list[list] | None = matrix(
        None,
        "quadratic: the symmetric matrix H of ½wᵀHw − cᵀw",
        max_entries=MAX_PARAMS * MAX_PARAMS,
    )
    c: list | None = vector(None, "quadratic: the vector c (default 0)")
    w0: list | None = vector(None, "quadratic, lstsq: the starting point (default: ones / zeros)")
    X: list[list] | None = matrix(None, "lstsq: the data matrix X (one sample per row)")
    y: list | None = vector(None, "lstsq: the targets y")
    scale: float | str | None = text(
        None,
        "lstsq: loss factor s in s·‖Xw − y‖²: a number (default 1/2), or mean for 1/(2n)",
        parse=parse_scale,
    )
    objective: Any = text(None, 'expr: the objective, e.g. "x**2 - y**2"')


@dataclass(frozen=True)
class TraceOptions:
    """Options every optimizer has (listed first in --help)."""

    lr: float = number(0.1, "learning rate")
    steps: int = integer(4, "number of steps", minimum=1, maximum=MAX_STEPS)
    explain: bool = flag("write steps 1 and 2 out with the numbers substituted")


@dataclass(frozen=True)
class SgdOptions:
    momentum: float = number(0.0, "momentum factor")
    dampening: float = number(0.0, "dampening of the momentum")
    nesterov: bool = flag("Nesterov momentum")
    weight_decay: float = number(0.0, "L2 penalty added to the gradient (coupled)")


@dataclass(frozen=True)
class AdamOptions:
    beta1: float = number(0.9, "decay of the first moment m")
    beta2: float = number(0.999, "decay of the second moment v")
    eps: float = number(1e-8, "added to √v̂ in the denominator")
    weight_decay: float = number(0.0, "L2 penalty added to the gradient (coupled)")
    amsgrad: bool = flag("AMSGrad: divide by the running maximum of v")


@dataclass(frozen=True)
class AdamwOptions(AdamOptions):
    weight_decay: float = number(
        0.01, "decoupled weight decay: θ ← θ·(1 − lr·λ) before the Adam step"
    )


@dataclass(frozen=True)
class RmspropOptions:
    alpha: float = number(0.99, "smoothing constant of the square average")
    eps: float = number(1e-8, "added to the root of the square average")
    momentum: float = number(0.0, "momentum factor")
    centered: bool = flag("centered RMSprop: subtract the squared gradient average")
    weight_decay: float = number(0.0, "L2 penalty added to the gradient (coupled)")


@dataclass(frozen=True)
class AdagradOptions:
    lr_decay: float = number(0.0, "learning-rate decay: lr/(1 + (t−1)·lr_decay)")
    initial_accumulator: float = number(0.0, "initial value of the accumulated sum of squares")
    eps: float = number(1e-10, "added to the root of the sum")
    weight_decay: float = number(0.0, "L2 penalty added to the gradient (coupled)")


@dataclass(frozen=True)
class NadamOptions:
    beta1: float = number(0.9, "decay of the first moment m (β₁ of the μₜ schedule)")
    beta2: float = number(0.999, "decay of the second moment v")
    eps: float = number(1e-8, "added to √v̂ in the denominator")
    weight_decay: float = number(0.0, "weight decay λ (coupled as L2 unless decoupled)")
    momentum_decay: float = number(0.004, "ψ of the schedule μₜ = β₁·(1 − ½·0.96^(t·ψ))")
    decoupled_weight_decay: bool = flag("decoupled weight decay: θ ← θ·(1 − lr·λ) first")


@dataclass(frozen=True)
class RadamOptions:
    beta1: float = number(0.9, "decay of the first moment m")
    beta2: float = number(0.999, "decay of the second moment v (sets ρ∞ = 2/(1 − β₂) − 1)")
    eps: float = number(1e-8, "added to √v in the denominator")
    weight_decay: float = number(0.0, "weight decay λ (coupled as L2 unless decoupled)")
    decoupled_weight_decay: bool = flag("decoupled weight decay: θ ← θ·(1 − lr·λ) first")


# Field order (reversed MRO): lr, steps, explain; the optimizer's options; the problem's.


@dataclass(frozen=True)
class SgdRequest(ProblemOptions, SgdOptions, TraceOptions):
    pass


@dataclass(frozen=True)
class AdamRequest(ProblemOptions, AdamOptions, TraceOptions):
    pass


@dataclass(frozen=True)
class AdamwRequest(ProblemOptions, AdamwOptions, TraceOptions):
    pass


@dataclass(frozen=True)
class RmspropRequest(ProblemOptions, RmspropOptions, TraceOptions):
    pass


@dataclass(frozen=True)
class AdagradRequest(ProblemOptions, AdagradOptions, TraceOptions):
    pass


@dataclass(frozen=True)
class NadamRequest(ProblemOptions, NadamOptions, TraceOptions):
    pass


@dataclass(frozen=True)
class RadamRequest(ProblemOptions, RadamOptions, TraceOptions):
    pass


@dataclass(frozen=True)
class GdQuadraticRequest:
    H: list[list] = matrix(
        None,
        "the symmetric matrix H of f(w) = ½wᵀHw",
        max_entries=MAX_PARAMS * MAX_PARAMS,
        required=True,
    )
    lr: float | None = number(None, "learning rate ε (default: the optimal 2/(λ_min + λ_max))")
    w0: list | None = vector(None, "starting point w(0) (default: all ones)")
    steps: int | None = integer(None, "iterate this many steps", minimum=1, maximum=MAX_STEPS)
    newton: bool = flag("Newton's method w ← w − ε·H⁻¹∇f instead of gradient descent")


def hyperparameters(request_type) -> tuple[str, ...]:
    """``lr`` and the optimizer's own options, in declaration order: the trace's ``hyper`` keys.

    >>> hyperparameters(SgdRequest)
    ('lr', 'momentum', 'dampening', 'nesterov', 'weight_decay')
    """
    shared = {f.name for f in fields(ProblemOptions) + fields(TraceOptions)} - {"lr"}
    return tuple(f.name for f in fields(request_type) if f.name not in shared)
