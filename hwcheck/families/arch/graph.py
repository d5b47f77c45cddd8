"""Graphs in model files: names, ``inputs``, ``repeat`` and blocks → a flat list of nodes.

The rules (README, "Describing a model"):

- A layer's ``inputs`` names layers **above it in the file** (the order of the file is an order
  of evaluation, as in a PyTorch ``forward``), or ``"input"``, the model's input. Without
  ``inputs`` a layer takes the layer above it (the first layer: the input), so a sequential file
  is a graph already. A name used before its layer is an error; when the later layer leads back
  to this one, the error names the cycle.
- ``repeat = n`` repeats a layer or a block call n times in a row; copies are named
  ``name.0``, ``name.1``, … (skipping numbers already taken) and ``name`` alone means the last.
- ``[blocks.NAME]`` holds ``layers`` (and optional ``defaults``); a layer ``block = "NAME"``
  expands it, its other keys filling the ``"$key"`` values in the block. Inside a block,
  ``"input"`` means the block's input; the block's output is its last layer; its layers are
  named ``instance.layer`` (``stage1.0.conv1``).
- The graph's output is the node nobody consumes; several need ``outputs = [...]``.
- A layer with several outputs (``split``, ``chunk``, a bidirectional recurrent layer with
  ``merge_mode = "none"``) becomes one node per output, ``name:0``, ``name:1``, … (each with
  ``part`` set); later layers name the one they read, and ``name`` alone is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hwcheck.core.errors import HwcheckError, did_you_mean
from hwcheck.core.numbers import parse_int
from hwcheck.families.arch.extra_layers import output_count
from hwcheck.families.arch.merge import MERGES

INPUT = "input"
MAX_DEPTH = 8  # blocks inside blocks
GRAPH_KEYS = ("inputs", "repeat", "block")
POSITION = "__spec_position__"  # set by the --spec parser only


@dataclass
class Node:
    """One layer table ready for ``validate_layer`` (name set), and its resolved inputs."""

    table: dict
    sources: tuple[int, ...]  # node indices, -1 for the model input
    origin: int  # index of the [[layers]] table it comes from
    trail: str | None = None  # "from blocks.basic.layers[1] (block basic)"
    pos: int | None = None  # where the layer starts in a --spec
    part: int | None = None  # which output of a layer with several (split, chunk, …)


@dataclass
class Scope:
    """Names visible to the layers of one file level or one block instance."""

    prefix: str
    input: int
    names: dict[str, int] = field(default_factory=dict)
    defined_at: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    previous: int = -1
    several: dict[str, int] = field(default_factory=dict)  # name → its number of outputs
    after: str | None = None  # set right after a layer with several outputs

    def define(self, name: str, index: int, where: str, flat: dict[str, int]) -> None:
        if name in self.names and self.names[name] != index:
            self.names[name] = -2  # ambiguous: refused when referenced
            self.defined_at[name] += f" and {where}"
        else:
            self.names[name] = index
            self.defined_at[name] = where
        full = self.prefix + name
        flat.setdefault(full, index)


class Expander:
    def __init__(self, blocks: dict, kind_of, cap: int):
        self.blocks, self.kind_of, self.cap = blocks, kind_of, cap
        self.nodes: list[Node] = []
        self.flat: dict[str, int] = {}  # every full name → node (first wins)
        self.names: list[str] = []

    # ------------------------------------------------------------------ one level
    def level(self, tables: list, scope: Scope, where: str, origin: int | None, stack: tuple):
        later = later_references(tables)
        for i, raw in enumerate(tables):
            here = f"{where}[{i}]"
            if not isinstance(raw, dict):
                raise HwcheckError(here, "expected a table (type = ..., ...)")
            table = dict(raw)
            graph = {k: table.pop(k) for k in GRAPH_KEYS if k in table}
            repeat = parse_int(
                graph.get("repeat", 1), f"{here}: repeat", minimum=1, maximum=self.cap
            )
            first = self.resolve(graph.get("inputs"), scope, here, i, later)
            at = i if origin is None else origin
            if "block" in graph:
                self.call(table, graph["block"], repeat, first, scope, here, at, stack)
            else:
                self.layer(table, repeat, first, scope, here, at, stack)

    def layer(self, table, repeat, first, scope, here, origin, stack):
        pos = table.pop(POSITION, None)
        explicit = table.get("name")
        if explicit is not None:
            check_name(explicit, f"{here}: name")
        try:
            kind = self.kind_of(table, f"layers[{len(self.nodes)}]")
        except HwcheckError as exc:
            exc.hint = exc.hint or trail(here, stack)
            raise
        if first is None and kind in MERGES:  # in a chain a merge has only the layer before
            raise HwcheckError(
                f"layers[{len(self.nodes)}] ({kind})",
                f"{kind} needs its inputs named (at least 2, or one as Keras's {kind}([x]))",
                hint=f'in a file: inputs = ["a", "b"]; in --spec: {kind}( branch ; branch )',
            )
        parts = output_count(kind, table, f"layers[{len(self.nodes)}] ({kind})")
        if first is None:
            check_previous(scope, f"layers[{len(self.nodes)}] ({kind})")
        if parts > 1:
            return self.parts(table, kind, parts, repeat, first, scope, (here, origin, stack, pos))
        numbers = copies(explicit, repeat, scope)
        for r in range(repeat):
            if explicit is None:
                n = scope.counts.get(kind, 0)
                scope.counts[kind] = n + 1
                local = kind if n == 0 else f"{kind}_{n}"
            else:
                local = explicit if repeat == 1 else f"{explicit}.{numbers[r]}"
            sources = first if r == 0 and first is not None else (scope.previous,)
            index = self.add(
                {**table, "name": scope.prefix + local}, sources, origin, trail(here, stack), pos
            )
            scope.define(local, index, here, self.flat)
            scope.previous = index
        scope.after = None
        if explicit is not None and repeat > 1:
            scope.define(explicit, scope.previous, here, self.flat)

    def parts(self, table, kind, parts, repeat, first, scope, at):
        """A layer with several outputs: one node per output, ``name:0``, ``name:1``, …"""
        here, origin, stack, pos = at
        if repeat > 1:
            raise HwcheckError(f"{here}: repeat", f"{kind} has {parts} outputs: it cannot repeat")
        local = table.get("name")
        if local is None:
            n = scope.counts.get(kind, 0)
            scope.counts[kind] = n + 1
            local = kind if n == 0 else f"{kind}_{n}"
        sources = first if first is not None else (scope.previous,)
        for k in range(parts):
            name = f"{local}:{k}"
            index = self.add({**table, "name": scope.prefix + name}, sources, origin,
                             trail(here, stack), pos)  # fmt: skip
            self.nodes[index].part = k
            scope.define(name, index, here, self.flat)
            scope.previous = index
        scope.several[local] = parts
        scope.after = local

    def call(self, table, block, repeat, first, scope, here, origin, stack):
        name = table.pop("name", None)
        if not isinstance(block, str) or block not in self.blocks:
            text = block if isinstance(block, str) else repr(block)
            raise HwcheckError(
                f"{here}: block", f"no block '{text}'{did_you_mean(str(text), self.blocks)}"
            )
        if block in stack:
            raise HwcheckError(
                here, f"block '{block}' calls itself ({' → '.join((*stack, block))})"
            )
        if len(stack) >= MAX_DEPTH:
            raise HwcheckError(here, f"blocks nest at most {MAX_DEPTH} deep")
        if name is None:
            n = scope.counts.get(block, 0)
            scope.counts[block] = n + 1
            name = block if n == 0 else f"{block}_{n}"
        check_name(name, f"{here}: name")
        layers = substitute(self.blocks[block], table, block, here)
        numbers = copies(name, repeat, scope)
        for r in range(repeat):
            instance = name if repeat == 1 else f"{name}.{numbers[r]}"
            start = first[0] if r == 0 and first is not None else scope.previous
            if r == 0 and first is not None and len(first) != 1:
                raise HwcheckError(f"{here}: inputs", "a block takes one input")
            if r == 0 and first is None:
                check_previous(scope, here)
            inner = Scope(scope.prefix + instance + ".", start, previous=start)
            self.level(layers, inner, f"blocks.{block}.layers", origin, (*stack, block))
            if inner.after is not None:
                raise HwcheckError(here, f"block '{block}' ends with {inner.after}, which has "
                                   "several outputs: end it with a layer that reads them")  # fmt: skip
            scope.previous = inner.previous
            scope.after = None
            scope.define(instance, inner.previous, here, self.flat)
        if repeat > 1:
            scope.define(name, scope.previous, here, self.flat)

    def add(self, table: dict, sources, origin: int, where: str | None, pos=None) -> int:
        if len(self.nodes) >= self.cap:
            raise HwcheckError(
                f"layers[{origin}]",
                f"the model expands to more than {self.cap:,} layers (the cap)",
                hint="lower repeat, or the number of block calls",
            )
        self.nodes.append(Node(table, sources, origin, where, pos))
        self.names.append(table["name"])
        return len(self.nodes) - 1

    # ------------------------------------------------------------------ names
    def resolve(self, inputs: Any, scope: Scope, here: str, i: int, later) -> tuple | None:
        if inputs is None:
            return None
        if isinstance(inputs, str):
            inputs = [inputs]
        if not isinstance(inputs, list) or not inputs:
            raise HwcheckError(
                f"{here}: inputs", 'expected a list of names, e.g. ["conv1", "input"]'
            )
        out = []
        for name in inputs:
            if not isinstance(name, str):
                raise HwcheckError(f"{here}: inputs", f"expected names, got {name!r}")
            out.append(self.lookup(name, scope, here, i, later))
        return tuple(out)

    def lookup(self, name: str, scope: Scope, here: str, i: int, later) -> int:
        if name == INPUT:
            return scope.input
        index = scope.names.get(name)
        if index is None and scope.prefix == "":
            index = self.flat.get(name)
        if index == -2:
            raise HwcheckError(
                f"{here}: inputs",
                f"'{name}' names more than one layer ({scope.defined_at[name]}): name them apart",
            )
        if index is not None:
            return index
        several = scope.several.get(name)
        if several:
            raise HwcheckError(
                f"{here}: inputs",
                f"'{name}' has {several} outputs: name one, {name}:0 … {name}:{several - 1}",
            )
        if name in later:
            cycle = find_cycle(later, name, later_name(i, later))
            if cycle:
                shown = cycle if len(cycle) <= 8 else [*cycle[:5], "…", *cycle[-2:]]
                raise HwcheckError(f"{here}: inputs", "cycle: " + " → ".join(shown))
            raise HwcheckError(
                f"{here}: inputs",
                f"'{name}' is defined below this layer (at {later[name][0]}); "
                "a layer's inputs must come above it in the file",
            )
        known = [INPUT, *scope.names, *(self.flat if scope.prefix == "" else ())]
        raise HwcheckError(f"{here}: inputs", f"no layer named '{name}'{did_you_mean(name, known)}")


def copies(name: str | None, repeat: int, scope: Scope) -> list[int]:
    """The numbers of ``repeat`` copies named ``name.k``: 0, 1, … skipping those taken, so a
    first block named ``layer2.0`` and ``repeat`` on ``layer2`` continue at ``layer2.1``."""
    if name is None or repeat == 1:
        return list(range(repeat))
    out, k = [], 0
    while len(out) < repeat:
        if f"{name}.{k}" not in scope.names:
            out.append(k)
        k += 1
    return out


def later_references(tables: list) -> dict[str, tuple[str, int, list]]:
    """name → (where, position, its inputs) for explicitly named tables of one level."""
    out = {}
    for i, t in enumerate(tables):
        if isinstance(t, dict) and isinstance(t.get("name"), str):
            inputs = t.get("inputs")
            inputs = (
                [inputs] if isinstance(inputs, str) else inputs if isinstance(inputs, list) else []
            )
            out.setdefault(t["name"], (f"layers[{i}]", i, inputs))
    return out


def later_name(i: int, later) -> str | None:
    return next((n for n, (_, at, _) in later.items() if at == i), None)


def find_cycle(later, start: str, target: str | None) -> list[str] | None:
    """A chain start → … → target through the ``inputs`` of named tables, if there is one."""
    if target is None:
        return None
    parent: dict[str, str | None] = {start: None}
    stack = [start]
    while stack:
        name = stack.pop()
        if name == target:
            chain = [name]
            while parent[chain[-1]] is not None:
                chain.append(parent[chain[-1]])
            return [target, *chain[::-1]]
        for nxt in later.get(name, ("", 0, []))[2]:
            if isinstance(nxt, str) and nxt not in parent:
                parent[nxt] = name
                stack.append(nxt)
    return None


def check_previous(scope: Scope, where: str) -> None:
    """A layer without ``inputs`` right after a layer with several outputs: which one?"""
    if scope.after is not None:
        n = scope.several[scope.after]
        raise HwcheckError(
            where,
            f"'{scope.after}' above has {n} outputs: name the one this layer reads",
            hint=f'inputs = ["{scope.after}:0"]; in --spec a merge group after it, one branch per output',
        )


def check_name(name: Any, where: str) -> None:
    if not isinstance(name, str) or not name or len(name) > 64:
        raise HwcheckError(where, "expected a name of 1 to 64 characters")
    if ":" in name:
        raise HwcheckError(where, "':' is kept for the outputs of a split (name:0, name:1, …)")
    if name == INPUT:
        raise HwcheckError(where, "'input' names the model's input; choose another name")


def trail(here: str, stack: tuple) -> str | None:
    return None if not stack else f"from {here} (block {' → '.join(stack)})"


# --------------------------------------------------------------------------- blocks


def read_blocks(value: Any) -> dict[str, dict]:
    """``[blocks.NAME]`` tables: ``layers`` (a list of layer tables) and optional ``defaults``."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise HwcheckError("blocks", "expected tables [blocks.NAME] with layers = [...]")
    out = {}
    for name, block in value.items():
        where = f"blocks.{name}"
        if not isinstance(block, dict):
            raise HwcheckError(where, "expected a table with layers = [...]")
        for key in block:
            if key not in ("layers", "defaults"):
                raise HwcheckError(
                    where, f"unknown key '{key}'{did_you_mean(str(key), ('layers', 'defaults'))}"
                )
        layers, defaults = block.get("layers"), block.get("defaults", {})
        if not isinstance(layers, list) or not layers:
            raise HwcheckError(where, "expected at least one [[blocks.NAME.layers]] table")
        if not isinstance(defaults, dict):
            raise HwcheckError(f"{where}: defaults", "expected a table of parameter = value")
        try:
            params = parameters(layers)
        except RecursionError:
            raise HwcheckError(where, "nested too deeply") from None
        out[name] = {"layers": layers, "defaults": defaults, "params": params}
    return out


def parameters(value: Any) -> set[str]:
    """Every ``"$name"`` used in a block's layers."""
    if isinstance(value, str):
        return {value[1:]} if value.startswith("$") and len(value) > 1 else set()
    if isinstance(value, dict):
        return set().union(*map(parameters, value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*map(parameters, value)) if value else set()
    return set()


def substitute(block: dict, call: dict, name: str, here: str) -> list:
    """The block's layers with ``"$key"`` replaced by the call's value (or the default)."""
    params = block["params"]
    for key in call:
        if key not in params:
            raise HwcheckError(
                here,
                f"block '{name}' has no parameter '{key}'{did_you_mean(str(key), params)}",
                hint=f"its parameters: {', '.join(sorted(params)) or 'none'}",
            )
    values = {**block["defaults"], **call}
    for key in sorted(params):
        if key not in values:
            raise HwcheckError(here, f"block '{name}' needs the parameter '{key}'")

    def fill(value):
        if isinstance(value, str) and value.startswith("$") and value[1:] in values:
            return values[value[1:]]
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value

    return fill(block["layers"])


# --------------------------------------------------------------------------- outputs


def outputs(
    nodes: list[Node], names: list[str], flat: dict[str, int], given: Any
) -> tuple[int, ...]:
    """The nodes nobody consumes; ``outputs = [...]`` when there are several."""
    used = {s for n in nodes for s in n.sources}
    free = [i for i in range(len(nodes)) if i not in used]
    if given is None:
        if len(free) > 1:
            listed = ", ".join(f"'{names[i]}'" for i in free[:6]) + (", …" if len(free) > 6 else "")
            raise HwcheckError(
                "outputs",
                f"the graph has {len(free)} outputs ({listed}): list them in outputs = [...]",
            )
        if not free:
            raise HwcheckError("outputs", "the graph has no output (every layer is consumed)")
        return (free[0],)
    if isinstance(given, str):
        given = [given]
    if not isinstance(given, list) or not given:
        raise HwcheckError("outputs", "expected a list of layer names")
    chosen = []
    for name in given:
        if not isinstance(name, str) or name not in flat:
            text = name if isinstance(name, str) else repr(name)
            raise HwcheckError("outputs", f"no layer named '{text}'{did_you_mean(str(text), flat)}")
        chosen.append(flat[name])
    for i in free:
        if i not in chosen:
            raise HwcheckError(
                f"layers[{i}]",
                f"'{names[i]}' leads to no output: use it as an input or list it in outputs",
            )
    return tuple(chosen)
