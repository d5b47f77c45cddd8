"""The solution sheet of ``backprop``: per layer, each quantity's formula, its numbers, its result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hwcheck.core.formula import FormulaText
from hwcheck.core.numfmt import fmt
from hwcheck.core.views import Table

SHOWN_ENTRIES = 12  # operands up to this many entries are written out in the numbers column
RESULT_ENTRIES = 64  # a result larger than this prints its shape and first row only

DERIVATIVE = {
    "sigmoid": ("σ′(z) = a ⊙ (1 − a)", r"\sigma'(z) = a \odot (1 - a)"),
    "tanh": ("tanh′(z) = 1 − a²", r"\tanh'(z) = 1 - a^{2}"),
    "relu": ("relu′(z) = [z > 0]", r"\mathrm{relu}'(z) = [z > 0]"),
    "leaky_relu": (
        "f′(z) = 1 if z > 0 else slope",
        r"f'(z) = 1 \text{ if } z > 0 \text{ else slope}",
    ),
    "linear": ("f′(z) = 1", r"f'(z) = 1"),
    "softmax": ("δ = a ⊙ (g − Σ g⊙a)", r"\delta = a \odot (g - \textstyle\sum g \odot a)"),
}


def matrix_text(values, digits: int, limit: int = RESULT_ENTRIES) -> str:
    """``[1, 2; 3, 4]`` (rows split by ';'); a large matrix as its shape and first row."""
    rows = values if values and isinstance(values[0], list) else [values]
    entries = sum(len(r) for r in rows)
    if entries > limit:
        first = ", ".join(fmt(v, digits, sep=False) for v in rows[0][:6])
        more = ", …" if len(rows[0]) > 6 else ""
        return f"{len(rows)}×{len(rows[0])}: [{first}{more}; …]"
    return "[" + "; ".join(", ".join(fmt(v, digits, sep=False) for v in r) for r in rows) + "]"


def small(*operands) -> bool:
    return all(_entries(o) <= SHOWN_ENTRIES for o in operands)


def _entries(values) -> int:
    if isinstance(values, list):
        return sum(_entries(v) for v in values) if values else 0
    return 1


def sup(layer: int) -> str:
    return "⁽" + str(layer).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")) + "⁾"


def formula(text: str, latex: str) -> FormulaText:
    return FormulaText(text, latex)


def layer_table(
    layer: dict,
    previous,
    index: int,
    count: int,
    digits: int,
    loss: str,
    reduction: str = "mean",
    source: str = "x",
    following: dict | None = None,
) -> Table:
    """One layer's rows: z, a, ∂L/∂a, δ, ∂L/∂W, ∂L/∂b (``source``: the network's input, x or
    an RNN's h)."""
    sheet = LayerSheet(
        layer, previous, index + 1, index == count - 1, digits, loss, reduction, source, following
    )
    return sheet.table()


@dataclass(frozen=True)
class LayerSheet:
    """One layer of the solution sheet: each row a formula, its numbers and its result."""

    layer: dict
    previous: Any  # the layer's input rows
    n: int  # the layer's number, 1-based as textbooks write a⁽¹⁾
    last: bool
    digits: int
    loss: str
    reduction: str
    source: str
    following: dict | None = None  # the next layer (its δ and W give this layer's ∂L/∂a)

    def m(self, values) -> str:
        return matrix_text(values, self.digits)

    def row(self, text: str, latex: str, value, operands=(), numbers=None) -> tuple:
        shown = numbers() if numbers is not None and small(*operands) else ""
        return (formula(text, latex), shown, self.m(value))

    @property
    def names(self) -> tuple[str, str, str, str]:
        """(s, the input's name, its LaTeX, the layer's LaTeX superscript)."""
        if self.n == 1:
            return sup(1), self.source, self.source, "^{(1)}"
        return sup(self.n), f"a{sup(self.n - 1)}", f"a^{{({self.n - 1})}}", f"^{{({self.n})}}"

    def forward(self) -> list[tuple]:
        s, a_in, a_tex, t = self.names
        ly, act = self.layer, self.layer["activation"]
        return [
            self.row(
                f"z{s} = {a_in}·W{s} + b{s}",
                rf"z{t} = {a_tex} W{t} + b{t}",
                ly["z"],
                (self.previous, ly["W"]),
                lambda: f"{self.m(self.previous)}·{self.m(ly['W'])} + {self.m(ly['b'])}",
            ),
            self.row(
                f"a{s} = {act}(z{s})",
                rf"a{t} = \mathrm{{{act}}}(z{t})".replace("_", r"\_"),
                ly["a"],
                (ly["z"],),
                lambda: f"{act}({self.m(ly['z'])})",
            ),
        ]

    def upstream(self) -> tuple:
        s, _, _, t = self.names
        if self.last:
            text, latex = _loss_gradient(self.loss, self.reduction)
            return self.row(f"{text}  (y = a{s})", latex + rf"\ (y = a{t})", self.layer["dL_da"])
        up, nxt = sup(self.n + 1), self.following or {}
        return self.row(
            f"∂L/∂a{s} = δ{up}·W{up}ᵀ",
            rf"\partial L/\partial a{t} = \delta^{{({self.n + 1})}} (W^{{({self.n + 1})}})^\top",
            self.layer["dL_da"],
            (nxt.get("dL_dz", []), nxt.get("W", [])),
            (lambda: f"{self.m(nxt['dL_dz'])}·{self.m(nxt['W'])}ᵀ") if nxt else None,
        )

    def delta(self) -> tuple:
        s, _, _, t = self.names
        if self.last and self.loss == "ce" and self.layer["activation"] == "softmax":
            per = "/N" if self.reduction == "mean" else ""
            return self.row(
                f"δ{s} = (a{s}·Σt − t){per}",
                rf"\delta{t} = (a{t} \textstyle\sum t - t){per}",
                self.layer["dL_dz"],
            )
        d_text, d_tex = DERIVATIVE[self.layer["activation"]]
        ly = self.layer
        numbers = None
        if ly.get("df_dz") is not None:
            numbers = lambda: f"{self.m(ly['dL_da'])} ⊙ {self.m(ly['df_dz'])}"
        return self.row(
            f"δ{s} = ∂L/∂z{s} = ∂L/∂a{s} ⊙ f′(z{s}); {d_text}",
            rf"\delta{t} = \partial L/\partial a{t} \odot f'(z{t});\ {d_tex}",
            ly["dL_dz"],
            (ly["dL_da"], ly.get("df_dz") or []),
            numbers,
        )

    def gradients(self) -> list[tuple]:
        s, a_in, a_tex, t = self.names
        ly = self.layer
        return [
            self.row(
                f"∂L/∂W{s} = {a_in}ᵀ·δ{s}",
                rf"\partial L/\partial W{t} = ({a_tex})^\top \delta{t}",
                ly["dL_dW"],
                (self.previous, ly["dL_dz"]),
                lambda: f"{self.m(self.previous)}ᵀ·{self.m(ly['dL_dz'])}",
            ),
            self.row(
                f"∂L/∂b{s} = Σₙ δ{s}",
                rf"\partial L/\partial b{t} = \textstyle\sum_n \delta{t}",
                ly["dL_db"],
            ),
        ]

    def table(self) -> Table:
        rows = [*self.forward(), self.upstream(), self.delta(), *self.gradients()]
        ly = self.layer
        title = (
            f"Layer {self.n} (layers.{self.n - 1}): {ly['activation']}, "
            f"{len(ly['W'])} → {len(ly['b'])}"
        )
        return Table(("formula", "numbers", "result"), tuple(rows), title=title, below=(1,))


_LOSS_GRAD = {
    "half_sse": ("∂L/∂y = (y − t)/N", r"\partial L/\partial y = (y - t)/N"),
    "mse": ("∂L/∂y = 2(y − t)/(N·K)", r"\partial L/\partial y = 2(y - t)/(NK)"),
    "bce": (
        "∂L/∂y = (y − t)/(y(1 − y))/(N·K)",
        r"\partial L/\partial y = \frac{y - t}{y(1 - y)}/(NK)",
    ),
    "ce": ("∂L/∂y = −t/(y·N)", r"\partial L/\partial y = -t/(yN)"),
}


_SUMMED = {"/(N·K)": "", "/(y·N)": "/y", "/(yN)": "/y", "/N": "", "/(NK)": ""}


def _loss_gradient(loss: str, reduction: str) -> tuple[str, str]:
    """∂L/∂y of the loss, divided as ``reduction`` says."""
    text, latex = _LOSS_GRAD[loss]
    if reduction == "sum":  # no division by the samples (or entries)
        for mean, summed in _SUMMED.items():
            text, latex = text.replace(mean, summed), latex.replace(mean, summed)
    return text, latex


def step_table(step: dict, before: list, lr, digits: int) -> Table:
    """Step t: W ← W − η·∂L/∂W and b ← b − η·∂L/∂b for every layer (``before``: each layer's
    W and b before the step; the step carries the gradients it used)."""
    rows = []
    for i, (new, old) in enumerate(zip(step["layers"], before, strict=True)):
        s = sup(i + 1)
        for name, grad in (("W", "dL_dW"), ("b", "dL_db")):
            text = f"{name}{s} ← {name}{s} − η·∂L/∂{name}{s}"
            latex = rf"{name}^{{({i + 1})}} \leftarrow {name}^{{({i + 1})}} - \eta\, \partial L/\partial {name}^{{({i + 1})}}"
            numbers = ""
            if small(old[name], new[grad]):
                numbers = f"{matrix_text(old[name], digits)} − {fmt(lr, digits)}·{matrix_text(new[grad], digits)}"
            rows.append((formula(text, latex), numbers, matrix_text(new[name], digits)))
    title = f"Step t = {step['t']} (steps.{step['t'] - 1}): loss before the step {fmt(step['loss'], digits)}"
    return Table(("update", "numbers", "result"), tuple(rows), title=title, below=(1,))
