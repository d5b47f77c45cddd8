"""Runners and results of ``sgd``, ``adam``, ``adamw``, ``rmsprop``, ``adagrad`` and ``gd-quadratic``."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

from hwcheck.errors import HwcheckError
from hwcheck.numfmt import DEFAULT_DIGITS, fmt
from hwcheck.optim import optimizers as opt
from hwcheck.optim.problems import build_problem, min_norm_solution
from hwcheck.result import Result, Table, Text, view_only

SPARKS = "▁▂▃▄▅▆▇█"
MAX_ROWS, HEAD, TAIL = 20, 10, 5  # longer traces show the first HEAD and the last TAIL steps
MAX_CELL = 6  # entries of a parameter vector shown in one cell
MAX_NAMES = 8  # parameters shown per step in the trace table

STATE_HEADERS = {
    "momentum_buffer": {
        "sgd": "b = μb + (1−τ)g",
        "rmsprop": "b = μb + g/(√v + ε)",
        "rmsprop-centered": "b = μb + g/(√(v − ḡ²) + ε)",
    },
    "exp_avg": "m = β₁m + (1−β₁)g",
    "exp_avg_sq": "v = β₂v + (1−β₂)g²",
    "max_exp_avg_sq": "v_max = max(v_max, v)",
    "exp_avg_hat": "m̂ = m/(1−β₁ᵗ)",
    "exp_avg_sq_hat": "v̂ = v/(1−β₂ᵗ)",
    "square_avg": "v = αv + (1−α)g²",
    "grad_avg": "ḡ = αḡ + (1−α)g",
    "sum": "s = s + g²",
}


def update_header(command: str, hyper: dict[str, Any]) -> str:
    if command == "sgd":
        return "Δθ = −lr·" + (
            "(g + μ·b)" if hyper["nesterov"] else "b" if hyper["momentum"] else "g"
        )
    if command in ("adam", "adamw"):
        decay = "−lr·λ·θ " if command == "adamw" and hyper["weight_decay"] else ""
        return f"Δθ = {decay}−lr·m̂/(√v̂ + ε)"
    if command == "rmsprop":
        root = "√(v − ḡ²)" if hyper["centered"] else "√v"
        return "Δθ = −lr·b" if hyper["momentum"] > 0 else f"Δθ = −lr·g/({root} + ε)"
    return "Δθ = −lrₜ·g/(√s + ε)"


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

    def payload(self) -> dict[str, Any]:
        optional = ("diverged", "min_norm_solution", "min_norm_distance")
        return {k: v for k, v in super().payload().items() if not (k in optional and v is None)}

    def to_json(self) -> dict[str, Any]:
        """As the base class, but ``steps`` (plain finite floats by construction: the trace stops
        at the first non-finite value) skips the recursive conversion — it is most of the document."""
        from hwcheck import __version__
        from hwcheck.jsonout import to_jsonable

        payload = self.payload()
        return {
            "hwcheck": __version__,
            "command": self.command,
            **{k: v if k == "steps" else to_jsonable(v) for k, v in payload.items()},
        }

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
        state_keys = list(self.steps[0]["state"]) if self.steps else []
        has_samples = bool(self.steps) and "samples" in self.steps[0]
        lead = ("t",) + (("sample",) if has_samples else ()) + ("L(θₜ₋₁)",)
        columns = (
            lead
            + (("θ",) if len(names) > 1 else ())
            + ("g = ∇L(θₜ₋₁)",)
            + tuple(self._state_header(k) for k in state_keys)
            + (update_header(self.command, self.hyper), "θₜ = θₜ₋₁ + Δθ")
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

    def _state_header(self, key: str) -> str:
        header = STATE_HEADERS[key]
        if not isinstance(header, dict):
            return header
        return header[self.command + ("-centered" if self.hyper.get("centered") else "")]

    def _cells(self, step, name, state_keys, digits) -> tuple[str, ...]:
        own = (name,) if len(self.final) > 1 else ()
        return (
            own
            + (fmt(step["grad"][name], digits),)
            + tuple(fmt(step["state"][k][name], digits) for k in state_keys)
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
        if wd and self.command != "adamw":
            notes.append(
                f"weight decay is coupled (as L2): g ← g + λ·θ inside the optimizer, λ = {fmt(wd)}"
            )
        if wd and self.command == "sgd" and not self.hyper["momentum"]:
            notes.append(
                f"SGD: θ ← (1 − lr·λ)·θ − lr·g, decay factor 1 − lr·λ = {fmt(1 - self.hyper['lr'] * wd)}"
            )
        if wd and self.command == "adamw":
            notes.append(
                f"decoupled: θ ← θ·(1 − lr·λ) = θ·{fmt(1 - self.hyper['lr'] * wd)} before the Adam step, "
                "not divided by √v̂ + ε"
            )
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


def abridged(steps: list) -> tuple[list, list[str]]:
    """The steps a table shows (``None`` where it skips) and the note that says so."""
    if len(steps) <= MAX_ROWS:
        return steps, []
    note = f"steps {HEAD + 1}–{len(steps) - TAIL} are not shown; --json has every step"
    return steps[:HEAD] + [None] + steps[-TAIL:], [note]


def vec(values: list[float], digits: int) -> str:
    """One cell: a number, or ``(a, b, …)`` for a parameter vector."""
    if len(values) == 1:
        return fmt(values[0], digits)
    shown = [fmt(v, digits) for v in values[:MAX_CELL]]
    return "(" + ", ".join(shown) + (", …" if len(values) > MAX_CELL else "") + ")"


def sparkline(values: list[float], width: int = 60) -> str:
    """``▁▂▃▄▅▆▇█`` from the loss values (sampled evenly to at most ``width`` marks; a log
    scale when positive values span more than three orders of magnitude).

    >>> sparkline([4, 3, 2, 1, 0])
    '█▇▅▃▁'
    """
    if len(values) > width:
        values = [values[round(i * (len(values) - 1) / (width - 1))] for i in range(width)]
    if min(values) > 0 and max(values) > 1e3 * min(values):
        values = [math.log10(v) for v in values]  # many orders of magnitude: log scale
    lo, hi = min(values), max(values)
    if hi - lo <= 1e-15 * max(1.0, abs(hi)):
        return SPARKS[3] * len(values)
    return "".join(SPARKS[min(7, int((v - lo) / (hi - lo) * 8))] for v in values)


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

    def payload(self) -> dict[str, Any]:
        optional = ("w0", "steps", "closed_form_max_error", "diverged")
        return {k: v for k, v in super().payload().items() if not (k in optional and v is None)}

    def view(self, digits: int = DEFAULT_DIGITS) -> list:
        from hwcheck.optim.quadratic import quadratic_view

        return quadratic_view(self, digits)


def gd_quadratic(request) -> GdQuadraticResult:
    import numpy as np

    from hwcheck.optim import quadratic as q
    from hwcheck.optim.problems import MAX_PARAMS, check_symmetric
    from hwcheck.parse import parse_matrix, parse_vector

    exact = parse_matrix(request.H, "--H", max_entries=MAX_PARAMS**2)  # sized before it is read
    H = np.array(exact, dtype=float)
    check_symmetric(H, "--H")
    info = q.analyse(H, request.lr, request.newton, exact=exact)
    if request.newton and info["newton_lr_max"] is None:
        raise HwcheckError("--H", "is singular: Newton's step H⁻¹∇f is undefined")
    extra: dict[str, Any] = {}
    if request.steps is not None or request.w0 is not None:
        w0 = (
            np.ones(len(H))
            if request.w0 is None
            else np.array(parse_vector(request.w0, "--w0"), dtype=float)
        )
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
