"""Requests of ``derive`` and ``equiv`` (light: no sympy or numpy here)."""

from __future__ import annotations

from dataclasses import dataclass

from hwcheck.core.options import choice, flag, integer, multi, names, number, text


def parse_point(raw, where: str) -> dict:
    """``--at w=0.1,x=2`` → ``{"w": Fraction(1, 10), "x": 2}`` (``λ`` read as ``lam``)."""
    from hwcheck.core.arrays import parse_assignments
    from hwcheck.families.symbolic.parser import ALIASES  # (not at start-up: the parser)

    return {ALIASES.get(k, k): v for k, v in parse_assignments(raw, where).items()}


def parse_domain(raw, where: str):
    """``reals``, ``boolean`` or ``integers:K`` → a :class:`~.enumerate.Domain`."""
    from hwcheck.families.symbolic.enumerate import parse_domain as read

    return read(raw, where)


PRESET_NAMES = ("sigmoid-mse", "sigmoid-mse-l2", "sigmoid-bce", "tanh-mse", "softmax2")
ASSUMPTIONS = ("real", "positive")


@dataclass(frozen=True)
class DeriveRequest:
    expr: object = text(
        None,
        'the expression, e.g. "0.5*(sigmoid(w*x+b) - t)**2" (or use --preset)',
        positional=True,
        also_option=True,
    )
    wrt: tuple | None = names(
        "variables to differentiate by, e.g. w,b (default: every variable, or the preset's)"
    )
    preset: str | None = choice(
        None,
        PRESET_NAMES,
        "a course loss: sigmoid-mse, sigmoid-mse-l2 (exercise H), "
        "sigmoid-bce, tanh-mse, softmax2 (exercise L)",
    )
    define: tuple = multi("an abbreviation name=expression, e.g. z=w*x+b (repeatable)")
    at: dict | None = text(
        None, "values for a point, e.g. w=0.1,b=0,x=2,t=0,lam=0.01", parse=parse_point
    )
    explain: bool = flag("show the chain rule factor by factor")
    expect: tuple = multi(
        "a random symbol with mean 0 and its variance, e.g. e1=alpha*w1**2, or a dropout mask "
        "m=bernoulli(q) (repeatable; uncorrelated): E[L] is taken before differentiating"
    )
    covariance: tuple = multi(
        "a cross moment of two --expect symbols, E[e1·e2] = c, written e1*e2=c (repeatable; "
        "undeclared pairs are uncorrelated)"
    )
    hessian: bool = flag("also the Hessian ∂²L/∂u∂v over --wrt (symbolic; with --at, its values)")
    assume: str = choice("real", ASSUMPTIONS, "symbols are real (default) or positive")


@dataclass(frozen=True)
class EquivRequest:
    a: object = text(None, "the first expression", positional=True, required=True)
    b: object = text(None, "the second expression", positional=True, required=True)
    define: tuple = multi(
        "an abbreviation name=expression used in either side, e.g. z=w*x+b (repeatable)"
    )
    assume: str = choice("real", ASSUMPTIONS, "symbols are real (default) or positive (log rules)")
    domain: object = text(
        None,
        "reals (default: the symbolic ladder), boolean ({0,1}ⁿ) or integers:K ({-K..K}ⁿ): "
        "a finite domain is decided by trying every row",
        parse=parse_domain,
    )
    seed: int = integer(0, "seed of the random probe points", minimum=0, maximum=2**32 - 1)
    probes: int = integer(12, "number of probe points", minimum=1, maximum=200)
    timeout: float = number(
        5.0,
        "seconds allowed for each symbolic step (an answers file may lower it, not raise it)",
        file_maximum=5.0,
    )
