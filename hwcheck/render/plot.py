"""``--plot FILE``: pictures where people would rather look than read (matplotlib, optional).

Imported only when ``--plot`` is given, and matplotlib only inside :func:`save`; without it the
command exits 2 with the install command. One figure per command family:

- optimizer traces: the loss per step; for two parameters also the path over the loss contours
  (``--compare sgd,adam`` draws several optimizers from the same start on one figure);
- ``gd-quadratic``: the contours of ½wᵀHw, the eigenvectors, the GD and Newton paths;
- ``rf``: the input grid with the unit's field shaded and its centre marked;
- ``conv-matrix``: the sparsity pattern, entries labelled when the matrix is small.

Figures are 8 × 4.5 inches at 100 dpi (a PNG of 800 × 450 pixels).
"""

from __future__ import annotations

import math
from pathlib import Path

from hwcheck.core.errors import HwcheckError

FORMATS = (".png", ".svg", ".pdf")
SIZE, DPI = (8.0, 4.5), 100
FIELD_COLOUR, CENTRE_COLOUR = "#d62728", "#1f1f1f"
INSTALL = "pip install 'hwcheck[plot]'  (or: pip install matplotlib)"


def check_target(path: str, inputs=()) -> Path:
    """The file to write: a known extension, a path the writer of outputs accepts (never an
    input, a link, a folder or a FIFO; ``inputs``: values of the command that may name files),
    and matplotlib there to draw it (all checked before any work)."""
    import importlib.util

    from hwcheck.render.files import check_outputs

    target = Path(path)
    if target.suffix.lower() not in FORMATS:
        raise HwcheckError(
            "--plot", f"expected a file ending in {', '.join(FORMATS)}, got '{path}'"
        )
    if not target.parent.is_dir():
        raise HwcheckError("--plot", f"folder '{target.parent}' does not exist")
    if target.is_dir():
        raise HwcheckError("--plot", f"'{path}' is a folder")
    check_outputs([(path, "--plot")], named_files(inputs))
    if importlib.util.find_spec("matplotlib") is None:
        raise HwcheckError("--plot", "needs matplotlib, which is not installed", hint=INSTALL)
    return target


def named_files(values) -> list[str]:
    """The values that name an existing file (``m.toml``, ``@w.csv``): inputs of the run."""
    import os

    names = (str(v).removeprefix("@") for v in values if isinstance(v, str | Path))
    return [n for n in names if n and "\x00" not in n and os.path.isfile(n)]


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise HwcheckError(
            "--plot", "needs matplotlib, which is not installed", hint=INSTALL
        ) from None
    matplotlib.use("Agg")
    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text in an SVG (searchable)
    matplotlib.rcParams["svg.hashsalt"] = "hwcheck"  # the same figure gives the same file
    import matplotlib.pyplot as plt

    return plt


def save(path: str, command: str, result, request=None, others=()) -> None:
    """Draw ``result`` (and the ``--compare`` runs ``others``: (name, result)) into ``path``."""
    import io

    from hwcheck.core.registry import get
    from hwcheck.render.files import check_output, write_bytes

    target = check_target(path)
    check_output(path, "--plot")  # against every file the run has read by now, before drawing
    plt = _pyplot()
    draw = FIGURES[get(command).plot]
    figure = plt.figure(figsize=SIZE, dpi=DPI)
    picture = io.BytesIO()
    try:
        draw(figure, command, result, request, others)
        figure.savefig(picture, dpi=DPI, format=target.suffix[1:].lower())
    finally:
        plt.close(figure)
    write_bytes(path, picture.getvalue(), "--plot")  # whole, never over an input


# ---------------------------------------------------------------------------- traces


def _trace(figure, command, result, request, others) -> None:
    runs = [(command, result), *others]
    names = list(result.final)
    two = len(names) == 2
    loss_axes = figure.add_subplot(1, 2 if two else 1, 1)
    for label, run in runs:
        losses = [s["loss"] for s in run.steps]
        loss_axes.plot(range(1, len(losses) + 1), losses, marker="o", markersize=3, label=label)
    loss_axes.set_xlabel("step t")
    loss_axes.set_ylabel("loss L(θ before step t)")
    loss_axes.set_title("loss per step")
    loss_axes.legend()
    if two:
        _paths(figure.add_subplot(1, 2, 2), runs, names, request)
    figure.tight_layout()


def _paths(axes, runs, names, request) -> None:
    """The parameter paths over the contours of the (full-batch) loss."""
    import numpy as np

    points = []
    for _, run in runs:
        path = [[run.problem["init"][n] for n in names]]
        path += [[s["params"][n] for n in names] for s in run.steps]
        points.append(np.array(path))
    every = np.vstack(points)
    lo, hi = every.min(axis=0), every.max(axis=0)
    margin = np.maximum((hi - lo) * 0.15, 0.5)
    xs = np.linspace(lo[0] - margin[0], hi[0] + margin[0], 60)
    ys = np.linspace(lo[1] - margin[1], hi[1] + margin[1], 60)
    full_loss = getattr(runs[0][1], "full_loss", None)  # the family's loss, from its result
    loss = full_loss() if full_loss is not None else None
    if loss is not None:
        grid = np.array([[loss([x, y]) for x in xs] for y in ys])
        if np.all(np.isfinite(grid)):
            axes.contour(xs, ys, grid, levels=20, linewidths=0.6, cmap="viridis")
    for (label, _), path in zip(runs, points):
        axes.plot(path[:, 0], path[:, 1], marker="o", markersize=3, label=label)
    axes.plot(*points[0][0], marker="*", markersize=12, color="black", label="start")
    axes.set_xlabel(names[0])
    axes.set_ylabel(names[1])
    axes.set_title("path over the loss contours")
    axes.legend()


# ---------------------------------------------------------------------- gd-quadratic


def _quadratic(figure, command, result, request, others) -> None:
    import numpy as np

    H = np.array(result.H)
    if H.shape != (2, 2):
        raise HwcheckError(
            "--plot", f"gd-quadratic draws a 2×2 H only, this H is {len(H)}×{len(H)}"
        )
    w0 = np.array(result.w0 if result.w0 is not None else [1.0, 1.0])
    lr = result.lr if result.lr is not None else 0.1
    gd = [w0]
    for _ in range(30 if result.method == "gd" and not result.steps else 0):
        gd.append(gd[-1] - lr * H @ gd[-1])
    if result.method == "gd" and result.steps:
        gd = [w0] + [np.array(s["w"]) for s in result.steps]
    newton_lr = lr if result.method == "newton" else 1.0
    newton = [w0 * (1 - newton_lr) ** k for k in range(6)]
    if result.method == "newton" and result.steps:
        newton = [w0] + [np.array(s["w"]) for s in result.steps]
    every = np.vstack([*gd, *newton, [0, 0]])
    reach = max(1.0, float(np.abs(every).max()) * 1.2)
    xs = ys = np.linspace(-reach, reach, 80)
    grid = np.array([[0.5 * np.array([x, y]) @ H @ np.array([x, y]) for x in xs] for y in ys])
    axes = figure.add_subplot(1, 1, 1)
    axes.contour(xs, ys, grid, levels=20, linewidths=0.6, cmap="viridis")
    for value, vector in zip(result.eigenvalues, result.eigenvectors):
        v = np.array(vector) * reach * 0.8
        axes.annotate(
            "", xy=v, xytext=(0, 0), arrowprops={"arrowstyle": "->", "color": "black", "lw": 1.5}
        )
        axes.text(*(v * 1.05), f"λ = {value:.4g}", fontsize=9)
    gd = np.array(gd)
    newton = np.array(newton)
    if result.method == "gd" or not result.steps:
        axes.plot(gd[:, 0], gd[:, 1], marker="o", markersize=3, label=f"GD, ε = {lr:.4g}")
    axes.plot(
        newton[:, 0], newton[:, 1], marker="s", markersize=3, label=f"Newton, ε = {newton_lr:.4g}"
    )
    axes.set_aspect("equal")
    axes.set_xlim(-reach, reach)
    axes.set_ylim(-reach, reach)
    axes.set_title(f"½wᵀHw ({result.definiteness}) with the eigenvectors of H")
    axes.legend()


# ---------------------------------------------------------------------------------- rf


def field_box(result) -> tuple[tuple[float, float], list[list[int]]]:
    """The unit's centre (row, column) in input pixels and its field's [first, last] rows and
    columns (unclipped): the region the result names, else unit 0's from start and jump."""
    if result.region is not None:
        return tuple((lo + hi) / 2 for lo, hi in result.region), result.region
    if result.unit is not None:
        raise HwcheckError("--plot", "the unit reads only padding: it has no field to draw")
    if None in result.start or None in result.jump:
        raise HwcheckError(
            "--plot",
            "the units' fields differ along an axis (windows of different lengths, or paths "
            "that are not aligned): name the unit to draw with --unit i,j",
        )
    centre = tuple(result.start)
    return centre, [
        [math.ceil(c - (r - 1) / 2), math.floor(c + (r - 1) / 2)] for c, r in zip(centre, result.rf)
    ]


def _receptive_field(figure, command, result, request, others) -> None:
    import numpy as np

    if result.jump is None or len(result.rf) != 2:
        raise HwcheckError("--plot", "rf draws a 2-D field of a spatial layer only")
    layout = (request.layout if request is not None else None) or "hwc"
    shape = result.input_shape
    height, width = (shape[1], shape[2]) if layout == "chw" and len(shape) == 3 else shape[:2]
    centre, region = field_box(result)
    mask = np.zeros((height, width))
    (r0, r1), (c0, c1) = region
    mask[max(r0, 0) : min(r1, height - 1) + 1, max(c0, 0) : min(c1, width - 1) + 1] = 1
    axes = figure.add_subplot(1, 1, 1)
    from matplotlib.colors import ListedColormap

    axes.imshow(mask, cmap=ListedColormap(["#f4f4f4", FIELD_COLOUR]), vmin=0, vmax=1)
    axes.set_xticks(np.arange(-0.5, width, 1), minor=True)
    axes.set_yticks(np.arange(-0.5, height, 1), minor=True)
    axes.grid(which="minor", color="white", linewidth=0.5)
    axes.plot(centre[1], centre[0], marker="o", color=CENTRE_COLOUR, markersize=6)
    unit = result.unit or [0, 0]
    axes.set_title(
        f"unit ({unit[0]}, {unit[1]}) of layers[{result.layer}]: field "
        f"{r1 - r0 + 1}×{c1 - c0 + 1}, centre ({centre[0]:g}, {centre[1]:g})"
    )
    axes.set_xlabel("input column")
    axes.set_ylabel("input row")


# --------------------------------------------------------------------------- conv-matrix


def _sparsity(figure, command, result, request, others) -> None:
    import numpy as np

    rows, cols = result.shape
    if rows * cols > 4_000_000:
        raise HwcheckError("--plot", f"a {rows}×{cols} matrix is too large to draw")
    mask = np.zeros((rows, cols))
    labels = {}
    if result.matrix is not None:
        for i, row in enumerate(result.matrix):
            for j, value in enumerate(row):
                if value not in (0, "0", 0.0):
                    mask[i, j] = 1
                    labels[i, j] = str(value)
    else:
        for entry in result.entries or []:
            i, j, value = entry[0], entry[1], entry[-1]
            mask[i, j] = 1
            labels[i, j] = str(value)
    axes = figure.add_subplot(1, 1, 1)
    axes.imshow(mask, cmap="Greys", vmin=0, vmax=1.6, aspect="auto", interpolation="nearest")
    if rows * cols <= 400:
        for (i, j), text in labels.items():
            axes.text(j, i, text, ha="center", va="center", fontsize=7, color="white")
    axes.set_title(f"A: {rows}×{cols}, {int(mask.sum())} non-zeros (y = A·vec(x))")
    axes.set_xlabel("input position (row-major)")
    axes.set_ylabel("output position (row-major)")


# -------------------------------------------------------------------------------- grade


def _histogram(figure, command, result, request, others) -> None:
    from hwcheck.core.bins import BINS  # the HTML report's bins
    from hwcheck.core.bins import bins as class_bins

    graded = [s for s in result.students if not s.get("error")]
    bins = class_bins([s["score"] for s in graded], result.max)
    width = 100 / BINS
    axes = figure.add_subplot(1, 1, 1)
    axes.bar([width * (i + 0.5) for i in range(BINS)], bins, width=0.9 * width, color=FIELD_COLOUR)
    axes.set_xticks([width * i for i in range(BINS + 1)])
    axes.set_xlabel("score, % of the maximum")
    axes.set_ylabel("students")
    axes.set_title(f"{len(graded)} students graded against {result.key}")


#: the figure each spec's ``plot=`` names
FIGURES = {
    "trace": _trace,
    "quadratic": _quadratic,
    "field": _receptive_field,
    "sparsity": _sparsity,
    "histogram": _histogram,
}
