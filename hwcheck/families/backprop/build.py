"""What the layers and the recurrent exercises share: reading the network, the targets and
their domain, the size gate, plain values for the JSON, and their results' common base."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from hwcheck.core.errors import HwcheckError
from hwcheck.core.numfmt import fmt
from hwcheck.core.result import Result
from hwcheck.families.backprop.dense import MAX_PRODUCTS, MAX_PRODUCTS_EXACT, Problem


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


def plain(a) -> Any:
    """A numpy array (or number) → nested lists of int, Fraction or float (a float array's
    ``tolist`` is already plain; fractions are walked so whole ones become ints)."""
    if getattr(a, "dtype", None) is not None and a.dtype != object:
        return (a + 0.0).tolist()  # + 0.0: no −0.0 in a table or a document
    value = a.tolist() if hasattr(a, "tolist") else a
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else value
    return float(value) if not isinstance(value, int) else value


def layer_entries(p: Problem, passes) -> list[dict]:
    """Each layer at the given weights: W, b and every quantity of the pass."""
    return [
        {
            "index": i,
            "activation": act,
            "W": plain(g.W),
            "b": plain(g.b),
            "z": plain(g.z),
            "a": plain(g.a),
            "dL_da": plain(g.dL_da),
            "df_dz": None if g.df_dz is None else plain(g.df_dz),
            "dL_dz": plain(g.dL_dz),
            "dL_dW": plain(g.dL_dW),
            "dL_db": plain(g.dL_db),
        }
        for i, (act, g) in enumerate(zip(p.activations, passes, strict=True))
    ]


def plain_matrix(values, exact: bool) -> Any:
    if isinstance(values, (list, tuple)):
        return [plain_matrix(v, exact) for v in values]
    return plain(Fraction(values)) if exact else float(values)


def sgd_steps(request) -> int:
    """SGD steps to take: ``--steps`` (default 1), only with ``--lr``."""
    if request.steps is not None and request.lr is None:
        raise HwcheckError("--steps", "give the learning rate --lr too")
    return request.steps if request.steps is not None else 1


class Trained(Result):
    """A result whose ``steps`` and ``lr`` exist only when ``--lr`` asked for training."""

    def payload(self) -> dict[str, Any]:
        data = super().payload()
        if data["steps"] is None:
            del data["steps"], data["lr"]
        return data
