"""Runners and results of ``sgd``, ``adam``, ``adamw``, ``rmsprop``, ``adagrad`` and ``gd-quadratic``."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

from hwcheck.core.errors import HwcheckError
from hwcheck.core.formula import FormulaText
from hwcheck.core.numfmt import DEFAULT_DIGITS, fmt
from hwcheck.core.result import Result, Table, Text, view_only
from hwcheck.families.optim import optimizers as opt
from hwcheck.families.optim.problems import build_problem, min_norm_solution
from hwcheck.families.optim.views import MAX_NAMES, abridged, sparkline, vec

__all__ = ["sparkline"]  # re-exported: tests and notebooks use it from here


def rule_headers(command: str, hyper: dict[str, Any]) -> dict[str, FormulaText]:
    """Column headers from the optimizer's own rules (one definition: the header is the rule
    the values were computed by), keyed by the quantity each rule defines."""
    rules = opt.OPTIMIZERS[command](hyper, 1).header_rules()
    return {rule.lhs.key: rule.cell() for rule in rules if not rule.reassign}


# --------------------------------------------------------------------------------- result


@dataclass(frozen=True)
class TraceResult(Result):
    """An optimizer trace (CONVENTIONS §3): problem, hyper, steps, final.

    One type serves sgd, adam, adamw, rmsprop and adagrad, so ``command`` is a value here, not
    a class constant: everything that depends on the optimizer already branches on it."""

    command: str = field(metadata={"json": False})  # to_json puts it first, as for every result
    problem: dict[str, Any]
    hyper: dict[str, Any]
    steps: list[dict[str, Any]]
    final: dict[str, float]
    diverged: dict[str, Any] | None = None
    min_norm_solution: dict[str, float] | None = None
    min_norm_distance: float | None = None
    initial_state: dict[str, list[float]] = view_only()
    explain: bool = view_only(False)
    request: Any = view_only(
        None
    )  # for hwcheck.families.optim.mistakes to re-run the trace the wrong way

    def payload(self) -> dict[str, Any]:
        optional = ("diverged", "min_norm_solution", "min_norm_distance")
        return {k: v for k, v in super().payload().items() if not (k in optional and v is None)}

    def to_json(self) -> dict[str, Any]:
        """As the base class, but ``steps`` (plain finite floats by construction: the trace stops
        at the first non-finite value) skips the recursive conversion — it is most of the document."""
        from hwcheck.core.jsonout import to_jsonable
        from hwcheck.core.version import __version__

        payload = self.payload()
        return {
            "hwcheck": __version__,
            "command": self.command,
            **{k: v if k == "steps" else to_jsonable(v) for k, v in payload.items()},
        }

    def full_loss(self):
        """θ → the loss averaged over every sample (or the objective) of the same problem, for
        ``--plot``'s contours; None without the request."""
        if self.request is None:
            return None
        problem = build_problem(self.request)
        samples = [(i,) for i in range(problem.n_samples)] or [()]

        def loss(theta):
            try:
                return sum(problem.evaluate(theta, s)[0] for s in samples) / len(samples)
            except (ArithmeticError, ValueError):
                return math.nan

        return loss

    def view(self, digits: int = DEFAULT_DIGITS) -> list:
        sections: list = [self.trace_table(digits)]
        lines = self.summary(digits)
        if self.steps and len(self.steps) > 1:
            lines.append("loss " + sparkline([s["loss"] for s in self.steps]))
        sections.append(Text(tuple(lines), preformatted=True))
        if self.explain:
            sections += self.explained(digits)
        return sections

    def explained(self, digits: int) -> list:
        """Steps 1 and 2 written out (step 2 shows the recurrences with a non-zero state)."""
        names = tuple(self.final)
        before = self.initial_state
        sections = []
        for step in self.steps[:2]:
            lines = opt.explain_step(
                self.command, self.hyper, names[:MAX_NAMES], step, before, digits
            )
            sections.append(
                Text(
                    tuple(lines),
                    title=f"Step {step['t']} written out ({self.command})",
                    preformatted=True,
                )
            )
            before = {k: [v[n] for n in names] for k, v in step["state"].items()}
        return sections

    def trace_table(self, digits: int) -> Table:
        """One row per step and parameter; step, sample and loss on the step's first row."""
        names = tuple(self.final)
        state_keys = list(dict.fromkeys(k for s in self.steps for k in s["state"]))
        has_samples = bool(self.steps) and "samples" in self.steps[0]
        lead = ("t",) + (("sample",) if has_samples else ()) + ("L(θₜ₋₁)",)
        headers = rule_headers(self.command, self.hyper)
        columns = (
            lead
            + (("θ",) if len(names) > 1 else ())
            + ("gₜ = ∇L(θₜ₋₁)",)
            + tuple(headers[k] for k in state_keys)
            + (headers["update"], headers["theta"])
        )
        blank = len(columns) - len(lead) - (2 if len(names) > 1 else 1)
        shown = names[:MAX_NAMES]
        init = [
            ("0" if k == 0 else "",)
            + ("",) * (len(lead) - 1)
            + ((n,) if len(names) > 1 else ())
            + ("",) * blank
            + (fmt(self.problem["init"][n], digits),)
            for k, n in enumerate(shown)
        ]
        rows = []
        for step in abridged(self.steps)[0]:
            if step is None:
                rows.append(("…",) * len(columns))
                continue
            head = (
                (str(step["t"]),)
                + ((self.sample_text(step["samples"]),) if has_samples else ())
                + (fmt(step["loss"], digits),)
            )
            for k, n in enumerate(shown):
                rows.append(
                    (head if k == 0 else ("",) * len(head))
                    + self._cells(step, n, state_keys, digits)
                )
        return Table(
            columns=columns, rows=tuple(init + rows), title=self.title(), notes=tuple(self.notes())
        )

    def _cells(self, step, name, state_keys, digits) -> tuple[str, ...]:
        own = (name,) if len(self.final) > 1 else ()
        return (
            own
            + (fmt(step["grad"][name], digits),)
            + tuple(
                fmt(step["state"][k][name], digits) if k in step["state"] else ""
                for k in state_keys
            )
            + (fmt(step["update"][name], digits), fmt(step["params"][name], digits))
        )

    def sample_text(self, samples: list[int]) -> str:
        data = self.problem.get("data") or {}
        if len(samples) == 1 and data:
            i = samples[0]
            return ",".join(f"{k}={fmt(col[i])}" for k, col in data.items())
        return "#" + ",".join(str(i + 1) for i in samples)

    def title(self) -> str:
        p = self.problem
        what = p.get("loss") or p.get("objective", "")
        hyper = ", ".join(f"{k}={fmt(v)}" for k, v in self.hyper.items() if v not in (False,))
        return f"{self.command} on {p['name']}: {what} — {hyper}"

    def notes(self) -> list[str]:
        names = tuple(self.final)
        notes = (
            [f"only {', '.join(names[:MAX_NAMES])} are shown; --json has all {len(names)}"]
            if len(names) > MAX_NAMES
            else []
        )
        wd = self.hyper.get("weight_decay", 0)
        optimizer = opt.OPTIMIZERS[self.command]
        decoupled = optimizer.decoupled_decay(self.hyper)
        if wd and not decoupled:
            notes.append(
                f"weight decay is coupled (as L2): g ← g + λ·θ inside the optimizer, λ = {fmt(wd)}"
            )
        if wd and self.command == "sgd" and not self.hyper["momentum"]:
            notes.append(
                f"SGD: θ ← (1 − lr·λ)·θ − lr·g, decay factor 1 − lr·λ = {fmt(1 - self.hyper['lr'] * wd)}"
            )
        if wd and decoupled:
            notes.append(
                f"decoupled: θ ← θ·(1 − lr·λ) = θ·{fmt(1 - self.hyper['lr'] * wd)} before the "
                f"{optimizer.STEP_NAME} step, not divided by {optimizer.DENOMINATOR}"
            )
        if self.command == "adagrad":
            notes.append("with " + rule_headers(self.command, self.hyper)["clr"])
        if self.hyper.get("momentum") and self.command == "sgd":
            notes.append("b₁ = g₁: torch starts the momentum buffer at the first gradient")
        notes += optimizer(self.hyper, 1).notes()
        if self.problem.get("l2"):
            notes.append(f"L includes --l2: (λ/2)·‖θ‖², λ = {fmt(self.problem['l2'])}")
        return notes + abridged(self.steps)[1]

    def summary(self, digits: int) -> list[str]:
        lines = ["final: " + ", ".join(f"{k} = {fmt(v, digits)}" for k, v in self.final.items())]
        if self.diverged:
            d = self.diverged
            why = (
                "is not finite"
                if not math.isfinite(d["value"])
                else f"exceeds {fmt(opt.EXPLODED)} in magnitude"
            )
            lines.append(
                f"diverged at step {d['t']}: {d['quantity']} = {fmt(d['value'], digits)} {why} — "
                f"the trace stops there (try a smaller --lr)"
            )
        if self.min_norm_solution is not None:
            lines.append(
                "minimum-norm solution Xᵀ(XXᵀ)⁻¹y = "
                + vec(list(self.min_norm_solution.values()), digits)
                + f"; distance ‖w − w*‖ = {fmt(self.min_norm_distance, digits)}"
            )
        return lines


# -------------------------------------------------------------------------------- runners


def run_trace(command: str, request) -> TraceResult:
    hyper = opt.check_hyper(request)
    problem = build_problem(request)
    optimizer = opt.OPTIMIZERS[command](hyper, len(problem.names))
    trace = opt.trace(problem, optimizer, request.steps)
    extra = {}
    if problem.name == "lstsq":
        extra = _min_norm(problem, trace.final)
    return TraceResult(
        command,
        problem.describe,
        hyper,
        trace.steps,
        trace.final,
        trace.diverged,
        **extra,
        initial_state=trace.initial_state,
        explain=request.explain,
        request=request,
    )


def _min_norm(problem, final: dict[str, float]) -> dict[str, Any]:
    star = min_norm_solution(problem.describe["X"], problem.describe["y"])
    distance = sum((a - b) ** 2 for a, b in zip(final.values(), star)) ** 0.5
    return {"min_norm_solution": dict(zip(problem.names, star)), "min_norm_distance": distance}


def sgd(request) -> TraceResult:
    return run_trace("sgd", request)


def adam(request) -> TraceResult:
    return run_trace("adam", request)


def adamw(request) -> TraceResult:
    return run_trace("adamw", request)


def rmsprop(request) -> TraceResult:
    return run_trace("rmsprop", request)


def adagrad(request) -> TraceResult:
    return run_trace("adagrad", request)


# --------------------------------------------------------------------------- gd-quadratic


@dataclass(frozen=True)
class GdQuadraticResult(Result):
    command: ClassVar[str] = "gd-quadratic"

    method: str
    H: list[list[float]]
    eigenvalues: list[float]
    eigenvectors: list[list[float]]
    definiteness: str
    lr_max: float | None
    lr_opt: float | None
    newton_lr_max: float | None
    negative_curvature: list[dict[str, Any]]
    lr: float | None
    rate: float | None
    converges: bool
    w0: list[float] | None = None
    steps: list[dict[str, Any]] | None = None
    closed_form_max_error: float | None = None
    diverged: dict[str, Any] | None = None
    hessian: list[list] | None = None
    hessian_inverse: list[list] | None = None

    def payload(self) -> dict[str, Any]:
        optional = (
            "w0",
            "steps",
            "closed_form_max_error",
            "diverged",
            "hessian",
            "hessian_inverse",
        )
        return {k: v for k, v in super().payload().items() if not (k in optional and v is None)}

    def claim_invariant(self, path: tuple) -> tuple | None:
        from hwcheck.families.optim.quadratic import claim_invariant

        return claim_invariant(path)

    def view(self, digits: int = DEFAULT_DIGITS) -> list:
        from hwcheck.families.optim.views import quadratic_view

        return quadratic_view(self, digits)


def gd_quadratic(request) -> GdQuadraticResult:
    import numpy as np

    from hwcheck.families.optim import quadratic as q
    from hwcheck.families.optim.problems import check_symmetric

    exact = request.H  # rows of int/Fraction, sized before they were read (the request)
    H = np.array(exact, dtype=float)
    check_symmetric(H, "--H")
    info = q.analyse(H, request.lr, request.newton, exact=exact)
    if request.newton and info["newton_lr_max"] is None:
        raise HwcheckError("--H", "is singular: Newton's step H⁻¹∇f is undefined")
    extra: dict[str, Any] = {}
    if request.newton:  # f = ½wᵀHw: ∇f = Hw, ∇²f = H, and Newton divides by it exactly
        extra.update(q.newton_matrices(exact))
    if request.steps is not None or request.w0 is not None:
        w0 = np.ones(len(H)) if request.w0 is None else np.array(request.w0, dtype=float)
        if len(w0) != len(H):
            raise HwcheckError(
                "--w0", f"expected {len(H)} entries (H is {len(H)}×{len(H)}), got {len(w0)}"
            )
        extra["w0"] = w0.tolist()
    if request.steps is not None:
        q.check_work(len(H), request.steps, request.newton)
        if info["lr"] is None:
            raise HwcheckError(
                "--lr",
                f"is needed with --steps: H is {info['definiteness']}, so there is no optimal lr",
            )
        steps, diverged, worst = q.iterate(
            H, info["lr"], np.array(extra["w0"]), request.steps, request.newton
        )
        extra.update(steps=steps, diverged=diverged, closed_form_max_error=worst)
    return GdQuadraticResult(H=H.tolist(), **info, **extra)
