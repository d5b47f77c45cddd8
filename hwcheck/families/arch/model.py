"""Model files (CONVENTIONS §7) → a validated :class:`Model`.

A model comes from a TOML file, ``-`` (standard input), an inline table (answers files, the
API) or the one-line ``--spec`` form::

    227x227x3 | conv2d filters=256 kernel=5 padding=same | maxpool2d kernel=5 stride=2 | flatten | dense units=512

The first segment is the input shape, optionally followed by ``layout=chw`` and
``framework=pytorch``; every other segment is a layer type followed by the TOML keys as
``key=value`` (per-axis values as ``3x3`` or ``[3,3]``, padding pairs as ``[[1,1],[0,1]]``).
Shorthand: leading bare values fill the type's main keys in order (``conv2d 32 3`` is
``filters=32 kernel=3``, ``dense 512`` is ``units=512``, ``maxpool2d 2`` is ``kernel=2``).
A merge followed by ``( … ; … )`` is a group of branches from the group's input (one branch:
merged with the input itself, a residual connection), and ``*N`` repeats a layer or a group::

    32x32x64 | add( conv2d 64 3 padding=same | relu | conv2d 64 3 padding=same ) *2 | relu

Graphs, blocks and ``repeat`` in files: :mod:`hwcheck.families.arch.graph`. Without ``layout``,
``framework = "pytorch"`` means ``chw`` (CONVENTIONS §4).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from hwcheck.core.arrays import parse_shape
from hwcheck.core.errors import HwcheckError, did_you_mean, pointer
from hwcheck.core.inputs import read_toml_table
from hwcheck.core.numbers import parse_bool, parse_float, parse_int
from hwcheck.families.arch.extra_layers import SPELLINGS, output_count, split_size_list
from hwcheck.families.arch.graph import (
    INPUT,
    POSITION,
    Expander,
    Scope,
    outputs,
    read_blocks,
)
from hwcheck.families.arch.layers import (
    ACTIVATIONS,
    LAYER_TYPES,
    MAX_SIZE,
    Context,
    Layer,
    compute,
    spatial_rank,
)
from hwcheck.families.arch.merge import MERGES, Inputs

MAX_LAYERS = 10_000
MAX_BYTES = 16 * 1024 * 1024
MODEL_KEYS = (
    "input",
    "layout",
    "framework",
    "layers",
    "blocks",
    "outputs",
    "name",
    "title",
    "description",
)
LAYOUTS, FRAMEWORKS = ("hwc", "chw"), ("keras", "pytorch")


@dataclass(frozen=True)
class Model:
    """A validated model: the input shape, layout, convention and layers (a graph by ``sources``)."""

    input_shape: tuple[int, ...]
    layout: str
    framework: str
    layers: tuple[Layer, ...]
    source: str  # "model.toml", "<stdin>", "model" (inline) or "--spec"
    spec: str | None = None
    positions: tuple[int, ...] = ()  # where each layer's segment starts in the spec
    sources: tuple[tuple[int, ...], ...] = ()  # each layer's inputs: node indices, -1 the input
    outputs: tuple[int, ...] = ()  # the output nodes (default: the last layer)
    trails: tuple[str | None, ...] = ()  # where a layer from a block or repeat comes from

    def caret(self, index: int | None) -> str | None:
        """The spec with a caret under layer ``index`` (for error hints)."""
        if self.spec is None or index is None or index >= len(self.positions):
            return None
        return pointer(self.spec, self.positions[index])

    def origin(self, index: int) -> str | None:
        """A hint naming the file's table a layer comes from, or the spec with a caret."""
        if self.spec is not None:
            return self.caret(index)
        return self.trails[index] if index < len(self.trails) else None

    def inputs_of(self, index: int) -> tuple[int, ...]:
        """The nodes layer ``index`` reads (-1: the model input)."""
        return self.sources[index] if self.sources else (index - 1,)

    def input_names(self, index: int) -> list[str]:
        return [INPUT if s < 0 else self.layers[s].name for s in self.inputs_of(index)]

    @property
    def output_nodes(self) -> tuple[int, ...]:
        return self.outputs or (len(self.layers) - 1,)

    @property
    def is_graph(self) -> bool:
        """False for a plain stack: every layer reads the one above it."""
        return any(self.inputs_of(i) != (i - 1,) for i in range(len(self.layers)))


# --------------------------------------------------------------------------- reading


def load_model(
    model: Any, spec: str | None, *, layout: str | None = None, framework: str | None = None
) -> Model:
    """The model of a request: exactly one of ``model`` (path, ``-``, table, TOML text) and ``spec``."""
    if model is not None and spec is not None:
        raise HwcheckError("--spec", "give either a model file or --spec, not both")
    if spec is not None:
        table, positions = parse_spec(spec)
        try:
            return build_model(table, "--spec", layout, framework, spec=spec)
        except HwcheckError as exc:
            found = re.search(r"layers\[(\d+)\]", exc.where)
            if found and exc.hint is None and int(found.group(1)) < len(positions):
                exc.hint = pointer(spec, positions[int(found.group(1))])
            raise
    if model is None:
        raise HwcheckError(
            "<model>",
            "give a model file, '-' for standard input, or --spec '227x227x3 | conv2d 32 3'",
        )
    source, table = read_model(model)
    return build_model(table, source, layout, framework)


def read_model(model: Any) -> tuple[str, dict]:
    return read_toml_table(model, "model", MAX_BYTES)


# --------------------------------------------------------------------------- validation


def build_model(
    table: dict, source: str, layout: str | None, framework: str | None, spec: str | None = None
) -> Model:
    try:
        return Model(**validate_model(table, layout, framework, spec), source=source, spec=spec)
    except HwcheckError as exc:
        raise exc.within(source) from None


def validate_model(table: Any, layout: str | None, framework: str | None, spec: str | None = None):
    if not isinstance(table, dict):
        raise HwcheckError("model", "expected a table with 'input' and 'layers'")
    for key in table:
        if key not in MODEL_KEYS:
            raise HwcheckError(str(key), f"unknown key '{key}'{did_you_mean(str(key), MODEL_KEYS)}")
    if "input" not in table:
        raise HwcheckError(
            "input", "missing: the input shape without the batch axis, e.g. input = [227, 227, 3]"
        )
    shape = parse_shape(table["input"], "input", maximum=MAX_SIZE)
    if len(shape) > 5:  # parse_shape has refused an empty one
        raise HwcheckError(
            "input", f"expected 1 to 5 axes (up to 3 spatial + channels), got {len(shape)}"
        )
    framework = framework or word(table.get("framework", "keras"), "framework", FRAMEWORKS)
    layout = layout or implied_layout(table, framework)
    layers = table.get("layers", [])
    if not isinstance(layers, list) or not layers:
        raise HwcheckError("layers", "expected at least one [[layers]] table")
    if len(layers) > MAX_LAYERS:
        raise HwcheckError("layers", f"at most {MAX_LAYERS:,} layers, got {len(layers):,}")
    expander = Expander(read_blocks(table.get("blocks")), layer_type, MAX_LAYERS)
    expander.level(layers, Scope("", -1), "layers", None, ())
    nodes = expander.nodes
    counts: dict[str, int] = {}
    built = []
    for index, node in enumerate(nodes):
        try:
            layer = validate_layer(index, node.table, counts)
            if node.part is not None:  # one output of a split, chunk, … (graph.py)
                layer = replace(layer, options={**layer.options, "output": node.part})
            built.append(layer)
        except HwcheckError as exc:
            if exc.hint is None:
                exc.hint = (
                    pointer(spec, node.pos)
                    if spec and node.pos is not None
                    else trail_of(index, node)
                )
            raise
    sources = tuple(node.sources for node in nodes)
    return {
        "input_shape": shape,
        "layout": layout,
        "framework": framework,
        "layers": tuple(built),
        "positions": tuple(node.pos or 0 for node in nodes),
        "trails": tuple(trail_of(index, node) for index, node in enumerate(nodes)),
        "sources": sources,
        "outputs": outputs(nodes, expander.names, expander.flat, table.get("outputs")),
    }


def trail_of(index: int, node) -> str | None:
    """``from layers[3] of the file`` when the node is not the file's table ``layers[index]``."""
    if node.trail is not None:
        return node.trail
    return None if node.origin == index else f"from layers[{node.origin}] of the file"


def implied_layout(table: dict, framework: str) -> str:
    """The file's layout; without one, ``chw`` under pytorch (CONVENTIONS §4), else ``hwc``."""
    if "layout" in table:
        return word(table["layout"], "layout", LAYOUTS)
    return "chw" if framework == "pytorch" else "hwc"


def word(value: Any, where: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value.lower() not in choices:
        hint = did_you_mean(value, choices) if isinstance(value, str) else ""
        raise HwcheckError(where, f"expected one of {', '.join(choices)}, got {value!r}{hint}")
    return value.lower()


def _squash(name: str) -> str:
    return re.sub(r"[_\-\s]", "", name.lower())


ALIASES = {_squash(t): t for t in LAYER_TYPES} | {
    "linear": "dense",
    "simplernn": "rnn",
    "batchnormalization": "batchnorm",
    "layernormalization": "layernorm",
    "groupnormalization": "group_norm",
    "rmsnormalization": "rms_norm",
    "batchnorm1d": "batchnorm",
    "batchnorm2d": "batchnorm",
    "batchnorm3d": "batchnorm",
    **{f"globalaveragepooling{d}d": f"global_avgpool{d}d" for d in (1, 2, 3)},
    **{f"globalmaxpooling{d}d": f"global_maxpool{d}d" for d in (1, 2, 3)},
    **{f"maxpooling{d}d": f"maxpool{d}d" for d in (1, 2, 3)},
    **{f"averagepooling{d}d": f"avgpool{d}d" for d in (1, 2, 3)},
    **{f"conv{d}dtranspose": f"conv_transpose{d}d" for d in (1, 2, 3)},
    **{f"convtranspose{d}d": f"conv_transpose{d}d" for d in (1, 2, 3)},
    **{f"zeropad{d}d": f"zero_padding{d}d" for d in (1, 2, 3)},
    **{f"dropout{d}d": "dropout" for d in (1, 2, 3)},
    **{f"spatialdropout{d}d": "dropout" for d in (1, 2, 3)},
    "upsamplingnearest2d": "upsampling2d",
    "leakyrelu": "leaky_relu",
    "swish": "silu",
    "hardsilu": "hard_swish",
    "concatenate": "concat",  # Keras Concatenate, as --emit keras writes it
    **SPELLINGS,
}

#: Activation names as ``activation = "…"`` (Keras) and the generic ``activation`` type take them.
ACTIVATION_NAMES = {_squash(a): a for a in ACTIVATIONS} | {
    "swish": "silu",
    "hardsilu": "hard_swish",
    "none": "linear",
}

#: Other frameworks' spellings of a key → hwcheck's key (used where the type has that key).
KEY_ALIASES = {
    "out_channels": "filters",
    "kernel_size": "kernel",
    "pool_size": "kernel",
    "strides": "stride",
    "dilation_rate": "dilation",
    "use_bias": "bias",
    "p": "rate",
    "out_features": "units",
    "hidden_size": "units",
    "num_embeddings": "vocab",
    "input_dim": "vocab",
    "embedding_dim": "dim",
    "sequence_length": "length",
    "max_position_embeddings": "length",
    "type_vocab_size": "segments",
    "output_dim": "dim",
    "depth_multiplier": "multiplier",
    "negative_slope": "alpha",
    "num_heads": "heads",
    "num_groups": "groups",
    "scale_factor": "size",
    "mode": "interpolation",
    "shape": "target_shape",
    "eps": "epsilon",
    "keepdim": "keepdims",
    "dim": "axis",  # torch nn.Softmax(dim), nn.LogSoftmax(dim)
    "init_values": "init_value",  # timm LayerScale
}
#: Spellings that belong to some types only (``pool_size`` to pools, not to convolutions).
ALIAS_TYPES = {
    "pool_size": ("maxpool", "avgpool"),
    "hidden_size": ("rnn", "lstm", "gru"),
    "out_features": ("dense",),
    "out_channels": ("conv", "separable"),
    "num_groups": ("group_norm",),
    "dim": ("softmax", "log_softmax"),
}
#: Keys that restate the input size (torch's in_channels, in_features, …): checked, not used.
INPUT_KEYS = (
    "in_channels",
    "in_features",
    "num_features",
    "input_size",
    "num_channels",
    "embed_dim",
)
CHECKED_TYPES = ("conv", "depthwise", "separable", "dense", "batchnorm", "group_norm", "rnn",
                 "lstm", "gru", "multi_head_attention")  # fmt: skip
#: Keys of one framework whose values change nothing hwcheck computes: read, checked, kept.
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def layer_type(table: dict, where: str) -> str:
    if "type" not in table:
        raise HwcheckError(where, "missing key 'type'")
    raw = table["type"]
    if not isinstance(raw, str) or _squash(raw) not in ALIASES:
        text = raw if isinstance(raw, str) else repr(raw)
        raise HwcheckError(
            where, f"unknown layer type '{text}'{did_you_mean(str(text), LAYER_TYPES)}"
        )
    return ALIASES[_squash(raw)]


def key_spellings(kind: str) -> dict[str, str]:
    """Every key a layer of ``kind`` takes, in every spelling → hwcheck's key."""
    keys = LAYER_TYPES[kind].keys
    out = {k: k for k in keys}
    out |= {
        a: k
        for a, k in KEY_ALIASES.items()
        if k in keys and kind.startswith(ALIAS_TYPES.get(a, ""))
    }
    if "scale" in keys:  # torch: γ and β together (RMSNorm: γ)
        out |= {"affine": "affine", "elementwise_affine": "affine"}
    if kind.startswith(CHECKED_TYPES):
        out |= {k: "expects" for k in INPUT_KEYS}
    if kind.startswith("conv"):
        out["padding_mode"] = "padding_mode"
    return out


def canonical_keys(kind: str, table: dict, where: str) -> dict[str, Any]:
    """The layer's keys under hwcheck's names; an unknown key suggests the nearest spelling.
    ``seen`` maps each key to the spelling the user wrote (for messages)."""
    spellings, out, seen = key_spellings(kind), {}, {}
    for key, value in table.items():
        if key in ("type", "name"):
            continue
        if key not in spellings:
            raise HwcheckError(
                where,
                f"unknown key '{key}'{did_you_mean(str(key), spellings)}",
                hint=f"{kind} takes: {', '.join(LAYER_TYPES[kind].keys) or 'no keys'}",
            )
        canonical = spellings[key]
        if canonical in seen:
            raise HwcheckError(
                where, f"'{key}' and '{seen[canonical]}' say the same thing: give one"
            )
        seen[canonical] = key
        if canonical == "expects":
            value = (key, parse_int(value, f"{where}: {key}", minimum=1, maximum=MAX_SIZE))
        elif canonical == "affine":  # torch: γ and β together
            flag = parse_bool(value, f"{where}: {key}")
            for k in ("center", "scale"):
                if k in seen:
                    raise HwcheckError(
                        where, f"'{key}' and '{seen[k]}' say the same thing: give one"
                    )
                seen[k], out[k] = key, flag
            continue
        out[canonical] = value
    out["_spelled"] = seen
    return out


def validate_layer(index: int, table: Any, counts: dict[str, int]) -> Layer:
    where = f"layers[{index}]"
    if not isinstance(table, dict):
        raise HwcheckError(where, "expected a table (type = ..., ...)")
    kind = layer_type(table, where)
    where = f"{where} ({kind})"
    spec = LAYER_TYPES[kind]
    given = canonical_keys(kind, table, where)
    spelled = given.pop("_spelled")  # messages name the key as the user wrote it
    for key in spec.required:
        if key not in given:
            raise HwcheckError(where, f"missing key '{key}'")
    options = {
        k: convert(k, v, f"{where}: {spelled.get(k, k)}", kind)
        for k, v in {**spec.defaults, **given}.items()
    }
    if options.get("padding") == "causal":  # Keras Conv1D: d·(k − 1) zeros before, none after
        options["padding"] = ((options["dilation"][0] * (options["kernel"][0] - 1), 0),)
    n = counts.get(kind, 0)
    counts[kind] = n + 1
    name = table.get("name", kind if n == 0 else f"{kind}_{n}")
    if not isinstance(name, str) or not name or len(name) > 64:
        raise HwcheckError(f"{where}: name", "expected a name of 1 to 64 characters")
    return Layer(index, kind, name, options)


MAX_STACKED = 1_000  # torch's num_layers
POSITIVE = ("filters", "units", "vocab", "dim", "multiplier", "groups", "heads", "key_dim",
            "value_dim", "n", "num_parameters", "rank", "num_layers", "output_shape", "length",
            "segments", "sections", "chunks")  # fmt: skip
BOOLEANS = ("bias", "ceil_mode", "return_sequences", "bidirectional", "keepdims", "center",
            "scale", "rms_scaling", "reset_after", "batch_first", "normalize", "tied")  # fmt: skip
WORDS = {
    "merge_mode": ("concat", "sum", "mul", "ave", "none"),
    "padding_mode": PADDING_MODES,
    "interpolation": ("nearest", "bilinear", "bicubic"),
}
WORD_ALIASES = {"linear": "bilinear", "trilinear": "bilinear", "average": "ave", "avg": "ave"}


def convert(key: str, value: Any, where: str, kind: str) -> Any:
    """One layer key's value (native TOML or spec text) → int, bool, float or per-axis tuple."""
    if key == "num_layers":
        return parse_int(value, where, minimum=1, maximum=MAX_STACKED)
    if key in POSITIVE:
        return parse_int(value, where, minimum=1, maximum=MAX_SIZE)
    if kind in ("rescaling", "normalization") and key in ("scale", "offset", "mean", "variance"):
        return floats(value, where)
    if key in ("init_value", "stddev", "max_value", "threshold"):
        return parse_float(value, where)
    if key == "sizes":
        return split_size_list(value, where)
    if key == "output_size":
        return axes(value, where, spatial_rank(kind), minimum=1)
    if key == "invert":
        return parse_bool(value, where)
    if key in BOOLEANS:
        return parse_bool(value, where)
    if key == "size" and kind == "upsample":
        return int_list(key, value, where)
    if key in ("kernel", "stride", "dilation", "size"):
        return axes(value, where, spatial_rank(kind), minimum=1)
    if key == "output_padding":
        return axes(value, where, spatial_rank(kind), minimum=0)
    if key == "padding" and isinstance(value, str) and value.strip().lower() == "causal":
        if kind != "conv1d":
            raise HwcheckError(where, "'causal' padding is for conv1d only (Keras Conv1D)")
        return "causal"
    if key == "padding" and kind.startswith("zero_padding") or key == "cropping":
        return pairs(value, where, spatial_rank(kind))
    if key == "padding":
        return padding(value, where, spatial_rank(kind))
    if key == "rate":
        rate = parse_float(value, where)
        if not 0 <= rate <= 1:
            raise HwcheckError(where, f"must be in [0, 1], got {rate}")
        return rate
    if key in ("alpha", "epsilon", "momentum"):
        return parse_float(value, where)
    if key in WORDS:
        return choice_word(value, where, WORDS[key])
    if key == "activation":
        return activation_name(value, where)
    if key in ("axis", "axes", "target_shape", "dims", "shared_axes", "normalized_shape"):
        return int_list(key, value, where)
    return value


def floats(value: Any, where: str):
    """A number, or one number per channel (a list): Keras Rescaling, Normalization."""
    if isinstance(value, (list, tuple)) or (isinstance(value, str) and value.strip()[:1] in "[("):
        text = value.strip() if isinstance(value, str) else value
        if isinstance(text, str) and text.startswith("("):
            text = "[" + text[1:-1] + "]" if text.endswith(")") else text
        items = _listish(text, where)
        if not isinstance(items, (list, tuple)) or not items:
            raise HwcheckError(where, "expected a number or a list of numbers")
        return tuple(parse_float(v, f"{where}[{i}]") for i, v in enumerate(items))
    return parse_float(value, where)


def choice_word(value: Any, where: str, choices: tuple[str, ...]) -> str:
    text = value.strip().lower() if isinstance(value, str) else None
    text = WORD_ALIASES.get(text, text) if text not in choices else text
    if text not in choices:
        hint = did_you_mean(value, choices) if isinstance(value, str) else ""
        raise HwcheckError(where, f"expected one of {', '.join(choices)}, got {value!r}{hint}")
    return text


def activation_name(value: Any, where: str) -> str:
    if not isinstance(value, str) or _squash(value) not in ACTIVATION_NAMES:
        text = value if isinstance(value, str) else repr(value)
        raise HwcheckError(
            where,
            f"unknown activation '{text}'{did_you_mean(str(text), ACTIVATIONS)}",
            hint="activations: " + ", ".join(ACTIVATIONS),
        )
    return ACTIVATION_NAMES[_squash(value)]


def int_list(key: str, value: Any, where: str) -> tuple[int, ...]:
    """``axis``, ``dims``, ``shared_axes``, ``normalized_shape``, ``target_shape``: one int or a
    list (spec text ``4x-1`` or ``[4,-1]``); only ``axis`` may be negative, ``target_shape`` may
    hold one −1."""
    value = _listish(value, where)
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    if not items or len(items) > 8:
        raise HwcheckError(where, f"expected 1 to 8 integers, got {len(items)}")
    low = {"axis": -8, "target_shape": -1}.get(key, 1)
    out = tuple(parse_int(v, where, minimum=low, maximum=MAX_SIZE) for v in items)
    if key == "target_shape" and (out.count(-1) > 1 or 0 in out):
        raise HwcheckError(where, "at most one −1, and no 0")
    return out


def pairs(value: Any, where: str, rank: int) -> tuple[tuple[int, int], ...]:
    """Zero padding and cropping: an int, one per axis, or [[before, after], ...]."""
    if isinstance(value, str) and value.strip().lower() in ("valid", "same", "full"):
        raise HwcheckError(where, "expected an integer, one per axis or [[before, after], ...]")
    return padding(value, where, rank)


def _listish(value: Any, where: str) -> Any:
    """Spec text ``3x3``, ``3,3`` or ``[3,3]`` → a list; other values unchanged."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("["):
        import json

        try:
            return json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            raise HwcheckError(where, f"'{text[:40]}' is not a list such as [3, 3]") from None
    if re.search(r"[x×,]", text):
        return re.split(r"\s*[x×,]\s*", text)
    return text


def axes(value: Any, where: str, rank: int, *, minimum: int) -> tuple[int, ...]:
    """An int (every axis) or one int per spatial axis."""
    value = _listish(value, where)
    if isinstance(value, (list, tuple)):
        if len(value) != rank:
            raise HwcheckError(
                where,
                f"expected {rank} value{'s' if rank > 1 else ''} (one per spatial axis), got {len(value)}",
            )
        return tuple(parse_int(v, where, minimum=minimum, maximum=MAX_SIZE) for v in value)
    return (parse_int(value, where, minimum=minimum, maximum=MAX_SIZE),) * rank


def padding(value: Any, where: str, rank: int):
    """ "valid" / "same" / "full", an int, one int per axis, or [[before, after], ...]."""
    if isinstance(value, str) and value.strip().lower() in ("valid", "same", "full"):
        return value.strip().lower()
    value = _listish(value, where)
    if isinstance(value, str) and not re.fullmatch(r"\s*[+-]?\d+\s*", value):
        raise HwcheckError(
            where,
            f"expected valid, same, full, an integer or [[before, after], ...], got '{value[:40]}'",
        )
    if (
        isinstance(value, (list, tuple))
        and value
        and all(isinstance(v, (list, tuple)) for v in value)
    ):
        if len(value) != rank or any(len(v) != 2 for v in value):
            raise HwcheckError(
                where, f"expected {rank} pair{'s' if rank > 1 else ''} [before, after]"
            )
        return tuple(
            tuple(parse_int(p, where, minimum=0, maximum=MAX_SIZE) for p in v) for v in value
        )
    return tuple((p, p) for p in axes(value, where, rank, minimum=0))


# --------------------------------------------------------------------------- the spec grammar
#
#     spec   := input-shape [layout=…] [framework=…] '|' chain
#     chain  := item ('|' item)*
#     item   := layer ['*' N]                          a layer, repeated N times
#             | MERGE [key=value…] '(' chain (';' chain)* ')' ['*' N]
#
# A merge group's branches all start from the group's input; one branch alone is merged with
# the input itself (a residual connection): ``add( conv2d 64 3 padding=same | relu ) *2``.

PUNCTUATION = "|;()"
SPEC_DEPTH = 4  # groups inside groups (their names grow with the depth)


def spec_error(spec: str, pos: int, where: str, message: str) -> HwcheckError:
    """An error in ``--spec`` with a caret under the position in the hint."""
    return HwcheckError(f"--spec: {where}" if where else "--spec", message, hint=pointer(spec, pos))


def scan(spec: str) -> list[tuple[str, int]]:
    """Words and the punctuation ``| ; ( )``, with positions; brackets may hold anything."""
    out, i, end = [], 0, len(spec)
    while i < end:
        if spec[i].isspace():
            i += 1
            continue
        if spec[i] in PUNCTUATION:
            out.append((spec[i], i))
            i += 1
            continue
        j, depth = i, 0
        while j < end and (depth or not (spec[j].isspace() or spec[j] in PUNCTUATION)):
            depth += {"[": 1, "]": -1}.get(spec[j], 0)
            if depth < 0:
                raise spec_error(spec, j, "", "unbalanced ']'")
            j += 1
        if depth:
            raise spec_error(spec, i, "", "unclosed '['")
        out.append((spec[i:j], i))
        i = j
    return out


def parse_spec(spec: Any) -> tuple[dict, tuple[int, ...]]:
    """``"227x227x3 | conv2d filters=256 kernel=5 | flatten"`` → (model table, positions of the
    top-level items)."""
    if not isinstance(spec, str):
        raise HwcheckError("--spec", "expected text such as '227x227x3 | conv2d 32 3'")
    if len(spec) > 2_000_000:
        raise HwcheckError("--spec", "longer than 2,000,000 characters")
    if spec.count("|") > MAX_LAYERS:
        raise HwcheckError("--spec", f"at most {MAX_LAYERS:,} layers, got {spec.count('|'):,}")
    return SpecParser(spec).parse()


class SpecParser:
    def __init__(self, spec: str):
        self.spec, self.toks, self.i = spec, scan(spec), 0
        self.blocks: dict[str, dict] = {}
        self.count = 0  # layers so far, for 'layers[N]' in errors
        self.depth = 0  # groups inside groups
        self.last = INPUT  # the name of the last item parsed
        self.several: tuple[str, int] | None = None  # the last item's name and outputs, if > 1

    def peek(self) -> tuple[str | None, int]:
        return self.toks[self.i] if self.i < len(self.toks) else (None, len(self.spec))

    def parse(self) -> tuple[dict, tuple[int, ...]]:
        head = []
        while self.peek()[0] not in (None, "|"):
            head.append(self.toks[self.i])
            self.i += 1
        table = header(self.spec, head)
        if self.peek()[0] is None:
            raise spec_error(
                self.spec,
                len(self.spec),
                "",
                "no layers: add '| conv2d filters=… kernel=…' and so on",
            )
        self.i += 1
        items = self.chain({}, {})
        text, at = self.peek()
        if text is not None:
            raise spec_error(
                self.spec,
                at,
                "",
                f"unexpected '{text}'"
                + (" (no group to close)" if text == ")" else " outside a group"),
            )
        table["layers"] = [t for t, _ in items]
        if self.blocks:
            table["blocks"] = self.blocks
        return table, tuple(p for _, p in items)

    def chain(self, counts: dict, groups: dict) -> list[tuple[dict, int]]:
        """Items up to ``;``, ``)`` or the end; ``counts`` mirror the automatic names."""
        items = [self.item(counts, groups)]
        while self.peek()[0] == "|":
            self.i += 1
            items.append(self.item(counts, groups))
        return [x for item in items for x in (item if isinstance(item, list) else [item])]

    def words(self) -> list[tuple[str, int]]:
        out = []
        while self.peek()[0] is not None and self.peek()[0] not in PUNCTUATION:
            out.append(self.toks[self.i])
            self.i += 1
        return out

    def item(self, counts: dict, groups: dict) -> tuple[dict, int]:
        start = self.peek()[1]
        toks = self.words()
        repeat = repeat_count(self.spec, toks)
        if self.peek()[0] == "(":
            if repeat is not None:
                raise spec_error(self.spec, toks[-1][1], "", "'*N' goes after the closing ')'")
            return self.group(toks, start, counts, groups)
        if not toks:
            raise spec_error(
                self.spec, start, f"layers[{self.count}]", "empty segment: expected a layer type"
            )
        layer = spec_layer(self.spec, self.count, toks)
        layer[POSITION] = toks[0][1]
        self.count += 1
        if repeat is not None:
            layer["repeat"] = repeat
        self.last = layer.get("name") or auto_name(counts, layer["type"], repeat or 1)
        try:
            where = f"layers[{self.count - 1}] ({layer['type']})"
            parts = output_count(layer["type"], layer, where)
        except HwcheckError as exc:
            raise spec_error(self.spec, toks[0][1], exc.where, exc.message) from None
        self.several = (self.last, parts) if parts > 1 else None
        return layer, toks[0][1]

    def group(self, toks, start, counts, groups) -> tuple[dict, int]:
        if not toks:
            raise spec_error(self.spec, self.peek()[1], "", "'(' needs a merge before it: add( … )")
        merge = spec_layer(self.spec, self.count, toks)
        if merge["type"] not in MERGES:
            raise spec_error(
                self.spec,
                toks[0][1],
                "",
                f"'(' follows {merge['type']}: only merges group branches ({', '.join(MERGES)})",
            )
        if self.several is not None and self.several[0] == self.last:
            return self.parts_group(merge, toks, counts, groups)
        self.depth += 1
        if self.depth > SPEC_DEPTH:
            raise spec_error(self.spec, toks[0][1], "", f"groups nest at most {SPEC_DEPTH} deep")
        self.i += 1
        inner_counts: dict = {}
        inner_groups: dict = {}
        branches = [self.branch(inner_counts, inner_groups)]
        while self.peek()[0] == ";":
            self.i += 1
            branches.append(self.branch(inner_counts, inner_groups))
        text, at = self.peek()
        if text != ")":
            raise spec_error(self.spec, at, "", f"expected ')' to close the group at {start}")
        self.i += 1
        self.depth -= 1
        after = self.words()
        repeat = repeat_count(self.spec, after)
        if after:
            raise spec_error(
                self.spec, after[0][1], "", f"after ')' only '*N' may follow, got '{after[0][0]}'"
            )
        ends = [end for _, end in branches]
        layers = [t for branch, _ in branches for t in branch]
        merge["inputs"] = [INPUT, *ends] if len(branches) == 1 else ends
        merge[POSITION] = toks[0][1]
        self.count += 1
        layers.append(merge)
        name = auto_name(groups, f"{merge['type']}_block", 1)
        key = name if name not in self.blocks else f"{name}#{len(self.blocks)}"
        self.blocks[key] = {"layers": layers}
        call = {"block": key, "name": name}
        if repeat is not None:
            call["repeat"] = repeat
        self.last = name
        return call, toks[0][1]

    def branch(self, counts: dict, groups: dict, start: str = INPUT) -> tuple[list[dict], str]:
        """One branch of a group, from the group's input; (its tables, its last name)."""
        if self.peek()[0] in (";", ")"):
            return [], start
        tables = [t for t, _ in self.chain(counts, groups)]
        tables[0]["inputs"] = [start]
        return tables, self.last

    def parts_group(self, merge, toks, counts, groups) -> list[tuple[dict, int]]:
        """A merge group right after a split: branch k reads output k (``name:k``); its layers
        are written in line (in the split's scope), not as a block."""
        (name, n), at = self.several, toks[0][1]
        self.i += 1
        branches = [self.branch(counts, groups, f"{name}:0")]
        while self.peek()[0] == ";":
            self.i += 1
            branches.append(self.branch(counts, groups, f"{name}:{len(branches)}"))
        text, end = self.peek()
        if text != ")":
            raise spec_error(self.spec, end, "", f"expected ')' to close the group at {at}")
        self.i += 1
        after = self.words()
        if after:
            raise spec_error(
                self.spec, after[0][1], "", "a group after a split takes nothing after ')'"
            )
        if len(branches) != n:
            raise spec_error(
                self.spec, at, "", f"'{name}' has {n} outputs: give the group {n} branches"
            )
        merge["inputs"] = [end for _, end in branches]
        merge[POSITION] = at
        self.count += 1
        self.last = merge.get("name") or auto_name(counts, merge["type"], 1)
        self.several = None
        layers = [t for branch, _ in branches for t in branch] + [merge]
        return [(t, t.get(POSITION, at)) for t in layers]


def auto_name(counts: dict, kind: str, repeat: int) -> str:
    """The name a layer gets without one (``conv2d``, ``conv2d_1``, …), the last copy's."""
    n = counts.get(kind, 0) + repeat - 1
    counts[kind] = n + 1
    return kind if n == 0 else f"{kind}_{n}"


def repeat_count(spec: str, toks: list) -> int | None:
    """A trailing ``*N`` (taken off ``toks``)."""
    if not toks or not toks[-1][0].startswith("*"):
        return None
    text, at = toks.pop()
    try:
        return parse_int(text[1:], "repeat", minimum=1, maximum=MAX_LAYERS)
    except HwcheckError as exc:
        raise spec_error(spec, at, "", f"'{text}': {exc.message}") from None


def header(spec: str, toks: list[tuple[str, int]]) -> dict:
    """The first segment: the input shape, then optional layout=… framework=…."""
    if not toks or "=" in toks[0][0] or _squash(toks[0][0]) in ALIASES:
        at = toks[0][1] if toks else 0
        raise spec_error(
            spec, at, "input", "the spec starts with the input shape, e.g. '227x227x3 | ...'"
        )
    table: dict[str, Any] = {}
    try:
        table["input"] = list(parse_shape(toks[0][0], "input", maximum=MAX_SIZE))
    except HwcheckError as exc:
        raise spec_error(spec, toks[0][1], "input", exc.message) from None
    for text, at in toks[1:]:
        key, eq, value = text.partition("=")
        if not eq or key not in ("layout", "framework"):
            raise spec_error(
                spec,
                at,
                "input",
                f"unexpected '{text}' after the input shape (layout=… or framework=…)",
            )
        table[key] = value
    return table


def spec_layer(spec: str, index: int, toks: list[tuple[str, int]]) -> dict:
    """``conv2d 32 3 padding=same`` → ``{"type": "conv2d", "filters": "32", ...}``."""
    (kind_text, at), where = toks[0], f"layers[{index}]"
    try:
        kind = layer_type({"type": kind_text}, where)
    except HwcheckError as exc:
        raise spec_error(spec, at, where, exc.message) from None
    where = f"{where} ({kind})"
    layer: dict[str, Any] = {"type": kind}
    shorthand = list(LAYER_TYPES[kind].positional)
    for text, at in toks[1:]:
        key, eq, value = text.partition("=")
        if not eq:
            if not shorthand:
                raise spec_error(spec, at, where, f"expected key=value, got '{text}'")
            key, value = shorthand[0], text
        if key in shorthand:
            shorthand.remove(key)
        if key in layer:
            raise spec_error(spec, at, where, f"'{key}' is given twice")
        try:
            check_key(kind, key, value, where)
        except HwcheckError as exc:
            raise spec_error(spec, at, exc.where, exc.message) from None
        layer[key] = value
    return layer


def check_key(kind: str, key: str, value: str, where: str) -> None:
    """Validate one ``key=value`` where it is written, so the caret points at it."""
    if key == "name":
        return
    given = canonical_keys(kind, {key: value}, where)  # both frameworks' spellings
    for canonical, v in given.items():
        if canonical not in ("_spelled", "expects"):
            convert(canonical, v, f"{where}: {key}", kind)


# --------------------------------------------------------------------------- shapes through the stack


def trace(model: Model, upto: int | None = None):
    """Every layer's :class:`~hwcheck.families.arch.layers.LayerOut`, in order (through ``upto``)."""
    ctx, outs = Context(model.layout, model.framework), []
    for layer in model.layers[: None if upto is None else upto + 1]:
        sources = model.inputs_of(layer.index)
        shapes = [model.input_shape if s < 0 else outs[s].shape for s in sources]
        try:
            if layer.type in MERGES:
                out = compute(layer, Inputs.of(shapes, model.input_names(layer.index)), ctx)
            elif len(shapes) != 1:
                raise layer.fail(
                    f"takes one input, got {len(shapes)} ({', '.join(model.input_names(layer.index))})",
                    hint="merge them first with add, concat, …",
                )
            else:
                out = compute(layer, shapes[0], ctx)
        except HwcheckError as exc:
            if exc.hint is None:
                exc.hint = model.origin(layer.index)
            raise exc.within(model.source) from None
        outs.append(out)
    return tuple(outs)
