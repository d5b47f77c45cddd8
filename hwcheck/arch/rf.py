"""Receptive fields: the recurrences of Araujo, Norris & Sim (Distill 2019), with dilation.

Per spatial axis, with the dilated kernel k' = d·(k − 1) + 1 and the padding p before::

    r_l = r_{l−1} + (k'_l − 1)·j_{l−1}        (field size, in input pixels)
    j_l = j_{l−1}·s_l                          (jump: input pixels between neighbouring units)
    start_l = start_{l−1} + ((k'_l − 1)/2 − p_l)·j_{l−1}

starting from r_0 = 1, j_0 = 1, start_0 = 0 (the centre of input pixel 0). Unit u of layer l
sees input pixels lo + u·j … lo + u·j + r − 1, lo = start − (r − 1)/2. Flatten, dense after
flatten, global pooling and recurrent layers make every unit see the whole input (``global``).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

from hwcheck.arch.layers import GLOBAL, IDENTITY, split
from hwcheck.arch.model import Model
from hwcheck.errors import HwcheckError
from hwcheck.geometry import Window
from hwcheck.numfmt import fmt_shape

MAX_DRAW = 64  # input pixels per side that --draw shows
MAX_EXACT = 100_000  # work bound for tracing the exact set of seen pixels, per layer


@dataclass(frozen=True)
class Axis:
    """The recurrence state along one axis: field size, jump, left edge of unit 0."""

    rf: int = 1
    jump: int = 1
    lo: int = 0

    @property
    def start(self) -> float:
        return self.lo + (self.rf - 1) / 2

    def through(self, w: Window) -> Axis:
        return Axis(
            self.rf + (w.span - 1) * self.jump, self.jump * w.stride, self.lo - w.before * self.jump
        )


@dataclass(frozen=True)
class Step:
    """One layer's row of the rf table."""

    index: int
    name: str
    type: str
    windows: tuple[Window, ...] | None  # None once global
    axes: tuple[Axis, ...] | None


def input_spatial(model: Model) -> tuple[int, ...]:
    """The input's spatial sizes (an embedding's input [T] is all spatial)."""
    if model.layers[0].type == "embedding":
        return model.input_shape
    if len(model.input_shape) < 2:
        raise HwcheckError("input", "a vector input has no spatial axes, so no receptive field")
    return split(model.input_shape, model.layout)[0]


def layer_windows(field, rank: int, where: str):
    """The windows of one layer along ``rank`` axes; None for global layers."""
    if field == GLOBAL:
        return None
    if field == IDENTITY:
        return (Window(1, 1, 1, 0, 0),) * rank
    if isinstance(field, str):  # "unsupported: why"
        raise HwcheckError(where, "receptive field not supported: " + field.partition(": ")[2])
    if len(field) != rank:
        raise HwcheckError(where, f"has {len(field)} spatial axes, the input has {rank}")
    return field


def steps(model: Model, outs) -> list[Step]:
    """The recurrence through every layer of ``outs`` (a prefix of the model)."""
    rank = len(input_spatial(model))
    axes: tuple[Axis, ...] | None = (Axis(),) * rank
    rows = []
    for layer, out in zip(model.layers, outs):
        wins = (
            None
            if axes is None
            else layer_windows(out.field, rank, f"{model.source}: {layer.where}")
        )
        axes = None if wins is None else tuple(a.through(w) for a, w in zip(axes, wins))
        rows.append(Step(layer.index, layer.name, layer.type, wins, axes))
    return rows


# --------------------------------------------------------------------------- a unit's field


def region(axes: tuple[Axis, ...], unit: tuple[int, ...]) -> list[list[int]]:
    """[[first, last], ...] input pixels (inclusive, unclipped) that ``unit`` sees."""
    return [[a.lo + u * a.jump, a.lo + u * a.jump + a.rf - 1] for a, u in zip(axes, unit)]


def clip(bounds: list[list[int]], sizes) -> list[list[int]] | None:
    out = [[max(lo, 0), min(hi, n - 1)] for (lo, hi), n in zip(bounds, sizes)]
    return None if any(lo > hi for lo, hi in out) else out


def seen_positions(rows: list[Step], unit: tuple[int, ...], in_sizes) -> list[list[int]] | None:
    """Per axis, exactly which input positions the unit sees: dilation and strides larger than
    kernels leave holes, and positions in a layer's padding lead nowhere. ``in_sizes[l]`` are
    the spatial sizes entering layer l. None when a field is too large to list."""
    out = []
    for axis, u in enumerate(unit):
        seen = {u}
        for row, sizes in zip(reversed(rows), reversed(in_sizes)):
            w, n = row.windows[axis], sizes[axis]
            if len(seen) * w.kernel > MAX_EXACT:
                return None
            seen = {
                q
                for p in seen
                for t in range(w.kernel)
                if 0 <= (q := p * w.stride - w.before + w.dilation * t) < n
            }
        out.append(sorted(seen))
    return out


# --------------------------------------------------------------------------- in words


def pixel_word(rank: int) -> str:
    return {1: "input positions", 2: "input pixels", 3: "input voxels"}.get(rank, "input positions")


def chain_sizes(rows: list[Step]) -> list[tuple[int, list[int]]]:
    """What one unit of the top layer sees, measured in units of each layer below it:
    [(level, sizes), ...] from the layer just below down to level 0, the input.
    Layer k is the output of layers[k−1] (1-based, as students count)."""
    field, parts = [1] * len(rows[-1].windows), []
    for level in range(len(rows) - 1, -1, -1):
        field = [(r - 1) * w.stride + w.span for r, w in zip(field, rows[level].windows)]
        parts.append((level, list(field)))
    return parts


def chain(rows: list[Step], max_terms: int = 12) -> str:
    """ "a unit of layer 4 sees 3×3 units of layer 3, 5×5 of layer 2, 7×7 of layer 1, 9×9 = 81 input pixels"
    (layer k is the output of layers[k−1]; layer 0 is the input)."""
    top, parts = len(rows), chain_sizes(rows)
    words = [f"{fmt_shape(parts[0][1])} units of layer {parts[0][0]}" if top > 1 else None]
    words += [f"{fmt_shape(f)} of layer {lv}" for lv, f in parts[1:-1]]
    if len(words) > max_terms:
        words = words[: max_terms // 2] + ["…"] + words[-(max_terms // 2) :]
    final = parts[-1][1]
    area = f" = {prod(final):,}" if len(final) > 1 else ""
    words.append(f"{fmt_shape(final)}{area} {pixel_word(len(final))}")
    return f"a unit of layer {top} sees " + ", ".join(w for w in words if w)


def draw(sizes, unit_positions, centre) -> tuple[str, ...]:
    """The input grid with the unit's field shaded (■) and its centre marked (●)."""
    if len(sizes) > 2 or max(sizes) > MAX_DRAW:
        raise HwcheckError(
            "--draw",
            f"draws 1-D or 2-D inputs up to {MAX_DRAW} per side, the input is {fmt_shape(sizes)}",
        )
    grid = [sizes[0], sizes[1]] if len(sizes) == 2 else [1, sizes[0]]
    seen = unit_positions if len(sizes) == 2 else [[0], unit_positions[0]]
    mid = centre if len(sizes) == 2 else [0.0, centre[0]]
    rows_seen, cols_seen = set(seen[0]), set(seen[1])
    lines = []
    for i in range(grid[0]):
        cells = []
        for j in range(grid[1]):
            if abs(i - mid[0]) <= 0.5 and abs(j - mid[1]) <= 0.5:
                cells.append("●")
            else:
                cells.append("■" if i in rows_seen and j in cols_seen else "·")
        lines.append(" ".join(cells))
    return tuple(lines)
