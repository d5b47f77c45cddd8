"""The objectives an optimizer trace minimises: neuron, quadratic, lstsq and expr.

A :class:`Problem` knows its parameter names, its starting point, its samples and, for the
samples of one step, the loss and its gradient. Parameters are a flat list of floats
(``w, b`` for the neuron, ``w1 … wn`` for the quadratic and lstsq problems). The neuron is
pure-Python float maths (fast start-up); quadratic and lstsq use numpy; expr compiles the
objective with the symbolic engine. ``--l2 λ`` adds (λ/2)·‖θ‖² to any of them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from hwcheck.core.errors import HwcheckError, did_you_mean
from hwcheck.core.numbers import as_float
from hwcheck.core.options import flag_name
from hwcheck.families.optim.request import MAX_PARAMS

MAX_SAMPLES = 100_000
MAX_WORK = 5_000_000  # steps × parameters × samples per step

#: which problems use which problem option (anything else is an error naming the option)
OPTION_PROBLEMS = {
    "init": ("neuron", "expr"),
    "data": ("neuron", "expr"),
    "lam": ("neuron",),
    "H": ("quadratic",),
    "c": ("quadratic",),
    "w0": ("quadratic", "lstsq"),
    "X": ("lstsq",),
    "y": ("lstsq",),
    "scale": ("lstsq",),
    "objective": ("expr",),
    "batch": ("neuron", "lstsq", "expr"),
}

LossGrad = Callable[[list[float], tuple[int, ...]], tuple[float, list[float]]]


@dataclass(frozen=True)
class Problem:
    name: str
    names: tuple[str, ...]  # parameter names, in order
    init: tuple[float, ...]
    loss_grad: LossGrad  # (θ, sample indices) → (loss, gradient) without the l2 term
    describe: dict[str, Any]  # the JSON "problem" object
    n_samples: int = 0  # 0: the objective has no samples
    batch: int = 0
    l2: float = 0.0

    def samples(self, t: int) -> tuple[int, ...]:
        """Indices used by step t (1-based): the next ``batch`` samples, cyclically."""
        if not self.n_samples:
            return ()
        start = (t - 1) * self.batch
        return tuple((start + k) % self.n_samples for k in range(self.batch))

    def evaluate(self, theta: list[float], samples: tuple[int, ...]) -> tuple[float, list[float]]:
        """Loss and gradient at θ, with the (λ/2)·‖θ‖² term of ``--l2``."""
        loss, grad = self.loss_grad(theta, samples)
        if self.l2:
            loss += self.l2 / 2 * sum(p * p for p in theta)
            grad = [g + self.l2 * p for g, p in zip(grad, theta)]
        return loss, grad


# ------------------------------------------------------------------------------ the neuron


def sigmoid(z: float) -> float:
    """σ(z) = 1/(1 + e^(−z)), computed without overflow for any z.

    >>> sigmoid(0.0), sigmoid(-1000.0), round(sigmoid(0.2), 6)
    (0.5, 0.0, 0.549834)
    """
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def neuron_loss_grad(
    w: float, b: float, x: float, t: float, lam: float
) -> tuple[float, float, float]:
    """L = ½(σ(wx + b) − t)² + (lam/2)·w²; ∂L/∂w = (y − t)·y(1 − y)·x + lam·w, ∂L/∂b = (y − t)·y(1 − y).

    Exercise I, step 1 (w = 0.1, b = 0, x = 2, t = 0):

    >>> [round(v, 6) for v in neuron_loss_grad(0.1, 0.0, 2.0, 0.0, 0.0)]
    [0.151159, 0.272186, 0.136093]
    """
    y = sigmoid(w * x + b)
    dz = (y - t) * y * (1.0 - y)
    return 0.5 * (y - t) * (y - t) + lam / 2 * w * w, dz * x + lam * w, dz


def neuron(request) -> Problem:
    init = _init({"w": 0.1, "b": 0.0}, request.init, fixed=True)
    data = _data(request.data, {"x": [2.0, 1.0, 2.0, 1.0], "t": [0.0, 1.0, 0.0, 1.0]}, fixed=True)
    xs, ts, lam = data["x"], data["t"], float(request.lam)

    def loss_grad(theta, samples):
        loss = gw = gb = 0.0
        for i in samples:
            li, dw, db = neuron_loss_grad(theta[0], theta[1], xs[i], ts[i], lam)
            loss, gw, gb = loss + li, gw + dw, gb + db
        n = len(samples)
        return loss / n, [gw / n, gb / n]

    batch = _batch(request.batch, len(xs), default=1)
    describe = {
        "name": "neuron",
        "loss": "½(σ(w·x + b) − t)² + (lam/2)·w²",
        "params": ["w", "b"],
        "init": init,
        "data": data,
        "lam": lam,
        "batch": batch,
    }
    return Problem("neuron", ("w", "b"), tuple(init.values()), loss_grad, describe, len(xs), batch)


# --------------------------------------------------------------------------- quadratic


def quadratic(request) -> Problem:
    import numpy as np

    H = np.array(_required(request.H, "--H", "quadratic"), dtype=float)
    check_symmetric(H, "--H")
    n = H.shape[0]
    c = _vector(request.c, "--c", n, 0.0)
    w0 = _vector(request.w0, "--w0", n, 1.0)

    def loss_grad(theta, samples):
        w = np.array(theta)
        with np.errstate(all="ignore"):
            Hw = H @ w
            return float(0.5 * w @ Hw - c @ w), (Hw - c).tolist()

    names = tuple(f"w{i + 1}" for i in range(n))
    describe = {
        "name": "quadratic",
        "loss": "½wᵀHw − cᵀw",
        "params": list(names),
        "H": H.tolist(),
        "c": c.tolist(),
        "init": dict(zip(names, w0.tolist())),
    }
    return Problem("quadratic", names, tuple(w0.tolist()), loss_grad, describe)


def check_symmetric(H, where: str) -> None:
    """H must be a finite, square, symmetric matrix of at most MAX_PARAMS rows."""
    import numpy as np

    rows, cols = H.shape
    if rows != cols:
        raise HwcheckError(where, f"H must be square, got {rows}×{cols}")
    if rows > MAX_PARAMS:
        raise HwcheckError(where, f"at most {MAX_PARAMS:,} rows, got {rows:,}")
    if not np.all(np.isfinite(H)):
        raise HwcheckError(where, "entries must be finite")
    bad = np.argwhere(np.abs(H - H.T) > 1e-12 * max(1.0, float(np.abs(H).max())))
    if len(bad):
        i, j = (int(k) + 1 for k in bad[0])
        raise HwcheckError(
            where,
            f"H must be symmetric: entry ({i},{j}) = {H[i - 1, j - 1]:g} but "
            f"({j},{i}) = {H[j - 1, i - 1]:g}",
        )


# ------------------------------------------------------------------------------- lstsq


def lstsq(request) -> Problem:
    import numpy as np

    X = np.array(_required(request.X, "--X", "lstsq"), dtype=float)
    m, n = X.shape
    y = _vector(_required(request.y, "--y", "lstsq"), "--y", m, None)
    if n > MAX_PARAMS or m > MAX_SAMPLES:
        raise HwcheckError(
            "--X", f"at most {MAX_SAMPLES:,} rows and {MAX_PARAMS:,} columns, got {m}×{n}"
        )
    w0 = _vector(request.w0, "--w0", n, 0.0)
    batch = _batch(request.batch, m, default=m)
    scale_text, scale_of = _scale(request.scale)

    def loss_grad(theta, samples):
        rows = list(samples)
        s = scale_of(len(rows))
        with np.errstate(all="ignore"):
            r = X[rows] @ np.array(theta) - y[rows]
            return float(s * (r @ r)), (2 * s * (X[rows].T @ r)).tolist()

    names = tuple(f"w{i + 1}" for i in range(n))
    describe = {
        "name": "lstsq",
        "loss": f"{scale_text}·‖Xw − y‖² over the samples of a step",
        "params": list(names),
        "X": X.tolist(),
        "y": y.tolist(),
        "scale": request.scale or "1/2",
        "init": dict(zip(names, w0.tolist())),
        "batch": batch,
    }
    return Problem("lstsq", names, tuple(w0.tolist()), loss_grad, describe, m, batch)


def min_norm_solution(X: list[list[float]], y: list[float]) -> list[float]:
    """The minimum-norm least-squares solution X⁺y (= Xᵀ(XXᵀ)⁻¹y when rank X = rows)."""
    import numpy as np

    return (np.linalg.pinv(np.array(X)) @ np.array(y)).tolist()


def _scale(s: float | str | None) -> tuple[str, Callable[[int], float]]:
    """The loss factor of ``--scale`` (a positive float or ``mean``, read by the request)."""
    if s is None:
        return "½", lambda n: 0.5
    if s == "mean":
        return "1/(2n)", lambda n: 0.5 / n
    return f"{s:g}", lambda n: s


# -------------------------------------------------------------------------------- expr


def expr(request) -> Problem:
    try:
        from hwcheck.families.symbolic.numeric import compile_objective
    except ImportError:
        raise HwcheckError(
            "--problem", "expr needs the symbolic engine, which is not available yet"
        ) from None
    text = _required(request.objective, "--objective", "expr")
    if request.init is None:
        raise HwcheckError(
            "--init", "is required with --problem expr: give every parameter a start, e.g. x=1,y=0"
        )
    init = _init({}, request.init, fixed=False)
    data = _data(request.data, {}, fixed=False)
    clash = sorted(set(init) & set(data))
    if clash:
        raise HwcheckError("--data", f"'{clash[0]}' is both a parameter (--init) and a data column")
    _check_names(text, init, data)
    objective = compile_objective(text, tuple(init), tuple(data), where="--objective")
    return _expr_problem(text, init, data, objective, request.batch)


def _check_names(text: str, init: dict, data: dict) -> None:
    """Every name the objective uses needs a start (--init) or a data column (--data)."""
    from hwcheck.families.symbolic.parser import names_in, parse

    missing = [n for n in names_in(parse(text, "--objective")) if n not in init and n not in data]
    if missing:
        raise HwcheckError(
            "--init",
            f"no starting value for {', '.join(missing)}, which the objective uses",
            hint="give every parameter a start (--init x=1,y=0) or a data column (--data)",
        )


def _expr_problem(text, init, data, objective, batch) -> Problem:
    names = tuple(init)
    n = len(next(iter(data.values()))) if data else 0
    if batch is not None and not n:
        raise HwcheckError(
            "--batch", "the objective has no samples (give --data columns to batch over)"
        )
    batch = _batch(batch, n, default=1) if n else 0

    def at(theta, i):
        env = dict(zip(names, theta))
        env.update({k: col[i] for k, col in data.items()} if i is not None else {})
        grad = objective.gradient(env)
        return float(objective.value(env)), [float(grad[k]) for k in names]

    def loss_grad(theta, samples):
        if not samples:
            return at(theta, None)
        parts = [at(theta, i) for i in samples]
        k = len(parts)
        return sum(p[0] for p in parts) / k, [
            sum(p[1][j] for p in parts) / k for j in range(len(names))
        ]

    describe = {
        "name": "expr",
        "objective": text,
        "params": list(names),
        "init": init,
        "data": data,
    }
    if n:
        describe["batch"] = batch
    return Problem("expr", names, tuple(init.values()), loss_grad, describe, n, batch)


# ------------------------------------------------------------------------------ building


BUILDERS = {"neuron": neuron, "quadratic": quadratic, "lstsq": lstsq, "expr": expr}


def build_problem(request) -> Problem:
    """The request's problem, with ``--l2``; options of another problem are errors."""
    for option, users in OPTION_PROBLEMS.items():
        if _given(getattr(request, option)) and request.problem not in users:
            raise HwcheckError(
                flag_name(option),
                f"is not used by --problem {request.problem} (only by {', '.join(users)})",
            )
    l2 = float(request.l2)
    for name in ("l2", "lam"):
        if getattr(request, name) < 0:
            raise HwcheckError(
                flag_name(name), f"must be at least 0, got {getattr(request, name):g}"
            )
    problem = BUILDERS[request.problem](request)
    _check_work(problem, request.steps)
    return replace(problem, describe=dict(problem.describe, l2=l2), l2=l2)


def _given(value) -> bool:
    """An option counts as given unless it is absent, empty or a zero number."""
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, (int, float)):
        return value != 0
    return not (isinstance(value, (tuple, list, dict, str)) and len(value) == 0)


def _check_work(problem: Problem, steps: int) -> None:
    work = steps * len(problem.names) * max(1, problem.batch)
    if work > MAX_WORK:
        raise HwcheckError(
            "--steps",
            f"{steps:,} steps × {len(problem.names):,} parameters × batch "
            f"{max(1, problem.batch):,} is more than {MAX_WORK:,} updates",
            hint="use fewer steps or a smaller problem",
        )


def _required(value, where: str, problem: str):
    if value is None:
        raise HwcheckError(where, f"is required with --problem {problem}")
    return value


def _vector(given: list | None, where: str, n: int, default: float | None):
    import numpy as np

    if given is None:
        return np.full(n, default)
    v = np.array(given, dtype=float)
    if len(v) != n:
        raise HwcheckError(where, f"expected {n} entries (one per parameter w1…w{n}), got {len(v)}")
    return v


def _init(defaults: dict[str, float], given: dict | None, *, fixed: bool) -> dict[str, float]:
    init = dict(defaults)
    if given is None:
        return init
    for name, value in given.items():
        if fixed and name not in defaults:
            raise HwcheckError(
                "--init",
                f"unknown parameter '{name}' (the neuron has w, b){did_you_mean(name, defaults)}",
            )
        init[name] = as_float(value, f"--init ({name})")
    if len(init) > MAX_PARAMS:
        raise HwcheckError("--init", f"at most {MAX_PARAMS:,} parameters")
    return init


def _data(given, defaults: dict[str, list[float]], *, fixed: bool) -> dict[str, list[float]]:
    data = dict(defaults)
    if given:  # name → column, read by the request
        for name, column in given.items():
            if fixed and name not in defaults:
                raise HwcheckError(
                    "--data",
                    f"unknown column '{name}' (the neuron has x, t){did_you_mean(name, defaults)}",
                )
            data[name] = [float(v) for v in column]
    lengths = {name: len(col) for name, col in data.items()}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{k} has {v}" for k, v in lengths.items())
        raise HwcheckError("--data", f"columns have unequal lengths: {detail}")
    if any(n > MAX_SAMPLES for n in lengths.values()):
        raise HwcheckError("--data", f"at most {MAX_SAMPLES:,} samples")
    return data


def _batch(batch: int | str | None, n: int, *, default: int) -> int:
    """``--batch`` (an int ≥ 1 or ``all``, read by the request) within the ``n`` samples."""
    if batch is None:
        return default
    if batch == "all":
        return n
    if batch > n:
        raise HwcheckError("--batch", f"must be at most {n:,}, got {batch:,}")
    return batch
