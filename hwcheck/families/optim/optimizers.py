"""Update rules exactly as ``torch.optim`` computes them (the single-tensor loops), in floats.

Every rule is element-wise, so the state is a list of floats per torch state name and one step
is a loop over the parameters. Each optimizer also writes one step out with the numbers
substituted (``--explain``). :func:`trace` runs the steps and stops at a divergence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

from hwcheck.core.errors import HwcheckError
from hwcheck.core.formula import Rule, Sym, maximum, sequence, sqrt, wrap
from hwcheck.core.numfmt import fmt
from hwcheck.core.options import flag_name
from hwcheck.families.optim.request import hyperparameters

EXPLODED = 1e12  # a loss, gradient or parameter above this in magnitude stops the trace


# ----------------------------------------------------------------------------- validation


def check_hyper(request) -> dict[str, Any]:
    """The optimizer's hyperparameters from the request, validated as torch does (and a bit more)."""
    hyper = {name: getattr(request, name) for name in hyperparameters(type(request))}
    _positive(hyper, "lr")
    _positive(hyper, "eps")
    for name in (
        "momentum",
        "dampening",
        "weight_decay",
        "lr_decay",
        "initial_accumulator",
        "momentum_decay",
    ):
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
# Every update rule is written once, as a formula (hwcheck/core/formula.py): the step evaluates it,
# the trace table prints it as the column header and --explain writes it out with numbers.

THETA = Sym("θ", "theta", "state", latex=r"\theta")
GRAD = Sym("g", "grad", "step")
UPDATE = Sym("Δθ", "update", "step", latex=r"\Delta\theta")
LR = Sym("lr", "lr", latex=r"\mathrm{lr}")
EPS = Sym("ε", "eps", latex=r"\varepsilon")
DECAY = Sym("λ", "weight_decay", latex=r"\lambda")
MOMENTUM = Sym("μ", "momentum", latex=r"\mu")
DAMPENING = Sym("τ", "dampening", latex=r"\tau")
BETA1 = Sym("β₁", "beta1", latex=r"\beta_{1}")
BETA2 = Sym("β₂", "beta2", latex=r"\beta_{2}")
ALPHA = Sym("α", "alpha", latex=r"\alpha")
LR_DECAY = Sym("lr_decay", "lr_decay", latex=r"\mathrm{lr\_decay}")
T = Sym("t", "t", "time")
BUFFER = Sym("b", "momentum_buffer", "state")
M = Sym("m", "exp_avg", "state")
V = Sym("v", "exp_avg_sq", "state")
V_MAX = Sym("vᵐᵃˣ", "max_exp_avg_sq", "state", latex=r"v^{\max}")
M_HAT = Sym("m̂", "exp_avg_hat", "step", latex=r"\hat{m}")
V_HAT = Sym("v̂", "exp_avg_sq_hat", "step", latex=r"\hat{v}")
SQUARE_AVG = Sym("v", "square_avg", "state")
GRAD_AVG = Sym("ḡ", "grad_avg", "state", latex=r"\bar{g}")
SUM = Sym("s", "sum", "state")
LR_T = Sym("lr", "clr", "step", latex=r"\mathrm{lr}")
#: θₜ = θₜ₋₁ + Δθₜ, the last rule of every optimizer
STEP = Rule(THETA, THETA + UPDATE)


@dataclass(frozen=True)
class Variant:
    """A named mistake an optimizer declares beside its rules: the same optimizer with the class
    attributes ``changes`` (read by its :meth:`Optimizer.rules`), run on the same problem."""

    id: str
    name: str
    explanation: str
    changes: dict[str, Any]
    combinable: bool = True


@dataclass
class Optimizer:
    """Element-wise state under torch's names; ``step`` evaluates :meth:`rules` in order.

    An optimizer whose rules change with the step (RAdam's rectification) names the step's
    phase (:meth:`phase`) and gives each phase's rules (:meth:`rules_at`); its table headers are
    :meth:`header_rules`. ``MISTAKES`` declares its named mistakes (:class:`Variant`)."""

    hyper: dict[str, Any]
    n: int
    t: int = 0
    state: dict[str, list[float]] = field(default_factory=dict)

    MISTAKES: ClassVar[tuple[Variant, ...]] = ()
    STEP_NAME: ClassVar[str] = ""  # "the Adam step", in the decoupled-decay note
    DENOMINATOR: ClassVar[str] = ""  # what the decoupled decay is not divided by

    def __post_init__(self):
        self.state = {name: [value] * self.n for name, value in self.initial_state().items()}
        self._fixed = {k: v for k, v in self.hyper.items() if isinstance(v, (int, float))}
        self._compiled_by_phase: dict[Any, list] = {}

    @classmethod
    def decoupled_decay(cls, hyper: dict[str, Any]) -> bool:
        """True when the weight decay shrinks θ directly (θ·(1 − lr·λ)), not through g."""
        return False

    def phase(self, t: int) -> Any:
        """Which rules step ``t`` uses (one phase unless an optimizer says otherwise)."""
        return None

    def rules_at(self, t: int) -> list[Rule]:
        return self.rules()

    def step_rules(self, t: int | None = None) -> list[Rule]:
        """The rules of step ``t`` (or of every step) in order, each knowing what the earlier ones
        assigned (for rendering)."""
        return sequence(self.rules() if t is None else self.rules_at(t))

    def header_rules(self) -> list[Rule]:
        """The rules the trace table's headers show."""
        return self.step_rules()

    def notes(self) -> list[str]:
        """Notes under the trace table that only this optimizer needs."""
        return []

    def shown_state(self, t: int) -> tuple[str, ...]:
        """The state keys step ``t`` records (all of them unless a phase leaves one undefined)."""
        return tuple(self.state)

    def _compiled(self) -> list:
        key = self.phase(self.t)
        if key not in self._compiled_by_phase:
            self._compiled_by_phase[key] = [r.compile(self._fixed) for r in self.rules_at(self.t)]
        return self._compiled_by_phase[key]

    def initial_state(self) -> dict[str, float]:
        return {}

    def rules(self) -> list[Rule]:  # pragma: no cover - every optimizer defines its rules
        raise NotImplementedError

    def decay_rules(self) -> list[Rule]:
        """torch's coupled weight decay: g ← g + λ·θ (an L2 term inside the optimizer)."""
        if not self.hyper.get("weight_decay"):
            return []
        return [Rule(GRAD, GRAD + DECAY * THETA, reassign=True)]

    def snapshot(self) -> dict[str, list[float]]:
        return {name: list(values) for name, values in self.state.items()}

    def step(self, theta: list[float], grad: list[float]) -> list[float]:
        self.t += 1
        env: dict[str, Any] = dict(self.hyper, t=self.t)
        state, first_step = self.state, self.t == 1
        out = []
        compiled = self._compiled()
        for i, (p, g) in enumerate(zip(theta, grad)):
            env["theta"], env["grad"] = p, g
            for key, values in state.items():
                env[key] = values[i]
            for key, rhs, first in compiled:
                env[key] = (first if first_step and first is not None else rhs)(env)
            for key, values in state.items():
                values[i] = env[key]
            out.append(env["theta"])
        return out


class Sgd(Optimizer):
    """b ← μ·b + (1 − τ)·g (b₁ = g); Δθ = −lr·(g + μ·b) (Nesterov) or −lr·b."""

    def initial_state(self):
        return {"momentum_buffer": 0.0} if self.hyper["momentum"] else {}

    def rules(self):
        h = self.hyper
        if not h["momentum"]:
            return self.decay_rules() + [Rule(UPDATE, -LR * GRAD), STEP]
        buffer = Rule(BUFFER, MOMENTUM * BUFFER + (1 - DAMPENING) * GRAD, first=GRAD)
        direction = GRAD + MOMENTUM * BUFFER if h["nesterov"] else BUFFER
        return self.decay_rules() + [buffer, Rule(UPDATE, -LR * direction), STEP]


class Adam(Optimizer):
    """m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ) (AMSGrad: of
    vᵐᵃˣ = max(vᵐᵃˣ, v)); Δθ = −lr·m̂/(√v̂ + ε), as torch (eps outside the root)."""

    decoupled = False
    STEP_NAME, DENOMINATOR = "Adam", "√v̂ + ε"

    @classmethod
    def decoupled_decay(cls, hyper):
        return cls.decoupled

    def initial_state(self):
        state = {"exp_avg": 0.0, "exp_avg_sq": 0.0}
        if self.hyper["amsgrad"]:
            state["max_exp_avg_sq"] = 0.0
        return state | {"exp_avg_hat": 0.0, "exp_avg_sq_hat": 0.0}

    def rules(self):
        amsgrad = self.hyper["amsgrad"]
        second = V_MAX if amsgrad else V
        rules = [] if self.decoupled else self.decay_rules()
        rules += [
            Rule(M, BETA1 * M + (1 - BETA1) * GRAD),
            Rule(V, BETA2 * V + (1 - BETA2) * GRAD**2),
        ]
        if amsgrad:
            rules.append(Rule(V_MAX, maximum(V_MAX, V)))
        rules += [
            Rule(M_HAT, M / (1 - BETA1**T)),
            Rule(V_HAT, second / (1 - BETA2**T)),
        ]
        adaptive = LR * M_HAT / (sqrt(V_HAT) + EPS)
        if self.decoupled and self.hyper["weight_decay"]:  # AdamW: the decay is not divided
            return rules + [Rule(UPDATE, -LR * DECAY * THETA - adaptive), STEP]
        return rules + [Rule(UPDATE, -adaptive), STEP]


class AdamW(Adam):
    """Adam with Δθ = −lr·λ·θ − lr·m̂/(√v̂ + ε): the decay is not divided by the denominator."""

    decoupled = True


class Rmsprop(Optimizer):
    """v ← αv + (1−α)g²; (centered: ḡ ← αḡ + (1−α)g, v − ḡ²); Δθ = −lr·g/(√v + ε)."""

    def initial_state(self):
        state = {"square_avg": 0.0}
        if self.hyper["centered"]:
            state["grad_avg"] = 0.0
        if self.hyper["momentum"] > 0:
            state["momentum_buffer"] = 0.0
        return state

    def rules(self):
        h = self.hyper
        rules = self.decay_rules() + [Rule(SQUARE_AVG, ALPHA * SQUARE_AVG + (1 - ALPHA) * GRAD**2)]
        if h["centered"]:
            rules.append(Rule(GRAD_AVG, ALPHA * GRAD_AVG + (1 - ALPHA) * GRAD))
            denominator = sqrt(SQUARE_AVG - GRAD_AVG**2) + EPS
        else:
            denominator = sqrt(SQUARE_AVG) + EPS
        if h["momentum"] > 0:
            rules.append(Rule(BUFFER, MOMENTUM * BUFFER + GRAD / denominator))
            return rules + [Rule(UPDATE, -LR * BUFFER), STEP]
        return rules + [Rule(UPDATE, -LR * GRAD / denominator), STEP]


class Adagrad(Optimizer):
    """lrₜ = lr/(1 + (t−1)·lr_decay); s ← s + g²; Δθ = −lrₜ·g/(√s + ε)."""

    def initial_state(self):
        return {"sum": self.hyper["initial_accumulator"]}

    def rules(self):
        return self.decay_rules() + [
            Rule(LR_T, LR / (1 + (T - 1) * LR_DECAY)),
            Rule(SUM, SUM + GRAD**2),
            Rule(UPDATE, -LR_T * GRAD / (sqrt(SUM) + EPS)),
            STEP,
        ]


class _Next(Sym):
    """A quantity of step t + 1 computed at step t (NAdam's μₜ₊₁)."""

    def index(self, t, lhs, updated=frozenset()):
        return "t+1" if t is None else str(t + 1)

    def text(self, t=None, lhs=False, updated=frozenset()):
        return self.name + (
            "ₜ₊₁" if t is None else "".join("₀₁₂₃₄₅₆₇₈₉"[int(d)] for d in str(t + 1))
        )


MOMENTUM_DECAY = Sym("ψ", "momentum_decay", latex=r"\psi")
MU = Sym("μ", "mu", "step", latex=r"\mu")
MU_NEXT = _Next("μ", "mu_next", "step", latex=r"\mu")
MU_PRODUCT = Sym("Π", "mu_product", "state", latex=r"\Pi")


class Nadam(Optimizer):
    """torch.optim.NAdam: μₜ = β₁(1 − ½·0.96^(tψ)), Πₜ = Πₜ₋₁·μₜ; m, v as Adam; v̂ = v/(1 − β₂ᵗ);
    Δθ = −lr·(1 − μₜ)/(1 − Πₜ)·g/(√v̂ + ε) − lr·μₜ₊₁/(1 − Πₜμₜ₊₁)·m/(√v̂ + ε)."""

    STEP_NAME, DENOMINATOR = "NAdam", "√v̂ + ε"
    schedule = True  # False: the mistake μₜ = β₁ (no momentum-decay schedule)
    MISTAKES = (
        Variant(
            "nadam_no_momentum_schedule",
            "NAdam without the momentum-decay schedule",
            "μₜ = μₜ₊₁ = β₁ every step (Dozat's simplified form), not torch's β₁(1 − ½·0.96^(tψ))",
            {"schedule": False},
        ),
    )

    @classmethod
    def decoupled_decay(cls, hyper):
        return bool(hyper.get("decoupled_weight_decay"))

    def initial_state(self):
        return {
            "mu": 0.0,
            "mu_next": 0.0,
            "mu_product": 1.0,
            "exp_avg": 0.0,
            "exp_avg_sq": 0.0,
            "exp_avg_sq_hat": 0.0,
        }

    def rules(self):
        decoupled = self.decoupled_decay(self.hyper)
        if self.schedule:
            mu = BETA1 * (1 - 0.5 * wrap(0.96) ** (T * MOMENTUM_DECAY))
            mu_next = BETA1 * (1 - 0.5 * wrap(0.96) ** ((T + 1) * MOMENTUM_DECAY))
        else:
            mu = mu_next = BETA1
        rules = [] if decoupled else self.decay_rules()
        rules += [
            Rule(MU, mu),
            Rule(MU_NEXT, mu_next),
            Rule(MU_PRODUCT, MU_PRODUCT * MU),
            Rule(M, BETA1 * M + (1 - BETA1) * GRAD),
            Rule(V, BETA2 * V + (1 - BETA2) * GRAD**2),
            Rule(V_HAT, V / (1 - BETA2**T)),
        ]
        denominator = sqrt(V_HAT) + EPS
        gradient_part = LR * (1 - MU) / (1 - MU_PRODUCT) * GRAD / denominator
        momentum_part = LR * MU_NEXT / (1 - MU_PRODUCT * MU_NEXT) * M / denominator
        step = -gradient_part - momentum_part
        if decoupled and self.hyper["weight_decay"]:
            step = -LR * DECAY * THETA - gradient_part - momentum_part
        return rules + [Rule(UPDATE, step), STEP]

    def notes(self):
        if not self.schedule:
            return []
        return [
            "μₜ₊₁ is the next step's momentum coefficient; Πₜ = μ₁·μ₂·…·μₜ (torch's mu_product)"
        ]


RHO_INF = Sym("ρ∞", "rho_inf", "value", latex=r"\rho_{\infty}")
RHO = Sym("ρ", "rho_t", "step", latex=r"\rho")
RECT = Sym("r", "rect", "step")


class Radam(Optimizer):
    """torch.optim.RAdam: m, v as Adam, m̂ = m/(1 − β₁ᵗ); ρ∞ = 2/(1 − β₂) − 1,
    ρₜ = ρ∞ − 2tβ₂ᵗ/(1 − β₂ᵗ); when ρₜ > 5 the rectification rₜ = √((ρₜ−4)(ρₜ−2)ρ∞/((ρ∞−4)(ρ∞−2)ρₜ))
    and Δθ = −lr·m̂·rₜ·√(1 − β₂ᵗ)/(√v + ε); otherwise Δθ = −lr·m̂ (no adaptive term)."""

    STEP_NAME, DENOMINATOR = "RAdam", "√v + ε"
    rectify = True  # False: the mistake of taking the adaptive step from step 1, unrectified
    MISTAKES = (
        Variant(
            "radam_no_rectification",
            "RAdam without rectification",
            "Adam's step −lr·m̂·√(1 − β₂ᵗ)/(√v + ε) from step 1: no rₜ, no un-adapted steps while ρₜ ≤ 5",
            {"rectify": False},
        ),
    )

    @classmethod
    def decoupled_decay(cls, hyper):
        return bool(hyper.get("decoupled_weight_decay"))

    def initial_state(self):
        return {"exp_avg": 0.0, "exp_avg_sq": 0.0, "exp_avg_hat": 0.0, "rho_t": 0.0, "rect": 0.0}

    def rho(self, t: int) -> float:
        """ρₜ as torch computes it (it decides each step's rules)."""
        beta2 = self.hyper["beta2"]
        return 2 / (1 - beta2) - 1 - 2 * t * beta2**t / (1 - beta2**t)

    def phase(self, t):
        return "adaptive" if not self.rectify else ("rectified" if self.rho(t) > 5 else "plain")

    def shown_state(self, t):
        shown = tuple(self.state)
        return shown if self.phase(t) == "rectified" else tuple(k for k in shown if k != "rect")

    def rules(self):
        return self._rules("rectified")

    def rules_at(self, t):
        return self._rules(self.phase(t))

    def _rules(self, phase: str):
        decoupled = self.decoupled_decay(self.hyper)
        rules = [] if decoupled else self.decay_rules()
        rules += [
            Rule(M, BETA1 * M + (1 - BETA1) * GRAD),
            Rule(V, BETA2 * V + (1 - BETA2) * GRAD**2),
            Rule(M_HAT, M / (1 - BETA1**T)),
            Rule(RHO_INF, 2 / (1 - BETA2) - 1),
            Rule(RHO, RHO_INF - 2 * T * BETA2**T / (1 - BETA2**T)),
        ]
        adaptive = sqrt(1 - BETA2**T) / (sqrt(V) + EPS)
        if phase == "rectified":
            ratio = (RHO - 4) * (RHO - 2) * RHO_INF / ((RHO_INF - 4) * (RHO_INF - 2) * RHO)
            rules.append(Rule(RECT, sqrt(ratio)))
            step = LR * M_HAT * RECT * adaptive
        elif phase == "adaptive":
            step = LR * M_HAT * adaptive
        else:
            step = LR * M_HAT
        if decoupled and self.hyper["weight_decay"]:
            return rules + [Rule(UPDATE, -LR * DECAY * THETA - step), STEP]
        return rules + [Rule(UPDATE, -step), STEP]

    def notes(self):
        if not self.rectify:
            return []
        rho_inf = 2 / (1 - self.hyper["beta2"]) - 1
        note = (
            f"ρ∞ = 2/(1 − β₂) − 1 = {fmt(rho_inf)}; while ρₜ ≤ 5 torch takes Δθ = −lr·m̂ "
            "(no adaptive term) and rₜ is not defined (left blank)"
        )
        return [note]


OPTIMIZERS = {
    "sgd": Sgd,
    "adam": Adam,
    "adamw": AdamW,
    "rmsprop": Rmsprop,
    "adagrad": Adagrad,
    "nadam": Nadam,
    "radam": Radam,
}


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
        shown = optimizer.shown_state(t)
        state = {k: v for k, v in optimizer.state.items() if k in shown}
        record = _record(t, samples, problem, loss, grad, theta, after, state)
        bad = None if _surely_fine(loss, grad, after, state) else find_divergence(record)
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
    """Step ``record['t']`` written out for every parameter: each rule of the optimizer with
    its symbols, then with the numbers, then its value (the same definitions the step used)."""
    t = record["t"]
    rules = OPTIMIZERS[command](hyper, 1).step_rules(t)
    f = _Fmt(digits)
    lines = []
    for i, name in enumerate(names):
        env: dict[str, Any] = dict(hyper, t=t)
        env |= {k: v[i] for k, v in state_before.items() if v}
        env["theta"] = record["params"][name] - record["update"][name]
        env["grad"] = record["grad"][name]
        lines.append(f"parameter {name}:")
        lines.append(f"  {GRAD.text(t)} = ∂L/∂θ = {fmt(env['grad'], digits)}")
        for rule in rules:
            text, env[rule.lhs.key] = rule.explain(env, f, t)
            lines.append("  " + text)
    return lines


class _Fmt:
    def __init__(self, digits: int):
        self.digits = digits

    def __call__(self, x) -> str:
        """A number as a factor: negatives in parentheses (``0.9·(-0.1)``)."""
        text = fmt(x, self.digits)
        return f"({text})" if text.startswith("-") else text
