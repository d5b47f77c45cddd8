"""The ``params`` and ``rf`` commands: runners and results, with the work shown."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import prod
from typing import Any

from hwcheck.core.errors import HwcheckError
from hwcheck.core.geometry import DOES_NOT_FIT
from hwcheck.core.numfmt import DEFAULT_DIGITS, fmt, fmt_shape
from hwcheck.core.result import Result, Table, Text, view_only
from hwcheck.families.arch.layers import axis_names
from hwcheck.families.arch.model import Model, load_model, trace

BYTES_PER_FLOAT = 4
#: A table longer than this is laid out here, in one pass, as text in Rich's style: Rich measures
#: and renders every cell twice (natural width, then final width), about 1.5 ms a row, so the
#: 10,000-layer cap took 11–16 s as a table against under 1 s as JSON, and ResNet-152's 514
#: rows most of a second.
LONG_TABLE = 100
CHUNK = 500  # lines of a long text per section
TEXT_WIDTH = 160  # the widest line the text renderer keeps (render.MAX_WIDTH)


def laid_out(table: Table) -> list[Table | Text]:
    """``table`` itself, or for a long one the same rows aligned in plain text."""
    if len(table.rows) <= LONG_TABLE:
        return [table]
    rows = [table.columns, *table.rows, *table.footer]
    widths = [max(len(r[i]) for r in rows) for i in range(len(table.columns))]
    align = table.align or "l" * len(widths)

    def line(cells) -> str:
        padded = (c.rjust(w) if a == "r" else c.ljust(w) for c, w, a in zip(cells, widths, align))
        return " " + "".join(f" {c} " for c in padded).rstrip()

    lines = ["", line(table.columns), " " + "─" * (sum(widths) + 2 * len(widths))]
    lines += [line(r) for r in table.rows]
    lines += ["", *(line(r) for r in table.footer)] if table.footer else []
    lines += ["", *table.notes] if table.notes else []
    return long_text(lines, table.title)


def long_text(lines, title: str | None) -> list[Text]:
    """Lines of text in chunks of :data:`CHUNK` (a blank line between chunks): Rich renders
    one text as a single segment that it splits line by line with ``str.partition``, copying
    the rest each time, which is quadratic in the length (the step that made ``params --explain``
    on the 10,000-layer cap take over 10 s)."""
    chunks = [tuple(lines[i : i + CHUNK]) for i in range(0, len(lines), CHUNK)]
    fits = max(map(len, lines)) <= TEXT_WIDTH  # then nothing needs wrapping (or could be cut)
    return [
        Text(chunk, title if i == 0 else None, preformatted=fits) for i, chunk in enumerate(chunks)
    ]


def shape_cell(shape) -> str:
    """``[227, 227, 3]`` → ``227×227×3``; ``[1605632]`` → ``1,605,632`` (numfmt.fmt_shape, with separators)."""
    return "×".join(fmt(n) for n in shape)


def model_of(request) -> Model:
    model = request.model
    if may_name_zoo(model):  # a zoo name (hwcheck models) stands for its file
        from hwcheck.families.arch import zoo

        model = zoo.resolve(model)
    return load_model(model, request.spec, layout=request.layout, framework=request.framework)


def may_name_zoo(model: Any) -> bool:
    """False for what :func:`zoo.lookup` never reads as a zoo name: a table, and a path with a
    ``/``, ``\\`` or ``.`` (``model.toml``) unless it says ``zoo:`` (so a model file runs
    without importing the zoo)."""
    if not isinstance(model, str):
        return False
    return model[:4].lower() == "zoo:" or not any(c in model for c in "/\\.")


def _fields():
    """The receptive-field module, imported by rf's code paths only (params starts without it)."""
    from hwcheck.families.arch import rf

    return rf


# =========================================================================== params


@dataclass(frozen=True)
class ParamsResult(Result):
    """``hwcheck params``: every layer's output shape, parameters and MACs, and the totals."""

    command = "params"

    input_shape: list[int]
    layout: str
    framework: str
    layers: list[dict[str, Any]]
    output_shape: list[int]
    total_params: int
    trainable_params: int
    non_trainable_params: int
    total_macs: int
    param_memory_bytes: int
    activation_memory_bytes: int
    outputs: list[dict[str, Any]] | None = None  # only when the graph has several
    linear_collapse: list[dict[str, Any]] | None = None  # dense layers with nothing between
    memory: dict[str, Any] | None = None  # --memory: training bytes (arch.memory)
    flops: dict[str, int] | None = None  # --memory: forward and backward FLOPs
    explain: bool = view_only(False)
    model: Any = view_only(None)  # the model itself, for hwcheck.families.arch.mistakes to perturb
    graph: bool = view_only(False)

    def payload(self) -> dict[str, Any]:
        out = super().payload()
        for key in ("outputs", "linear_collapse", "memory", "flops"):
            if out.get(key) is None:
                out.pop(key, None)
        return out

    def view(self, digits: int = DEFAULT_DIGITS):
        wide = ("",) if self.graph else ()
        rows = [("", "input", "", *wide, shape_cell(self.input_shape), "", "")]
        rows += [
            (
                str(x["index"]),
                x["name"],
                x["type"],
                *((", ".join(x["inputs"]),) if self.graph else ()),
                shape_cell(x["output_shape"]),
                x["formula"],
                fmt(x["macs"]),
            )
            for x in self.layers
        ]
        out_shapes = self.outputs or [{"output_shape": self.output_shape}]
        footer = (
            (
                "",
                "total",
                "",
                *wide,
                " + ".join(shape_cell(o["output_shape"]) for o in out_shapes),
                fmt(self.total_params),
                fmt(self.total_macs),
            ),
            ("", "trainable", "", *wide, "", fmt(self.trainable_params), ""),
            ("", "non-trainable", "", *wide, "", fmt(self.non_trainable_params), ""),
        )
        notes = (
            f"parameter memory (float32): {fmt_bytes(self.param_memory_bytes)}",
            f"activation memory (float32, batch 1, input included): {fmt_bytes(self.activation_memory_bytes)}",
            f"MACs = multiply–accumulates, bias excluded; FLOPs ≈ 2·MACs = {fmt(2 * self.total_macs)}",
            f"layout {self.layout}, {self.framework} counting conventions",
        )
        if self.outputs:
            notes += ("outputs: " + ", ".join(o["name"] for o in self.outputs),)
        for row in self.layers:  # CS231n's "does not fit": said, not floored silently
            notes += tuple(
                f"layers[{row['index']}] {row['name']}: {line}"
                for line in row["size_formula"]
                if DOES_NOT_FIT in line
            )
        for run in self.linear_collapse or ():
            first, last = run["layers"][0], run["layers"][-1]
            n_in, n_out = run["W_prime_shape"]
            notes += (
                (
                    f"layers {first}–{last} are dense with no activation between them as written, so they "
                    f"collapse to one (exercise R): W′ = W{first}···W{last} is {n_in}×{n_out}, "
                    f"{fmt(run['collapsed_params'])} parameters instead of {fmt(run['params'])} "
                    f"(saves {fmt(run['saved'])})"
                ),
            )
        table = Table(
            (
                "#",
                "name",
                "type",
                *(("inputs",) if self.graph else ()),
                "output shape",
                "parameters",
                "MACs",
            ),
            tuple(rows),
            "params",
            footer,
            notes,
            "rll" + "l" * self.graph + "rrr",
        )
        sections = [*laid_out(table), *self.size_work()] if self.explain else laid_out(table)
        if self.memory is not None:
            from hwcheck.families.arch.memory import memory_table

            sections += laid_out(memory_table(self.layers, self.memory, self.flops))
        return sections

    def size_work(self) -> list[Text]:
        lines = []
        for x in self.layers:
            for line in x["size_formula"]:
                lines.append(f"layers[{x['index']}] {x['name']}: {line}")
            if x["macs"]:
                lines.append(f"layers[{x['index']}] {x['name']}: MACs {x['macs_formula']}")
        if len(lines) > CHUNK:
            return long_text(lines, "output sizes and MACs")
        return [Text(tuple(lines) or ("no layer changes the shape",), "output sizes and MACs")]


def fmt_bytes(n: int) -> str:
    for unit, size in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= size:
            return f"{n:,} bytes ({n / size:.3g} {unit})"
    return f"{n:,} bytes"


def layer_row(layer, out, inputs: list[str]) -> dict[str, Any]:
    return {
        "index": layer.index,
        "name": layer.name,
        "type": layer.type,
        "inputs": inputs,
        "output_shape": list(out.shape),
        "size": prod(out.shape),
        "params": out.params,
        "trainable": out.trainable,
        "non_trainable": out.non_trainable,
        "macs": out.macs,
        "formula": out.formula,
        "size_formula": list(out.explain),
        "macs_formula": out.macs_formula or "0",
        "fits": not any(DOES_NOT_FIT in line for line in out.explain),
    }


def params(request) -> ParamsResult:
    model = model_of(request)
    if request.emit and request.training is not None:
        raise HwcheckError(
            "--emit", "prints a module, not the table: run params without --emit for --memory"
        )
    if request.emit:  # --emit: the module instead of the table
        from hwcheck.families.arch.emit import EmitResult, emit

        return EmitResult(request.emit, emit(model, request.emit))
    outs = trace(model)
    rows = [
        layer_row(layer, out, model.input_names(layer.index))
        for layer, out in zip(model.layers, outs)
    ]
    trainable = sum(o.trainable for o in outs)
    frozen = sum(o.non_trainable for o in outs)
    activations = prod(model.input_shape) + sum(prod(o.shape) for o in outs)
    ends = model.output_nodes
    several = [{"name": model.layers[i].name, "output_shape": list(outs[i].shape)} for i in ends]
    memory = flops = None
    training = request.training
    if training is not None:
        from hwcheck.families.arch import memory as costs

        rows = costs.with_training(rows, training)
        memory = costs.memory_total(rows, training, prod(model.input_shape))
        flops = costs.flops_total(rows)
    return ParamsResult(
        list(model.input_shape),
        model.layout,
        model.framework,
        rows,
        list(outs[ends[0]].shape),
        trainable + frozen,
        trainable,
        frozen,
        sum(o.macs for o in outs),
        BYTES_PER_FLOAT * (trainable + frozen),
        BYTES_PER_FLOAT * activations,
        several if len(ends) > 1 else None,
        linear_runs(model, rows) or None,
        memory,
        flops,
        explain=request.explain,
        model=model,
        graph=model.is_graph,
    )


def linear_runs(model: Model, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Runs of ≥ 2 dense layers, each reading the one before, with no activation between them:
    x·W₁ + b₁ … collapses to x·W′ + b′ (W′ = W₁···Wₘ, inputs × last units)."""
    runs, current = [], []

    def dense(i: int) -> bool:
        return model.layers[i].type == "dense"

    def linear(i: int) -> bool:  # nothing after it (an activation= ends a run there)
        return model.layers[i].options.get("activation") in (None, "linear")

    for i in range(len(model.layers)):
        if dense(i) and current and linear(current[-1]) and model.inputs_of(i) == (current[-1],):
            current.append(i)
            continue
        if len(current) > 1:
            runs.append(current)
        current = [i] if dense(i) else []
    if len(current) > 1:
        runs.append(current)
    out = []
    for run in runs:
        first = model.inputs_of(run[0])[0]
        n_in = (model.input_shape if first < 0 else rows[first]["output_shape"])[-1]
        n_out = rows[run[-1]]["output_shape"][-1]
        bias = any(model.layers[i].options.get("bias", True) for i in run)
        params = sum(rows[i]["params"] for i in run)
        collapsed = n_in * n_out + (n_out if bias else 0)
        out.append(
            {
                "layers": run,
                "W_prime_shape": [n_in, n_out],
                "params": params,
                "collapsed_params": collapsed,
                "saved": params - collapsed,
            }
        )
    return out


# =========================================================================== rf


@dataclass(frozen=True)
class RfResult(Result):
    """``hwcheck rf``: receptive field, jump and start of every layer, per spatial axis."""

    command = "rf"

    input_shape: list[int]
    layers: list[dict[str, Any]]
    layer: int
    rf: list[int | None]
    jump: list[int | None] | None
    start: list[float | None] | None
    rf_area: int | None
    chain: str
    field_in_layer: dict[str, list[int]] | None
    unit: list[int] | None
    region: list[list[int]] | None
    region_clipped: list[list[int]] | None
    path: list[str] | None = None  # graphs only
    aligned: list[bool] | None = None  # graphs only
    work: tuple[str, ...] = view_only(())
    picture: tuple[str, ...] = view_only(())
    graph: bool = view_only(False)
    unit_rf: list[list[int] | None] | None = None  # per axis, each unit's field where they differ
    uneven_at: str = view_only("")  # the layer whose windows differ in length

    def payload(self) -> dict[str, Any]:
        out = super().payload()
        for key in ("path", "aligned", "unit_rf"):
            if out[key] is None:
                del out[key]
        keys = list(out)
        at = keys.index("rf_area") + 1
        return {
            **{k: out[k] for k in keys[:at]},
            "global": self.is_global,
            **{k: out[k] for k in keys[at:]},
        }

    @property
    def is_global(self) -> bool:
        return self.jump is None

    def view(self, digits: int = DEFAULT_DIGITS):
        wide = ("",) if self.graph else ()
        rows = [("", "input", "", *wide, "", "", "", "1", "1", "0")]
        rows += [rf_row(x, self.graph) for x in self.layers]
        columns = ("#", "name", "type", *(("inputs",) if self.graph else ()), "kernel", "stride")
        sections = [
            *laid_out(
                Table(
                    (*columns, "dilation", "jump", "rf", "start"),
                    tuple(rows),
                    "receptive fields",
                    align="rll" + "l" * self.graph + "rrrrrr",
                )
            ),
            Text(self.work, "the recurrences (Araujo, Norris & Sim, Distill 2019)"),
        ]
        lines = [self.chain, *self.alignment_lines(), *self.uneven_lines()]
        if self.unit is not None and self.region is None:
            lines.append(
                f"unit ({', '.join(map(str, self.unit))}) of layers[{self.layer}] reads only "
                "padding: it sees no input pixel"
            )
        if self.region is not None:
            lines.append(
                f"unit ({', '.join(map(str, self.unit))}) of layers[{self.layer}] sees input "
                + " × ".join(f"{lo}…{hi}" for lo, hi in self.region)
                + (
                    " (unclipped); inside the image: "
                    + " × ".join(f"{lo}…{hi}" for lo, hi in self.region_clipped)
                    if self.region_clipped
                    else " (entirely in the padding)"
                )
            )
        sections.append(Text(tuple(lines), "receptive field"))
        if self.picture:
            sections.append(
                Text(
                    self.picture,
                    "the unit's field in the input (■ seen, ● centre)",
                    preformatted=True,
                )
            )
        return sections

    def uneven_lines(self) -> list[str]:
        """Where windows of different lengths gave each unit a field of its own."""
        if self.unit_rf is None:
            return []
        return [
            f"along {name} the units' fields differ ({self.uneven_at} has windows of different "
            "lengths): "
            + ", ".join(map(str, fields[:12]))
            + (", …" if len(fields) > 12 else "")
            + f" {_fields().pixel_word(len(self.rf))}; rf is the largest, {max(fields)}, and "
            "jump and start are null"
            for name, fields in zip(axis_names(len(self.rf)), self.unit_rf)
            if fields is not None
        ]

    def alignment_lines(self) -> list[str]:
        if not self.graph or self.is_global:
            return []
        names = axis_names(len(self.rf))
        largest = " → ".join(self.path)
        lines = [
            f"the field is the union over every path (Distill 2019); the largest path: {largest}"
        ]
        for name, ok in zip(names, self.aligned):
            if not ok:
                lines.append(
                    f"along {name} the paths are not aligned (their centres or jumps differ): "
                    "the field has no single size, so rf is null there"
                )
        return lines


def per_axis(values) -> str:
    if values is None:
        return "—"
    values = ["—" if v is None else v for v in values]
    return str(values[0]) if len(set(values)) == 1 else ", ".join(map(str, values))


def rf_cell(values) -> str:
    if all(v is None for v in values):
        return "unaligned"
    if any(v is None for v in values):
        return "×".join("unaligned" if v is None else str(v) for v in values)
    return fmt_shape(values)


def rf_row(x: dict, graph: bool = False) -> tuple[str, ...]:
    head = (str(x["index"]), x["name"], x["type"], *((", ".join(x["inputs"]),) if graph else ()))
    if "unsupported" in x:
        return (*head, "—", "—", "—", "—", "none", "—")
    if x["global"]:
        return (*head, "—", "—", "—", "—", fmt_shape(x["rf"]) + " (all)", "—")
    start = None if x["start"] is None else [None if s is None else fmt(s) for s in x["start"]]
    return (
        *head,
        fmt_shape(x["kernel"]),
        per_axis(x["stride"]),
        per_axis(x["dilation"]),
        per_axis(x["jump"]),
        rf_cell(x["rf"]),
        per_axis(start),
    )


def step_row(step, input_sizes, inputs: list[str], graph: bool = False) -> dict[str, Any]:
    head = {"index": step.index, "name": step.name, "type": step.type, "inputs": inputs}
    if step.error is not None:
        return {
            **head,
            **dict.fromkeys(("kernel", "stride", "dilation", "jump")),
            "rf": [None] * len(input_sizes),
            "start": None,
            "global": False,
            "unsupported": _fields().why_none(step),
        }
    if step.axes is None:
        return {
            **head,
            "kernel": None,
            "stride": None,
            "dilation": None,
            "jump": None,
            "rf": list(input_sizes),
            "start": None,
            "global": True,
        }
    w, a = step.windows, step.axes
    row = {
        **head,
        "kernel": [x.kernel for x in w],
        "stride": [x.stride for x in w],
        "dilation": [x.dilation for x in w],
        "jump": [x.jump if u is not None else None for x, u in zip(a, step.union)],
        "rf": step.rf,
        "start": [x.start if ok else None for x, ok in zip(a, step.aligned)],
        "global": False,
    }
    if graph:
        row["aligned"] = list(step.aligned)
    fields = own_fields(step)
    if fields is not None:
        row["unit_rf"] = fields
    return row


def own_fields(step) -> list[list[int] | None] | None:
    """Per axis, every unit's field where windows of different lengths gave each its own (None
    along an even axis, and along one whose paths are not aligned: there the largest path's
    fields are not the union's); None when no axis has them."""
    fields = [_fields().unit_fields(x) if ok else None for x, ok in zip(step.axes, step.aligned)]
    return fields if any(f is not None for f in fields) else None


def recurrence_work(rows, limit: int = 40) -> tuple[str, ...]:
    """``layers[1] conv2d_1: r = 3 + (3 − 1)·1 = 5, j = 1·1 = 1, start = 1 + (1 − 0)·1 = 2``
    (the first and last ``limit / 2`` layers: only those are written out)."""
    end = next((i for i, s in enumerate(rows) if s.axes is None and s.error is None), None)
    count = len(rows) if end is None else end + 1
    shown = (
        range(count) if count <= limit else [*range(limit // 2), *range(count - limit // 2, count)]
    )
    lines, previous = [], -1
    for i in shown:
        if i != previous + 1:
            lines.append(f"… {count - limit} more …")
        before = rows[i - 1].axes if i else (_fields().Axis(),) * len(rows[i].windows or [0])
        lines.append(recurrence_line(rows[i], before))
        previous = i
    rules = ", ".join(rule.text() for rule in _fields().RECURRENCES)
    return (f"{rules} with k′ = d·(k − 1) + 1 (layer t reads layer t − 1)", *lines)


def recurrence_line(step, before) -> str:
    """One layer's work: the recurrences along the first even axis, numbers substituted, and
    along each uneven axis the units' fields."""
    if step.error is not None:
        return f"layers[{step.index}] {step.name}: no receptive field ({_fields().why_none(step)})"
    if step.axes is None:
        return f"layers[{step.index}] {step.name}: every unit sees the whole input ({step.type})"
    names = axis_names(len(step.axes))
    even = [a for a, x in enumerate(step.axes) if not x.uneven]
    parts = []
    if even:
        w, after = step.windows[even[0]], step.axes[even[0]]
        same = all(step.windows[a] == w and step.axes[a] == after for a in even)
        note = "" if same and len(even) == len(step.axes) else f" (axis {even[0]})"
        env = _fields().recurrence_env(before[even[0]], w)
        for rule in _fields().RECURRENCES:  # the rules Axis.through computes with
            text, env[rule.lhs.key] = rule.explain(env, _exact, step.index + 1)
            parts.append(text)
        head = f"layers[{step.index}] {step.name}{note}: " + ", ".join(parts)
    else:
        head = f"layers[{step.index}] {step.name}"
    uneven = [
        uneven_text(names[a], step.windows[a], step.axes[a])
        for a, x in enumerate(step.axes)
        if x.uneven
    ]
    return "; ".join([head, *uneven]) if even else head + ": " + "; ".join(uneven)


def uneven_text(name: str, w, after, shown: int = 6) -> str:
    """``along W: windows [0,2) [1,4) [3,5) → fields 0…3, 2…6, 4…7: r = 4, 5, 4``."""
    fields = _fields().unit_fields(after)
    spans = ["padding" if x is None else f"{x[0]}…{x[1]}" for x in after.units]
    more = " …" if len(spans) > shown else ""
    how = (
        "windows " + " ".join(f"[{a},{b})" for a, b in w.bounds[:shown]) + more
        if w.stride is None
        else "each unit's field is the hull of the fields its window reads"
    )
    return (
        f"along {name}: {how} → fields {', '.join(spans[:shown])}{more}: "
        f"r = {', '.join(map(str, fields[:shown]))}{more} (no one jump)"
    )


def _exact(value) -> str:
    """A recurrence value: integers plain, halves as decimals (starts are exact fractions)."""
    if isinstance(value, Fraction):
        return fmt(value.numerator) if value.denominator == 1 else fmt(float(value))
    return fmt(value)


def selected(model: Model, layer: int | None) -> int:
    n = len(model.layers)
    index = model.output_nodes[0] if layer is None else layer + n if layer < 0 else layer
    if not 0 <= index < n:
        raise HwcheckError("--layer", f"the model has layers 0…{n - 1}, got {layer}")
    return index


def check_unit(unit: tuple[int, ...], rank: int, sizes) -> tuple[int, ...]:
    """The unit (read by the request, :func:`hwcheck.core.arrays.parse_indices`) inside the
    layer's output: one index per spatial axis, each below its size."""
    if len(unit) != rank:
        raise HwcheckError(
            "--unit",
            f"expected {rank} index{'es' if rank > 1 else ''} (one per spatial axis), got {len(unit)}",
        )
    for u, n in zip(unit, sizes):
        if u >= n:
            raise HwcheckError(
                "--unit", f"index {u} is outside the layer's output (size {n}, indices 0…{n - 1})"
            )
    return unit


def global_chain(rows, sizes) -> str:
    first = next(s for s in rows if s.axes is None and s.error is None)
    area = f" = {prod(sizes):,}" if len(sizes) > 1 else ""
    return (
        f"every unit of layer {len(rows)} sees the whole input ({fmt_shape(sizes)}{area} "
        f"{_fields().pixel_word(len(sizes))}): {first.type} at layers[{first.index}] mixes every position"
    )


def rf(request) -> RfResult:
    model = model_of(request)
    index = selected(model, request.layer)
    outs = trace(model, index)
    rows = _fields().steps(model, outs)
    sizes = _fields().input_spatial(model)
    graph = model.is_graph
    last = rows[-1]
    table = [step_row(s, sizes, model.input_names(s.index), graph) for s in rows]
    if last.axes is None:
        if request.unit is not None or request.draw:
            raise HwcheckError("--unit", f"every unit of layers[{index}] sees the whole input")
        return RfResult(
            list(model.input_shape),
            table,
            index,
            list(sizes),
            None,
            None,
            prod(sizes),
            global_chain(rows, sizes),
            None,
            None,
            None,
            None,
            work=recurrence_work(rows),
            graph=graph,
        )
    path = _fields().path_to(rows, index)
    on_path = [rows[i] for i in path]
    levels = _fields().path_levels(path)
    out_sizes = _fields().spatial_sizes(model, outs[-1].shape)
    unit, bounds, clipped, picture = None, None, None, ()
    if request.unit is not None or request.draw:
        unit = (
            check_unit(request.unit, len(sizes), out_sizes)
            if request.unit is not None
            else tuple(n // 2 for n in out_sizes)
        )
        bounds = unit_region(last, unit)
        clipped = None if bounds is None else _fields().clip(bounds, sizes)
        if request.draw:
            picture = drawing(model, rows, outs, unit, bounds, sizes, graph)
    rf_sizes = last.rf
    return RfResult(
        list(model.input_shape),
        table,
        index,
        rf_sizes,
        [a.jump if u is not None else None for a, u in zip(last.axes, last.union)],
        [a.start if ok else None for a, ok in zip(last.axes, last.aligned)],
        None if None in rf_sizes else prod(rf_sizes),
        _fields().chain(on_path, levels=levels, top=index + 1)
        + (" along the path with the largest field" if graph else ""),
        {str(level): size for level, size in _fields().chain_sizes(on_path, levels)},
        None if unit is None else list(unit),
        bounds,
        clipped,
        [model.layers[i].name for i in path] if graph else None,
        list(last.aligned) if graph else None,
        recurrence_work(on_path),
        picture,
        graph,
        own_fields(last),
        next((f"layers[{r.index}] {r.name}" for r in on_path if any(a.uneven for a in r.axes)), ""),
    )


def unit_region(last, unit) -> list[list[int]] | None:
    """[[first, last], ...] input pixels (unclipped) the unit sees over every path; None when
    along an uneven axis it reads only padding."""
    for axis, (u, a) in enumerate(zip(last.union, last.axes)):
        if u is None and not a.uneven:
            raise HwcheckError(
                "--unit",
                f"along axis {axis} the paths reaching layers[{last.index}] have different "
                "jumps, so units see fields of different shapes",
            )
    spans = [
        a.span(x) if a.uneven else (span[0] + x * a.jump, span[1] + x * a.jump)
        for span, a, x in zip(last.union, last.axes, unit)
    ]
    return None if None in spans else [list(x) for x in spans]


def drawing(model, rows, outs, unit, bounds, sizes, graph) -> tuple[str, ...]:
    last = rows[-1]
    centre = [-2.0] * len(sizes) if bounds is None else [(lo + hi) / 2 for lo, hi in bounds]
    points = None
    if graph:
        node_sizes = {i: _fields().spatial_sizes(model, o.shape) for i, o in enumerate(outs)}
        node_sizes[-1] = sizes
        points = _fields().seen_in_graph(model, rows, unit, node_sizes)
        exact = (
            None if points is None else [sorted({p[a] for p in points}) for a in range(len(sizes))]
        )
    else:
        in_sizes = [sizes, *(_fields().spatial_sizes(model, o.shape) for o in outs[:-1])]
        exact = _fields().seen_positions(rows, unit, in_sizes)
        centre = [
            c if a.uneven else a.start + u * a.jump for c, a, u in zip(centre, last.axes, unit)
        ]
    seen = exact or [
        list(range(max(lo, 0), min(hi, n - 1) + 1)) for (lo, hi), n in zip(bounds or [], sizes)
    ]
    picture = _fields().draw(sizes, seen, centre, points)
    if exact is None:
        picture += ("(too many paths to trace pixel by pixel: the field's bounding box is shaded)",)
    return picture
