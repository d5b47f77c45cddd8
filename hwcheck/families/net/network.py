"""A small network with given weights: y = act(x·W + b) layer by layer (row-vector convention).

``W`` of a layer is (inputs × units), as Keras stores a Dense kernel, so a network of linear
layers is x·W₁·W₂·… (exercise R). Activations, with the conventions stated once here:

- ``step(z)`` = 1 if z ≥ 0 else 0;  ``sign(z)`` = −1, 0 or 1 (sign(0) = 0);
- ``relu``, ``sigmoid``, ``tanh``, ``linear`` as usual.

Weights are parsed exactly (fractions). When every weight and bias is dyadic (a denominator
that is a power of two, such as 1/2) and the inputs are integers, float64 arithmetic is exact for
the sizes allowed here, so the evaluation runs vectorised in numpy; otherwise it runs exactly, so
that ``step`` and ``sign`` decide z = 0 exactly: each layer's weights over one common denominator,
the activations as integer numerators over a running scale, in int64 while a bound from the
sizes says the values fit and in Python integers beyond. The work (rows × weights, counted in
64-bit limbs for big integers) is bounded before it starts, and done a block of rows at a time,
each block a checkpoint of the time budget and of Ctrl-C.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from hwcheck.core.arrays import parse_matrix, parse_vector
from hwcheck.core.errors import HwcheckError, did_you_mean
from hwcheck.core.inputs import read_toml_table

ACTIVATIONS = ("step", "sign", "relu", "sigmoid", "tanh", "linear")
EXACT_ACTIVATIONS = ("step", "sign", "relu", "linear")
MAX_UNITS = 4096
MAX_LAYERS = 64


@dataclass(frozen=True)
class NetLayer:
    """One layer: ``weights`` (inputs × units) and ``bias`` (units) as exact numbers."""

    activation: str
    weights: tuple[tuple[Fraction, ...], ...]
    bias: tuple[Fraction, ...]

    @property
    def inputs(self) -> int:
        return len(self.weights)

    @property
    def units(self) -> int:
        return len(self.bias)

    @property
    def connections(self) -> int:
        """Non-zero weights: the connections the layer really has."""
        return sum(1 for row in self.weights for w in row if w != 0)


def activation_name(value: Any, where: str, activations: tuple = ACTIVATIONS) -> str:
    name = str(value).strip().lower() if isinstance(value, str) else None
    if name == "identity":
        name = "linear"
    if name not in activations:
        raise HwcheckError(
            where,
            f"unknown activation {value!r}{did_you_mean(str(value), activations)}",
            hint="activations: " + ", ".join(activations),
        )
    return name


def make_layer(
    activation: Any, weights: Any, bias: Any, where: str, activations: tuple = ACTIVATIONS
) -> NetLayer:
    """A layer from raw values (text or lists), with the shapes checked; ``activations``: the
    names the command allows (``backprop`` adds leaky_relu and softmax)."""
    act = activation_name(activation, f"{where}: activation", activations)
    w = parse_matrix(weights, f"{where}: weights", max_entries=MAX_UNITS * MAX_UNITS)
    units = len(w[0])
    if bias is None:
        b = [0] * units
    else:
        b = parse_vector(bias, f"{where}: bias", max_entries=MAX_UNITS)
    if len(b) != units:
        raise HwcheckError(
            where,
            f"weights are {len(w)}×{units} (inputs × units) but the bias has {len(b)} entries",
            hint="one bias per unit, i.e. per column of W",
        )
    if units > MAX_UNITS or len(w) > MAX_UNITS:
        raise HwcheckError(where, f"at most {MAX_UNITS} units per layer")
    return NetLayer(
        act,
        tuple(tuple(Fraction(v) for v in row) for row in w),
        tuple(Fraction(v) for v in b),
    )


def parse_layer_text(text: Any, where: str, activations: tuple = ACTIVATIONS) -> NetLayer:
    """``"relu | 1 1; -1 1 | 0 -1"``: activation, W (inputs × units), optional bias."""
    if not isinstance(text, str):
        raise HwcheckError(where, "expected 'activation | W | b', e.g. 'relu | 1 -1; -1 1 | 0 0'")
    parts = [p.strip() for p in text.split("|")]
    if len(parts) not in (2, 3) or not all(parts):
        raise HwcheckError(
            where,
            f"expected 'activation | W | b' (b optional), got {len(parts)} part(s)",
            hint="e.g. 'relu | 1 -1; -1 1 | 0 0' (W is inputs × units, rows split by ';')",
        )
    bias = parts[2] if len(parts) == 3 else None
    return make_layer(parts[0], parts[1], bias, where, activations)


def layer_from_table(table: Any, where: str, activations: tuple = ACTIVATIONS) -> NetLayer:
    if not isinstance(table, dict):
        raise HwcheckError(where, "expected a table with weights, bias and activation")
    unknown = set(table) - {"weights", "bias", "activation", "W", "b"}
    if unknown:
        key = min(unknown)
        raise HwcheckError(
            where,
            f"unknown key '{key}'{did_you_mean(key, ('weights', 'bias', 'activation'))}",
        )
    weights = table.get("weights", table.get("W"))
    if weights is None:
        raise HwcheckError(where, "weights are required (a matrix, inputs × units)")
    return make_layer(
        table.get("activation", "linear"),
        weights,
        table.get("bias", table.get("b")),
        where,
        activations,
    )


def layers_from_file(value: Any, max_bytes: int) -> list[NetLayer]:
    """The layers of a network file (a path, ``-``, TOML text or an inline table)."""
    source, table = read_toml_table(value, "net", max_bytes)
    entries = table.get("layer", table.get("layers"))
    unknown = set(table) - {"layer", "layers", "inputs", "title", "name", "description"}
    if unknown:
        raise HwcheckError(source, f"unknown key '{min(unknown)}' (expected [[layer]])")
    if not isinstance(entries, list) or not entries:
        raise HwcheckError(source, "expected [[layer]] tables (weights, bias, activation)")
    return [layer_from_table(t, f"{source}: layer[{i}]") for i, t in enumerate(entries)]


def check_chain(layers: list[NetLayer], n_inputs: int | None, where: str) -> int:
    """Each layer's inputs = the previous layer's units; returns the network's input count."""
    if not layers:
        raise HwcheckError(where, "the network has no layers")
    if len(layers) > MAX_LAYERS:
        raise HwcheckError(where, f"at most {MAX_LAYERS} layers")
    first = layers[0].inputs
    if n_inputs is not None and n_inputs != first:
        raise HwcheckError(
            f"{where}[0]", f"W has {first} rows but the network has {n_inputs} inputs"
        )
    for i, (prev, layer) in enumerate(itertools.pairwise(layers), start=1):
        if layer.inputs != prev.units:
            raise HwcheckError(
                f"{where}[{i}]",
                f"W is {layer.inputs}×{layer.units} but layer {i - 1} has {prev.units} units",
                hint=f"W of layer {i} must have {prev.units} rows (inputs × units)",
            )
    return first


# -------------------------------------------------------------------------- evaluation


def dyadic(x: Fraction) -> bool:
    d = x.denominator
    return d & (d - 1) == 0 and d <= 2**20


def evaluated_exactly(layers: list[NetLayer]) -> bool:
    """True when float64 could misjudge z = 0: a weight that is not dyadic, and only the
    activations that decide at 0 (step, sign, relu, linear); then the evaluation is in fractions."""
    numbers = [w for layer in layers for row in layer.weights for w in row]
    numbers += [b for layer in layers for b in layer.bias]
    return not all(dyadic(x) for x in numbers) and all(
        ly.activation in EXACT_ACTIVATIONS for ly in layers
    )


def forward(layers: list[NetLayer], x, exact_rows=None):
    """Outputs for the input rows ``x`` (numpy float array, rows × inputs), a block of rows at a
    time (each block a checkpoint of the time budget and of Ctrl-C). ``exact_rows``: the same
    rows as exact numbers (``--points``), for the exact evaluation; default: ``x`` itself."""
    import numpy as np

    from hwcheck.core.budget import checkpoint

    exact = evaluated_exactly(layers)
    plan = exact_plan(layers) if exact else None
    bits = gate(layers, x, plan, exact_rows)
    step = block_rows(layers, bits)
    blocks = []
    for start in range(0, len(x), step):
        checkpoint("<net>")
        if plan is None:
            blocks.append(_forward_float(layers, x[start : start + step]))
        else:
            rows = (
                x[start : start + step] if exact_rows is None else exact_rows[start : start + step]
            )
            blocks.append(forward_exact(plan, rows))
    return np.concatenate(blocks) if blocks else np.zeros((0, layers[-1].units))


def _forward_float(layers: list[NetLayer], a):
    import numpy as np

    with np.errstate(all="ignore"):  # past the float range is ±inf (or nan), said in the value
        for layer in layers:
            z = a.dot(np.array(layer.weights, dtype=float))
            z += np.array(layer.bias, dtype=float)
            a = apply(layer.activation, z)
    return np.asarray(a, dtype=float)


# ---------------------------------------------------------------- exact, in integers

MAX_WORK = 2**31  # multiply-adds of one evaluation (rows × weights), in floats or int64
MAX_BIG_WORK = 2**26  # the same, counted in 64-bit limbs, once values outgrow int64
BLOCK_WORK = 2**22  # multiply-adds per block between two checkpoints


@dataclass(frozen=True)
class ExactLayer:
    """A layer over one common denominator: W = numerators / denominator, b likewise."""

    activation: str
    numerators: tuple[tuple[int, ...], ...]
    bias: tuple[int, ...]
    denominator: int
    column: int  # the largest Σ|W| of a unit (numerators): how much the layer can grow a value


def exact_plan(layers: list[NetLayer]) -> list[ExactLayer]:
    """Each layer's weights and bias as integers over their least common denominator, so that
    z = a·W + b is integer arithmetic (no Fraction, whose gcd after every operation made a
    16-input, 64-unit network with biases 1/3 take minutes)."""
    plan = []
    for layer in layers:
        d = math.lcm(*(w.denominator for row in layer.weights for w in row), 1)
        d = math.lcm(d, *(b.denominator for b in layer.bias))
        numerators = tuple(tuple(int(w * d) for w in row) for row in layer.weights)
        column = max(sum(abs(w) for w in col) for col in zip(*numerators, strict=True))
        bias = tuple(int(b * d) for b in layer.bias)
        plan.append(ExactLayer(layer.activation, numerators, bias, d, column))
    return plan


def value_bits(plan: list[ExactLayer], input_bits: int) -> int:
    """An upper bound on the bits of any integer the exact evaluation holds (numerators and
    the running denominator), from the sizes alone: |z| ≤ |a|·Σ|W| + scale·|b|."""
    a_bits = scale_bits = input_bits
    worst = input_bits
    for layer in plan:
        bias = max((abs(b) for b in layer.bias), default=0)
        a_bits = max(a_bits + layer.column.bit_length(), scale_bits + bias.bit_length()) + 1
        scale_bits += layer.denominator.bit_length()
        if layer.activation in ("step", "sign"):
            a_bits = scale_bits = 1
        worst = max(worst, a_bits, scale_bits)
    return worst


def gate(layers: list[NetLayer], x, plan, exact_rows) -> int:
    """Refuse, before any work, an evaluation past the bounds (:data:`MAX_WORK` multiply-adds;
    :data:`MAX_BIG_WORK` limb operations once values outgrow 64 bits); returns the value bits."""
    weights = sum(ly.inputs * ly.units for ly in layers)
    work = len(x) * weights
    bits = 0 if plan is None else value_bits(plan, _input_bits(x, exact_rows))
    limbs = -(-bits // 64) if bits > 62 else 0
    if work > MAX_WORK or work * limbs > MAX_BIG_WORK:
        big = f" with values of up to {bits} bits (64-bit limbs counted)" if limbs else ""
        raise HwcheckError(
            "<net>",
            f"evaluating {len(x):,} rows × {weights:,} weights{big} needs about "
            f"{work * max(limbs, 1):,} operations; at most {MAX_BIG_WORK if limbs else MAX_WORK:,}",
            hint="give fewer rows (--points, --domain, --table)"
            + (" or dyadic weights (k/2^j), which run in floats" if limbs else ""),
        )
    return bits


def _input_bits(x, exact_rows) -> int:
    if exact_rows is None:
        return _largest(x).bit_length() + 1  # whole numbers: the domains
    scale = math.lcm(1, *(Fraction(v).denominator for row in exact_rows for v in row))
    top = max((abs(Fraction(v)) for row in exact_rows for v in row), default=0)
    return int(top * scale).bit_length() + scale.bit_length() + 1


def block_rows(layers: list[NetLayer], bits: int) -> int:
    """Rows per block: about :data:`BLOCK_WORK` operations (limbs counted), at least one row."""
    per_row = sum(ly.inputs * ly.units for ly in layers) * max(1, -(-bits // 64))
    return max(1, BLOCK_WORK // max(per_row, 1))


def forward_exact(plan: list[ExactLayer], rows):
    """Outputs of a block of rows, computed exactly in integers: the activations are
    ``numerators / scale``; relu, step and sign decide z = 0 on the integer numerator."""
    a, scale = _numerators(rows)
    for layer in plan:
        a, scale = _exact_layer(layer, a, scale)
    return _as_floats(a, scale)


def _numerators(rows):
    """(integer numerators, common denominator) of the input rows: a float array of whole
    numbers (the domains) as it is, anything else through exact fractions."""
    import numpy as np

    if isinstance(rows, np.ndarray) and np.all(rows == np.round(rows)) and _largest(rows) < 2**53:
        return rows.astype(np.int64), 1
    exact = [[Fraction(v) for v in row] for row in rows]
    scale = math.lcm(1, *(v.denominator for row in exact for v in row))
    return _integers([[int(v * scale) for v in row] for row in exact]), scale


def _exact_layer(layer: ExactLayer, a, scale: int):
    """z = a·W + scale·b over the integers (int64 while |z| stays below 2⁶², where the bound
    |a|·max Σ|W| + scale·|b| says so), then the activation; the new scale is scale·d."""
    import numpy as np

    bias = [scale * b for b in layer.bias]
    bound = _largest(a) * layer.column + max(abs(b) for b in bias)
    dtype = np.int64 if bound < 2**62 else object
    z = a.astype(dtype).dot(np.array(layer.numerators, dtype=dtype)) + np.array(bias, dtype=dtype)
    return _exact_activation(layer.activation, z, scale * layer.denominator)


def _largest(a) -> int:
    return int(max(abs(a.max()), abs(a.min()))) if a.size else 0


def _integers(values):
    """An int64 array when every value fits in 62 bits, else an array of Python ints."""
    import numpy as np

    a = np.array(values, dtype=object)
    return a.astype(np.int64) if _largest(a) < 2**62 else a


def _exact_activation(activation: str, z, scale: int):
    import numpy as np

    if activation == "relu":
        return np.where(z > 0, z, 0).astype(z.dtype), scale
    if activation == "step":
        return (z >= 0).astype(np.int64), 1
    if activation == "sign":
        return np.sign(z).astype(np.int64), 1
    return z, scale  # linear


def _as_floats(a, scale: int):
    """numerators / scale as floats, each correctly rounded: one IEEE division of exact
    operands below 2⁵³, else Python's int / int."""
    import numpy as np

    if a.dtype != object and _largest(a) < 2**53 and scale < 2**53:
        return a.astype(float) / float(scale)
    return np.array([[_quotient(int(v), scale) for v in row] for row in a]).reshape(a.shape)


def _quotient(numerator: int, scale: int) -> float:
    """numerator / scale, correctly rounded; ±inf past the float range (weights of 300
    digits, two layers), as the float evaluation gives."""
    try:
        return numerator / scale
    except OverflowError:
        return math.inf if numerator > 0 else -math.inf


def apply(activation: str, z):
    """The activation on pre-activations ``z`` (may overwrite ``z``)."""
    import numpy as np

    if activation == "linear":
        return z
    if z.dtype == object:  # exact fractions: decide z = 0 exactly
        if activation == "relu":
            return np.where(z > 0, z, 0)
        if activation == "step":
            return np.where(z >= 0, 1, 0)
        return np.where(z > 0, 1, np.where(z < 0, -1, 0))  # sign
    if activation == "relu":
        return np.maximum(z, 0.0, out=z)
    if activation == "step":
        return (z >= 0).astype(float)
    if activation == "sign":
        return np.sign(z, out=z)
    if activation == "tanh":
        return np.tanh(z, out=z)
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # sigmoid, stable for large |z|
