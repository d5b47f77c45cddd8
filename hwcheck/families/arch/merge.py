"""Merge layers of a graph: ``add``, ``subtract``, ``multiply``, ``average``, ``maximum``, ``concat``.

A merge layer's compute receives :class:`Inputs` (the input shapes, with the nodes' names for
error messages) instead of one shape. The shape rules are the frameworks':

- element-wise merges, framework ``keras``: the shapes without the batch axis broadcast as NumPy
  does, aligned at the right (Keras 3 expands a lower-rank input after the batch axis), so a
  squeeze-excitation ``multiply`` of ``[C]`` and ``[H, W, C]`` gives ``[H, W, C]``;
- element-wise merges, framework ``pytorch``: the tensors broadcast with their batch axis, so the
  ranks must be equal (``[C, 1, 1]`` with ``[C, H, W]``), then NumPy's rule per axis;
- ``concat``: equal ranks, equal sizes except along ``axis`` (counted in the shape as written,
  without the batch axis; negative counts from the end; default the channels axis).

No parameters, no MACs (an element-wise sum is not a multiply–accumulate).
"""

from __future__ import annotations

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

ELEMENTWISE = ("add", "subtract", "multiply", "average", "maximum")
MERGES = (*ELEMENTWISE, "concat")


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
    if len(inputs) < 2:
        raise layer.fail(
            f"{layer.type} needs at least 2 inputs, got {len(inputs)}",
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


MERGE_TYPES = {kind: LayerType(elementwise, ()) for kind in ELEMENTWISE}
MERGE_TYPES["concat"] = LayerType(concat, ("axis",))
LAYER_TYPES.update(MERGE_TYPES)
