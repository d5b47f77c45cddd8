"""``params --emit keras|pytorch``: a runnable Python module that builds the same model.

The module is the proof of the counts: run it and every layer's output shape and parameter count
is the framework's own (tests/test_arch_keras.py and tests/test_arch_torch.py do exactly that).
Each layer becomes one constructor call, written from its validated options only (integers,
floats, booleans and words from fixed lists, so no user text reaches the code but layer names,
which are reduced to identifier characters first).

Both modules are written node by node (``h3 = …(h1, h2)``, each node reading its inputs by
name), Keras as a functional model and PyTorch as a module whose ``forward`` lists the same
lines; merges are Keras' merge layers and, in PyTorch, the template's ``Merge`` module. Layouts: Keras takes ``channels_first`` where
the model is ``chw``; PyTorch layers are channels-first, so under ``hwc`` a spatial layer is
wrapped in ``ChannelsLast`` (moves the channels axis in and back out).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from hwcheck.core.errors import HwcheckError
from hwcheck.core.numfmt import DEFAULT_DIGITS
from hwcheck.core.result import Result, Text
from hwcheck.families.arch.emit_args import args, refuse
from hwcheck.families.arch.layers import Context, Layer, split
from hwcheck.families.arch.model import Model

FRAMEWORKS = ("keras", "pytorch")


def emit(model: Model, framework: str) -> str:
    """The Python source of a module building ``model`` in ``framework``."""
    from hwcheck.families.arch.model import trace

    model = replace(model, framework=framework)
    ctx = Context(model.layout, framework)
    outs = trace(model)  # validates the model (graph included) under the framework's rules
    names = node_names(model.layers)
    writer = KerasWriter(model, ctx) if framework == "keras" else TorchWriter(model, ctx)
    for layer, name in zip(model.layers, names):
        sources = model.inputs_of(layer.index)
        shapes = [model.input_shape if i < 0 else outs[i].shape for i in sources]
        try:
            writer.add(layer, name, shapes[0], [f"h{i + 1}" for i in sources], shapes)
        except HwcheckError as exc:
            raise exc.within(model.source) from None
    from hwcheck.families.arch.emit_extra import with_own_classes

    return with_own_classes(writer)  # the module, with the small classes it uses


def outputs_of(model: Model) -> str:
    """The module's result: the output node, or a list of them."""
    last = [f"h{i + 1}" for i in model.output_nodes]
    return last[0] if len(last) == 1 else "[" + ", ".join(last) + "]"


MERGE_CLASSES = {"add": "Add", "subtract": "Subtract", "multiply": "Multiply",
                 "average": "Average", "maximum": "Maximum", "concat": "Concatenate"}  # fmt: skip


def merge_axis_for(layer: Layer, shapes, ctx: Context) -> int:
    """A concat axis counted with the batch axis (the file counts without it)."""
    axis = layer.options.get("axis")
    axis = axis[0] if isinstance(axis, (list, tuple)) else axis
    rank = len(shapes[0])
    if axis is None:  # the channels axis of the file's layout
        return 1 if ctx.layout == "chw" else rank
    return axis + 1 if axis >= 0 else rank + 1 + axis


@dataclass(frozen=True)
class EmitResult(Result):
    """``params --emit``: the module's source (printed as it is; JSON key ``code``)."""

    command = "params"

    framework: str
    code: str

    def view(self, digits: int = DEFAULT_DIGITS):
        return [Text(tuple(self.code.rstrip("\n").split("\n")), preformatted=True)]


#: Names ``nn.ModuleDict`` already has as attributes (torch 2.13), which it refuses as keys;
#: tests/test_emit_names.py holds this list to the installed torch's.
TORCH_RESERVED = frozenset((
    "T_destination", "add_module", "apply", "bfloat16", "buffers", "call_super_init", "children",
    "clear", "compile", "cpu", "cuda", "double", "dump_patches", "eval", "extra_repr", "float",
    "forward", "get_buffer", "get_extra_state", "get_parameter", "get_submodule", "half", "ipu",
    "items", "keys", "load_state_dict", "modules", "mtia", "named_buffers", "named_children",
    "named_modules", "named_parameters", "parameters", "pop", "register_backward_hook",
    "register_buffer", "register_forward_hook", "register_forward_pre_hook",
    "register_full_backward_hook", "register_full_backward_pre_hook",
    "register_load_state_dict_post_hook", "register_load_state_dict_pre_hook", "register_module",
    "register_parameter", "register_state_dict_post_hook", "register_state_dict_pre_hook",
    "requires_grad_", "set_extra_state", "set_submodule", "share_memory", "state_dict", "to",
    "to_empty", "train", "training", "type", "update", "values", "xpu", "zero_grad",
))  # fmt: skip
#: Keras names a model's Input layer ``input_layer`` (``input_layer_1``, … once taken)
KERAS_INPUT = re.compile(r"input_layer(_\d+)?")


def reserved(name: str) -> bool:
    """A name one framework keeps for itself: a ModuleDict attribute, Keras' input layer."""
    return name in TORCH_RESERVED or KERAS_INPUT.fullmatch(name) is not None


def node_names(layers) -> list[str]:
    """Layer names as identifiers, unique, and never a name a framework keeps for itself:
    ``conv 1`` → ``conv_1``, ``a.b`` → ``a_b``, ``training`` → ``training_``."""
    out, seen = [], set()
    for layer in layers:
        base = re.sub(r"\W", "_", layer.name, flags=re.ASCII).strip("_") or layer.type
        if base[0].isdigit():
            base = "l_" + base
        if reserved(base):
            base += "_"
        name, n = base, 1
        while name in seen or reserved(name):
            name, n = f"{base}{'' if base.endswith('_') else '_'}{n}", n + 1
        seen.add(name)
        out.append(name)
    return out


def wrap(line: str, width: int = 79) -> str:
    """A generated line over ``width`` split at the commas of its first bracket, recursively
    (the code holds no string with a bracket or comma: names are identifiers). A subscript
    (``self.layers['…']``) is never split — one key with a trailing comma would be a tuple —
    and a parenthesised single expression gets no trailing comma, for the same reason."""
    if len(line) <= width:
        return line
    indent = " " * (len(line) - len(line.lstrip()))
    start = _opening(line)
    if start is None:
        return line
    depth, parts, begin = 0, [], start + 1
    for end in range(start, len(line)):
        c = line[end]
        depth += (c in "([{") - (c in ")]}")
        if depth == 1 and c == ",":
            parts.append(line[begin:end])
            begin = end + 1
        if depth == 0:
            break
    parts.append(line[begin:end])
    parts = [p.strip() for p in parts if p.strip()]
    grouping = line[start] == "(" and not _follows_value(line, start) and len(parts) == 1
    comma = "" if grouping else ","
    inner = [wrap(f"{indent}    {p}{comma}", width) for p in parts]
    return "\n".join([line[: start + 1], *inner, indent + line[end:]])


def _opening(line: str) -> int | None:
    """The first bracket that may be split: not a subscript, nor inside one."""
    i = 0
    while i < len(line):
        if line[i] == "[" and _follows_value(line, i):
            i = _closing(line, i)
        elif line[i] in "([":
            return i
        i += 1
    return None


def _follows_value(line: str, i: int) -> bool:
    """The bracket at ``i`` comes right after a name, a call or a subscript (not an operator)."""
    before = line[:i].rstrip()
    return bool(before) and (before[-1].isalnum() or before[-1] in "_)]'\"")


def _closing(line: str, start: int) -> int:
    depth = 0
    for i in range(start, len(line)):
        depth += (line[i] in "([{") - (line[i] in ")]}")
        if depth == 0:
            return i
    return len(line)


def call_line(target: str, layer_expr: str, inputs: list[str], attention: bool = False) -> str:
    """``h3 = <layer>(h2)``; self-attention passes its input as query and value."""
    args = inputs * 2 if attention and len(inputs) == 1 else inputs
    return wrap(f"    {target} = {layer_expr}({', '.join(args)})")


#: Keyword values that are the frameworks' defaults in convolutions, left out of the code.
CONV_DEFAULTS = {"strides": 1, "stride": 1, "padding": ("valid", 0), "dilation_rate": 1,
                 "dilation": 1, "use_bias": (True,), "groups": 1, "depth_multiplier": 1}  # fmt: skip
POOL_DEFAULTS = {"padding": ("valid", 0), "dilation": 1, "ceil_mode": (False,)}


def one(values):
    """(3, 3) → 3 when every axis agrees (the frameworks take either)."""
    values = tuple(values)
    return values[0] if len(set(values)) == 1 else values


def raise_(error: Exception):
    raise error


# =========================================================================== Keras


class KerasWriter:
    def __init__(self, model: Model, ctx: Context):
        self.model, self.ctx, self.lines = model, ctx, []
        self.cf = "channels_first" if ctx.layout == "chw" else None

    def add(self, layer: Layer, name: str, shape, sources: list[str], shapes) -> None:
        from hwcheck.families.arch.emit_extra import keras_line

        line = keras_line(self, layer, name, shape, sources)
        if line is not None:  # the types added later (emit_extra)
            self.lines.extend([wrap(line)] if line else [])
            return
        target = f"h{layer.index + 1}"
        if layer.type in MERGE_CLASSES:
            extra = (
                f"axis={merge_axis_for(layer, shapes, self.ctx)}, "
                if layer.type == "concat"
                else ""
            )
            expr = f"layers.{MERGE_CLASSES[layer.type]}({extra}name={name!r})"
            self.lines.append(wrap(f"    {target} = {expr}([{', '.join(sources)}])"))
            return
        expr = self.layer(layer, name, shape)
        attention = layer.type == "multi_head_attention"
        self.lines.append(call_line(target, expr, sources, attention))

    def module(self) -> str:
        embed = self.model.layers[0].type == "embedding"
        dtype = ', dtype="int32"' if embed else ""
        body = "\n".join(self.lines)
        last = outputs_of(self.model)
        return KERAS_TEMPLATE.format(
            shape=tuple(self.model.input_shape),
            dtype=dtype,
            body=body,
            last=last,
        )

    def layer(self, layer: Layer, name: str, shape) -> str:
        o, t = layer.options, layer.type
        build = KERAS_BUILDERS.get(t) or KERAS_BUILDERS.get(t.rstrip("123d"))
        if build is None:
            raise refuse(layer, "keras", f"no Keras layer for {t}")
        return build(self, layer, name, shape, o)

    # ------------------------------------------------------------------ helpers

    def padded(self, layer, name, pads, inner: str) -> str:
        """Explicit padding: ZeroPadding before a ``valid`` layer, both in one Sequential."""
        pairs = tuple(tuple(p) for p in pads)
        value = pairs[0] if len(pairs) == 1 else pairs
        pad = f"layers.ZeroPadding{len(pairs)}D({args(value, data_format=self.cf)})"
        return f"keras.Sequential([{pad}, {inner}], name={name!r})"

    def explicit(self, o, layer, spatial):
        """(keras padding word, explicit pairs or None) of a conv or pool."""
        padding = o.get("padding", "valid")
        if padding in ("valid", "same"):
            return padding, None
        if padding == 0:
            return "valid", None
        rank = len(spatial)
        if padding == "full":
            pairs = [(d * (k - 1),) * 2 for k, d in zip(o["kernel"], o["dilation"])]
        else:
            pairs = [tuple(p) for p in padding]
        return "valid", (None if all(p == (0, 0) for p in pairs) else pairs[:rank])

    def activation(self, o):
        act = o.get("activation")
        return None if act in (None, "linear") else act


def k_conv(w: KerasWriter, layer, name, shape, o) -> str:
    spatial, _ = split(shape, w.ctx.layout)
    rank = len(spatial)
    if max(o["stride"]) > 1 and max(o["dilation"]) > 1:
        raise refuse(layer, "keras", "Keras refuses stride > 1 together with dilation > 1")
    if o.get("padding_mode", "zeros") != "zeros":
        raise refuse(layer, "keras", f"Keras pads with zeros only, not '{o['padding_mode']}'")
    word, pairs = w.explicit(o, layer, spatial)
    kw = {
        "kernel_size": one(o["kernel"]),
        "strides": one(o["stride"]),
        "padding": word,
        "dilation_rate": one(o["dilation"]),
        "use_bias": o["bias"],
        "activation": w.activation(o),
        "data_format": w.cf,
    }
    if layer.type.startswith("conv"):
        cls = (
            f"Conv{rank}D("
            + args(o["filters"], groups=o.get("groups", 1), defaults=CONV_DEFAULTS, **kw)
            + ")"
        )
    elif layer.type.startswith("depthwise"):
        cls = (
            f"DepthwiseConv{rank}D("
            + args(depth_multiplier=o["multiplier"], defaults=CONV_DEFAULTS, **kw)
            + ")"
        )
    else:
        cls = (
            f"SeparableConv{rank}D("
            + args(o["filters"], depth_multiplier=o["multiplier"], defaults=CONV_DEFAULTS, **kw)
            + ")"
        )
    if pairs is None:
        return "layers." + cls[:-1] + f", name={name!r})"
    return w.padded(layer, name, pairs, "layers." + cls)


def k_conv_transpose(w: KerasWriter, layer, name, shape, o) -> str:
    rank = len(o["kernel"])
    if o.get("groups", 1) != 1:
        raise refuse(layer, "keras", "Keras transposed convolutions have no groups")
    padding = o.get("padding", "valid")
    op = o.get("output_padding")
    base = {
        "kernel_size": one(o["kernel"]),
        "strides": one(o["stride"]),
        "dilation_rate": one(o["dilation"]),
        "use_bias": o["bias"],
        "activation": w.activation(o),
        "data_format": w.cf,
    }
    if padding in ("valid", "same"):
        kw = {"padding": padding, "output_padding": None if op is None else one(op), **base}
        return f"layers.Conv{rank}DTranspose({args(o['filters'], **kw, name=name, defaults=CONV_DEFAULTS)})"
    spatial, _ = split(shape, w.ctx.layout)
    _, pairs = w.explicit(o, layer, spatial)
    kw = {"padding": "valid", "output_padding": one(op or (0,) * rank), **base}
    inner = f"layers.Conv{rank}DTranspose({args(o['filters'], **kw, defaults=CONV_DEFAULTS)})"
    if pairs is None:
        return f"keras.Sequential([{inner}], name={name!r})"
    crop = f"layers.Cropping{rank}D({args(tuple(pairs), data_format=w.cf)})"
    return f"keras.Sequential([{inner}, {crop}], name={name!r})"


def k_pool(w: KerasWriter, layer, name, shape, o) -> str:
    rank = len(o["kernel"])
    if o.get("ceil_mode"):
        raise refuse(layer, "keras", "Keras pools have no ceil_mode")
    if max(o.get("dilation") or (1,)) > 1:
        raise refuse(layer, "keras", "Keras pools have no dilation")
    spatial, _ = split(shape, w.ctx.layout)
    word, pairs = w.explicit(o, layer, spatial)
    cls = "MaxPooling" if layer.type.startswith("max") else "AveragePooling"
    stride = o.get("stride") or o["kernel"]
    kw = {
        "pool_size": one(o["kernel"]),
        "strides": one(stride),
        "padding": word,
        "data_format": w.cf,
    }
    if pairs is None:
        return f"layers.{cls}{rank}D({args(**kw, name=name, defaults=POOL_DEFAULTS)})"
    return w.padded(
        layer, name, pairs, f"layers.{cls}{rank}D({args(**kw, defaults=POOL_DEFAULTS)})"
    )


def k_global(w: KerasWriter, layer, name, shape, o) -> str:
    rank = len(shape) - 1
    cls = "GlobalAveragePooling" if "avg" in layer.type else "GlobalMaxPooling"
    return f"layers.{cls}{rank}D({args(keepdims=o.get('keepdims') or None, data_format=w.cf, name=name)})"


def k_simple(cls: str, **fixed):
    def build(w: KerasWriter, layer, name, shape, o) -> str:
        return f"layers.{cls}({args(**{k: f(o, w, shape) for k, f in fixed.items()}, name=name)})"

    return build


def k_norm_axis(o, w, shape):
    return 1 if w.ctx.layout == "chw" and len(shape) > 1 else None


def k_layernorm_axis(o, w, shape):
    rank = len(shape)
    if o.get("normalized_shape") is not None:
        axes = range(rank - len(o["normalized_shape"]), rank)
    else:
        axes = sorted(a % rank for a in o.get("axis", (-1,)))
    axes = [a + 1 for a in axes]  # Keras counts the batch axis
    return axes[0] if len(axes) == 1 else axes


def opt(key, default=None):
    """An option's value, or None (left out) when it is the framework's default."""
    return lambda o, w, shape: None if o.get(key, default) == default else o.get(key)


def k_recurrent(w: KerasWriter, layer, name, shape, o) -> str:
    if o.get("num_layers", 1) > 1:
        raise refuse(layer, "keras", "Keras recurrent layers have no num_layers (write the layers)")
    cls = {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}[layer.type]
    kw = {
        "return_sequences": o.get("return_sequences") or None,
        "use_bias": None if o.get("bias", True) else False,
    }
    if layer.type == "gru" and not o.get("reset_after", True):
        kw["reset_after"] = False
    if not o.get("bidirectional"):
        return f"layers.{cls}({args(o['units'], **kw, name=name)})"
    inner = f"layers.{cls}({args(o['units'], **kw)})"
    merge = o.get("merge_mode") or "concat"
    return f"layers.Bidirectional({inner}, {args(merge_mode=merge, name=name)})"


def k_attention(w: KerasWriter, layer, name, shape, o) -> str:
    e, h = shape[-1], o["heads"]
    kd = o.get("key_dim") or e // h
    kw = {
        "key_dim": kd,
        "value_dim": o.get("value_dim"),
        "use_bias": None if o.get("bias", True) else False,
    }
    return f"layers.MultiHeadAttention({args(h, **kw, name=name)})"


def k_activation(w: KerasWriter, layer, name, shape, o) -> str:
    act = o.get("activation") or layer.type
    if layer.type == "leaky_relu" and o.get("alpha") is not None:
        return f"layers.LeakyReLU({args(negative_slope=o['alpha'], name=name)})"
    if layer.type == "elu" and o.get("alpha") is not None:
        return f"layers.ELU({args(alpha=o['alpha'], name=name)})"
    return f"layers.Activation({args(act, name=name)})"


def k_prelu(w: KerasWriter, layer, name, shape, o) -> str:
    shared = o.get("shared_axes")
    n = o.get("num_parameters")
    if n is not None:  # torch: one slope, or one per channel
        channel = (len(shape) if w.ctx.layout == "hwc" else 1) if len(shape) > 1 else 1
        shared = [a for a in range(1, len(shape) + 1) if n == 1 or a != channel] or None
        if n == 1 and len(shape) == 1 and shape[0] != 1:
            raise refuse(
                layer,
                "keras",
                "a single shared slope on a vector: Keras PReLU cannot share its only axis",
            )
    elif shared is None and w.ctx.framework == "pytorch":
        shared = list(range(1, len(shape) + 1))
    return f"layers.PReLU({args(shared_axes=None if shared is None else list(shared), name=name)})"


def k_upsampling(w: KerasWriter, layer, name, shape, o) -> str:
    rank = len(shape) - 1
    o = {**o, "size": tuple(o["size"]) * rank if len(o["size"]) == 1 else o["size"]}
    interp = o.get("interpolation", "nearest")
    if interp != "nearest" and rank != 2:
        raise refuse(layer, "keras", f"Keras UpSampling{rank}D has no interpolation (nearest only)")
    if rank == 1:
        if w.cf:
            raise refuse(layer, "keras", "Keras UpSampling1D is channels-last only (layout hwc)")
        return f"layers.UpSampling1D({args(o['size'][0], name=name)})"
    kw = {"interpolation": None if interp == "nearest" else interp} if rank == 2 else {}
    return f"layers.UpSampling{rank}D({args(tuple(o['size']), **kw, data_format=w.cf, name=name)})"


def k_pad_crop(cls: str, key: str):
    def build(w: KerasWriter, layer, name, shape, o) -> str:
        pairs = tuple(tuple(p) for p in o[key])
        value = pairs[0] if len(pairs) == 1 else pairs
        extra = {"data_format": w.cf}
        if cls == "Cropping" and len(pairs) == 1:
            if w.cf:
                raise refuse(layer, "keras", "Keras Cropping1D is channels-last only (layout hwc)")
            extra = {}
        return f"layers.{cls}{len(pairs)}D({args(value, **extra, name=name)})"

    return build


KERAS_BUILDERS = {
    "conv": k_conv,
    "depthwise_conv": k_conv,
    "separable_conv": k_conv,
    "conv_transpose": k_conv_transpose,
    "maxpool": k_pool,
    "avgpool": k_pool,
    "global_avgpool": k_global,
    "global_maxpool": k_global,
    "flatten": k_simple("Flatten"),
    "dense": lambda w, layer, name, shape, o: (
        f"layers.Dense({args(o['units'], use_bias=None if o['bias'] else False, activation=w.activation(o), name=name)})"
    ),
    "batchnorm": k_simple(
        "BatchNormalization",
        axis=k_norm_axis,
        center=opt("center", True),
        scale=opt("scale", True),
        epsilon=opt("epsilon"),
        momentum=opt("momentum"),
    ),
    "layernorm": k_simple(
        "LayerNormalization",
        axis=lambda o, w, s: (
            None if k_layernorm_axis(o, w, s) == len(s) else k_layernorm_axis(o, w, s)
        ),
        center=opt("center", True),
        scale=opt("scale", True),
        rms_scaling=opt("rms_scaling", False),
        epsilon=opt("epsilon"),
    ),
    "rms_norm": lambda w, layer, name, shape, o: (
        KERAS_BUILDERS["_rms"](w, layer, name, shape, o)
        if o.get("scale", True)
        else raise_(refuse(layer, "keras", "Keras RMSNormalization always has its scale γ"))
    ),
    "_rms": k_simple(
        "RMSNormalization",
        axis=lambda o, w, s: (
            None if k_layernorm_axis(o, w, s) == len(s) else k_layernorm_axis(o, w, s)
        ),
        epsilon=opt("epsilon"),
    ),
    "group_norm": k_simple(
        "GroupNormalization",
        groups=lambda o, w, s: o["groups"],
        axis=lambda o, w, s: 1 if w.ctx.layout == "chw" and len(s) > 1 else None,
        center=opt("center", True),
        scale=opt("scale", True),
        epsilon=opt("epsilon"),
    ),
    "dropout": k_simple("Dropout", rate=lambda o, w, s: o["rate"]),
    "embedding": k_simple(
        "Embedding", input_dim=lambda o, w, s: o["vocab"], output_dim=lambda o, w, s: o["dim"]
    ),
    "rnn": k_recurrent,
    "lstm": k_recurrent,
    "gru": k_recurrent,
    "multi_head_attention": k_attention,
    "prelu": k_prelu,
    "upsampling": k_upsampling,
    "upsample": k_upsampling,
    "identity": k_simple("Identity"),
    "zero_padding": k_pad_crop("ZeroPadding", "padding"),
    "cropping": k_pad_crop("Cropping", "cropping"),
    "reshape": k_simple("Reshape", target_shape=lambda o, w, s: tuple(o["target_shape"])),
    "permute": k_simple("Permute", dims=lambda o, w, s: tuple(o["dims"])),
    "repeat_vector": k_simple("RepeatVector", n=lambda o, w, s: o["n"]),
}
for _act in (
    "relu", "sigmoid", "tanh", "softmax", "gelu", "leaky_relu", "elu", "relu6", "silu", "selu",
    "hard_sigmoid", "hard_swish", "softplus", "mish", "activation",
):  # fmt: skip
    KERAS_BUILDERS[_act] = k_activation

KERAS_TEMPLATE = '''"""Built by `hwcheck params --emit keras` (Keras 3; any backend)."""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras  # noqa: E402
from keras import layers  # noqa: E402

INPUT_SHAPE = {shape}  # without the batch axis


def build():
    h0 = keras.Input(shape=INPUT_SHAPE{dtype})
{body}
    return keras.Model(h0, {last})


if __name__ == "__main__":
    build().summary()
'''


# =========================================================================== PyTorch


class TorchWriter:
    def __init__(self, model: Model, ctx: Context):
        self.model, self.ctx = model, ctx
        self.modules: list[tuple[str, str]] = []
        self.lines: list[str] = []

    def add(self, layer: Layer, name: str, shape, sources: list[str], shapes) -> None:
        from hwcheck.families.arch.emit_extra import torch_expr

        extra = torch_expr(self, layer, shape)
        if extra is not None:  # the types added later (emit_extra)
            self.modules.append((name, extra))
            self.lines.append(call_line(f"h{layer.index + 1}", f"self.layers[{name!r}]", sources))
            return
        if layer.type in MERGE_CLASSES:
            axis = merge_axis_for(layer, shapes, self.ctx) if layer.type == "concat" else None
            expr = f"Merge({layer.type!r}, {axis!r})"
        else:
            expr = torch_layer(self, layer, shape)
            if (
                self.ctx.layout == "hwc"
                and len(shape) > 1
                and layer.type.startswith(CHANNELS_FIRST)
            ):
                expr = f"ChannelsLast({expr})"
        self.modules.append((name, expr))
        self.lines.append(call_line(f"h{layer.index + 1}", f"self.layers[{name!r}]", sources))

    def module(self) -> str:
        embed = self.model.layers[0].type == "embedding"
        modules = "\n".join(wrap(f"                ({n!r}, {e}),") for n, e in self.modules)
        return TORCH_TEMPLATE.format(
            shape=tuple(self.model.input_shape),
            dtype="torch.long" if embed else "torch.float32",
            modules=modules,
            body="\n".join("\n".join("    " + x for x in line.split("\n")) for line in self.lines),
            last=outputs_of(self.model),
        )


#: Types whose torch layer expects the channels on axis 1.
CHANNELS_FIRST = ("conv", "depthwise", "separable", "maxpool", "avgpool", "global_", "batchnorm",
                  "group_norm", "upsampl", "zero_padding", "cropping", "prelu")  # fmt: skip

TORCH_ACTIVATIONS = {
    "relu": "nn.ReLU()", "sigmoid": "nn.Sigmoid()", "tanh": "nn.Tanh()",
    "softmax": "nn.Softmax(dim=-1)", "gelu": "nn.GELU()", "leaky_relu": "nn.LeakyReLU(0.2)",
    "elu": "nn.ELU()", "relu6": "nn.ReLU6()", "silu": "nn.SiLU()", "selu": "nn.SELU()",
    "hard_sigmoid": "nn.Hardsigmoid()", "hard_swish": "nn.Hardswish()",
    "softplus": "nn.Softplus()", "mish": "nn.Mish()", "linear": "nn.Identity()",
}  # fmt: skip
#: the activations added for published networks (``activation = "celu"`` on a layer too)
TORCH_ACTIVATIONS |= {"softsign": "nn.Softsign()", "celu": "nn.CELU()",
                      "log_softmax": "nn.LogSoftmax(dim=-1)"}  # fmt: skip


def torch_padding(layer: Layer, o, rank: int):
    """torch's padding argument (an int per axis, or 'same'), refusing asymmetric pairs."""
    padding = o.get("padding", "valid")
    if padding == "valid":
        return 0
    if padding == "same":
        return "same"
    if padding == "full":
        return one(d * (k - 1) for k, d in zip(o["kernel"], o["dilation"]))
    if isinstance(padding, int):
        return padding
    if any(b != a for b, a in padding):
        raise refuse(
            layer, "pytorch", "torch layers pad both sides equally; use a zero_padding layer before"
        )
    return one(b for b, _ in padding)


def torch_layer(w: TorchWriter, layer: Layer, shape) -> str:
    o, t = layer.options, layer.type
    channels = split(shape, w.ctx.layout)[1] if len(shape) > 1 else shape[0]
    act = o.get("activation")
    expr = torch_core(w, layer, shape, channels, o, t)
    if act not in (None, "linear"):
        expr = f"nn.Sequential({expr}, {TORCH_ACTIVATIONS[act]})"
    return expr


def torch_core(w, layer, shape, channels, o, t) -> str:
    rank = len(shape) - 1
    if t.startswith(("conv", "depthwise", "separable")):
        return torch_conv(layer, channels, o, t, rank)
    if t.startswith(("maxpool", "avgpool")):
        cls = "MaxPool" if t.startswith("max") else "AvgPool"
        extra = {"dilation": one(o["dilation"])} if t.startswith("max") else {}
        return f"nn.{cls}{rank}d({args(one(o['kernel']), stride=one(o.get('stride') or o['kernel']), padding=torch_padding(layer, o, rank), ceil_mode=o.get('ceil_mode'), **extra, defaults=POOL_DEFAULTS)})"
    if t.startswith("global_"):
        cls = "AdaptiveAvgPool" if "avg" in t else "AdaptiveMaxPool"
        pool = f"nn.{cls}{rank}d(1)"
        return pool if o.get("keepdims") else f"nn.Sequential({pool}, nn.Flatten())"
    if t in TORCH_ACTIVATIONS or t == "activation":
        name = o.get("activation") or t
        if t in ("leaky_relu", "elu") and o.get("alpha") is not None:
            return f"nn.{'LeakyReLU' if t == 'leaky_relu' else 'ELU'}({o['alpha']!r})"
        return TORCH_ACTIVATIONS[name]
    build = TORCH_BUILDERS.get(t) or TORCH_BUILDERS.get(t.rstrip("123d"))
    if build is None:
        raise refuse(layer, "pytorch", f"no torch layer for {t}")
    return build(w, layer, shape, channels, o, rank)


def torch_conv(layer, c_in, o, t, rank) -> str:
    kw = {
        "stride": one(o["stride"]),
        "padding": torch_padding(layer, o, rank),
        "dilation": one(o["dilation"]),
        "bias": None if o["bias"] else False,
    }
    if o.get("padding_mode", "zeros") != "zeros":
        kw["padding_mode"] = o["padding_mode"]
    k = one(o["kernel"])
    if t.startswith("conv_transpose"):
        if o.get("padding") == "same":
            raise refuse(
                layer, "pytorch", "torch transposed convolutions take integer padding only"
            )
        op = o.get("output_padding")
        return f"nn.ConvTranspose{rank}d({args(c_in, o['filters'], k, output_padding=None if op is None else one(op), groups=o.get('groups', 1), **kw, defaults=CONV_DEFAULTS)})"
    if t.startswith("conv"):
        return f"nn.Conv{rank}d({args(c_in, o['filters'], k, groups=o.get('groups', 1), **kw, defaults=CONV_DEFAULTS)})"
    m = o["multiplier"]
    if t.startswith("depthwise"):
        return (
            f"nn.Conv{rank}d({args(c_in, c_in * m, k, groups=c_in, **kw, defaults=CONV_DEFAULTS)})"
        )
    depth = f"nn.Conv{rank}d({args(c_in, c_in * m, k, groups=c_in, **{**kw, 'bias': False}, defaults=CONV_DEFAULTS)})"
    point = f"nn.Conv{rank}d({args(c_in * m, o['filters'], 1, bias=kw['bias'])})"
    return f"nn.Sequential({depth}, {point})"


def t_batchnorm(w, layer, shape, channels, o, rank) -> str:
    if o.get("center", True) != o.get("scale", True):
        raise refuse(layer, "pytorch", "torch BatchNorm has γ and β together (affine) or neither")
    dims = max(len(shape) - 1, 1)
    return f"nn.BatchNorm{dims}d({args(channels, eps=o.get('epsilon'), affine=None if o.get('center', True) else False)})"


def t_group_norm(w, layer, shape, channels, o, rank) -> str:
    if o.get("center", True) != o.get("scale", True):
        raise refuse(layer, "pytorch", "torch GroupNorm has γ and β together (affine) or neither")
    return f"nn.GroupNorm({args(o['groups'], channels, eps=o.get('epsilon'), affine=None if o.get('center', True) else False)})"


def trailing(layer, shape, o) -> tuple[int, ...]:
    n = len(shape)
    axes = (
        tuple(range(n - len(o["normalized_shape"]), n))
        if o.get("normalized_shape") is not None
        else tuple(sorted(a % n for a in o.get("axis", (-1,))))
    )
    if axes != tuple(range(n - len(axes), n)):
        raise refuse(layer, "pytorch", "torch LayerNorm normalises trailing axes only")
    return tuple(shape[a] for a in axes)


def t_layernorm(w, layer, shape, channels, o, rank) -> str:
    dims = list(trailing(layer, shape, o))
    if o.get("rms_scaling") or layer.type == "rms_norm":
        affine = None if o.get("scale", True) or o.get("rms_scaling") else False
        return f"nn.RMSNorm({args(dims, eps=o.get('epsilon'), elementwise_affine=affine)})"
    center, scale = o.get("center", True), o.get("scale", True)
    if center and not scale:
        raise refuse(layer, "pytorch", "torch LayerNorm cannot have β without γ")
    return f"nn.LayerNorm({args(dims, eps=o.get('epsilon'), elementwise_affine=None if scale else False, bias=None if center else False)})"


def t_recurrent(w, layer, shape, channels, o, rank) -> str:
    cls = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}[layer.type]
    inner = f"nn.{cls}({args(shape[-1], o['units'], batch_first=True, bias=None if o.get('bias', True) else False, bidirectional=o.get('bidirectional') or None, num_layers=o.get('num_layers', 1) if o.get('num_layers', 1) > 1 else None)})"
    return f"Recurrent({inner}, return_sequences={bool(o.get('return_sequences'))})"


def t_attention(w, layer, shape, channels, o, rank) -> str:
    return f"SelfAttention(nn.MultiheadAttention({args(shape[-1], o['heads'], bias=None if o.get('bias', True) else False, batch_first=True)}))"


def t_prelu(w, layer, shape, channels, o, rank) -> str:
    n = o.get("num_parameters")
    if n is None:
        shared = set(o.get("shared_axes") or ())
        if o.get("shared_axes") is None and w.ctx.framework == "pytorch":
            n = 1
        else:
            channel = (len(shape) if w.ctx.layout == "hwc" else 1) if len(shape) > 1 else 1
            kept = set(range(1, len(shape) + 1)) - shared
            if kept == {channel}:
                n = channels
            elif not kept:
                n = 1
            else:
                raise refuse(layer, "pytorch", "torch PReLU has one slope, or one per channel")
    return f"nn.PReLU({args(n)})"


def t_upsampling(w, layer, shape, channels, o, rank) -> str:
    mode = o.get("interpolation", "nearest")
    if mode == "bilinear":
        mode = {1: "linear", 2: "bilinear", 3: "trilinear"}[rank]
    factors = tuple(float(s) for s in o["size"])
    factor = factors[0] if len(set(factors)) == 1 else factors
    return f"nn.Upsample({args(scale_factor=factor, mode=mode)})"


def t_zero_padding(w, layer, shape, channels, o, rank) -> str:
    flat = tuple(p for pair in reversed(o["padding"]) for p in pair)  # torch: last axis first
    return f"nn.ZeroPad{rank}d({args(flat)})"


TORCH_BUILDERS = {
    "flatten": lambda w, layer, shape, c, o, r: "nn.Flatten()",
    "dense": lambda w, layer, shape, c, o, r: (
        f"nn.Linear({args(shape[-1], o['units'], bias=None if o['bias'] else False)})"
    ),
    "batchnorm": t_batchnorm,
    "group_norm": t_group_norm,
    "layernorm": t_layernorm,
    "rms_norm": t_layernorm,
    "dropout": lambda w, layer, shape, c, o, r: f"nn.Dropout({o['rate']!r})",
    "embedding": lambda w, layer, shape, c, o, r: f"nn.Embedding({args(o['vocab'], o['dim'])})",
    "rnn": t_recurrent,
    "lstm": t_recurrent,
    "gru": t_recurrent,
    "multi_head_attention": t_attention,
    "prelu": t_prelu,
    "upsampling": t_upsampling,
    "upsample": t_upsampling,
    "identity": lambda w, layer, shape, c, o, r: "nn.Identity()",
    "zero_padding": t_zero_padding,
    "cropping": lambda w, layer, shape, c, o, r: (
        f"Crop({args(tuple(tuple(p) for p in o['cropping']))})"
    ),
    "reshape": lambda w, layer, shape, c, o, r: f"Reshape({args(tuple(o['target_shape']))})",
    "permute": lambda w, layer, shape, c, o, r: f"Permute({args(tuple(o['dims']))})",
    "repeat_vector": lambda w, layer, shape, c, o, r: f"RepeatVector({o['n']!r})",
}

TORCH_TEMPLATE = '''"""Built by `hwcheck params --emit pytorch` (PyTorch)."""

import torch
from torch import nn

INPUT_SHAPE = {shape}  # without the batch axis


class ChannelsLast(nn.Module):
    """Runs a channels-first torch layer on a channels-last tensor (layout hwc)."""

    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def forward(self, x):
        return self.layer(x.movedim(-1, 1)).movedim(1, -1)


class Recurrent(nn.Module):
    """A torch RNN/LSTM/GRU returning the whole sequence, or its last step, as Keras does."""

    def __init__(self, rnn, return_sequences):
        super().__init__()
        self.rnn, self.return_sequences = rnn, return_sequences

    def forward(self, x):
        out = self.rnn(x)[0]
        return out if self.return_sequences else out[:, -1]


class SelfAttention(nn.Module):
    def __init__(self, attention):
        super().__init__()
        self.attention = attention

    def forward(self, x):
        return self.attention(x, x, x, need_weights=False)[0]


class Crop(nn.Module):
    def __init__(self, pairs):
        super().__init__()
        self.pairs = pairs

    def forward(self, x):
        index = [slice(None), slice(None)]
        for axis, (before, after) in enumerate(self.pairs, 2):
            index.append(slice(before, x.shape[axis] - after))
        return x[tuple(index)]


class Reshape(nn.Module):
    def __init__(self, shape):
        super().__init__()
        self.shape = shape

    def forward(self, x):
        return x.reshape(x.shape[0], *self.shape)


class Permute(nn.Module):
    def __init__(self, dims):
        super().__init__()
        self.dims = dims

    def forward(self, x):
        return x.permute(0, *self.dims)


class RepeatVector(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.n = n

    def forward(self, x):
        return x.unsqueeze(1).expand(-1, self.n, -1)


class Merge(nn.Module):
    """add, subtract, multiply, average, maximum or concat of several tensors; a lower-rank
    input gets unit axes after the batch axis first, as Keras broadcasts it."""

    def __init__(self, kind, axis=None):
        super().__init__()
        self.kind, self.axis = kind, axis

    def forward(self, *xs):
        if self.kind == "concat":
            return torch.cat(xs, dim=self.axis)
        rank = max(x.dim() for x in xs)
        xs = [x.reshape(x.shape[:1] + (1,) * (rank - x.dim()) + x.shape[1:]) for x in xs]
        out = xs[0]
        for x in xs[1:]:
            if self.kind in ("add", "average"):
                out = out + x
            elif self.kind == "subtract":
                out = out - x
            elif self.kind == "multiply":
                out = out * x
            else:
                out = torch.maximum(out, x)
        return out / len(xs) if self.kind == "average" else out


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleDict(
            [
{modules}
            ]
        )

    def forward(self, h0):
{body}
        return {last}


def build():
    return Model()


def example_input(batch=1):
    return torch.zeros(batch, *INPUT_SHAPE, dtype={dtype})


if __name__ == "__main__":
    model = build()
    print(model)
    print(tuple(model(example_input()).shape[1:]), sum(p.numel() for p in model.parameters()))
'''
