"""Update rules exactly as ``torch.optim`` computes them (the single-tensor loops), in floats.

Every rule is element-wise, so the state is a list of floats per torch state name and one step
is a loop over the parameters. Each optimizer also writes one step out with the numbers
substituted (``--explain``). :func:`trace` runs the steps and stops at a divergence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from hwcheck.errors import HwcheckError
from hwcheck.numfmt import fmt, subscript
from hwcheck.optim.request import hyperparameters
from hwcheck.options import flag_name

EXPLODED = 1e12  # a loss, gradient or parameter above this in magnitude stops the trace


# ----------------------------------------------------------------------------- validation


def check_hyper(request) -> dict[str, Any]:
    """The optimizer's hyperparameters from the request, validated as torch does (and a bit more)."""
    hyper = {name: getattr(request, name) for name in hyperparameters(type(request))}
    _positive(hyper, "lr")
    _positive(hyper, "eps")
    for name in ("momentum", "dampening", "weight_decay", "lr_decay", "initial_accumulator"):
        if name in hyper and not hyper[name] >= 0:
            raise HwcheckError(flag_name(name), f"must be at least 0, got {hyper[name]:g}")
    for name in ("beta1", "beta2", "alpha"):
        if name in hyper and not 0 <= hyper[name] < 1:
            raise HwcheckError(flag_name(name), f"must be in [0, 1), got {hyper[name]:g}")
    if hyper.get("nesterov") and hyper["momentum"] <= 0:
        raise HwcheckError("--nesterov", "needs --momentum > 0 (torch rejects it too)")
    if hyper.get("nesterov") and hyper["dampening"] != 0:
        raise HwcheckError("--dampening", "must be 0 with --nesterov (torch rejects it too)")
    return hyper


def _positive(hyper: dict, name: str) -> None:
    if name in hyper and not hyper[name] > 0:
        raise HwcheckError(flag_name(name), f"must be positive, got {hyper[name]:g}")


# ----------------------------------------------------------------------------- optimizers


@dataclass
class Optimizer:
    """Element-wise state under torch's names; ``step`` returns the new parameters."""

    hyper: dict[str, Any]
    n: int
    t: int = 0
    state: dict[str, list[float]] = field(default_factory=dict)

    def __post_init__(self):
        self.state = {name: [value] * self.n for name, value in self.initial_state().items()}

    def initial_state(self) -> dict[str, float]:
        return {}

    def snapshot(self) -> dict[str, list[float]]:
        return {name: list(values) for name, values in self.state.items()}

    def step(self, theta: list[float], grad: list[float]) -> list[float]:
        self.t += 1
        return [self.update(i, p, g) for i, (p, g) in enumerate(zip(theta, grad))]

    def with_decay(self, p: float, g: float) -> float:
        """torch's coupled weight decay: g ← g + λ·θ."""
        wd = self.hyper.get("weight_decay", 0.0)
        return g + wd * p if wd else g


class Sgd(Optimizer):
    """b ← μ·b + (1 − τ)·g (b₁ = g); g ← g + μ·b (Nesterov) or b; θ ← θ − lr·g."""

    def initial_state(self):
        return {"momentum_buffer": 0.0} if self.hyper["momentum"] else {}

    def update(self, i, p, g):
        h = self.hyper
        g = self.with_decay(p, g)
        if h["momentum"]:
            buf = self.state["momentum_buffer"]
            buf[i] = g if self.t == 1 else h["momentum"] * buf[i] + (1 - h["dampening"]) * g
            g = g + h["momentum"] * buf[i] if h["nesterov"] else buf[i]
        return p - h["lr"] * g


class Adam(Optimizer):
    """m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; θ ← θ − (lr/(1−β₁ᵗ))·m/(√v/√(1−β₂ᵗ) + ε)."""

    decoupled = False

    def initial_state(self):
        state = {"exp_avg": 0.0, "exp_avg_sq": 0.0}
        if self.hyper["amsgrad"]:
            state["max_exp_avg_sq"] = 0.0
        return state | {"exp_avg_hat": 0.0, "exp_avg_sq_hat": 0.0}

    def step(self, theta: list[float], grad: list[float]) -> list[float]:
        self.t += 1
        h, s, t = self.hyper, self.state, self.t
        b1, b2, lr, eps, wd = h["beta1"], h["beta2"], h["lr"], h["eps"], h["weight_decay"]
        bc1, bc2 = 1 - b1**t, 1 - b2**t
        m, v, m_hat, v_hat = s["exp_avg"], s["exp_avg_sq"], s["exp_avg_hat"], s["exp_avg_sq_hat"]
        out = []
        for i, (p, g) in enumerate(zip(theta, grad)):
            if wd and self.decoupled:
                p = p * (1 - lr * wd)  # AdamW: decay outside the adaptive step
            elif wd:
                g = g + wd * p  # Adam: coupled, as L2
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = vi = b2 * v[i] + (1 - b2) * g * g
            if h["amsgrad"]:
                s["max_exp_avg_sq"][i] = vi = max(s["max_exp_avg_sq"][i], vi)
            m_hat[i], v_hat[i] = m[i] / bc1, vi / bc2
            out.append(p - (lr / bc1) * (m[i] / (math.sqrt(vi) / bc2**0.5 + eps)))
        return out


class AdamW(Adam):
    """Adam after θ ← θ·(1 − lr·λ): the decay is not divided by the adaptive denominator."""

    decoupled = True


class Rmsprop(Optimizer):
    """v ← αv + (1−α)g²; (centered: ḡ ← αḡ + (1−α)g, v − ḡ²); θ ← θ − lr·g/(√v + ε)."""

    def initial_state(self):
        state = {"square_avg": 0.0}
        if self.hyper["centered"]:
            state["grad_avg"] = 0.0
        if self.hyper["momentum"] > 0:
            state["momentum_buffer"] = 0.0
        return state

    def update(self, i, p, g):
        h, s = self.hyper, self.state
        g = self.with_decay(p, g)
        s["square_avg"][i] = v = h["alpha"] * s["square_avg"][i] + (1 - h["alpha"]) * g * g
        if h["centered"]:
            s["grad_avg"][i] = ga = s["grad_avg"][i] + (1 - h["alpha"]) * (g - s["grad_avg"][i])
            v = max(v - ga * ga, 0.0)
        avg = math.sqrt(v) + h["eps"]
        if h["momentum"] > 0:
            s["momentum_buffer"][i] = buf = h["momentum"] * s["momentum_buffer"][i] + g / avg
            return p - h["lr"] * buf
        return p - h["lr"] * (g / avg)


class Adagrad(Optimizer):
    """lrₜ = lr/(1 + (t−1)·lr_decay); s ← s + g²; θ ← θ − lrₜ·g/(√s + ε)."""

    def initial_state(self):
        return {"sum": self.hyper["initial_accumulator"]}

    def update(self, i, p, g):
        h, s = self.hyper, self.state
        g = self.with_decay(p, g)
        clr = h["lr"] / (1 + (self.t - 1) * h["lr_decay"])
        s["sum"][i] += g * g
        return p - clr * (g / (math.sqrt(s["sum"][i]) + h["eps"]))


OPTIMIZERS = {"sgd": Sgd, "adam": Adam, "adamw": AdamW, "rmsprop": Rmsprop, "adagrad": Adagrad}


# ---------------------------------------------------------------------------------- trace


@dataclass(frozen=True)
class Trace:
    steps: list[dict[str, Any]]
    final: dict[str, float]
    diverged: dict[str, Any] | None
    initial_state: dict[str, list[float]]


def trace(problem, optimizer: Optimizer, steps: int) -> Trace:
    """Run ``steps`` steps; stop before recording a step whose loss, gradient, parameters or
    state is non-finite, or whose loss, gradient or parameters exceed 1e12 in magnitude."""
    names = problem.names
    theta = list(problem.init)
    initial_state = optimizer.snapshot()
    records: list[dict[str, Any]] = []
    for t in range(1, steps + 1):
        samples = problem.samples(t)
        loss, grad = problem.evaluate(theta, samples)
        after = optimizer.step(theta, grad)
        record = _record(t, samples, problem, loss, grad, theta, after, optimizer.state)
        bad = None if _surely_fine(loss, grad, after, optimizer.state) else find_divergence(record)
        if bad:
            return Trace(records, dict(zip(names, theta)), {"t": t, **bad}, initial_state)
        records.append(record)
        theta = after
    return Trace(records, dict(zip(names, theta)), None, initial_state)


def _record(t, samples, problem, loss, grad, before, after, state) -> dict[str, Any]:
    names = problem.names
    record: dict[str, Any] = {"t": t}
    if problem.n_samples:
        record["samples"] = list(samples)
    record.update(
        loss=loss,
        grad=dict(zip(names, grad)),
        update={n: a - b for n, a, b in zip(names, after, before)},
        params=dict(zip(names, after)),
        state={key: dict(zip(names, values)) for key, values in state.items()},
    )
    return record


def _surely_fine(
    loss: float, grad: list[float], params: list[float], state: dict[str, list[float]]
) -> bool:
    """Fast test: every magnitude is small and the state finite (nan fails every comparison)."""
    total = abs(loss) + sum(map(abs, grad)) + sum(map(abs, params))
    return total <= EXPLODED and all(math.isfinite(sum(values)) for values in state.values())


def find_divergence(record: dict[str, Any]) -> dict[str, Any] | None:
    """The first non-finite or exploding quantity of a step record (``loss``, ``grad.w``, …)."""
    checks = [("loss", record["loss"], EXPLODED)]
    for key in ("grad", "params"):
        checks += [(f"{key}.{n}", v, EXPLODED) for n, v in record[key].items()]
    for key, values in record["state"].items():
        checks += [(f"state.{key}.{n}", v, math.inf) for n, v in values.items()]
    for quantity, value, limit in checks:
        if not abs(value) <= limit:
            return {"quantity": quantity, "value": value}
    return None


# -------------------------------------------------------------------------------- explain


def explain_step(command: str, hyper, names, record, state_before, digits: int) -> list[str]:
    """Step ``record['t']`` written out for every parameter, numbers substituted."""
    lines = []
    t = record["t"]
    for i, name in enumerate(names):
        p = record["params"][name] - record["update"][name]
        g = record["grad"][name]
        before = {k: v[i] for k, v in state_before.items()}
        after = {k: v[name] for k, v in record["state"].items()}
        lines.append(f"parameter {name}:")
        lines += [
            "  " + _bare_result(line)
            for line in EXPLAIN[command](
                hyper, t, p, g, before, after, record["params"][name], _Fmt(digits)
            )
        ]
    return lines


def _bare_result(line: str) -> str:
    """``… = (-0.1)`` → ``… = -0.1``: the result needs no parentheses."""
    head, sep, last = line.rpartition(" = ")
    return head + sep + last[1:-1] if sep and last.startswith("(-") and last.endswith(")") else line


def superscript(n: int) -> str:
    """``12`` → ``¹²`` (the power t of β₁ᵗ)."""
    return str(n).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))


class _Fmt:
    def __init__(self, digits: int):
        self.digits = digits

    def __call__(self, x) -> str:
        """A number as a factor: negatives in parentheses (``0.9·(-0.1)``)."""
        text = fmt(x, self.digits)
        return f"({text})" if text.startswith("-") else text


def _decay_line(h, p, g, f, sub) -> tuple[list[str], float]:
    wd = h.get("weight_decay", 0.0)
    if not wd:
        return [], g
    g2 = g + wd * p
    return [f"g{sub} ← g{sub} + λ·θ = {f(g)} + {f(wd)}·{f(p)} = {f(g2)}"], g2


def _explain_sgd(h, t, p, g, before, after, new, f) -> list[str]:
    s, q = subscript(str(t)), subscript(str(t - 1))
    lines = [f"g{s} = ∂L/∂θ = {f(g)}"]
    decay, g = _decay_line(h, p, g, f, s)
    lines += decay
    if h["momentum"]:
        b = after["momentum_buffer"]
        if t == 1:
            lines.append(f"b{s} = g{s} = {f(b)}")
        else:
            lines.append(
                f"b{s} = μ·b{q} + (1 − τ)·g{s} = {f(h['momentum'])}·{f(before['momentum_buffer'])} + "
                f"{f(1 - h['dampening'])}·{f(g)} = {f(b)}"
            )
        if h["nesterov"]:
            lines.append(
                f"g{s} ← g{s} + μ·b{s} = {f(g)} + {f(h['momentum'])}·{f(b)} = {f(g + h['momentum'] * b)}"
            )
            g = g + h["momentum"] * b
        else:
            g = b
    lines.append(
        f"θ{s} = θ{q} − lr·{'g' if not h['momentum'] or h['nesterov'] else 'b'}{s} = "
        f"{f(p)} − {f(h['lr'])}·{f(g)} = {f(new)}"
    )
    return lines


def _explain_adam(h, t, p, g, before, after, new, f, decoupled=False) -> list[str]:
    s, q = subscript(str(t)), subscript(str(t - 1))
    b1, b2 = h["beta1"], h["beta2"]
    lines = [f"g{s} = ∂L/∂θ = {f(g)}"]
    if decoupled and h["weight_decay"]:
        p2 = p * (1 - h["lr"] * h["weight_decay"])
        lines.append(
            f"θ ← θ·(1 − lr·λ) = {f(p)}·(1 − {f(h['lr'])}·{f(h['weight_decay'])}) = {f(p2)}"
        )
        p = p2
    elif not decoupled:
        decay, g = _decay_line(h, p, g, f, s)
        lines += decay
    m, v = after["exp_avg"], after["exp_avg_sq"]
    lines.append(
        f"m{s} = β₁·m{q} + (1 − β₁)·g{s} = {f(b1)}·{f(before['exp_avg'])} + {f(1 - b1)}·{f(g)} = {f(m)}"
    )
    lines.append(
        f"v{s} = β₂·v{q} + (1 − β₂)·g{s}² = {f(b2)}·{f(before['exp_avg_sq'])} + {f(1 - b2)}·{f(g)}² = {f(v)}"
    )
    if h["amsgrad"]:
        lines.append(
            f"v_max = max({f(before['max_exp_avg_sq'])}, {f(v)}) = {f(after['max_exp_avg_sq'])}"
        )
        v = after["max_exp_avg_sq"]
    lines.append(
        f"m̂{s} = m{s}/(1 − β₁{superscript(t)}) = {f(m)}/{f(1 - b1**t)} = {f(after['exp_avg_hat'])}"
    )
    lines.append(
        f"v̂{s} = {'v_max' if h['amsgrad'] else 'v' + s}/(1 − β₂{superscript(t)}) = {f(v)}/{f(1 - b2**t)} = "
        f"{f(after['exp_avg_sq_hat'])}"
    )
    lines.append(
        f"θ{s} = θ{q} − lr·m̂{s}/(√v̂{s} + ε) = {f(p)} − {f(h['lr'])}·{f(after['exp_avg_hat'])}/"
        f"(√{f(after['exp_avg_sq_hat'])} + {f(h['eps'])}) = {f(new)}"
    )
    return lines


def _explain_rmsprop(h, t, p, g, before, after, new, f) -> list[str]:
    s, q = subscript(str(t)), subscript(str(t - 1))
    a = h["alpha"]
    lines = [f"g{s} = ∂L/∂θ = {f(g)}"]
    decay, g = _decay_line(h, p, g, f, s)
    lines += decay
    v = after["square_avg"]
    lines.append(
        f"v{s} = α·v{q} + (1 − α)·g{s}² = {f(a)}·{f(before['square_avg'])} + {f(1 - a)}·{f(g)}² = {f(v)}"
    )
    denom = f"√v{s} + ε"
    if h["centered"]:
        ga = after["grad_avg"]
        lines.append(
            f"ḡ{s} = α·ḡ{q} + (1 − α)·g{s} = {f(a)}·{f(before['grad_avg'])} + {f(1 - a)}·{f(g)} = {f(ga)}"
        )
        denom = f"√(v{s} − ḡ{s}²) + ε"
        v = max(v - ga * ga, 0.0)
    avg = math.sqrt(v) + h["eps"]
    lines.append(f"{denom} = {f(avg)}")
    if h["momentum"] > 0:
        lines.append(
            f"b{s} = μ·b{q} + g{s}/({denom}) = {f(h['momentum'])}·{f(before['momentum_buffer'])} + "
            f"{f(g)}/{f(avg)} = {f(after['momentum_buffer'])}"
        )
        lines.append(
            f"θ{s} = θ{q} − lr·b{s} = {f(p)} − {f(h['lr'])}·{f(after['momentum_buffer'])} = {f(new)}"
        )
    else:
        lines.append(
            f"θ{s} = θ{q} − lr·g{s}/({denom}) = {f(p)} − {f(h['lr'])}·{f(g)}/{f(avg)} = {f(new)}"
        )
    return lines


def _explain_adagrad(h, t, p, g, before, after, new, f) -> list[str]:
    s, q = subscript(str(t)), subscript(str(t - 1))
    lines = [f"g{s} = ∂L/∂θ = {f(g)}"]
    decay, g = _decay_line(h, p, g, f, s)
    lines += decay
    clr = h["lr"] / (1 + (t - 1) * h["lr_decay"])
    if h["lr_decay"]:
        lines.append(
            f"lr{s} = lr/(1 + (t − 1)·lr_decay) = {f(h['lr'])}/(1 + {t - 1}·{f(h['lr_decay'])}) = {f(clr)}"
        )
    lines.append(f"s{s} = s{q} + g{s}² = {f(before['sum'])} + {f(g)}² = {f(after['sum'])}")
    lines.append(
        f"θ{s} = θ{q} − lr{s if h['lr_decay'] else ''}·g{s}/(√s{s} + ε) = {f(p)} − {f(clr)}·{f(g)}/"
        f"(√{f(after['sum'])} + {f(h['eps'])}) = {f(new)}"
    )
    return lines


EXPLAIN = {
    "sgd": _explain_sgd,
    "adam": _explain_adam,
    "adamw": lambda *a: _explain_adam(*a, decoupled=True),
    "rmsprop": _explain_rmsprop,
    "adagrad": _explain_adagrad,
}
