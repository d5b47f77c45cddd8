"""Named mistakes of optimizer traces and of gradient descent on a quadratic (issue 14).

Trace mistakes re-run the optimizer the mistaken way on the same problem (no bias correction,
ε inside the square root, weight decay coupled where it is decoupled and the reverse, AdamW's
decay without the learning rate, samples in the wrong order, the gradient taken at the
parameters of the step before); the value the mistaken trace gives for the claimed key is the
mistake's value. gd-quadratic mistakes are the course's wrong bounds (exercise K).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator
from typing import Any

from hwcheck.claims.diagnose import FOLLOWS_FROM_EARLIER, Candidate, Case, Mistake
from hwcheck.core.numfmt import fmt
from hwcheck.core.registry import optimizers
from hwcheck.families.optim import optimizers as opt

#: the optimizer commands (``optimizer=True`` in their specs)
TRACES = optimizers()


# ------------------------------------------------------------------------- the wrong optimizers


class MistakenAdam(opt.Adam):
    """Adam/AdamW with one rule changed (each flag is one named mistake)."""

    bias_correction = True
    eps_inside = False
    decay_times_lr = True

    def step(self, theta: list[float], grad: list[float]) -> list[float]:
        self.t += 1
        h, s, t = self.hyper, self.state, self.t
        b1, b2, lr, eps, wd = h["beta1"], h["beta2"], h["lr"], h["eps"], h["weight_decay"]
        bc1, bc2 = (1 - b1**t, 1 - b2**t) if self.bias_correction else (1.0, 1.0)
        m, v = s["exp_avg"], s["exp_avg_sq"]
        out = []
        for i, (p, g) in enumerate(zip(theta, grad)):
            if wd and self.decoupled:
                p = p * (1 - (lr * wd if self.decay_times_lr else wd))
            elif wd:
                g = g + wd * p
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = vi = b2 * v[i] + (1 - b2) * g * g
            if h["amsgrad"]:
                s["max_exp_avg_sq"][i] = vi = max(s["max_exp_avg_sq"][i], vi)
            s["exp_avg_hat"][i], s["exp_avg_sq_hat"][i] = m[i] / bc1, vi / bc2
            denom = math.sqrt(vi / bc2 + eps) if self.eps_inside else math.sqrt(vi / bc2) + eps
            out.append(p - lr * (m[i] / bc1) / denom)
        return out


class MistakenRmsprop(opt.Rmsprop):
    """RMSprop with ε inside the square root (TensorFlow's form): Δθ = −lr·g/√(v + ε)."""

    def rules(self):
        from hwcheck.core.formula import Rule, sqrt

        h = self.hyper
        rules = self.decay_rules()
        rules.append(
            Rule(opt.SQUARE_AVG, opt.ALPHA * opt.SQUARE_AVG + (1 - opt.ALPHA) * opt.GRAD**2)
        )
        variance = opt.SQUARE_AVG
        if h["centered"]:
            rules.append(Rule(opt.GRAD_AVG, opt.ALPHA * opt.GRAD_AVG + (1 - opt.ALPHA) * opt.GRAD))
            variance = opt.SQUARE_AVG - opt.GRAD_AVG**2
        denominator = sqrt(variance + opt.EPS)
        if h["momentum"] > 0:
            rules.append(Rule(opt.BUFFER, opt.MOMENTUM * opt.BUFFER + opt.GRAD / denominator))
            return rules + [Rule(opt.UPDATE, -opt.LR * opt.BUFFER), opt.STEP]
        return rules + [Rule(opt.UPDATE, -opt.LR * opt.GRAD / denominator), opt.STEP]


# ------------------------------------------------------------------------------- re-running


@dataclasses.dataclass(frozen=True)
class _Reordered:
    """A problem whose samples are taken in reverse order."""

    problem: Any
    steps: int

    def __getattr__(self, name):
        return getattr(self.problem, name)

    def samples(self, t: int) -> tuple[int, ...]:
        return self.problem.samples(self.steps - t + 1)


def _rerun(case: Case, optimizer_type=None, problem_of=None, stale=False) -> list[dict] | None:
    from hwcheck.families.optim.problems import build_problem

    request = getattr(case.result, "request", None)
    command = case.data.get("command")
    if request is None or command not in TRACES:
        return None
    hyper = dict(case.result.hyper)
    problem = build_problem(request)
    if problem_of is not None:
        problem = problem_of(problem, request.steps)
    optimizer = (optimizer_type or opt.OPTIMIZERS[command])(hyper, len(problem.names))
    if not stale:
        return opt.trace(problem, optimizer, request.steps).steps
    return _stale_trace(problem, optimizer, request.steps)


def _stale_trace(problem, optimizer, steps: int) -> list[dict]:
    """The gradient of step t taken at the parameters before step t − 1."""
    theta = previous = list(problem.init)
    records = []
    for t in range(1, steps + 1):
        samples = problem.samples(t)
        loss, grad = problem.evaluate(previous, samples)
        after = optimizer.step(theta, grad)
        records.append(opt._record(t, samples, problem, loss, grad, theta, after, optimizer.state))
        previous, theta = theta, after
    return records


def _read(steps: list[dict], path: tuple) -> Any:
    if path[0] == "steps":
        node: Any = steps
        for part in path[1:]:
            node = node[part]
        return node
    if path[0] == "final" and len(path) == 2:
        return steps[-1]["params"][path[1]]
    raise KeyError(path)


def _trace_mistake(label: str, **how) -> Callable[[Case], Iterator[Candidate]]:
    def recompute(case: Case) -> Iterator[Candidate]:
        if case.path[0] not in ("steps", "final"):
            return
        make = how.get("optimizer")
        optimizer_type = make(case.data["command"]) if make else None
        if make and optimizer_type is None:
            return
        steps = _rerun(case, optimizer_type, how.get("problem_of"), how.get("stale", False))
        if not steps:
            return
        value = _read(steps, case.path)
        yield Candidate(value, fmt(value) if isinstance(value, float) else str(value))

    return recompute


def _hyper(case: Case, name: str) -> float:
    return float(case.data.get("hyper", {}).get(name) or 0.0)


def _when(condition: Callable[[Case], bool], recompute):
    def guarded(case: Case) -> Iterator[Candidate]:
        return recompute(case) if condition(case) else iter(())

    return guarded


def _no_bias_correction(command: str):
    return (
        type(
            "NoBiasCorrection",
            (MistakenAdam,),
            {"bias_correction": False, "decoupled": command == "adamw"},
        )
        if command in ("adam", "adamw")
        else None
    )


def _eps_inside(command: str):
    if command in ("adam", "adamw"):
        return type(
            "EpsInside", (MistakenAdam,), {"eps_inside": True, "decoupled": command == "adamw"}
        )
    return MistakenRmsprop if command == "rmsprop" else None


def _decay_swapped(command: str):
    if command in ("adam", "adamw"):
        return type("DecaySwapped", (MistakenAdam,), {"decoupled": command == "adam"})
    return None


def _decay_without_lr(command: str):
    if command == "adamw":
        return type("DecayWithoutLr", (MistakenAdam,), {"decoupled": True, "decay_times_lr": False})
    return None


# --------------------------------------------------------------------- follows from earlier


def _earlier_params(case: Case, n: int, names: list[str]) -> list[float] | None:
    """Every parameter after step n − 1 as the claims give it (``w(1)`` or ``steps.0.params.w``)."""
    from hwcheck.claims.lookup import trace_alias
    from hwcheck.claims.read import claimed_number
    from hwcheck.core.errors import HwcheckError

    found: dict[str, float] = {}
    for key, raw in case.claims.items():
        try:
            path = trace_alias(case.data, key) or key
        except HwcheckError:
            continue
        prefix = f"steps.{n - 1}.params."
        value = claimed_number(raw)
        if path.startswith(prefix) and path[len(prefix) :] in names and value is not None:
            found[path[len(prefix) :]] = float(value)
    return [found[p] for p in names] if len(found) == len(names) else None


def _follows_from_earlier(case: Case) -> Iterator[Candidate]:
    """Plain SGD's step from the claimed (wrong) parameters of the step before."""
    from hwcheck.families.optim.problems import build_problem

    data, path, request = case.data, case.path, getattr(case.result, "request", None)
    if data.get("command") != "sgd" or request is None or _hyper(case, "momentum"):
        return
    if len(path) != 4 or path[0] != "steps" or path[2] != "params" or path[1] < 1:
        return
    n, names = path[1], list(data["steps"][path[1]]["params"])
    theta = _earlier_params(case, n, names)
    true = [data["steps"][n - 1]["params"][p] for p in names]
    if theta is None or all(abs(a - b) <= 1e-3 * abs(b) + 1e-9 for a, b in zip(theta, true)):
        return  # nothing wrong earlier to follow from
    problem = build_problem(request)
    _, grad = problem.evaluate(theta, problem.samples(n + 1))
    optimizer = opt.Sgd(dict(case.result.hyper), len(names))
    optimizer.t = n
    value = optimizer.step(theta, grad)[names.index(path[3])]
    shown = ", ".join(f"{p}({n}) = {fmt(v)}" for p, v in zip(names, theta))
    yield Candidate(value, f"one step from the claimed {shown}: {fmt(value)}")


# ----------------------------------------------------------------------------- gd-quadratic


def _lr_bound_one_over(case: Case) -> Iterator[Candidate]:
    """0 < ε < 1/λ_max instead of 2/λ_max (exercise K)."""
    data = case.data
    if data.get("command") != "gd-quadratic" or data.get("lr_max") is None:
        return
    lam_max = max(data["eigenvalues"])
    if case.path == ("lr_max",):
        yield Candidate(1 / lam_max, f"1/λ_max = 1/{fmt(lam_max)} = {fmt(1 / lam_max)}")
    elif case.path == ("converges",) and data.get("method") == "gd" and data.get("lr"):
        value = 0 < data["lr"] < 1 / lam_max
        yield Candidate(
            value, f"ε = {fmt(data['lr'])} {'<' if value else '≥'} 1/λ_max = {fmt(1 / lam_max)}"
        )


def _newton_bound_one(case: Case) -> Iterator[Candidate]:
    """Newton's bound 0 < ε < 1 instead of 0 < ε < 2 (exercise K)."""
    data = case.data
    if data.get("command") != "gd-quadratic" or data.get("newton_lr_max") is None:
        return
    if case.path == ("newton_lr_max",):
        yield Candidate(1.0, "|1 − ε| < 1 read as 0 < ε < 1")
    elif case.path == ("converges",) and data.get("method") == "newton" and data.get("lr"):
        value = 0 < data["lr"] < 1
        yield Candidate(value, f"ε = {fmt(data['lr'])} {'<' if value else '≥'} 1")


def _declared(command: str, variant) -> Mistake:
    """A mistake an optimizer declares beside its rules (``MISTAKES``): the same optimizer with
    the variant's changes, re-run on the same problem."""
    base = opt.OPTIMIZERS[command]
    mistaken = type(f"{base.__name__}_{variant.id}", (base,), dict(variant.changes))
    return Mistake(
        variant.id,
        variant.name,
        variant.explanation,
        f"{command}: trace values",
        variant.combinable,
        _trace_mistake(variant.name, optimizer=lambda c: mistaken if c == command else None),
        (command,),
    )


def declared() -> tuple[Mistake, ...]:
    """Every optimizer's own declared mistakes, in ``--help`` order."""
    return tuple(
        _declared(command, variant)
        for command in TRACES
        if command in opt.OPTIMIZERS
        for variant in opt.OPTIMIZERS[command].MISTAKES
    )


# ------------------------------------------------------------------------------ the catalogue

CATALOGUE: tuple[Mistake, ...] = (
    Mistake(
        "no_bias_correction",
        "no bias correction",
        "m and v used without dividing by 1 − β₁ᵗ, 1 − β₂ᵗ",
        "adam, adamw: trace values",
        True,
        _trace_mistake("without bias correction", optimizer=_no_bias_correction),
        ("adam", "adamw"),
    ),
    Mistake(
        "eps_inside_sqrt",
        "ε inside the square root",
        "√(v + ε) instead of √v + ε (TensorFlow's RMSprop)",
        "adam, adamw, rmsprop: trace values",
        True,
        _trace_mistake("√(v + ε)", optimizer=_eps_inside),
        ("adam", "adamw", "rmsprop"),
    ),
    Mistake(
        "weight_decay_swapped",
        "coupled and decoupled weight decay swapped",
        "Adam's L2 decay (added to the gradient) used for AdamW's decoupled decay, or the reverse",
        "adam, adamw: trace values",
        True,
        _when(
            lambda c: _hyper(c, "weight_decay") > 0,
            _trace_mistake("the other weight decay", optimizer=_decay_swapped),
        ),
        ("adam", "adamw"),
    ),
    Mistake(
        "adamw_decay_without_lr",
        "AdamW's decay not multiplied by the learning rate",
        "θ ← θ·(1 − λ) as in the paper's form, instead of torch's θ·(1 − lr·λ)",
        "adamw: trace values",
        True,
        _when(
            lambda c: _hyper(c, "weight_decay") > 0,
            _trace_mistake("θ·(1 − λ)", optimizer=_decay_without_lr),
        ),
        ("adamw",),
    ),
    *declared(),  # each optimizer's own (MISTAKES beside its rules)
    Mistake(
        "stale_gradient",
        "the previous parameter used for the gradient",
        "step t's gradient taken at the parameters of the step before",
        "optimizer traces: trace values",
        False,
        _trace_mistake("gradient at θₜ₋₂", stale=True),
        TRACES,
    ),
    Mistake(
        "samples_wrong_order",
        "samples taken in the wrong order",
        "the samples used in reverse order",
        "optimizer traces: trace values",
        False,
        _trace_mistake("samples in reverse order", problem_of=lambda p, n: _Reordered(p, n)),
        TRACES,
    ),
    Mistake(
        "lr_bound_one_over_lambda",
        "the lr bound 1/λ_max instead of 2/λ_max",
        "|1 − ελ| < 1 read as ε < 1/λ (exercise K)",
        "gd-quadratic: lr_max, converges",
        False,
        _lr_bound_one_over,
        ("gd-quadratic",),
    ),
    Mistake(
        "newton_bound_one",
        "the Newton bound (0, 1) instead of (0, 2)",
        "|1 − ε| < 1 read as 0 < ε < 1 (exercise K)",
        "gd-quadratic: newton_lr_max, converges",
        False,
        _newton_bound_one,
        ("gd-quadratic",),
    ),
    dataclasses.replace(FOLLOWS_FROM_EARLIER, recompute=_follows_from_earlier, commands=("sgd",)),
)
