"""Backpropagation through time of a small recurrent cell with given weights.

One sequence, ``--x`` one row per time step t = 1…T, h₀ given (default zeros):

    z_t = x_t·W_x + h_(t−1)·W_h + b        h_t = f(z_t)
    y_t = the read-out layers (``--layer``, none: y_t = h_t) applied to h_t

The loss is the dense loss (``--loss``, ``--reduction``) of the outputs that count, stacked as a
batch: the last step only (``--rnn-loss last``, one target row) or every step (one target row per
step; with ``mean`` the steps are averaged as torch averages a stacked batch). Backward, from
t = T down to 1:

    ∂L/∂h_t = (∂L/∂h_t from y_t) + δ_(t+1)·W_hᵀ      δ_t = ∂L/∂z_t = ∂L/∂h_t ⊙ f′(z_t)
    ∂L/∂W_x = Σ_t x_tᵀ·δ_t    ∂L/∂W_h = Σ_t h_(t−1)ᵀ·δ_t    ∂L/∂b = Σ_t δ_t    ∂L/∂h₀ = δ₁·W_hᵀ
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from hwcheck.core.errors import HwcheckError
from hwcheck.core.numfmt import fmt
from hwcheck.core.result import Table, Text, view_only
from hwcheck.families.backprop import dense
from hwcheck.families.backprop.build import (
    Trained,
    check_chain,
    check_output,
    check_size,
    network_layers,
    plain,
    plain_matrix,
    read_targets,
    sgd_steps,
)
from hwcheck.families.backprop.views import layer_table, matrix_text


@dataclass(frozen=True)
class Sequence:
    """The recurrent problem: the cell, h₀, the read-out as a dense problem, which steps count."""

    activation: str
    W_x: Any
    W_h: Any
    b: Any
    h0: Any
    readout: dense.Problem  # x and target hold the counted rows' targets; x is filled per pass
    shown_layers: int  # read-out layers given (0: an identity layer stands in, not reported)
    counted: tuple[int, ...]  # 0-based time steps whose output enters the loss


def sequence_of(request) -> Sequence:
    cell = request.rnn if request.rnn is not None else request.net.rnn
    h0 = _initial_state(request, cell)
    given = network_layers(request)
    layers = given or [_identity(len(cell.b))]
    check_chain(layers, len(cell.b), "the cell's h")
    check_output(request.loss, layers)
    counted = _counted(request, len(request.x))
    t = read_targets(request, len(counted), layers[-1].units)
    acts = tuple(ly.activation for ly in layers)
    exact = dense.is_exact((*acts, cell.activation), request.loss) and not request.floats
    sgd = sgd_steps(request)
    _check_work(request, cell, layers, len(counted), exact, sgd)
    readout = dense.Problem(
        acts,
        tuple(ly.weights for ly in layers),
        tuple(ly.bias for ly in layers),
        tuple(tuple(Fraction(v) for v in r) for r in request.x),  # the sequence itself
        t,
        request.loss,
        request.reduction,
        request.slope if exact else float(request.slope),
        request.lr,
        sgd,
        exact,
    )
    return Sequence(cell.activation, cell.W_x, cell.W_h, cell.b, h0, readout, len(given), counted)


def _initial_state(request, cell) -> tuple:
    """h₀ (default zeros), with --x checked against W_x."""
    units = len(cell.b)
    if request.x is None:
        raise HwcheckError("--x", "the input sequence is required (one row per time step)")
    if len(request.x[0]) != len(cell.W_x):
        raise HwcheckError(
            "--rnn",
            f"W_x is {len(cell.W_x)}×{units} (inputs × units) but --x has {len(request.x[0])} "
            "columns",
        )
    h0 = tuple(Fraction(v) for v in (request.h0 or [0] * units))
    if len(h0) != units:
        raise HwcheckError("--h0", f"{len(h0)} entries; the cell has {units} units")
    return h0


def _identity(units: int):
    """No read-out layers: y_t = h_t, an identity layer standing in (not reported)."""
    from hwcheck.families.net.network import make_layer

    eye = [[1 if i == j else 0 for j in range(units)] for i in range(units)]
    return make_layer("linear", eye, None, "identity")


def _check_work(request, cell, layers, counted: int, exact: bool, sgd: int) -> None:
    units = len(cell.b)
    passes = 1 + (sgd if request.lr is not None else 0)
    work = len(request.x) * (len(cell.W_x) + units) * units
    work += counted * sum(ly.inputs * ly.units for ly in layers)
    check_size(3 * work * passes, exact)


def _counted(request, steps_t: int) -> tuple[int, ...]:
    rows = len(request.target) if request.target is not None else 0
    mode = request.rnn_loss or ("every" if rows == steps_t and steps_t > 1 else "last")
    return tuple(range(steps_t)) if mode == "every" else (steps_t - 1,)


def _arrays(s: Sequence):
    import numpy as np

    def array(values):
        a = np.array(values, dtype=object)
        return a if s.readout.exact else a.astype(float)

    return array(s.W_x), array(s.W_h), array(s.b), array(s.h0)


def run_forward(s: Sequence, cell, x):
    """[(z_t, h_t)] for t = 1…T."""
    w_x, w_h, b, h = cell
    out = []
    for row in x:
        z = row.dot(w_x) + h.dot(w_h) + b
        h = dense.activate(s.activation, z[None, :], s.readout.slope)[0]
        out.append((z, h))
    return out


def run_pass(s: Sequence, cell, readout_w, readout_b, x, t):
    """(loss, per-step rows, cell gradients, read-out passes) at the given weights."""
    import numpy as np

    w_x, w_h, b, h0 = cell
    states = run_forward(s, cell, x)
    hs = np.array([h for _, h in states], dtype=object if s.readout.exact else float)
    loss, passes = dense.one_pass(s.readout, readout_w, readout_b, hs[list(s.counted)], t)
    from_output = passes[0].dL_dz.dot(readout_w[0].T)
    outside = hs * 0
    outside[list(s.counted)] = from_output
    rows, carry = [], h0 * 0
    grads = [w_x * 0, w_h * 0, b * 0]
    for k in range(len(states) - 1, -1, -1):
        z, h = states[k]
        h_prev = states[k - 1][1] if k else h0
        dh = outside[k] + carry
        dz = dh * dense.derivative(s.activation, z, h, s.readout.slope)
        grads[0] = grads[0] + np.outer(x[k], dz)
        grads[1] = grads[1] + np.outer(h_prev, dz)
        grads[2] = grads[2] + dz
        carry = dz.dot(w_h.T)
        rows.insert(0, (z, h, dh, dz))
    return loss, rows, (*grads, carry), passes


def train(s: Sequence):
    cell = _arrays(s)
    readout_w, readout_b, x, t = dense.arrays(s.readout)
    first = run_pass(s, cell, readout_w, readout_b, x, t)
    steps, current = [], first
    lr = (
        None if s.readout.lr is None else (s.readout.lr if s.readout.exact else float(s.readout.lr))
    )
    count = s.readout.steps if lr is not None else 0
    for k in range(count):
        _, _, grads, passes = current
        cell = (*(w - lr * g for w, g in zip(cell[:3], grads[:3], strict=True)), cell[3])
        readout_w = [w - lr * g.dL_dW for w, g in zip(readout_w, passes, strict=True)]
        readout_b = [b - lr * g.dL_db for b, g in zip(readout_b, passes, strict=True)]
        steps.append((current[0], cell, readout_w, readout_b))
        if s.readout.exact:
            dense.check_length([*cell[:3], *readout_w, *readout_b], len(steps))
        if k < count - 1:  # (no pass after the last step: nothing reads it)
            current = run_pass(s, cell, readout_w, readout_b, x, t)
    return first, steps


# ------------------------------------------------------------------------------------ result


@dataclass(frozen=True)
class RnnResult(Trained):
    command = "backprop"

    mode: str
    exact: bool
    loss_function: str
    reduction: str
    rnn_loss: str
    counted_steps: list[int]
    loss: Any
    cell: dict[str, Any]
    time_steps: list[dict[str, Any]]
    dL_dW_x: Any
    dL_dW_h: Any
    dL_db: Any
    dL_dh0: Any
    layers: list[dict[str, Any]]
    lr: Any = None
    steps: list[dict[str, Any]] | None = None
    sequence: Any = view_only()

    def view(self, digits: int = 6) -> list:
        sections = [self._summary(digits), self._time_table(digits), self._cell_table(digits)]
        counted = [self.time_steps[k]["h"] for k in self.counted_steps]
        for i, layer in enumerate(self.layers):
            sections.append(
                layer_table(
                    layer,
                    counted,
                    i,
                    len(self.layers),
                    digits,
                    self.loss_function,
                    self.reduction,
                    source="h",
                    following=self.layers[i + 1] if i + 1 < len(self.layers) else None,
                )
            )
            counted = layer["a"]
        return sections + [self._step_text(step, digits) for step in self.steps or []]

    def _summary(self, digits: int) -> Text:
        f, cell = (lambda v: matrix_text(v, digits)), self.cell
        where = "the last step" if self.rnn_loss == "last" else "every step"
        return Text(
            (
                (
                    f"z_t = x_t·W_x + h_(t−1)·W_h + b, h_t = {cell['activation']}(z_t); "
                    f"W_x = {f(cell['W_x'])}, W_h = {f(cell['W_h'])}, b = {f(cell['b'])}, "
                    f"h₀ = {f(cell['h0'])}"
                ),
                (
                    f"loss {self.loss_function} ({self.reduction}) at {where} = "
                    f"{fmt(self.loss, digits)}"
                ),
                "backward: ∂L/∂h_t = (from y_t) + δ_(t+1)·W_hᵀ, δ_t = ∂L/∂h_t ⊙ f′(z_t)",
            ),
            title=f"Backpropagation through time: {len(self.time_steps)} steps",
        )

    def _time_table(self, digits: int) -> Table:
        rows = tuple(
            (str(r["t"]), *(matrix_text(r[k], digits) for k in ("x", "z", "h", "dL_dh", "dL_dz")))
            for r in self.time_steps
        )
        columns = ("t", "x_t", "z_t", "h_t", "∂L/∂h_t", "δ_t = ∂L/∂z_t")
        return Table(columns, rows, title="Time steps")

    def _cell_table(self, digits: int) -> Table:
        rows = (
            ("∂L/∂W_x", "Σ_t x_tᵀ·δ_t", self.dL_dW_x),
            ("∂L/∂W_h", "Σ_t h_(t−1)ᵀ·δ_t", self.dL_dW_h),
            ("∂L/∂b", "Σ_t δ_t", self.dL_db),
            ("∂L/∂h₀", "δ₁·W_hᵀ", self.dL_dh0),
        )
        return Table(
            ("gradient", "formula", "result"),
            tuple((g, rule, matrix_text(v, digits)) for g, rule, v in rows),
            title="The cell's gradients",
        )

    def _step_text(self, step: dict, digits: int) -> Text:
        f = lambda v: matrix_text(v, digits)
        lines = [f"{k} = {f(step['cell'][k])}" for k in ("W_x", "W_h", "b")]
        lines += [
            f"layers.{i}: W = {f(ly['W'])}, b = {f(ly['b'])}" for i, ly in enumerate(step["layers"])
        ]
        title = (
            f"After step t = {step['t']} (W ← W − η·∂L/∂W, η = {fmt(self.lr)}; "
            f"loss before {fmt(step['loss'], digits)})"
        )
        return Text(tuple(lines), title=title)


def rnn_result(request) -> RnnResult:
    s = sequence_of(request)
    (loss, rows, grads, passes), steps = _trained(s)
    p = s.readout
    return RnnResult(
        mode="rnn",
        exact=p.exact,
        loss_function=p.loss,
        reduction=p.reduction,
        rnn_loss=_mode(s, rows),
        counted_steps=list(s.counted),
        loss=plain(loss),
        cell=_cell_entry(s),
        time_steps=_time_entries(s, rows),
        dL_dW_x=plain(grads[0]),
        dL_dW_h=plain(grads[1]),
        dL_db=plain(grads[2]),
        dL_dh0=plain(grads[3]),
        layers=_readout_entries(s, passes),
        lr=None if p.lr is None else plain_matrix(p.lr, p.exact),
        steps=_step_entries(s, steps) if p.lr is not None else None,
        sequence=s,
    )


def _trained(s: Sequence):
    import numpy as np

    try:
        with np.errstate(over="raise", invalid="raise"):
            return train(s)
    except FloatingPointError as exc:
        raise HwcheckError("<backprop>", f"the numbers leave the float range ({exc})") from None


def _cell_entry(s: Sequence) -> dict:
    exact = s.readout.exact
    return {
        "activation": s.activation,
        "W_x": plain_matrix(s.W_x, exact),
        "W_h": plain_matrix(s.W_h, exact),
        "b": plain_matrix(s.b, exact),
        "h0": plain_matrix(s.h0, exact),
    }


def _time_entries(s: Sequence, rows) -> list[dict]:
    return [
        {
            "t": k + 1,
            "x": plain_matrix(s.readout.x[k], s.readout.exact),
            "z": plain(z),
            "h": plain(h),
            "dL_dh": plain(dh),
            "dL_dz": plain(dz),
        }
        for k, (z, h, dh, dz) in enumerate(rows)
    ]


def _mode(s: Sequence, rows) -> str:
    return "every" if len(s.counted) == len(rows) and len(rows) > 1 else "last"


def _readout_entries(s: Sequence, passes) -> list[dict]:
    from hwcheck.families.backprop.build import layer_entries

    return layer_entries(s.readout, passes)[: s.shown_layers]


def _step_entries(s: Sequence, steps) -> list[dict]:
    return [
        {
            "t": k + 1,
            "loss": plain(loss),
            "cell": {"W_x": plain(cell[0]), "W_h": plain(cell[1]), "b": plain(cell[2])},
            "layers": [{"W": plain(w), "b": plain(b)} for w, b in zip(rw, rb, strict=True)][
                : s.shown_layers
            ],
        }
        for k, (loss, cell, rw, rb) in enumerate(steps)
    ]
