"""Backpropagation through dense layers, by the book (row-vector convention, as ``net``).

For layer l with W⁽ˡ⁾ (inputs × units) and the batch X (one row per sample), a⁽⁰⁾ = X:

    z⁽ˡ⁾ = a⁽ˡ⁻¹⁾·W⁽ˡ⁾ + b⁽ˡ⁾          a⁽ˡ⁾ = f(z⁽ˡ⁾)
    δ⁽ᴸ⁾ = ∂L/∂a⁽ᴸ⁾ ⊙ f′(z⁽ᴸ⁾)         (softmax: δ = a ⊙ (g − Σ g⊙a), its full Jacobian)
    δ⁽ˡ⁻¹⁾ = δ⁽ˡ⁾·W⁽ˡ⁾ᵀ ⊙ f′(z⁽ˡ⁻¹⁾)
    ∂L/∂W⁽ˡ⁾ = a⁽ˡ⁻¹⁾ᵀ·δ⁽ˡ⁾            ∂L/∂b⁽ˡ⁾ = Σ_samples δ⁽ˡ⁾
    W ← W − η·∂L/∂W                   (plain SGD, every layer at once)

Losses over the batch (N samples, K outputs), ``mean`` dividing by ``count``:

- ``half_sse``: Σ ½(y − t)², mean over the N samples (Nielsen's C = 1/2n Σ‖y − a‖²);
- ``mse``: Σ (y − t)², mean over all N·K entries (torch.nn.MSELoss);
- ``bce``: −Σ [t log y + (1 − t) log(1 − y)], mean over N·K (torch.nn.BCELoss, logs
  clamped at −100 and y(1 − y) at 1e−12 in the gradient, as torch does);
- ``ce``: −Σ t log softmax(z), mean over N (torch.nn.CrossEntropyLoss on the last layer's z;
  the last layer must be softmax), so δ⁽ᴸ⁾ = (a·Σt − t)/N.

Arithmetic is exact (numpy arrays of fractions) when every activation is piecewise linear
(linear, relu, leaky_relu) and the loss is half_sse or mse; float64 otherwise.

A ``slip`` recomputes everything the way a named mistake would (hwcheck.families.backprop.mistakes).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from hwcheck.core.errors import HwcheckError

EXACT_ACTIVATIONS = ("linear", "relu", "leaky_relu")
EXACT_LOSSES = ("half_sse", "mse")
MAX_PRODUCTS = 10**9  # multiply-adds of all passes (float64)
MAX_PRODUCTS_EXACT = 2 * 10**5  # … in fractions
MAX_EXACT_BITS = 4096  # a fraction longer than this (about 1,230 digits) ends exact arithmetic
LOG_FLOOR = -100.0  # torch's BCELoss clamps its logs here
BCE_EPS = 1e-12  # … and y(1 − y) here in the gradient


@dataclass(frozen=True)
class Problem:
    """Everything the computation reads, already parsed (fractions)."""

    activations: tuple[str, ...]
    weights: tuple  # per layer: rows of Fractions (inputs × units)
    biases: tuple  # per layer: Fractions
    x: tuple
    target: tuple
    loss: str
    reduction: str
    slope: Fraction
    lr: Fraction | None
    steps: int
    exact: bool


@dataclass(frozen=True)
class Slip:
    """A named mistake made on purpose: ``name`` and where (``output``: the output layer only)."""

    name: str
    output_only: bool = False


def is_exact(activations, loss: str) -> bool:
    return all(a in EXACT_ACTIVATIONS for a in activations) and loss in EXACT_LOSSES


def arrays(p: Problem):
    """(weights, biases, x, target) as numpy arrays: fractions (exact) or float64."""
    import numpy as np

    def array(values):
        if p.exact:
            return np.array(values, dtype=object)
        return np.array(_floats(values), dtype=float)

    return (
        [array(w) for w in p.weights],
        [array(b) for b in p.biases],
        array(p.x),
        array(p.target),
    )


def _floats(values):
    """Rows of fractions as floats (n/d directly: float(Fraction) is several calls deep)."""
    if isinstance(values, (tuple, list)):
        if values and not isinstance(values[0], (tuple, list)):
            return [v.numerator / v.denominator for v in values]
        return [_floats(v) for v in values]
    return values.numerator / values.denominator


# ---------------------------------------------------------------------------- activations


def activate(name: str, z, slope):
    import numpy as np

    if name == "linear":
        return z.copy()
    if name == "relu":
        return np.where(z > 0, z, z * 0)
    if name == "leaky_relu":
        return np.where(z > 0, z, z * slope)
    if name == "sigmoid":
        return 0.5 * (1.0 + np.tanh(0.5 * z))  # stable for large |z|
    if name == "tanh":
        return np.tanh(z)
    shifted = np.exp(z - z.max(axis=1, keepdims=True))  # softmax, per row
    return shifted / shifted.sum(axis=1, keepdims=True)


def derivative(name: str, z, a, slope):
    """f′(z) entry by entry (torch's choice at 0: relu′(0) = 0, leaky_relu′(0) = slope)."""
    import numpy as np

    one = z * 0 + 1
    if name == "linear":
        return one
    if name == "relu":
        return np.where(z > 0, one, one * 0)
    if name == "leaky_relu":
        return np.where(z > 0, one, one * slope)
    if name == "sigmoid":
        return a * (1 - a)
    return 1 - a * a  # tanh


def slope_of(name: str, z, a, slope):
    """f′(z) as the solution sheet shows it beside δ (softmax: None)."""
    return None if name == "softmax" else derivative(name, z, a, slope)


def local_backward(name: str, g, z, a, slope, slip: Slip | None, is_output: bool):
    """δ = ∂L/∂z from g = ∂L/∂a: the activation's Jacobian applied to g."""
    if _slipped(slip, "activation_derivative_forgotten", is_output):
        return g
    if name == "softmax":
        if _slipped(slip, "softmax_diagonal", is_output):
            return g * a * (1 - a)
        return a * (g - (g * a).sum(axis=1, keepdims=True))
    if _slipped(slip, "a_for_z", is_output) and name in ("sigmoid", "tanh"):
        fa = activate(name, a, slope)
        return g * derivative(name, a, fa, slope)
    return g * derivative(name, z, a, slope)


def _slipped(slip: Slip | None, name: str, is_output: bool) -> bool:
    return slip is not None and slip.name == name and (is_output or not slip.output_only)


# --------------------------------------------------------------------------------- losses


def count(p: Problem, y) -> int:
    """What a mean divides by: the samples (half_sse, ce) or every entry (mse, bce)."""
    if p.reduction == "sum":
        return 1
    return y.shape[0] if p.loss in ("half_sse", "ce") else y.size


def loss_value(p: Problem, z, y, t, slip: Slip | None = None):
    import numpy as np

    c = 1 if _slipped(slip, "mean_forgotten", True) else count(p, y)
    if p.loss == "half_sse":
        return _total((y - t) * (y - t)) / (2 * c)
    if p.loss == "mse":
        return _total((y - t) * (y - t)) / c
    if p.loss == "bce":
        with np.errstate(divide="ignore"):
            logs = np.maximum(np.log(y), LOG_FLOOR), np.maximum(np.log(1 - y), LOG_FLOOR)
        return float(-(t * logs[0] + (1 - t) * logs[1]).sum() / c)
    shifted = z - z.max(axis=1, keepdims=True)
    log_a = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-(t * log_a).sum() / c)


def _total(a):
    total = a.sum()
    return Fraction(total) if a.dtype == object else float(total)


def output_delta(p: Problem, z, y, t, slip: Slip | None):
    """(∂L/∂a⁽ᴸ⁾, δ⁽ᴸ⁾ = ∂L/∂z⁽ᴸ⁾) of the output layer."""
    import numpy as np

    act = p.activations[-1]
    c = 1 if _slipped(slip, "mean_forgotten", True) else count(p, y)
    if p.loss == "ce":
        with np.errstate(divide="ignore", invalid="ignore"):
            g = -t / (y * c)
        if _slipped(slip, "softmax_diagonal", True):
            return g, -t * (1 - y) / c  # −t/a ⊙ a(1 − a): the diagonal only
        if _slipped(slip, "activation_derivative_forgotten", True):
            return g, g
        return g, (y * t.sum(axis=1, keepdims=True) - t) / c
    if p.loss == "bce":
        g = (y - t) / np.maximum(y * (1 - y), BCE_EPS) / c
        if act == "sigmoid" and _slipped(slip, "bce_mse_derivative", True):
            return g, y * (1 - y) * (y - t) / c
    else:
        g = (y - t) * (2 if p.loss == "mse" else 1) / c
    return g, local_backward(act, g, z, y, p.slope, slip, True)


# ------------------------------------------------------------------------------- passes


@dataclass(frozen=True)
class LayerPass:
    z: Any
    a: Any
    dL_da: Any
    dL_dz: Any
    dL_dW: Any
    dL_db: Any
    W: Any  # the weights and bias the pass used
    b: Any
    df_dz: Any = None  # f′(z) entry by entry (None for softmax: its Jacobian is not diagonal)


def forward(p: Problem, weights, biases, x):
    """[(z, a)] per layer."""
    out, a = [], x
    for act, w, b in zip(p.activations, weights, biases, strict=True):
        z = a.dot(w) + b
        a = activate(act, z, p.slope)
        out.append((z, a))
    return out


def one_pass(p: Problem, weights, biases, x, t, slip: Slip | None = None):
    """(loss, [LayerPass]) at the given weights: forward, then δ from the output down."""
    forwards = forward(p, weights, biases, x)
    check_domain(p, forwards[-1][1], t)
    z_out, y = forwards[-1]
    n = len(weights)
    upstream, deltas = [None] * n, [None] * n
    upstream[-1], deltas[-1] = output_delta(p, z_out, y, t, slip)
    for i in range(n - 1, 0, -1):
        w = weights[i] if _slipped(slip, "w_not_transposed", False) else weights[i].T
        upstream[i - 1] = deltas[i].dot(w)  # ∂L/∂a⁽ˡ⁻¹⁾ = δ⁽ˡ⁾·W⁽ˡ⁾ᵀ
        z, a = forwards[i - 1]
        deltas[i - 1] = local_backward(
            p.activations[i - 1], upstream[i - 1], z, a, p.slope, slip, False
        )
    inputs = [x] + [a for _, a in forwards[:-1]]
    passes = [
        LayerPass(z, a, g, d, a_in.T.dot(d), d.sum(axis=0), w, b, slope_of(act, z, a, p.slope))
        for (z, a), g, d, a_in, w, b, act in zip(
            forwards, upstream, deltas, inputs, weights, biases, p.activations, strict=True
        )
    ]
    return loss_value(p, z_out, y, t, slip), passes


def check_domain(p: Problem, y, t) -> None:
    """bce needs outputs in [0, 1] (a log of them is taken)."""
    if p.loss != "bce":
        return
    import numpy as np

    bad = np.argwhere((y < 0) | (y > 1))
    if len(bad):
        n, k = (int(v) for v in bad[0])
        raise HwcheckError(
            f"layers[{len(p.activations) - 1}]",
            f"bce needs outputs in [0, 1]; output {k} of sample {n} is {float(y[n, k]):g}",
            hint="end the network with a sigmoid layer",
        )


def check_length(arrays, step: int) -> None:
    """Exact weights whose fractions outgrow :data:`MAX_EXACT_BITS` (they can double in length
    every step through several layers) stop the run rather than the machine."""
    for a in arrays:
        for v in a.flat:
            if max(v.numerator.bit_length(), Fraction(v).denominator.bit_length()) > MAX_EXACT_BITS:
                raise HwcheckError(
                    "--steps",
                    f"after step {step} the exact fractions have more than "
                    f"{MAX_EXACT_BITS * 3 // 10:,} digits",
                    hint="add --floats (float64), or take fewer steps",
                )


def train(p: Problem, slip: Slip | None = None):
    """(loss, passes at the given weights, steps): each step (loss before it, the passes whose
    gradients it used, weights and biases after it)."""
    weights, biases, x, t = arrays(p)
    loss, passes = one_pass(p, weights, biases, x, t, slip)
    first = (loss, passes)
    sign = -1 if _slipped(slip, "update_sign_flipped", True) else 1
    lr = p.lr if p.exact or p.lr is None else float(p.lr)
    steps = []
    count = p.steps if p.lr is not None else 0
    for k in range(count):
        weights = [w - sign * lr * g.dL_dW for w, g in zip(weights, passes, strict=True)]
        biases = [b - sign * lr * g.dL_db for b, g in zip(biases, passes, strict=True)]
        steps.append((loss, passes, weights, biases))
        if p.exact:
            check_length(weights + biases, len(steps))
        if k < count - 1:  # the gradients after the last step are used by no step
            loss, passes = one_pass(p, weights, biases, x, t, slip)
    return first[0], first[1], steps
