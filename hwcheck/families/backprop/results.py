"""``backprop``: the runner (layers, a recurrent cell through time, or a computational graph)
and the result of the layers exercise."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from hwcheck.core.errors import HwcheckError
from hwcheck.core.numfmt import fmt
from hwcheck.core.result import Text, view_only
from hwcheck.families.backprop import views
from hwcheck.families.backprop.build import (
    Trained,
    check_chain,
    check_output,
    check_size,
    layer_entries,
    network_layers,
    plain,
    plain_matrix,
    read_targets,
    sgd_steps,
)
from hwcheck.families.backprop.dense import Problem, Slip, is_exact, train

LOSS_WORDS = {
    "half_sse": ("L = Σ ½(y − t)²", "the N samples"),
    "mse": ("L = Σ (y − t)²", "all N·K entries"),
    "bce": ("L = −Σ [t·log y + (1 − t)·log(1 − y)]", "all N·K entries"),
    "ce": ("L = −Σ t·log softmax(z)", "the N samples"),
}


@dataclass(frozen=True)
class BackpropResult(Trained):
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
                views.layer_table(
                    layer,
                    previous,
                    i,
                    len(self.layers),
                    digits,
                    self.loss_function,
                    self.reduction,
                    following=self.layers[i + 1] if i + 1 < len(self.layers) else None,
                )
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

        _only(request, ("x", "target", "lr", "steps", "h0", "rnn_loss"), "with layers or --rnn")
        return graph_result(request)
    _only(request, ("at", "dot"), "with an expression (a computational graph)")
    if _rnn(request) is not None:
        from hwcheck.families.backprop.rnn import rnn_result

        return rnn_result(request)
    _only(request, ("h0", "rnn_loss"), "with --rnn (or an [rnn] table)")
    return layers_result(request)


def _only(request, names: tuple[str, ...], where: str) -> None:
    """An option of another exercise is refused, not silently ignored."""
    for name in names:
        if getattr(request, name) is not None:
            raise HwcheckError(f"--{name.replace('_', '-')}", f"only {where}")


def _layers_given(request) -> bool:
    return bool(request.layer) or request.net is not None or request.rnn is not None


def _rnn(request):
    if request.rnn is not None and request.net is not None and request.net.rnn is not None:
        raise HwcheckError("--rnn", "the network file has an [rnn] table already")
    return request.rnn if request.rnn is not None else getattr(request.net, "rnn", None)


def problem_of(request) -> Problem:
    layers = network_layers(request)
    if not layers:
        raise HwcheckError(
            "--layer",
            "no layers: give --layer 'act | W | b' (repeated) or --net FILE, or an expression "
            "with --at for a graph",
        )
    if request.x is None:
        raise HwcheckError("--x", "the input batch is required (one row per sample)")
    check_chain(layers, len(request.x[0]))
    check_output(request.loss, layers)
    t = read_targets(request, len(request.x), layers[-1].units)
    acts = tuple(ly.activation for ly in layers)
    exact = is_exact(acts, request.loss) and not request.floats
    steps = sgd_steps(request)
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
