"""The solution sheet of ``backprop``: per layer, each quantity's formula, its numbers, its result."""

from __future__ import annotations

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
) -> Table:
    """One layer's rows: z, a, ∂L/∂a, δ, ∂L/∂W, ∂L/∂b."""
    n, m = index + 1, index
    s, p = sup(n), sup(m)
    act = layer["activation"]
    a_prev = source if index == 0 else f"a{p}"  # the network's input (x, or an RNN's h)
    a_prev_tex = source if index == 0 else f"a^{{({m})}}"

    def row(text, latex, operands, numbers, value):
        shown = numbers() if small(*operands) else ""
        return (formula(text, latex), shown, matrix_text(value, digits))

    f = lambda v: matrix_text(v, digits)
    rows = [
        row(
            f"z{s} = {a_prev}·W{s} + b{s}",
            rf"z^{{({n})}} = {a_prev_tex} W^{{({n})}} + b^{{({n})}}",
            (previous, layer["W"]),
            lambda: f"{f(previous)}·{f(layer['W'])} + {f(layer['b'])}",
            layer["z"],
        ),
        row(
            f"a{s} = {act}(z{s})",
            rf"a^{{({n})}} = \mathrm{{{act}}}(z^{{({n})}})".replace("_", r"\_"),
            (layer["z"],),
            lambda: f"{act}({f(layer['z'])})",
            layer["a"],
        ),
    ]
    if index == count - 1:
        rows.append(_output_grad_row(layer, n, loss, reduction, digits))
    else:
        rows.append(
            (
                formula(
                    f"∂L/∂a{s} = δ{sup(n + 1)}·W{sup(n + 1)}ᵀ",
                    rf"\partial L/\partial a^{{({n})}} = \delta^{{({n + 1})}} (W^{{({n + 1})}})^\top",
                ),
                "",
                matrix_text(layer["dL_da"], digits),
            )
        )
    d_text, d_tex = DERIVATIVE[act]
    rows += [
        (
            formula(
                f"δ{s} = ∂L/∂z{s} = ∂L/∂a{s} ⊙ f′(z{s}); {d_text}",
                rf"\delta^{{({n})}} = \partial L/\partial a^{{({n})}} \odot f'(z^{{({n})}});\ {d_tex}",
            ),
            "",
            matrix_text(layer["dL_dz"], digits),
        ),
        row(
            f"∂L/∂W{s} = {a_prev}ᵀ·δ{s}",
            rf"\partial L/\partial W^{{({n})}} = ({a_prev_tex})^\top \delta^{{({n})}}",
            (previous, layer["dL_dz"]),
            lambda: f"{f(previous)}ᵀ·{f(layer['dL_dz'])}",
            layer["dL_dW"],
        ),
        (
            formula(
                f"∂L/∂b{s} = Σₙ δ{s}",
                rf"\partial L/\partial b^{{({n})}} = \textstyle\sum_n \delta^{{({n})}}",
            ),
            "",
            matrix_text(layer["dL_db"], digits),
        ),
    ]
    if act == "softmax" and loss == "ce":
        rows[3] = (
            formula(
                f"δ{s} = (a{s}·Σt − t)" + ("/N" if reduction == "mean" else ""),
                rf"\delta^{{({n})}} = (a^{{({n})}} \textstyle\sum t - t)"
                + ("/N" if reduction == "mean" else ""),
            ),
            "",
            matrix_text(layer["dL_dz"], digits),
        )
    title = f"Layer {n} (layers.{index}): {act}, {len(layer['W'])} → {len(layer['b'])}"
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


def _output_grad_row(layer: dict, n: int, loss: str, reduction: str, digits: int) -> tuple:
    text, latex = _LOSS_GRAD[loss]
    if reduction == "sum":  # no division by the samples (or entries)
        for mean, summed in _SUMMED.items():
            text, latex = text.replace(mean, summed), latex.replace(mean, summed)
    return (
        formula(text + f"  (y = a{sup(n)})", latex + rf"\ (y = a^{{({n})}})"),
        "",
        matrix_text(layer["dL_da"], digits),
    )


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
