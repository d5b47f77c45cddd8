"""Receptive fields: the recurrences of Araujo, Norris & Sim (Distill 2019), with dilation.

Per spatial axis, with the dilated kernel k' = d·(k − 1) + 1 and the padding p before::

    r_l = r_{l−1} + (k'_l − 1)·j_{l−1}        (field size, in input pixels)
    j_l = j_{l−1}·s_l                          (jump: input pixels between neighbouring units)
    start_l = start_{l−1} + ((k'_l − 1)/2 − p_l)·j_{l−1}

starting from r_0 = 1, j_0 = 1, start_0 = 0 (the centre of input pixel 0). Unit u of layer l
sees input pixels lo + u·j … lo + u·j + r − 1, lo = start − (r − 1)/2. Flatten, dense after
flatten, global pooling and recurrent layers make every unit see the whole input (``global``).

Graphs (Distill 2019, "arbitrary computation graphs"): a unit's field is the union of its fields
along every path from the input. Along an axis the paths are *aligned* when they share the jump
and the centre (start); then the fields are concentric and the union is the largest of them.
Per node we keep, per axis, the state of the path with the largest field (its predecessor gives
the path), whether all paths are aligned, and the union of unit 0's fields while the jumps agree
— never the paths themselves, whose number grows exponentially (ResNet-152 has 2⁵⁰).

Uneven windows (adaptive pooling whose windows differ in length, 5 → 3: [0,2) [1,4) [3,5)) end
the recurrences along that axis: there is no one jump, and each unit has a field of its own.
From there on we keep every unit's field [first, last] (in input pixels) instead: through a
window it is the hull of the fields of the units the window reads (taps in padding read no
unit), and the table's rf is the largest of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from itertools import pairwise
from math import prod
from typing import Any

from hwcheck.core.errors import HwcheckError
from hwcheck.core.formula import Rule, Sym, sequence
from hwcheck.core.geometry import UnevenWindows, Window
from hwcheck.core.numfmt import fmt_shape
from hwcheck.families.arch.layers import GLOBAL, IDENTITY, split
from hwcheck.families.arch.model import Model

IDENTITY_WINDOW = Window(1, 1, 1, 0, 0)
MAX_DRAW = 64  # input pixels per side that --draw shows
MAX_EXACT = 100_000  # work bound for tracing the exact set of seen pixels, per layer
MAX_UNEVEN_WORK = 1_000_000  # units whose own fields are followed, over all layers


# The Distill recurrences (Araujo, Norris & Sim 2019), written once: Axis.through computes with
# them and `rf`'s work lines print them (layer l reads layer l − 1; k′ = d·(k − 1) + 1).
FIELD = Sym("r", "rf", "state")
JUMP = Sym("j", "jump", "state")
START = Sym("start", "start", "state", latex=r"\mathrm{start}")
SPAN = Sym("k′", "span", "step", latex="k'")
STRIDE = Sym("s", "stride", "step")
PAD = Sym("p", "before", "step")
RECURRENCES = sequence(
    [
        Rule(FIELD, FIELD + (SPAN - 1) * JUMP),
        Rule(START, START + ((SPAN - 1) / 2 - PAD) * JUMP),
        Rule(JUMP, JUMP * STRIDE),
    ]
)
_STEPS = [rule.compile() for rule in RECURRENCES]


def recurrence_env(axis: Axis, w: Window) -> dict[str, Any]:
    """The values the recurrences read at a layer: exact (fractions), so starts stay exact."""
    return {
        "rf": axis.rf,
        "jump": axis.jump,
        "start": Fraction(2 * axis.lo + axis.rf - 1, 2),
        "span": Fraction(w.span),
        "stride": w.stride,
        "before": w.before,
    }


Span = tuple[int, int] | None  # a unit's field [first, last] in input pixels; None: padding only


@dataclass(frozen=True)
class Axis:
    """The recurrence state along one axis: field size, jump, left edge of unit 0; once windows
    differ in length (``units``), each unit's field instead, and ``rf`` the largest of them."""

    rf: int = 1
    jump: int = 1
    lo: int = 0
    units: tuple[Span, ...] | None = None
    monotone: bool = True  # the units' fields only move right (both edges never decrease)

    @property
    def uneven(self) -> bool:
        return self.units is not None

    @property
    def start(self) -> float | None:
        return None if self.uneven else self.lo + (self.rf - 1) / 2

    def span(self, u: int) -> Span:
        """Unit ``u``'s field [first, last] (unclipped)."""
        if self.units is not None:
            return self.units[u]
        return self.lo + u * self.jump, self.lo + u * self.jump + self.rf - 1

    def through(self, w: Window | UnevenWindows, count: int = 0) -> Axis:
        """The state after a layer's windows; ``count`` (the layer's output size along the axis)
        is read only once the fields are uneven."""
        if w == IDENTITY_WINDOW and (self.units is None or count == len(self.units)):
            return self  # an activation, a norm, a merge: each unit reads itself (r, j, start kept)
        if isinstance(w, Window) and not self.uneven:
            env = recurrence_env(self, w)
            for key, rule, _ in _STEPS:
                env[key] = rule(env)
            rf = int(env["rf"])
            return Axis(rf, int(env["jump"]), int(env["start"] - Fraction(rf - 1, 2)))
        if isinstance(w, UnevenWindows):
            return of_units(tuple(self.hull_of(range(a, b)) for a, b in w.bounds))
        n = len(self.units)
        return of_units(tuple(self.hull_of(inside(reads(w, u), n)) for u in range(count)))

    def hull_of(self, taps: range) -> Span:
        """The hull of the fields of units ``taps``: where the fields only move right from unit
        to unit (even fields and adaptive windows do; a dilated window next to padding need
        not), the first unit's left edge to the last one's right edge."""
        if not taps:
            return None
        if self.monotone:
            first, last = self.span(taps[0]), self.span(taps[-1])
            if first is not None and last is not None:
                return first[0], last[1]
        return hull(self.span(q) for q in taps)


def inside(taps: range, n: int) -> range:
    """The taps at positions 0 … n − 1 (the rest are padding)."""
    lo = taps.start if taps.start >= 0 else taps.start % taps.step  # the first tap at 0 or after
    return range(lo, min(taps.stop, n), taps.step)


def hull(spans) -> Span:
    """The smallest [first, last] holding every span (None for none)."""
    spans = [x for x in spans if x is not None]
    return (min(x[0] for x in spans), max(x[1] for x in spans)) if spans else None


def interval(spans) -> bool:
    """Whether the spans' union has no gap (then it is their hull)."""
    reach = None
    for lo, hi in sorted(x for x in spans if x is not None):
        if reach is not None and lo > reach + 1:
            return False
        reach = hi if reach is None else max(reach, hi)
    return True


def of_units(units: tuple[Span, ...]) -> Axis:
    spans = [x for x in units if x is not None]
    first = spans[0] if spans else (0, 0)
    monotone = all(a[0] <= b[0] and a[1] <= b[1] for a, b in pairwise(spans))
    return Axis(max((hi - lo + 1 for lo, hi in spans), default=0), 0, first[0], units, monotone)


def why_none(step: Step) -> str:
    """Why a row has no field: ``layers[1] (reshape): reshape moves positions between axes``."""
    where = step.error.where.rpartition(": ")[2]
    return f"{where}: {step.error.message.removeprefix('receptive field not supported: ')}"


def unit_fields(axis: Axis) -> list[int] | None:
    """Each unit's field size along an uneven axis (0: it reads only padding)."""
    if not axis.uneven:
        return None
    return [0 if x is None else x[1] - x[0] + 1 for x in axis.units]


@dataclass(frozen=True)
class Step:
    """One layer's row of the rf table (a node of the graph)."""

    index: int
    name: str
    type: str
    windows: tuple[Window | UnevenWindows, ...] | None  # None once global
    axes: tuple[Axis, ...] | None  # along the path with the largest field
    best: int = -1  # the input that path comes through (-1: the model input)
    aligned: tuple[bool, ...] = ()  # per axis: every path shares jump and centre
    union: tuple[tuple[int, int] | None, ...] = ()  # per axis, unit 0's field over all paths
    # (None where the paths' jumps differ)
    error: HwcheckError | None = field(default=None, compare=False)  # no field: why

    @property
    def rf(self) -> list[int | None]:
        """The field per axis: the union of the paths' fields, None where they are unaligned
        (along an uneven axis, the largest unit's field)."""
        return [
            None if not ok else a.rf if a.uneven else u[1] - u[0] + 1
            for a, u, ok in zip(self.axes, self.spans, self.aligned)
        ]

    @property
    def spans(self) -> list[tuple[int, int]]:
        return [
            u if u is not None else (a.lo, a.lo + a.rf - 1) for u, a in zip(self.union, self.axes)
        ]


def through_union(union, axis: Axis, w: Window):
    """Unit 0's union of fields through a window, the jump ``axis.jump`` shared by every path."""
    if union is None:
        return None
    lo, hi = union
    return lo - w.before * axis.jump, hi + (w.span - 1 - w.before) * axis.jump


def merged(states: list[Step], rank: int):
    """(best input position, aligned, union, axes) of several inputs, per axis. Along an uneven
    axis each unit's field is the union of its fields through every input (aligned while that
    union has no gap); elsewhere the axes are those of the path with the largest field."""
    best = max(range(len(states)), key=lambda i: (sum(a.rf for a in states[i].axes), -i))
    aligned, union, axes = [], [], []
    for a in range(rank):
        each = [st.axes[a] for st in states]
        if any(x.uneven for x in each):
            count = next(len(x.units) for x in each if x.uneven)
            spans = [[x.span(u) for x in each] for u in range(count)]
            aligned.append(all(st.aligned[a] for st in states) and all(map(interval, spans)))
            union.append(None)
            axes.append(of_units(tuple(map(hull, spans))))
            continue
        same_jump = len({x.jump for x in each}) == 1 and all(st.union[a] for st in states)
        aligned.append(
            same_jump and all(st.aligned[a] for st in states) and len({x.start for x in each}) == 1
        )
        spans = [st.union[a] for st in states]
        union.append((min(s[0] for s in spans), max(s[1] for s in spans)) if same_jump else None)
        axes.append(states[best].axes[a])
    return best, tuple(aligned), tuple(union), tuple(axes)


def input_spatial(model: Model) -> tuple[int, ...]:
    """The input's spatial sizes (an embedding's input [T] is all spatial)."""
    if model.layers[0].type == "embedding":
        return model.input_shape
    if len(model.input_shape) < 2:
        raise HwcheckError("input", "a vector input has no spatial axes, so no receptive field")
    return split(model.input_shape, model.layout)[0]


def spatial_sizes(model: Model, shape) -> tuple[int, ...]:
    """The spatial sizes of a layer's output (after an embedding: every axis but the last)."""
    return (
        tuple(shape[:-1]) if model.layers[0].type == "embedding" else split(shape, model.layout)[0]
    )


def layer_windows(field, rank: int, where: str):
    """The windows of one layer along ``rank`` axes; None for global layers."""
    if field == GLOBAL:
        return None
    if field == IDENTITY:
        return (IDENTITY_WINDOW,) * rank
    if isinstance(field, str):  # "unsupported: why"
        raise HwcheckError(where, "receptive field not supported: " + field.partition(": ")[2])
    if len(field) != rank:
        raise HwcheckError(where, f"has {len(field)} spatial axes, the input has {rank}")
    return field


def steps(model: Model, outs) -> list[Step]:
    """The recurrence through every layer of ``outs`` (a prefix of the model), in file order.
    A layer without a field (a transposed convolution, …) is an error only for the last layer
    and the layers that depend on it, not for a branch the last layer does not read, nor once a
    global layer (attention, flatten, a global pool) has mixed every position it reads."""
    rank = len(input_spatial(model))
    start = Step(-1, "input", "", None, (Axis(),) * rank, -1, (True,) * rank, ((0, 0),) * rank)
    rows: list[Step] = []
    work = 0
    for layer, out in zip(model.layers, outs):
        rows.append(step(model, layer, out, start, rows, rank))
        work += sum(len(a.units) for a in rows[-1].axes or () if a.uneven)
        if work > MAX_UNEVEN_WORK:
            raise HwcheckError(
                f"{model.source}: {layer.where}",
                f"receptive fields of different sizes followed unit by unit past "
                f"{MAX_UNEVEN_WORK:,} units in all (windows of different lengths at "
                f"{next(r.name for r in rows if r.axes and any(a.uneven for a in r.axes))}); "
                "ask for an earlier layer with --layer",
            )
    if rows and rows[-1].error is not None:
        raise rows[-1].error
    return rows


def step(model: Model, layer, out, start: Step, rows: list[Step], rank: int) -> Step:
    sources = model.inputs_of(layer.index)
    ins = [start if s < 0 else rows[s] for s in sources]
    head = (layer.index, layer.name, layer.type)
    if any(st.axes is None and st.error is None for st in ins):
        return Step(*head, None, None, sources[0])
    failed = next((st.error for st in ins if st.error is not None), None)
    if failed is not None:
        if out.field == GLOBAL:  # it mixes every position it reads, wherever the layers below
            return Step(*head, None, None, sources[0])  # moved them (ViT's patch reshape)
        return Step(*head, None, None, sources[0], error=failed)
    if len(ins) == 1:
        best, aligned, union, before = 0, ins[0].aligned, ins[0].union, ins[0].axes
    else:
        best, aligned, union, before = merged(ins, rank)
    try:
        wins = layer_windows(out.field, rank, f"{model.source}: {layer.where}")
    except HwcheckError as exc:
        return Step(*head, None, None, sources[best], error=exc)
    if wins is None:
        return Step(*head, None, None, sources[best])
    counts = spatial_sizes(model, out.shape) if any(a.uneven for a in before) else (0,) * rank
    axes = tuple(entering(a, u, w).through(w, n) for a, u, w, n in zip(before, union, wins, counts))
    union = tuple(
        None if b.uneven else through_union(u, a, w)
        for u, a, w, b in zip(union, before, wins, axes)
    )
    return Step(*head, wins, axes, sources[best], aligned, union)


def path_to(rows: list[Step], index: int) -> list[int]:
    """The nodes of the path with the largest field, from the first layer to ``index``."""
    path = [index]
    while rows[path[-1]].best >= 0:
        path.append(rows[path[-1]].best)
    return path[::-1]


# --------------------------------------------------------------------------- a unit's field


def region(axes: tuple[Axis, ...], unit: tuple[int, ...]) -> list[list[int]]:
    """[[first, last], ...] input pixels (inclusive, unclipped) that ``unit`` sees."""
    return [[a.lo + u * a.jump, a.lo + u * a.jump + a.rf - 1] for a, u in zip(axes, unit)]


def clip(bounds: list[list[int]], sizes) -> list[list[int]] | None:
    out = [[max(lo, 0), min(hi, n - 1)] for (lo, hi), n in zip(bounds, sizes)]
    return None if any(lo > hi for lo, hi in out) else out


def entering(axis: Axis, union, w) -> Axis:
    """The state windows of different lengths start from: the union of every path's fields
    (unit 0's union, moved by the shared jump), which is the largest path's when they align."""
    if isinstance(w, UnevenWindows) and not axis.uneven and union is not None:
        return Axis(union[1] - union[0] + 1, axis.jump, union[0])
    return axis


def reads(w: Window | UnevenWindows, p: int) -> range:
    """The positions of the layer below that unit ``p`` reads through ``w`` (padding included:
    the caller drops positions outside the layer)."""
    if isinstance(w, UnevenWindows):
        return range(*w.bounds[p])
    first = p * w.stride - w.before
    return range(first, first + w.dilation * (w.kernel - 1) + 1, w.dilation)


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
            seen = {q for p in seen for q in reads(w, p) if 0 <= q < n}
        out.append(sorted(seen))
    return out


# --------------------------------------------------------------------------- in words


def pixel_word(rank: int) -> str:
    return {1: "input positions", 2: "input pixels", 3: "input voxels"}.get(rank, "input positions")


def chain_sizes(rows: list[Step], levels=None) -> list[tuple[int, list[int]]]:
    """What one unit of the top layer sees, measured in units of each layer below it:
    [(level, sizes), ...] from the layer just below down to level 0, the input.
    Layer k is the output of layers[k−1] (1-based, as students count); along a path of a graph
    ``levels[p]`` is the layer that ``rows[p]`` reads. Along an uneven axis the unit is the one
    with the largest field."""
    levels = levels or range(len(rows))
    per_axis = [axis_chain(rows, a) for a in range(len(rows[-1].windows))]
    return [
        (levels[level], [sizes[i] for sizes in per_axis])
        for i, level in enumerate(range(len(rows) - 1, -1, -1))
    ]


def axis_chain(rows: list[Step], a: int) -> list[int]:
    """Along axis ``a``, the units of each layer (top down) that one top unit sees: (r − 1)·s + k′
    while the fields are even; along an uneven axis, the widest unit's, followed window by window
    (positions in the padding of a layer of uneven fields are no units)."""
    if not rows[-1].axes[a].uneven:
        field, out = 1, []
        for row in reversed(rows):
            w = row.windows[a]
            field = (field - 1) * w.stride + w.span
            out.append(field)
        return out
    sizes = unit_fields(rows[-1].axes[a])
    seen, out = {sizes.index(max(sizes))}, []  # the widest unit, followed exactly
    reach = None  # below the windows of different lengths: [lo, hi], padding counted
    for p in range(len(rows) - 1, -1, -1):
        w, below = rows[p].windows[a], rows[p - 1].axes[a] if p else None
        if reach is not None:
            reach = reads(w, reach[0])[0], reads(w, reach[1])[-1]
            out.append(reach[1] - reach[0] + 1)
            continue
        seen = {
            q
            for u in seen
            for q in reads(w, u)
            if below is None or not below.uneven or 0 <= q < len(below.units)
        }
        if below is None or not below.uneven:
            reach = (min(seen), max(seen)) if seen else None
        out.append(max(seen) - min(seen) + 1 if seen else 0)
        if not seen:
            out += [0] * p
            break
    return out


def path_levels(path: list[int]) -> list[int]:
    """The layer each node of a path reads: 0 (the input), then the node below it, 1-based."""
    return [0, *(i + 1 for i in path[:-1])]


def chain(rows: list[Step], max_terms: int = 12, levels=None, top: int | None = None) -> str:
    """ "a unit of layer 4 sees 3×3 units of layer 3, 5×5 of layer 2, 7×7 of layer 1, 9×9 = 81 input pixels"
    (layer k is the output of layers[k−1]; layer 0 is the input)."""
    top, parts = top or len(rows), chain_sizes(rows, levels)
    words = [f"{fmt_shape(parts[0][1])} units of layer {parts[0][0]}" if len(rows) > 1 else None]
    words += [f"{fmt_shape(f)} of layer {lv}" for lv, f in parts[1:-1]]
    if len(words) > max_terms:
        words = words[: max_terms // 2] + ["…"] + words[-(max_terms // 2) :]
    final = parts[-1][1]
    area = f" = {prod(final):,}" if len(final) > 1 else ""
    words.append(f"{fmt_shape(final)}{area} {pixel_word(len(final))}")
    return f"a unit of layer {top} sees " + ", ".join(w for w in words if w)


def draw(sizes, unit_positions, centre, points=None) -> tuple[str, ...]:
    """The input grid with the unit's field shaded (■) and its centre marked (●); ``points``
    (a set of positions), when given, is the exact field instead of per-axis positions."""
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
                inside = (
                    ((i, j) if len(sizes) == 2 else (j,)) in points
                    if points is not None
                    else i in rows_seen and j in cols_seen
                )
                cells.append("■" if inside else "·")
        lines.append(" ".join(cells))
    return tuple(lines)


MAX_GRAPH_WORK = 2_000_000  # positions × kernel taps, over a whole graph


def seen_in_graph(model: Model, rows: list[Step], unit, sizes) -> set[tuple[int, ...]] | None:
    """The input positions that ``unit`` of the last row sees along any path (Distill's union),
    exactly: positions in padding lead nowhere, dilation leaves holes. ``sizes[i]`` are the
    spatial sizes of node i's output, ``sizes[-1]`` the input's. None past the work bound."""
    pending: dict[int, set] = {len(rows) - 1: {tuple(unit)}}
    seen: set[tuple[int, ...]] = set()
    work = 0
    for index in range(len(rows) - 1, -1, -1):
        points = pending.pop(index, None)
        if not points:
            continue
        for source in model.inputs_of(index):
            below, n = points, sizes[source]
            for a, w in enumerate(rows[index].windows):
                work += len(below) * w.kernel
                if work > MAX_GRAPH_WORK:
                    return None
                below = {
                    (*p[:a], q, *p[a + 1 :]) for p in below for q in reads(w, p[a]) if 0 <= q < n[a]
                }
            (seen if source < 0 else pending.setdefault(source, set())).update(below)
    return seen
