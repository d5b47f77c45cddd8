"""Named mistakes of shapes, parameter counts, MACs and receptive fields (issue 14).

Most entries perturb the model and run the arch builder again (``trace``): the bias dropped from
one layer, `same` read as `valid`, a stride ignored, a pooling left out or applied twice, the
other framework's counting convention. The value the perturbed model gives for the claimed key is
the mistake's value. A few are arithmetic on the result (a layer's output size added into the
total, MACs as FLOPs). Receptive-field mistakes re-run the recurrence r = r′ + (k′ − 1)·j′ the
wrong way on the result's own kernels, strides and dilations.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from math import prod
from typing import Any

from hwcheck.claims.diagnose import FOLLOWS_FROM_EARLIER, Candidate, Case, Mistake
from hwcheck.core import geometry
from hwcheck.core.numfmt import fmt
from hwcheck.families.arch import memory_mistakes
from hwcheck.families.arch.layers import join, split
from hwcheck.families.arch.model import Model, trace
from hwcheck.families.arch.results import layer_row, shape_cell

PARAM_KEYS = ("total_params", "trainable_params")
WEIGHTED = ("conv", "dense", "depthwise", "separable")


# --------------------------------------------------------------------------- re-running a model


def _model(case: Case) -> Model | None:
    """The model of a params result; the catalogue perturbs plain stacks, not graphs."""
    model = getattr(case.result, "model", None)
    if not isinstance(model, Model) or case.data.get("command") != "params" or model.is_graph:
        return None
    return model


def _restack(model: Model, layers, **changes) -> Model:
    """A plain stack of ``layers`` (renumbered, each reading the one above) with ``changes``."""
    numbered = tuple(dataclasses.replace(layer, index=i) for i, layer in enumerate(layers))
    return dataclasses.replace(model, layers=numbered, sources=(), outputs=(), **changes)


def _summary(model: Model) -> dict[str, Any]:
    """The params JSON keys of a (perturbed) model."""
    outs = trace(model)
    rows = [
        layer_row(layer, out, model.input_names(layer.index))
        for layer, out in zip(model.layers, outs)
    ]
    trainable, frozen = sum(o.trainable for o in outs), sum(o.non_trainable for o in outs)
    return {
        "layers": rows,
        "output_shape": list(outs[-1].shape),
        "total_params": trainable + frozen,
        "trainable_params": trainable,
        "non_trainable_params": frozen,
        "total_macs": sum(o.macs for o in outs),
    }


def _read(summary: dict, path: tuple, index: Callable[[int], int | None]) -> Any:
    node: Any = summary
    if path[0] == "layers":
        j = index(path[1])
        if j is None:
            raise KeyError(path)
        node, path = summary["layers"][j], path[2:]
    for part in path:
        node = node[part]
    return node


def _work(summary: dict, path: tuple, index, value: Any, label: str) -> str:
    """``5·5·3·256 = 19,200`` for a layer's parameters; otherwise what changed and the value."""
    if path[0] == "layers" and len(path) == 3:
        row = summary["layers"][index(path[1])]
        if path[2] == "params":
            return row["formula"]
        if path[2] == "output_shape":
            return f"{label}: {shape_cell(value)}" if label else shape_cell(value)
    shown = shape_cell(value) if isinstance(value, list) else fmt(value)
    return f"{label}: {shown}" if label else shown


def _identity(i: int) -> int:
    return i


Variant = tuple[Model, Callable[[int], int | None], str]


def _evaluate(case: Case, variants: Iterable[Variant]) -> Iterator[Candidate]:
    for model, index, label in variants:
        try:
            summary = _summary(model)
            value = _read(summary, case.path, index)
        except Exception:  # noqa: BLE001, S112 - a perturbation the model cannot take gives nothing
            continue
        yield Candidate(value, _work(summary, case.path, index, value, label))


def _with_options(model: Model, j: int, **changes) -> Model:
    layers = list(model.layers)
    layers[j] = dataclasses.replace(layers[j], options={**layers[j].options, **changes})
    return _restack(model, layers)


#: the one-layer option slips, in catalogue order: id → (applies to a layer?, the change, label)
OPTION_SLIPS: dict[str, tuple[Callable[[Any], bool], Callable[[Any], dict], str]] = {}
MAX_COMBINED_LAYERS = 12  # pairs of slips are tried on models up to this many layers


def _per_layer(
    mistake_id: str, predicate: Callable[[Any], bool], change: Callable[[Any], dict], label: str
) -> Callable[[Case], Iterator[Candidate]]:
    """A mistake made at one layer: each layer it applies to gives a candidate; so does each
    pair of it with a later-listed slip at any layer, when the catalogue marks both combinable."""
    OPTION_SLIPS[mistake_id] = (predicate, change, label)

    def recompute(case: Case) -> Iterator[Candidate]:
        model = _model(case)
        if model is None:
            return
        singles = [
            (_with_options(model, j, **change(layer)), f"{label} in layers[{j}]")
            for j, layer in enumerate(model.layers)
            if predicate(layer)
        ]
        yield from _evaluate(case, ((m, _identity, text) for m, text in singles))
        combinable = {m.id for m in CATALOGUE if m.combinable}  # the catalogue says which pair
        if len(model.layers) > MAX_COMBINED_LAYERS or mistake_id not in combinable:
            return
        names = [n for n in OPTION_SLIPS if n in combinable]
        for other in names[names.index(mistake_id) + 1 :]:
            applies, other_change, other_label = OPTION_SLIPS[other]
            pairs = (
                (
                    _with_options(m, k, **other_change(layer)),
                    f"{text}, {other_label} in layers[{k}]",
                )
                for m, text in singles
                for k, layer in enumerate(m.layers)
                if applies(layer)
            )
            for cand in _evaluate(case, ((m, _identity, text) for m, text in pairs)):
                yield dataclasses.replace(cand, also=(other,))

    return recompute


def _kind(layer) -> str:
    t = layer.type
    if t.startswith("conv_transpose"):
        return "conv_transpose"
    if t.startswith("conv"):
        return "conv"
    if "pool" in t and not t.startswith("global"):
        return "pool"
    return {"depthwise_conv2d": "depthwise", "separable_conv2d": "separable"}.get(t, t)


def _has_bias(layer) -> bool:
    return _kind(layer) in WEIGHTED + ("conv_transpose",) and bool(layer.options.get("bias"))


def _pads(layer) -> bool:
    padding = layer.options.get("padding")
    if padding in (None, "valid", "same"):
        return False
    if isinstance(padding, str):
        return True
    flat = [
        x
        for p in (padding if isinstance(padding, (list, tuple)) else [padding])
        for x in (p if isinstance(p, (list, tuple)) else [p])
    ]
    return any(x for x in flat)


def _strided(layer) -> bool:
    stride = layer.options.get("stride")
    if stride is None and _kind(layer) == "pool":
        stride = layer.options.get("kernel")
    return _kind(layer) in ("conv", "pool", "depthwise", "separable") and any(
        s != 1 for s in (stride if isinstance(stride, (list, tuple)) else [stride or 1])
    )


def _unpadded(layer) -> bool:
    """A convolution or pooling with no padding ('valid' or zeros), which 'same' would pad."""
    padding = layer.options.get("padding", "valid")
    if _kind(layer) not in ("conv", "pool", "depthwise", "separable"):
        return False
    return padding == "valid" or (
        isinstance(padding, tuple) and not any(x for pair in padding for x in pair)
    )


def _rounds(layer) -> bool:
    """A layer whose output size ⌊(n + p − k′)/s⌋ + 1 a student may round up: a pooling (its
    ceil_mode), or a strided convolution not padded 'same' (whose size is ⌈n/s⌉ by definition)."""
    if _kind(layer) == "pool":
        return True
    stride = layer.options.get("stride") or ()
    return (
        _kind(layer) in ("conv", "depthwise", "separable")
        and layer.options.get("padding") != "same"
        and any(s > 1 for s in stride)
    )


def _rounded_up(layer) -> dict:
    """Pooling: ceil_mode flipped. Convolution: s − 1 more padding after, which turns the floor
    of ⌊(n + p − k′)/s⌋ + 1 into a ceiling."""
    o = layer.options
    if _kind(layer) == "pool":
        return {"ceil_mode": not o.get("ceil_mode", False)}
    axes = zip(o["kernel"], o["stride"], o.get("dilation") or (1,) * len(o["kernel"]))
    pairs = [
        geometry.padding_pair(o.get("padding", "valid"), a, 0, k, s, d)
        for a, (k, s, d) in enumerate(axes)
    ]
    return {"padding": tuple((b, e + s - 1) for (b, e), s in zip(pairs, o["stride"]))}


def _ones(layer) -> dict:
    kernel = layer.options.get("kernel")
    return {"stride": tuple(1 for _ in kernel) if isinstance(kernel, (list, tuple)) else 1}


# --------------------------------------------------------------------------- the entries


def _all_biases(case: Case) -> Iterator[Candidate]:
    """Every bias forgotten at once (for totals)."""
    model = _model(case)
    if model is None or case.path[0] == "layers":
        return
    layers = tuple(
        dataclasses.replace(l, options={**l.options, "bias": False}) if _has_bias(l) else l
        for l in model.layers
    )
    yield from _evaluate(case, [(_restack(model, layers), _identity, "every bias forgotten")])


_ONE_BIAS = _per_layer("bias_forgotten", _has_bias, lambda l: {"bias": False}, "bias forgotten")


def _bias_forgotten(case: Case) -> Iterator[Candidate]:
    yield from _ONE_BIAS(case)
    yield from _all_biases(case)


def _channels(model: Model, summary_layers: list, j: int) -> tuple[int, int]:
    before = tuple(model.input_shape) if j == 0 else tuple(summary_layers[j - 1]["output_shape"])
    after = tuple(summary_layers[j]["output_shape"])
    if _kind(model.layers[j]) == "dense":
        return before[-1], after[-1]
    return split(before, model.layout)[1], split(after, model.layout)[1]


def _bias_per_input(case: Case) -> Iterator[Candidate]:
    """The bias counted once per input channel (C_in) instead of per filter (C_out)."""
    model = _model(case)
    if model is None:
        return
    rows = case.data["layers"]
    for j, layer in enumerate(model.layers):
        if not _has_bias(layer) or _kind(layer) not in ("conv", "dense"):
            continue
        c_in, c_out = _channels(model, rows, j)
        delta = c_in - c_out
        weights = rows[j]["params"] - c_out
        if case.path == ("layers", j, "params"):
            yield Candidate(
                rows[j]["params"] + delta, f"{fmt(weights)} + {fmt(c_in)} = {fmt(weights + c_in)}"
            )
        elif case.path in (("total_params",), ("trainable_params",)):
            value = case.expected + delta
            yield Candidate(
                value, f"layers[{j}] bias {fmt(c_in)} instead of {fmt(c_out)}: {fmt(value)}"
            )


def _channels_forgotten(case: Case) -> Iterator[Candidate]:
    """A convolution counted as if its input had one channel: k₁·…·k_m·C_out + C_out, the
    filter's depth C_in left out (deeplearning.ai's quiz: 100 filters 5×5 on an RGB image,
    7,600, answered 2,600)."""
    model = _model(case)
    if model is None:
        return
    rows, lost = case.data["layers"], []
    for j, layer in enumerate(model.layers):
        if _kind(layer) != "conv" or layer.options.get("groups", 1) != 1:
            continue
        c_in, c_out = _channels(model, rows, j)
        kernel = layer.options["kernel"]
        if c_in > 1:
            lost.append((j, prod(kernel) * (c_in - 1) * c_out, kernel, c_out))
    total = case.path in (("total_params",), ("trainable_params",))
    for j, delta, kernel, c_out in lost:
        bias = f" + {fmt(c_out)}" if _has_bias(model.layers[j]) else ""
        value = (case.expected if total else rows[j]["params"]) - delta
        if case.path == ("layers", j, "params"):
            work = f"{'·'.join(map(str, kernel))}·{fmt(c_out)}{bias} = {fmt(value)}"
            yield Candidate(value, work)
        elif total:
            yield Candidate(
                value, f"layers[{j}] without its {fmt(delta)} channel weights: {fmt(value)}"
            )
    if total and len(lost) > 1:
        value = case.expected - sum(d for _, d, _, _ in lost)
        yield Candidate(value, f"every convolution without its input channels: {fmt(value)}")


_CONVENTION = {
    "batchnorm": {"pytorch": "BatchNorm 2C", "keras": "BatchNorm 4C"},
    "lstm": {"pytorch": "LSTM biases 8u", "keras": "LSTM biases 4u"},
    "gru": {"pytorch": "GRU biases", "keras": "GRU biases"},
    "rnn": {"pytorch": "SimpleRNN biases 2u", "keras": "SimpleRNN bias u"},
    "conv_transpose": {
        "pytorch": "valid transposed convolution",
        "keras": "valid transposed convolution",
    },
}


def _other_framework(case: Case) -> Iterator[Candidate]:
    """The count (or shape) under the other framework's convention (CONVENTIONS §7)."""
    model = _model(case)
    if model is None:
        return
    other = "pytorch" if model.framework == "keras" else "keras"
    kinds = [k for k in dict.fromkeys(_kind(l) for l in model.layers) if k in _CONVENTION]
    if not kinds:
        return
    what = ", ".join(_CONVENTION[k][other] for k in kinds)
    label = "PyTorch" if other == "pytorch" else "Keras"
    for cand in _evaluate(case, [(_restack(model, model.layers, framework=other), _identity, "")]):
        noun = "shape" if isinstance(cand.value, list) else "count"
        yield dataclasses.replace(cand, says=f"matches the {label} {noun} ({what})")


def _remove_pool_before_flatten(case: Case) -> Iterator[Candidate]:
    """The flatten computed from the shape before the pooling layer (the pooling left out)."""
    model = _model(case)
    if model is None:
        return
    variants = []
    for f, layer in enumerate(model.layers):
        if layer.type != "flatten":
            continue
        pools = [p for p in range(f) if _kind(model.layers[p]) == "pool"]
        if not pools:
            continue
        p = pools[-1]
        layers = model.layers[:p] + model.layers[p + 1 :]
        index = lambda i, p=p: None if i == p else (i if i < p else i - 1)
        variants.append((_restack(model, layers), index, f"layers[{p}] left out"))
    yield from _evaluate(case, variants)


def _pool_twice(case: Case) -> Iterator[Candidate]:
    """The last pooling applied once more just before the flatten."""
    model = _model(case)
    if model is None:
        return
    variants = []
    for f, layer in enumerate(model.layers):
        if layer.type != "flatten":
            continue
        pools = [p for p in range(f) if _kind(model.layers[p]) == "pool"]
        if not pools:
            continue
        extra = model.layers[pools[-1]]
        layers = model.layers[:f] + (extra,) + model.layers[f:]
        index = lambda i, f=f: i if i < f else i + 1
        variants.append(
            (
                _restack(model, layers),
                index,
                f"{extra.name} applied again before layers[{f}]",
            )
        )
    yield from _evaluate(case, variants)


def _channels_swapped(case: Case) -> Iterator[Candidate]:
    """A convolution's output given its input channels (C_in and C_out swapped)."""
    model = _model(case)
    if model is None:
        return
    rows = case.data["layers"]
    variants = []
    for j, layer in enumerate(model.layers):
        if _kind(layer) != "conv" or layer.options.get("groups", 1) != 1:
            continue
        c_in, c_out = _channels(model, rows, j)
        if c_in != c_out:
            variants.append(
                (
                    _with_options(model, j, filters=c_in),
                    _identity,
                    f"layers[{j}] with {c_in} filters",
                )
            )
    yield from _evaluate(case, variants)


def _missing_plus_one(case: Case) -> Iterator[Candidate]:
    """floor((n + p − k)/s) without the + 1, at the claimed layer."""
    model = _model(case)
    if model is None or case.path[0] != "layers" or len(case.path) != 3:
        return
    i, key = case.path[1], case.path[2]
    if _kind(model.layers[i]) not in ("conv", "pool", "depthwise", "separable") or key not in (
        "output_shape",
        "size",
    ):
        return
    spatial, channels = split(tuple(case.data["layers"][i]["output_shape"]), model.layout)
    shape = list(join(tuple(n - 1 for n in spatial), channels, model.layout))
    value = shape if key == "output_shape" else prod(shape)
    yield Candidate(value, f"floor((n + p − k)/s) without + 1: {shape_cell(shape)}")


def _output_size_in_total(case: Case) -> Iterator[Candidate]:
    """A parameter-free layer's output size added into the total (the size in the params column)."""
    if case.data.get("command") != "params" or case.path not in (
        ("total_params",),
        ("trainable_params",),
    ):
        return
    for row in case.data["layers"]:
        if row["params"] == 0 and row["type"] not in ("dropout",) and row["size"]:
            value = case.expected + row["size"]
            yield Candidate(
                value,
                f"{fmt(case.expected)} + {fmt(row['size'])} ({row['name']}'s output size) = {fmt(value)}",
            )


def _macs_with_bias(case: Case) -> Iterator[Candidate]:
    model = _model(case)
    if model is None:
        return
    rows = case.data["layers"]
    extra = {j: rows[j]["size"] for j, l in enumerate(model.layers) if _has_bias(l)}
    if case.path == ("total_macs",) and extra:
        value = case.expected + sum(extra.values())
        yield Candidate(
            value,
            f"{fmt(case.expected)} + {fmt(sum(extra.values()))} bias additions = {fmt(value)}",
        )
    if len(case.path) == 3 and case.path[2] == "macs" and case.path[1] in extra:
        value = case.expected + extra[case.path[1]]
        yield Candidate(
            value,
            f"{fmt(case.expected)} + {fmt(extra[case.path[1]])} bias additions = {fmt(value)}",
        )


def _macs_as_flops(case: Case) -> Iterator[Candidate]:
    if case.data.get("command") == "params" and case.path[-1] in ("total_macs", "macs"):
        yield Candidate(2 * case.expected, f"FLOPs ≈ 2·MACs = {fmt(2 * case.expected)}")


# --------------------------------------------------------------------- follows from earlier


def _claimed_shape(case: Case, i: int) -> tuple[int, ...] | None:
    """Layer i's output as an earlier claim gives it (its shape, or its size for a flat one)."""
    from hwcheck.claims.read import claimed_list, claimed_number

    true_shape = case.data["layers"][i]["output_shape"]
    for key in (f"layers.{i}.output_shape", f"layers.{i}.size"):
        if key not in case.claims:
            continue
        raw = case.claims[key]
        if key.endswith("size"):
            n = claimed_number(raw)
            if n is None or len(true_shape) != 1 or int(n) != n:
                continue
            shape = (int(n),)
        else:
            items = claimed_list(raw, true_shape)
            if len(items) == len(true_shape) + 1:
                items = items[1:]
            if not all(isinstance(x, int) and x > 0 for x in items):
                continue
            shape = tuple(items)
        if list(shape) != list(true_shape):
            return shape
    return None


def _follows_from_earlier(case: Case) -> Iterator[Candidate]:
    model = _model(case)
    if model is None:
        return
    if case.path[0] == "layers" and len(case.path) == 3:
        yield from _follows_at_layer(case, model, case.path[1])
    elif case.path in (("total_params",), ("trainable_params",)):
        yield from _follows_in_total(case, model)


def _student_rows(case: Case, model: Model, upto: int) -> tuple[list[dict] | None, str]:
    """Layers 0…upto recomputed from the latest earlier wrong claimed shape (None if there is none)."""
    from hwcheck.families.arch.layers import Context, compute

    rows = case.data["layers"]
    for k in range(upto - 1, -1, -1):
        shape = _claimed_shape(case, k)
        if shape is None:
            continue
        ctx, out_rows = Context(model.layout, model.framework), list(rows[: k + 1])
        for layer in model.layers[k + 1 : upto + 1]:
            out = compute(layer, shape, ctx)
            out_rows.append(layer_row(layer, out, model.input_names(layer.index)))
            shape = out.shape
        return (
            out_rows,
            f"given the earlier claim layers.{k} = {shape_cell(_claimed_shape(case, k))}",
        )
    return None, ""


def _follows_at_layer(case: Case, model: Model, i: int) -> Iterator[Candidate]:
    rows, given = _student_rows(case, model, i)
    if rows is None:
        return
    row, key = rows[i], case.path[2]
    value = row[key]
    work = (
        row["formula"]
        if key == "params"
        else (shape_cell(value) if isinstance(value, list) else fmt(value))
    )
    yield Candidate(value, f"{given}: {work}")


def _follows_in_total(case: Case, model: Model) -> Iterator[Candidate]:
    """The sum of the claimed layer counts (each claimed or carried from an earlier claim)."""
    from hwcheck.claims.read import claimed_number

    rows = case.data["layers"]
    total, used = 0, False
    for i, row in enumerate(rows):
        raw = case.claims.get(f"layers.{i}.params")
        n = claimed_number(raw) if raw is not None else None
        if n is not None and int(n) == n:
            total += int(n)
            used = used or int(n) != row["params"]
        else:
            carried, _ = _student_rows(case, model, i)
            value = carried[i]["params"] if carried else row["params"]
            used = used or value != row["params"]
            total += value
    if not used:
        return
    yield Candidate(total, f"the sum of the claimed layer counts = {fmt(total)}")
    for i, row in enumerate(rows):  # combined with a layer's size in the total (course C-variant)
        if row["params"] == 0 and row["size"] and row["type"] != "dropout":
            shape = _claimed_shape(case, i)
            size = prod(shape) if shape else row["size"]
            value = total + size
            yield Candidate(
                value,
                f"the claimed layer counts {fmt(total)} + {fmt(size)} ({row['name']}'s output size) = {fmt(value)}",
                also=("output_size_in_total",),
            )


# ------------------------------------------------------------------------- receptive field


def _rf_layers(case: Case) -> list[dict] | None:
    data = case.data
    if data.get("command") != "rf" or data.get("global") or not data.get("layers"):
        return None
    return data["layers"]


def _recurrence(
    layers: list[dict], *, jumps: bool, dilation: bool, reverse: bool
) -> list[list[int]]:
    """r = r′ + (k′ − 1)·j′ per axis after each layer, done the mistaken way."""
    rank = len(layers[0]["kernel"])
    order = list(reversed(layers)) if reverse else layers
    r, j, out = [1] * rank, [1] * rank, []
    for layer in order:
        for a in range(rank):
            k = layer["kernel"][a]
            k_eff = layer["dilation"][a] * (k - 1) + 1 if dilation else k
            r[a] += (k_eff - 1) * (j[a] if jumps else 1)
            j[a] *= layer["stride"][a]
        out.append(list(r))
    return out


def _rf_mistake(label: str, **how) -> Callable[[Case], Iterator[Candidate]]:
    def recompute(case: Case) -> Iterator[Candidate]:
        layers = _rf_layers(case)
        if layers is None or any(
            not isinstance(l.get("kernel"), list) or None in l["stride"] for l in layers
        ):
            return  # global layers, or windows of different lengths: no one recurrence
        reverse = how.get("reverse", False)
        fields = _recurrence(layers, **how)

        def through(i: int) -> list[int]:  # from the output side, the stack ends at layer i
            return _recurrence(layers[: i + 1], **how)[-1] if reverse else fields[i]

        last = through(case.data.get("layer", len(layers) - 1))
        if case.path == ("rf",):
            yield Candidate(last, f"{label}: {'×'.join(map(str, last))}")
        elif case.path == ("rf_area",):
            yield Candidate(prod(last), f"{label}: {'·'.join(map(str, last))} = {fmt(prod(last))}")
        elif case.path[0] == "layers" and len(case.path) == 3 and case.path[2] == "rf":
            i = case.path[1]
            value = through(i)
            yield Candidate(value, f"{label}: {'×'.join(map(str, value))}")

    return recompute


# --------------------------------------------------------------------------- the catalogue


def _m(id_, name, explanation, applies_to, recompute, combinable=False, commands=("params",)):
    return Mistake(id_, name, explanation, applies_to, combinable, recompute, commands)


CATALOGUE: tuple[Mistake, ...] = (
    _m(
        "bias_forgotten",
        "bias forgotten",
        "the weights counted, the C_out biases left out",
        "params: a layer's parameters, total",
        _bias_forgotten,
        True,
    ),
    _m(
        "bias_per_input_channel",
        "bias counted per input channel",
        "one bias per input channel (C_in) instead of one per filter (C_out)",
        "params: a layer's parameters, total",
        _bias_per_input,
        True,
    ),
    _m(
        "input_channels_forgotten",
        "input channels forgotten",
        "a convolution's filters counted k×k instead of k×k×C_in: k·k·C_out + C_out",
        "params: a layer's parameters, total",
        _channels_forgotten,
        True,
    ),
    _m(
        "other_framework",
        "the other framework's convention",
        "counted as the other framework does: BatchNorm 2C (PyTorch) vs 4C (Keras), RNN biases, valid transposed convolutions",
        "params: parameters, shapes",
        _other_framework,
    ),
    _m(
        "same_as_valid",
        "`same` treated as `valid`",
        "the padding of `same` left out",
        "params: output shapes and everything after",
        _per_layer(
            "same_as_valid",
            lambda l: l.options.get("padding") == "same",
            lambda l: {"padding": "valid"},
            "`valid`",
        ),
        True,
    ),
    _m(
        "padding_forgotten",
        "padding forgotten",
        "an explicit zero padding left out",
        "params: output shapes and everything after",
        _per_layer("padding_forgotten", _pads, lambda l: {"padding": "valid"}, "no padding"),
        True,
    ),
    _m(
        "floor_ceil_swapped",
        "floor and ceil swapped",
        "an output size rounded the other way: a pooling's ceil_mode, or ⌈(n + p − k)/s⌉ + 1 for a strided convolution's ⌊(n + p − k)/s⌋ + 1",
        "params: output shapes and everything after",
        _per_layer("floor_ceil_swapped", _rounds, _rounded_up, "rounded the other way"),
        True,
    ),
    _m(
        "valid_as_same",
        "`valid` treated as `same`",
        "an unpadded layer's output taken as ⌈n/s⌉, as if it were padded `same`",
        "params: output shapes and everything after",
        _per_layer("valid_as_same", _unpadded, lambda l: {"padding": "same"}, "`same`"),
        True,
    ),
    _m(
        "missing_plus_one",
        "the + 1 left out",
        "floor((n + p − k)/s) without the + 1",
        "params: a layer's output shape",
        _missing_plus_one,
        True,
    ),
    _m(
        "stride_ignored",
        "stride ignored",
        "the layer's stride read as 1",
        "params: output shapes and everything after",
        _per_layer("stride_ignored", _strided, _ones, "stride 1"),
        True,
    ),
    _m(
        "flatten_before_pool",
        "flattened before the pooling",
        "the flatten taken from the shape before the pooling layer",
        "params: flatten size, dense parameters, total",
        _remove_pool_before_flatten,
        True,
    ),
    _m(
        "pool_twice",
        "pooled twice",
        "the pooling applied once more before the flatten",
        "params: flatten size, dense parameters, total",
        _pool_twice,
        True,
    ),
    _m(
        "channels_swapped",
        "in/out channels swapped",
        "a convolution's output given C_in channels instead of C_out",
        "params: output shapes and everything after",
        _channels_swapped,
        True,
    ),
    _m(
        "output_size_in_total",
        "a layer's output size added into the total",
        "a parameter-free layer's output size (the flatten's, typically) summed as if it were parameters",
        "params: total",
        _output_size_in_total,
        True,
    ),
    _m(
        "macs_with_bias",
        "MACs counted with the bias",
        "one addition per output for the bias counted as a MAC",
        "params: MACs",
        _macs_with_bias,
    ),
    _m(
        "macs_as_flops",
        "MACs counted as FLOPs (2×)",
        "a multiply–accumulate counted as two operations",
        "params: MACs",
        _macs_as_flops,
    ),
    _m(
        "optimizer_state_forgotten",
        "optimizer state forgotten",
        "the training memory without the optimizer's copies (Adam's two moments, the momentum buffer)",
        "params --memory: total bytes",
        memory_mistakes.optimizer_state_forgotten,
    ),
    _m(
        "adam_one_moment",
        "Adam's second moment forgotten",
        "one copy of the parameters for Adam or AdamW instead of two (exp_avg and exp_avg_sq)",
        "params --memory: optimizer and total bytes",
        memory_mistakes.one_moment,
    ),
    _m(
        "gradients_forgotten",
        "gradients forgotten",
        "the training memory without a gradient per trainable parameter",
        "params --memory: total bytes",
        memory_mistakes.gradients_forgotten,
    ),
    _m(
        "batch_forgotten",
        "the batch forgotten",
        "activations or FLOPs for one sample instead of the batch of B",
        "params --memory: activation and total bytes, FLOPs",
        memory_mistakes.batch_forgotten,
    ),
    _m(
        "backward_forgotten",
        "the backward pass forgotten",
        "a training step's FLOPs counted as the forward pass only (backward = 2 × forward)",
        "params --memory: total FLOPs",
        memory_mistakes.backward_forgotten,
    ),
    _m(
        "flops_as_macs",
        "a multiply–add counted as one FLOP",
        "FLOPs counted as MACs: a multiply–add is 2 FLOPs",
        "params --memory: FLOPs",
        memory_mistakes.flops_as_macs,
    ),
    _m(
        "dtype_size",
        "the dtype's size wrong",
        "4 bytes a value for float16/bfloat16, or 2 for float32",
        "params --memory: bytes",
        memory_mistakes.dtype_size,
    ),
    _m(
        "rf_no_jump",
        "kernels added without the jump",
        "r = 1 + Σ(k − 1), not multiplying by the accumulated stride",
        "rf: receptive field, rf_area",
        _rf_mistake("r = 1 + Σ(k′ − 1)", jumps=False, dilation=True, reverse=False),
        commands=("rf",),
    ),
    _m(
        "rf_dilation_forgotten",
        "dilation forgotten",
        "the kernel size k used instead of the dilated d·(k − 1) + 1",
        "rf: receptive field, rf_area",
        _rf_mistake("k instead of d·(k − 1) + 1", jumps=True, dilation=False, reverse=False),
        commands=("rf",),
    ),
    _m(
        "rf_from_output_side",
        "counted from the output side",
        "the recurrence run from the last layer back, the strides multiplied in the wrong order",
        "rf: receptive field, rf_area",
        _rf_mistake("from the output side", jumps=True, dilation=True, reverse=True),
        commands=("rf",),
    ),
    dataclasses.replace(
        FOLLOWS_FROM_EARLIER, recompute=_follows_from_earlier, commands=("params",)
    ),
)
