"""``momentum``: SGD with momentum under a constant gradient, and its terminal velocity.

torch.optim.SGD keeps b₁ = g and bₜ = β·bₜ₋₁ + (1 − d)·g (d the dampening) and steps
θ ← θ − η·bₜ. Under a constant gradient g the buffer is, in closed form,

    bₜ = βᵗ⁻¹·g + (1 − d)·g·(1 − βᵗ⁻¹)/(1 − β)  →  (1 − d)·g/(1 − β)   (t → ∞, β < 1),

so momentum multiplies the step by 1/(1 − β) (10 for β = 0.9) when d = 0: the terminal
velocity, and an effective learning rate η/(1 − β). With d = 0, bₜ = b∞·(1 − βᵗ) after t
steps, since bₜ − b∞ = βᵗ⁻¹·(g − b∞). Exact for rational inputs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from hwcheck.core.numfmt import fmt
from hwcheck.core.result import Result, Table, Text, view_only


@dataclass(frozen=True)
class MomentumResult(Result):
    command = "momentum"

    beta: object
    dampening: object
    lr: object
    grad: object
    factor: object
    terminal_velocity: object
    effective_lr: object
    velocities: list
    closed_form: list
    steps_to_90: int | None
    lines: tuple = view_only(())

    def view(self, digits: int = 6) -> list:
        rows = tuple(
            (str(t), fmt(b, digits), fmt(c, digits))
            for t, (b, c) in enumerate(zip(self.velocities, self.closed_form), 1)
        )
        table = Table(
            ("t", "bₜ = β·bₜ₋₁ + (1 − d)·g", "closed form"),
            rows,
            title="the buffer, step by step",
            align="rrr",
        )
        return [Text(self.lines, title="terminal velocity"), table]


def _plain(x):
    return x.numerator if isinstance(x, Fraction) and x.denominator == 1 else x


def momentum(request) -> MomentumResult:
    beta, d, lr, g = (
        Fraction(v) for v in (request.beta, request.dampening, request.lr, request.grad)
    )
    velocities, b = [], g
    for t in range(1, request.steps + 1):
        b = g if t == 1 else beta * b + (1 - d) * g
        velocities.append(b)
    closed = [
        beta ** (t - 1) * g + (1 - d) * g * (1 - beta ** (t - 1)) / (1 - beta)
        for t in range(1, request.steps + 1)
    ]
    factor = (1 - d) / (1 - beta)
    terminal = factor * g
    lines = (
        f"bₜ → (1 − d)·g/(1 − β) = (1 − {fmt(d)})·{fmt(g)}/(1 − {fmt(beta)}) = {fmt(terminal)}",
        (
            f"the step is multiplied by (1 − d)/(1 − β) = {fmt(factor)}: effective learning "
            f"rate η·{fmt(factor)} = {fmt(lr * factor)}"
        ),
        _ninety(_steps_to(beta, g, terminal)),
    )
    return MomentumResult(
        beta=_plain(beta),
        dampening=_plain(d),
        lr=_plain(lr),
        grad=_plain(g),
        factor=_plain(factor),
        terminal_velocity=_plain(terminal),
        effective_lr=_plain(lr * factor),
        velocities=[_plain(v) for v in velocities],
        closed_form=[_plain(v) for v in closed],
        steps_to_90=_steps_to(beta, g, terminal),
        lines=lines,
    )


def _steps_to(beta: Fraction, g: Fraction, terminal: Fraction) -> int | None:
    """The first t with |bₜ − b∞| ≤ |b∞|/10, from bₜ − b∞ = βᵗ⁻¹·(g − b∞) (exact up to
    t = 10,000; None when the limit is 0 and never approached relatively, or later)."""
    gap, room = abs(g - terminal), abs(terminal) / 10
    if gap <= room:
        return 1
    if beta == 0:
        return 2
    if room == 0:
        return None
    k = max(0, math.floor(math.log(float(room / gap)) / math.log(float(beta))) - 1)
    while k <= 10_000:
        if beta**k * gap <= room:
            return k + 1
        k += 1
    return None


def _ninety(t: int | None) -> str:
    if t is None:
        return "the buffer does not come within 10% of its limit in 10,001 steps"
    return f"within 10% of the limit (|bₜ − b∞| = βᵗ⁻¹·|g − b∞| ≤ |b∞|/10) from step t = {t}"
