"""``backprop``: the runner (layers, a recurrent cell through time, or a computational graph)
and the result of the layers exercise."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from hwcheck.core.errors import HwcheckError
from hwcheck.core.numfmt import fmt
from hwcheck.core.result import Result, Text, view_only
from hwcheck.families.backprop import views
from hwcheck.families.backprop.dense import (
    MAX_PRODUCTS,
    MAX_PRODUCTS_EXACT,
    Problem,
    Slip,
    is_exact,
    train,
)

LOSS_WORDS = {
    "half_sse": ("L = Σ ½(y − t)²", "the N samples"),
    "mse": ("L = Σ (y − t)²", "all N·K entries"),
    "bce": ("L = −Σ [t·log y + (1 − t)·log(1 − y)]", "all N·K entries"),
    "ce": ("L = −Σ t·log softmax(z)", "the N samples"),
}


@dataclass(frozen=True)
class BackpropResult(Result):
    command = "backprop"

    mode: str
    exact: bool
    loss_function: str
    reduction: str
    loss: Any
    x: list
    target: list
    layers: list[dict[str, Any]]
    lr: Any = None
    steps: list[dict[str, Any]] | None = None
    problem: Any = view_only()

    def payload(self) -> dict[str, Any]:
        data = super().payload()
        if data["steps"] is None:
            del data["steps"], data["lr"]
        return data

    def view(self, digits: int = 6) -> list:
        formula, over = LOSS_WORDS[self.loss_function]
        mean = f", divided by {over}" if self.reduction == "mean" else " (sum)"
        arithmetic = (
            "exact (fractions): every activation and the loss keep rational inputs rational"
            if self.exact
            else "float64: sigmoid, tanh, softmax, bce and ce leave the rationals"
        )
        head = Text(
            (
                f"loss {self.loss_function}: {formula}{mean} = {fmt(self.loss, digits)}",
                f"arithmetic: {arithmetic}",
                "row-vector convention: x one row per sample, W inputs × units",
            ),
            title=f"Backpropagation through {len(self.layers)} dense layer(s)",
        )
        sections: list = [head]
        previous = self.x
        for i, layer in enumerate(self.layers):
            sections.append(
                views.layer_table(layer, previous, i, len(self.layers), digits, self.loss_function)
            )
            previous = layer["a"]
        before = [{"W": ly["W"], "b": ly["b"]} for ly in self.layers]
        for step in self.steps or []:
            sections.append(views.step_table(step, before, self.lr, digits))
            before = step["layers"]
        return sections


# ---------------------------------------------------------------------------------- runner


def backprop(request):
    """Dispatch: an expression is a graph, ``--rnn`` (or ``[rnn]``) a recurrent cell, else layers."""
    given = [request.expr is not None, _layers_given(request)]
    if all(given):
        raise HwcheckError(
            "<backprop>", "give an expression (a graph) or layers (a network), not both"
        )
    if request.expr is not None:
        from hwcheck.families.backprop.graph import graph_result

        return graph_result(request)
    if _rnn(request) is not None:
        from hwcheck.families.backprop.rnn import rnn_result

        return rnn_result(request)
    return layers_result(request)


def _layers_given(request) -> bool:
    return bool(request.layer) or request.net is not None or request.rnn is not None


def _rnn(request):
    if request.rnn is not None and request.net is not None and request.net.rnn is not None:
        raise HwcheckError("--rnn", "the network file has an [rnn] table already")
    return request.rnn if request.rnn is not None else getattr(request.net, "rnn", None)


def network_layers(request) -> list:
    """The dense layers: ``--layer`` texts or the file's ``[[layers]]`` (not both)."""
    if request.layer and request.net is not None and request.net.layers:
        raise HwcheckError("--layer", "give --layer or a network file's [[layers]], not both")
    return list(request.layer or (request.net.layers if request.net is not None else ()))


def check_chain(layers: list, n_inputs: int, where: str = "--x") -> None:
    """Each W's rows = the units feeding it; names the layer and both shapes."""
    feeding, what = n_inputs, f"{where} has {n_inputs} columns"
    for i, layer in enumerate(layers):
        if layer.inputs != feeding:
            raise HwcheckError(
                f"layers[{i}]",
                f"W is {layer.inputs}×{layer.units} (inputs × units) but {what}",
                hint=f"W of layer {i} needs {feeding} rows",
            )
        feeding, what = layer.units, f"layer {i}'s W is {layer.inputs}×{layer.units}"
    if len(layers) > 64:
        raise HwcheckError("layers", f"{len(layers)} layers; at most 64")


def read_targets(request, rows: int, outputs: int, where: str = "--target") -> tuple:
    """The targets: one row per sample with K entries (ce also takes one column of class
    indices), inside the loss's domain."""
    if request.target is None:
        raise HwcheckError(where, "the targets are required (one row per sample)")
    t = [list(r) for r in request.target]
    if request.loss == "ce" and outputs > 1 and all(len(r) == 1 for r in t):
        t = [_one_hot(r[0], outputs, f"{where}: row {i + 1}") for i, r in enumerate(t)]
    if len(t) != rows or any(len(r) != outputs for r in t):
        raise HwcheckError(
            where,
            f"the targets are {len(t)}×{len(t[0])} but the network gives {rows}×{outputs} "
            "(samples × outputs)",
        )
    check_target_domain(request.loss, t, where)
    return tuple(tuple(Fraction(v) for v in r) for r in t)


def _one_hot(value, k: int, where: str) -> list:
    if Fraction(value).denominator != 1 or not 0 <= value < k:
        raise HwcheckError(where, f"class index {value} is not one of 0…{k - 1}")
    return [1 if j == value else 0 for j in range(k)]


def check_target_domain(loss: str, t: list, where: str) -> None:
    if loss not in ("bce", "ce"):
        return
    for i, row in enumerate(t):
        for j, v in enumerate(row):
            if not 0 <= v <= 1:
                raise HwcheckError(
                    f"{where}: row {i + 1}",
                    f"entry {j + 1} is {fmt(v)}; {loss} targets are probabilities in [0, 1]",
                )
        if loss == "ce" and sum(row) != 1:
            raise HwcheckError(
                f"{where}: row {i + 1}",
                f"the row sums to {fmt(sum(row))}; ce targets are one-hot or probability rows "
                "(or one column of class indices)",
            )


def check_output(loss: str, layers: list) -> None:
    if loss == "ce" and layers[-1].activation != "softmax":
        raise HwcheckError(
            f"layers[{len(layers) - 1}]",
            f"ce (softmax cross-entropy) needs a softmax output layer, not {layers[-1].activation}",
            hint="write the last layer as 'softmax | W | b'",
        )


def check_size(products: int, exact: bool) -> None:
    limit = MAX_PRODUCTS_EXACT if exact else MAX_PRODUCTS
    if products > limit:
        mode = "in exact fractions" if exact else "in float64"
        raise HwcheckError(
            "<backprop>",
            f"{products:,} multiply-adds over all passes; at most {limit:,} {mode}",
            hint="fewer samples, units or steps",
        )


def problem_of(request) -> Problem:
    layers = network_layers(request)
    if not layers:
        raise HwcheckError(
            "--layer", "no layers: give --layer 'act | W | b' (repeated) or a network file"
        )
    if request.x is None:
        raise HwcheckError("--x", "the input batch is required (one row per sample)")
    check_chain(layers, len(request.x[0]))
    check_output(request.loss, layers)
    t = read_targets(request, len(request.x), layers[-1].units)
    acts = tuple(ly.activation for ly in layers)
    exact = is_exact(acts, request.loss)
    steps = request.steps if request.steps is not None else 1
    if request.steps is not None and request.lr is None:
        raise HwcheckError("--steps", "give the learning rate --lr too")
    passes = 1 + (steps if request.lr is not None else 0)
    check_size(3 * len(request.x) * sum(ly.inputs * ly.units for ly in layers) * passes, exact)
    return Problem(
        acts,
        tuple(ly.weights for ly in layers),
        tuple(ly.bias for ly in layers),
        tuple(tuple(Fraction(v) for v in r) for r in request.x),
        t,
        request.loss,
        request.reduction,
        request.slope if exact else float(request.slope),
        request.lr,
        steps,
        exact,
    )


def plain(a) -> Any:
    """A numpy array (or number) → nested lists of int, Fraction or float."""
    value = a.tolist() if hasattr(a, "tolist") else a
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else value
    return float(value) if not isinstance(value, int) else value


def layer_entries(p: Problem, passes, weights=None, biases=None) -> list[dict]:
    weights = weights or p.weights
    biases = biases or p.biases
    return [
        {
            "index": i,
            "activation": act,
            "W": plain_matrix(w, p.exact),
            "b": plain_matrix(b, p.exact),
            "z": plain(g.z),
            "a": plain(g.a),
            "dL_da": plain(g.dL_da),
            "dL_dz": plain(g.dL_dz),
            "dL_dW": plain(g.dL_dW),
            "dL_db": plain(g.dL_db),
        }
        for i, (act, w, b, g) in enumerate(zip(p.activations, weights, biases, passes, strict=True))
    ]


def plain_matrix(values, exact: bool) -> Any:
    if isinstance(values, (list, tuple)):
        return [plain_matrix(v, exact) for v in values]
    return plain(Fraction(values)) if exact else float(values)


def step_entries(p: Problem, steps) -> list[dict]:
    return [
        {
            "t": k + 1,
            "loss": plain(loss),
            "layers": [
                {
                    "W": plain(w),
                    "b": plain(b),
                    "dL_dW": plain(g.dL_dW),
                    "dL_db": plain(g.dL_db),
                }
                for w, b, g in zip(weights, biases, passes, strict=True)
            ],
        }
        for k, (loss, passes, weights, biases) in enumerate(steps)
    ]


def computed(p: Problem, slip: Slip | None = None) -> dict:
    """The result's JSON keys for the problem (with ``slip``: as that mistake computes them)."""
    import numpy as np

    try:
        with np.errstate(over="raise", invalid="raise"):
            loss, passes, steps = train(p, slip)
    except FloatingPointError as exc:
        raise HwcheckError(
            "<backprop>", f"the numbers leave the 64-bit float range ({exc})", hint="a smaller --lr"
        ) from None
    data = {"loss": plain(loss), "layers": layer_entries(p, passes)}
    if p.lr is not None:
        data["steps"] = step_entries(p, steps)
    return data


def layers_result(request) -> BackpropResult:
    p = problem_of(request)
    data = computed(p)
    return BackpropResult(
        mode="layers",
        exact=p.exact,
        loss_function=p.loss,
        reduction=p.reduction,
        loss=data["loss"],
        x=plain_matrix(p.x, p.exact),
        target=plain_matrix(p.target, p.exact),
        layers=data["layers"],
        lr=None if p.lr is None else plain_matrix(p.lr, p.exact),
        steps=data.get("steps"),
        problem=p,
    )
