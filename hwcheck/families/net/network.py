"""A small network with given weights: y = act(x·W + b) layer by layer (row-vector convention).

``W`` of a layer is (inputs × units), as Keras stores a Dense kernel, so a network of linear
layers is x·W₁·W₂·… (exercise R). Activations, with the conventions stated once here:

- ``step(z)`` = 1 if z ≥ 0 else 0;  ``sign(z)`` = −1, 0 or 1 (sign(0) = 0);
- ``relu``, ``sigmoid``, ``tanh``, ``linear`` as usual.

Weights are parsed exactly (fractions). When every weight and bias is dyadic (a denominator
that is a power of two, such as 1/2) and the inputs are integers, float64 arithmetic is exact for
the sizes allowed here, so the evaluation runs vectorised in numpy; otherwise it runs on exact
fractions, so that ``step`` and ``sign`` decide z = 0 exactly.
"""

from __future__ import annotations

import itertools
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


def forward(layers: list[NetLayer], x):
    """Outputs for the input rows ``x`` (numpy float array, rows × inputs)."""
    import numpy as np

    exact = evaluated_exactly(layers)
    if exact:
        a = np.array([[Fraction(int(v)) for v in row] for row in x], dtype=object)
    else:
        a = x
    for layer in layers:
        dtype = object if exact else float
        z = a.dot(np.array(layer.weights, dtype=dtype))
        z += np.array(layer.bias, dtype=dtype)
        a = apply(layer.activation, z)
    return np.asarray(a, dtype=float)


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
