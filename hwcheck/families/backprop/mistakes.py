"""Named mistakes of backpropagation by hand (issue 22, item 5).

Each one recomputes the whole exercise the way the mistake would (``dense.Slip``), step after
step, so a claim on any quantity downstream of the slip (δ, ∂L/∂W, ∂L/∂b, the updated weights,
the loss) is named: the MSE derivative y(1 − y)(y − t) used for BCE, the activation's
derivative left out of δ, f′ evaluated at a where z belongs, W not transposed in δ·Wᵀ, the 1/N
of a mean loss forgotten, softmax's Jacobian taken as its diagonal, and the update's sign
flipped (W + η·∂L/∂W). A mistake that gives the right value here is never named.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hwcheck.claims.diagnose import Candidate, Case, Mistake


def _layers_case(case: Case):
    data = case.data
    if data.get("command") != "backprop" or data.get("mode") != "layers":
        return None
    return getattr(case.result, "problem", None)


def _at(value: Any, path: tuple) -> Any:
    for part in path:
        value = value[part]
    return value


def _recomputed(case: Case, *slips) -> Iterator[Candidate]:
    """The claimed quantity as each slip computes it (nothing when the slip cannot apply)."""
    from hwcheck.core.jsonout import to_jsonable
    from hwcheck.families.backprop.results import computed

    problem = _layers_case(case)
    if problem is None:
        return
    for slip, work in slips:
        try:
            value = _at(computed(problem, slip), case.path)
        except (KeyError, IndexError, TypeError, ValueError):
            continue
        yield Candidate(to_jsonable(value), work)


def _slip(name: str, output_only: bool = False):
    from hwcheck.families.backprop.dense import Slip

    return Slip(name, output_only)


def _bce_mse(case: Case) -> Iterator[Candidate]:
    p = _layers_case(case)
    if p is None or p.loss != "bce" or p.activations[-1] != "sigmoid":
        return
    yield from _recomputed(case, (_slip("bce_mse_derivative"), "δ = y(1 − y)(y − t) for bce"))


def _derivative_forgotten(case: Case) -> Iterator[Candidate]:
    yield from _recomputed(
        case,
        (_slip("activation_derivative_forgotten"), "δ = ∂L/∂a at every layer (no f′(z))"),
        (_slip("activation_derivative_forgotten", True), "δ = ∂L/∂a at the output layer"),
    )


def _a_for_z(case: Case) -> Iterator[Candidate]:
    p = _layers_case(case)
    if p is None or not set(p.activations) & {"sigmoid", "tanh"}:
        return
    yield from _recomputed(
        case,
        (_slip("a_for_z"), "f′(a) instead of f′(z) at every layer"),
        (_slip("a_for_z", True), "f′(a) instead of f′(z) at the output layer"),
    )


def _not_transposed(case: Case) -> Iterator[Candidate]:
    yield from _recomputed(case, (_slip("w_not_transposed"), "δ⁽ˡ⁾·W⁽ˡ⁾ instead of δ⁽ˡ⁾·W⁽ˡ⁾ᵀ"))


def _mean_forgotten(case: Case) -> Iterator[Candidate]:
    p = _layers_case(case)
    if p is None or p.reduction != "mean":
        return
    yield from _recomputed(case, (_slip("mean_forgotten"), "the gradient of the sum, not the mean"))


def _softmax_diagonal(case: Case) -> Iterator[Candidate]:
    p = _layers_case(case)
    if p is None or p.activations[-1] != "softmax":
        return
    yield from _recomputed(
        case, (_slip("softmax_diagonal"), "∂aᵢ/∂zᵢ = aᵢ(1 − aᵢ) only, no −aᵢaⱼ terms")
    )


def _sign_flipped(case: Case) -> Iterator[Candidate]:
    if not case.path or case.path[0] != "steps":
        return
    yield from _recomputed(case, (_slip("update_sign_flipped"), "W ← W + η·∂L/∂W"))


def _m(id_, name, explanation, applies_to, recompute):
    return Mistake(id_, name, explanation, applies_to, False, recompute, ("backprop",))


_GRADIENTS = "backprop: layers.*.dL_dz, dL_dW, dL_db, dL_da, steps.*"

CATALOGUE: tuple[Mistake, ...] = (
    _m(
        "bce_mse_derivative",
        "the MSE derivative used for BCE",
        "δ = y(1 − y)(y − t), the squared error's chain through σ, where BCE through σ gives y − t",
        _GRADIENTS,
        _bce_mse,
    ),
    _m(
        "activation_derivative_forgotten",
        "the activation derivative forgotten in δ",
        "δ = ∂L/∂a taken as ∂L/∂z: the factor f′(z) left out",
        _GRADIENTS,
        _derivative_forgotten,
    ),
    _m(
        "a_for_z",
        "a where z belongs",
        "the activation's derivative evaluated at a = f(z) instead of z: σ′(a) for σ′(z)",
        _GRADIENTS,
        _a_for_z,
    ),
    _m(
        "w_not_transposed",
        "W not transposed in δ",
        "the error passed back through W instead of Wᵀ (possible when W is square)",
        _GRADIENTS,
        _not_transposed,
    ),
    _m(
        "mean_forgotten",
        "the 1/N of a mean loss forgotten",
        "the gradient of the summed loss given for the mean loss (no division by N, or N·K)",
        "backprop: loss, " + _GRADIENTS[10:],
        _mean_forgotten,
    ),
    _m(
        "softmax_diagonal",
        "softmax's Jacobian taken as diagonal",
        "∂aᵢ/∂zⱼ = aᵢ(δᵢⱼ − aⱼ) used as aᵢ(1 − aᵢ) on the diagonal only",
        _GRADIENTS,
        _softmax_diagonal,
    ),
    _m(
        "update_sign_flipped",
        "the update's sign flipped",
        "W ← W + η·∂L/∂W: a step up the gradient instead of down",
        "backprop: steps.*.layers.*.W, b",
        _sign_flipped,
    ),
)
