"""Request of ``backprop`` (light: no numpy).

Two exercises share the command: a network of dense layers written as ``net`` writes them
(``--layer 'act | W | b'`` or a file of ``[[layers]]``, optionally with an ``[rnn]`` table, or
``--rnn``), with an input batch, targets and a loss; or an expression staged into a
computational graph (``EXPR --at a=…``). Every value is read here, once, by ``net``'s layer
reader (with the activations backprop adds), the one number grammar and the symbolic parser.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from hwcheck.core.errors import HwcheckError
from hwcheck.core.numbers import parse_int, parse_number
from hwcheck.core.options import choice, flag, integer, matrix, multi, text, vector
from hwcheck.families.symbolic.request import parse_point

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "softmax", "linear")
LOSSES = ("half_sse", "mse", "bce", "ce")
MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_ENTRIES = 10**6


@dataclass(frozen=True)
class Recurrent:
    """``h_t = act(x_t·W_x + h_{t−1}·W_h + b)``: W_x is inputs × units, W_h units × units."""

    activation: str
    W_x: tuple[tuple[Fraction, ...], ...]
    W_h: tuple[tuple[Fraction, ...], ...]
    b: tuple[Fraction, ...]


@dataclass(frozen=True)
class Network:
    """A network file's layers and its optional ``[rnn]`` cell."""

    layers: tuple
    rnn: Recurrent | None = None


def parse_layers(values: tuple, where: str) -> tuple:
    """``--layer 'act | W | b'`` texts (net's reader, with leaky_relu and softmax)."""
    from hwcheck.families.net.network import parse_layer_text

    return tuple(parse_layer_text(t, f"{where} {i + 1}", ACTIVATIONS) for i, t in enumerate(values))


def parse_network(value: Any, where: str) -> Network:
    """A TOML file (``-`` for standard input) or inline table: ``[[layers]]`` and ``[rnn]``;
    a ``net`` file as it is (``inputs = n`` and ``[[layer]]``: its inputs, checked)."""
    from hwcheck.core.inputs import read_toml_table
    from hwcheck.families.net.network import check_chain, layer_from_table

    source, table = read_toml_table(value, "net", MAX_FILE_BYTES)
    unknown = set(table) - {"layer", "layers", "rnn", "inputs", "title", "name", "description"}
    if unknown:
        raise HwcheckError(source, f"unknown key '{min(unknown)}' (expected [[layers]], [rnn])")
    entries = table.get("layers", table.get("layer", []))
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise HwcheckError(source, "expected [[layers]] tables (activation, W, b)")
    layers = tuple(
        layer_from_table(t, f"{source}: layers[{i}]", ACTIVATIONS) for i, t in enumerate(entries)
    )
    rnn = _rnn_table(table["rnn"], f"{source}: rnn") if "rnn" in table else None
    if "inputs" in table and layers and rnn is None:  # net's own check, naming both counts
        check_chain(
            list(layers), parse_int(table["inputs"], f"{source}: inputs"), f"{source}: layer"
        )
    if not layers and rnn is None:
        raise HwcheckError(source, "expected [[layers]] tables (activation, W, b) or [rnn]")
    return Network(layers, rnn)


def _rnn_table(table: Any, where: str) -> Recurrent:
    if not isinstance(table, dict):
        raise HwcheckError(where, "expected a table with activation, W_x, W_h, b")
    unknown = set(table) - {"activation", "W_x", "W_h", "b"}
    if unknown:
        raise HwcheckError(where, f"unknown key '{min(unknown)}' (activation, W_x, W_h, b)")
    missing = [k for k in ("W_x", "W_h") if k not in table]
    if missing:
        raise HwcheckError(where, f"{missing[0]} is required")
    return make_recurrent(
        table.get("activation", "tanh"), table["W_x"], table["W_h"], table.get("b"), where
    )


def parse_rnn(value: Any, where: str) -> Recurrent:
    """``--rnn 'tanh | W_x | W_h | b'`` (b optional)."""
    if not isinstance(value, str):
        return _rnn_table(value, where)
    parts = [p.strip() for p in value.split("|")]
    if len(parts) not in (3, 4) or not all(parts):
        raise HwcheckError(
            where,
            f"expected 'activation | W_x | W_h | b' (b optional), got {len(parts)} part(s)",
            hint="e.g. 'tanh | 0.5 -1 | 1 | 0' (W_x inputs × units, W_h units × units)",
        )
    return make_recurrent(*parts[:3], parts[3] if len(parts) == 4 else None, where)


def make_recurrent(activation: Any, w_x: Any, w_h: Any, b: Any, where: str) -> Recurrent:
    """The cell, read as two ``net`` layers (x·W_x + b and h·W_h) so the checks are net's."""
    from hwcheck.families.net.network import make_layer

    acts = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")
    first = make_layer(activation, w_x, b, f"{where}: W_x", acts)
    second = make_layer("linear", w_h, None, f"{where}: W_h")
    if second.inputs != first.units or second.units != first.units:
        raise HwcheckError(
            where,
            f"W_h is {second.inputs}×{second.units} but W_x has {first.units} units",
            hint=f"W_h must be {first.units}×{first.units} (units × units)",
        )
    return Recurrent(first.activation, first.weights, second.weights, first.bias)


def parse_fraction(value: Any, where: str) -> Fraction:
    number = parse_number(value, where)
    return Fraction(number)


@dataclass(frozen=True)
class BackpropRequest:
    expr: object = text(
        None,
        'an expression to stage as a computational graph, e.g. "(x + y)*z" (with --at)',
        positional=True,
        also_option=True,
    )
    at: dict | None = text(
        None, "the graph's point, e.g. x=-2,y=5,z=-4 (every variable)", parse=parse_point
    )  # derive's reading: λ and lam are one name
    dot: str | None = text(
        None,
        "write the graph as Graphviz DOT to FILE (.dot; .svg or .png drawn by the dot program)",
    )
    net: Network | None = text(
        None,
        "a network file (TOML: [[layers]] with activation, W, b; optionally [rnn]), '-' for "
        "standard input; in an answers file also an inline table",
        parse=parse_network,
    )
    layer: tuple = multi(
        "a dense layer 'activation | W | b' (W is inputs × units), repeated in order; "
        "activations: " + ", ".join(ACTIVATIONS),
        parse=parse_layers,
    )
    rnn: Recurrent | None = text(
        None,
        "a recurrent cell 'act | W_x | W_h | b': h_t = act(x_t·W_x + h_(t−1)·W_h + b); "
        "--x rows are the time steps, --layer the read-out applied to every h_t",
        parse=parse_rnn,
    )
    h0: list | None = vector(None, "the RNN's initial state h_0 (default zeros)")
    x: list | None = matrix(
        None,
        "the input batch, one row per sample (RNN: one row per time step)",
        max_entries=MAX_ENTRIES,
    )
    target: list | None = matrix(
        None,
        "the targets, one row per sample (ce: probability rows, or one column of class indices)",
        max_entries=MAX_ENTRIES,
    )
    loss: str = choice(
        "half_sse",
        LOSSES,
        "half_sse Σ½(y−t)², mse (y−t)², bce binary cross-entropy, ce softmax cross-entropy",
    )
    reduction: str = choice(
        "mean",
        ("mean", "sum"),
        "mean: half_sse and ce divide by the samples N, mse and bce by every entry N·K "
        "(as torch); sum: no division",
    )
    rnn_loss: str | None = choice(
        None,
        ("last", "every"),
        "RNN: the loss at the last step only, or at every step with the outputs stacked as a "
        "batch (--reduction applies; default: every when --target has a row per step)",
    )
    slope: Fraction = text(
        Fraction(1, 100), "leaky_relu's negative slope (torch's default 0.01)", parse=parse_fraction
    )
    lr: Fraction | None = text(None, "learning rate η of plain SGD steps", parse=parse_fraction)
    floats: bool = flag(
        "compute in float64 even where exact fractions are possible (long runs: the fractions "
        "of many steps grow very long)"
    )
    steps: int | None = integer(
        None, "SGD steps W ← W − η·∂L/∂W (default 1 with --lr)", minimum=1, maximum=1000
    )
