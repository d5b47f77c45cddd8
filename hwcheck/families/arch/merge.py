"""Merge layers of a graph: ``add``, ``subtract``, ``multiply``, ``average``, ``maximum``,
``minimum``, ``concat`` and ``dot``.

A merge layer's compute receives :class:`Inputs` (the input shapes, with the nodes' names for
error messages) instead of one shape. The shape rules are the frameworks':

- element-wise merges, framework ``keras``: the shapes without the batch axis broadcast as NumPy
  does, aligned at the right (Keras 3 expands a lower-rank input after the batch axis), so a
  squeeze-excitation ``multiply`` of ``[C]`` and ``[H, W, C]`` gives ``[H, W, C]``;
- element-wise merges, framework ``pytorch``: the tensors broadcast with their batch axis, so the
  ranks must be equal (``[C, 1, 1]`` with ``[C, H, W]``), then NumPy's rule per axis;
- ``concat``: equal ranks, equal sizes except along ``axis`` (counted in the shape as written,
  without the batch axis; negative counts from the end; default the channels axis);
- ``dot`` (Keras ``Dot(axes)``): two inputs, the sizes along ``axes`` (Keras counts the batch
  axis as 0, so the first axis of a shape is 1) multiplied and summed; the output is the other
  axes of the first input, then of the second ([1] when none is left).

A merge of one input (Keras accepts ``Add()([x])``) passes it through.

No parameters, no MACs (an element-wise sum is not a multiply–accumulate).
"""

from __future__ import annotations

from math import prod

from hwcheck.core.numbers import parse_int
from hwcheck.core.numfmt import fmt_shape
from hwcheck.families.arch.layers import (
    IDENTITY,
    LAYER_TYPES,
    Context,
    Layer,
    LayerOut,
    LayerType,
    split,
)

ELEMENTWISE = ("add", "subtract", "multiply", "average", "maximum", "minimum")
MERGES = (*ELEMENTWISE, "concat", "dot")


class Inputs(tuple):
    """The input shapes of a merge node, with the names of the nodes they come from."""

    names: tuple[str, ...] = ()

    @classmethod
    def of(cls, shapes, names) -> Inputs:
        out = cls(tuple(s) for s in shapes)
        out.names = tuple(names)
        return out

    def described(self, i: int) -> str:
        name = self.names[i] if i < len(self.names) else f"input {i}"
        return f"'{name}' {fmt_shape(self[i])}"


def count(layer: Layer, inputs: Inputs) -> None:
    if not isinstance(inputs, Inputs):  # called as a one-input layer
        raise layer.fail('a merge layer needs inputs = ["a", "b", ...]')
    if layer.type == "subtract" and len(inputs) != 2:
        raise layer.fail(f"subtract takes exactly 2 inputs, got {len(inputs)}")
    if len(inputs) < 1 or (layer.type == "dot" and len(inputs) != 2):
        need = "exactly 2" if layer.type == "dot" else "at least 1"
        raise layer.fail(
            f"{layer.type} needs {need} inputs, got {len(inputs)}",
            hint=f'in a file: inputs = ["a", "b"]; in --spec: {layer.type}( branch ; branch )',
        )


def mismatch(layer: Layer, inputs: Inputs, i: int, j: int, why: str):
    return layer.fail(f"inputs {inputs.described(i)} and {inputs.described(j)} do not match: {why}")


def broadcast(layer: Layer, inputs: Inputs, ctx: Context) -> tuple[int, ...]:
    """NumPy's rule, right-aligned (keras: without the batch axis; pytorch: equal ranks)."""
    out, first = inputs[0], 0
    for i, shape in enumerate(inputs[1:], 1):
        if ctx.framework == "pytorch" and len(shape) != len(out):
            raise mismatch(
                layer,
                inputs,
                first,
                i,
                "PyTorch broadcasts with the batch axis, so the ranks must be equal "
                "(reshape to [C, 1, 1] first)",
            )
        rank = max(len(out), len(shape))
        a, b = (1,) * (rank - len(out)) + out, (1,) * (rank - len(shape)) + shape
        for axis, (m, n) in enumerate(zip(a, b)):
            if m != n and 1 not in (m, n):
                raise mismatch(layer, inputs, first, i, f"axis {axis - rank} has {m} and {n}")
        if len(shape) > len(out):
            first = i
        out = tuple(max(m, n) for m, n in zip(a, b))
    return out


def broadcast_field(inputs: Inputs, out, ctx: Context):
    """Identity, unless a spatial axis is broadcast (a size-1 or missing axis repeated)."""
    if len(out) < 2:
        return IDENTITY
    spatial = split(out, ctx.layout)[0]
    for shape in inputs:
        if len(shape) != len(out) or split(shape, ctx.layout)[0] != spatial:
            return "unsupported: an input broadcast along a spatial axis repeats one position"
    return IDENTITY


def elementwise(layer: Layer, inputs: Inputs, ctx: Context) -> LayerOut:
    count(layer, inputs)
    out = broadcast(layer, inputs, ctx)
    sizes = " and ".join(fmt_shape(s) for s in inputs)
    return LayerOut(
        out,
        explain=(f"{layer.type} of {sizes} → {fmt_shape(out)}",),
        field=broadcast_field(inputs, out, ctx),
    )


def concat_axis(layer: Layer, rank: int, ctx: Context) -> int:
    raw = layer.options.get("axis")
    if raw is None:
        return rank - 1 if ctx.layout == "hwc" else 0
    if isinstance(raw, (list, tuple)):  # the model reader may parse every axis key as a list
        if len(raw) != 1:
            raise layer.fail(f"concat joins along one axis, got {len(raw)}")
        raw = raw[0]
    axis = parse_int(raw, f"{layer.where}: axis", minimum=-rank, maximum=rank - 1)
    return axis % rank


def concat(layer: Layer, inputs: Inputs, ctx: Context) -> LayerOut:
    count(layer, inputs)
    rank = len(inputs[0])
    axis = concat_axis(layer, rank, ctx)
    for i, shape in enumerate(inputs[1:], 1):
        if len(shape) != rank:
            raise mismatch(layer, inputs, 0, i, f"ranks {rank} and {len(shape)} differ")
        for a, (m, n) in enumerate(zip(inputs[0], shape)):
            if a != axis and m != n:
                raise mismatch(
                    layer, inputs, 0, i, f"axis {a} has {m} and {n} (only axis {axis} may differ)"
                )
    total = sum(s[axis] for s in inputs)
    out = tuple(total if a == axis else n for a, n in enumerate(inputs[0]))
    channel = rank - 1 if ctx.layout == "hwc" else 0
    field = (
        IDENTITY
        if rank < 2 or axis == channel
        else "unsupported: a concatenation along a spatial axis places different inputs side by side"
    )
    parts = " + ".join(str(s[axis]) for s in inputs)
    return LayerOut(out, explain=(f"axis {axis}: {parts} = {total}",), field=field)


def dot_axes(layer: Layer, inputs: Inputs) -> tuple[int, int]:
    """Keras ``axes``: one axis for both inputs or one each, counted with the batch axis as 0."""
    raw = layer.options.get("axes", (-1,))
    raw = raw if isinstance(raw, (list, tuple)) else (raw,)
    if len(raw) not in (1, 2):
        raise layer.fail(f"axes names one axis or one per input, got {len(raw)}")
    pair = tuple(raw) * (2 // len(raw))
    out = []
    for shape, a in zip(inputs, pair):
        rank = len(shape) + 1  # with the batch axis
        axis = parse_int(a, f"{layer.where}: axes", minimum=-rank + 1, maximum=rank - 1)
        if axis == 0:
            raise layer.fail("axes may not name the batch axis 0")
        out.append(axis % rank - 1)  # the shape's own axis (without the batch)
    return out[0], out[1]


def dot(layer: Layer, inputs: Inputs, ctx: Context) -> LayerOut:
    """Keras ``Dot``: Σ over the named axes of a·b; no weights, one multiply–add per term."""
    count(layer, inputs)
    a, b = dot_axes(layer, inputs)
    left, right = inputs
    if left[a] != right[b]:
        raise mismatch(
            layer, inputs, 0, 1, f"axes of {left[a]} and {right[b]} units cannot be dotted"
        )
    rest = tuple(n for i, n in enumerate(left) if i != a) + tuple(
        n for i, n in enumerate(right) if i != b
    )
    out = rest or (1,)
    macs = prod(out) * left[a]
    lines = (
        f"Σ over {left[a]} products: {fmt_shape(left)} · {fmt_shape(right)} → {fmt_shape(out)}",
    )
    return LayerOut(
        out,
        macs=macs,
        macs_formula=f"{prod(out)}·{left[a]} = {macs}",
        explain=lines,
        field="unsupported: a dot product mixes whole axes of two inputs",
    )


MERGE_TYPES = {kind: LayerType(elementwise, ()) for kind in ELEMENTWISE}
MERGE_TYPES["concat"] = LayerType(concat, ("axis",))
MERGE_TYPES["dot"] = LayerType(dot, ("axes", "normalize"), (), (), {"normalize": False})
LAYER_TYPES.update(MERGE_TYPES)
