"""``net``: evaluate a small network with given weights on a whole domain, against a target.

Parse (layers, domain, target) → evaluate every row at once → compare → report the failing rows
(the first 20 and the count), the parameter count, depth and width.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hwcheck.core.errors import HwcheckError
from hwcheck.core.numfmt import fmt
from hwcheck.core.result import Result, Table, Text, view_only
from hwcheck.families.net import build as constructions
from hwcheck.families.net.logic import evaluate, variables
from hwcheck.families.net.network import (
    NetLayer,
    check_chain,
    forward,
)
from hwcheck.families.net.request import MAX_INPUTS, MAX_ROWS, TruthTable

SHOWN = 20


@dataclass(frozen=True)
class NetResult(Result):
    command = "net"

    inputs: int
    outputs: int
    domain: str
    rows: int
    target: str | None
    layers: list[dict[str, Any]]
    params: int
    connections: int
    depth: int
    width: int
    failing_count: int | None
    failing_rows: list[list]
    failing_outputs: list[dict[str, Any]]
    construction: str | None = view_only()
    sample: tuple = view_only(())

    def view(self, digits: int = 6) -> list:
        rows = tuple(
            (
                str(ly["index"]),
                ly["activation"],
                f"{ly['inputs']} → {ly['units']}",
                f"{ly['inputs']}·{ly['units']} + {ly['units']} = {fmt(ly['params'])}",
                fmt(ly["connections"]),
            )
            for ly in self.layers
        )
        notes = (
            (
                "params counts every weight and bias of the dense layers (as Keras counts them); "
                "connections counts the non-zero weights plus the biases (what a construction uses)."
            ),
        )
        sections: list = [
            Table(
                ("layer", "activation", "units", "params", "connections"),
                rows,
                title=self.construction or "Network",
                footer=(("total", "", "", fmt(self.params), fmt(self.connections)),),
                notes=notes,
                align="llrrr",
            )
        ]
        summary = [
            (
                f"inputs n = {self.inputs}, outputs = {self.outputs}, "
                f"depth = {self.depth} layers, width = {self.width} units"
            ),
            f"evaluated on {fmt(self.rows)} rows: {self.domain}",
        ]
        if self.target is not None:
            summary.append(f"target: {self.target}")
            summary.append(
                "every row agrees with the target"
                if self.failing_count == 0
                else f"{fmt(self.failing_count)} of {fmt(self.rows)} rows disagree"
            )
        sections.append(Text(tuple(summary), title="Evaluation"))
        if self.failing_rows:
            sections.append(
                Table(
                    ("x", "y", "expected"),
                    tuple(
                        (_row_text(x), _row_text(o["y"], digits), _row_text(o["expected"], digits))
                        for x, o in zip(self.failing_rows, self.failing_outputs, strict=True)
                    ),
                    title=f"Failing rows (the first {min(SHOWN, self.failing_count)})",
                )
            )
        elif self.target is None and self.sample:
            sections.append(
                Table(
                    ("x", "y"),
                    tuple((_row_text(x), _row_text(y, digits)) for x, y in self.sample),
                    title=f"Outputs (the first {len(self.sample)} rows)",
                )
            )
        return sections


def _row_text(values, digits: int = 6) -> str:
    if isinstance(values, bool):
        return "1" if values else "0"
    if not isinstance(values, list):
        return fmt(values, digits)
    if len(values) == 1:
        return _row_text(values[0], digits)
    if all(v in (0, 1) and not isinstance(v, float) for v in values) and len(values) > 1:
        return "".join(str(v) for v in values)
    return "(" + ", ".join(fmt(v, digits, sep=False) for v in values) + ")"


# ------------------------------------------------------------------------------ layers


def read_layers(request) -> tuple[list[NetLayer], str | None]:
    """The network's layers (read by the request from its file or ``--layer`` texts) or the
    construction ``--build`` names."""
    given = [request.net is not None, bool(request.layer), request.build is not None]
    if sum(given) != 1:
        raise HwcheckError(
            "<net>",
            "give exactly one of: a network file, --layer (repeated), or --build",
            hint="e.g. hwcheck net --build xor-tree --inputs 8",
        )
    if request.build is not None:
        return build(request), request.build
    return list(request.layer or request.net), None


def build(request) -> list[NetLayer]:
    n = request.inputs
    if request.build in ("xor-sop", "xor-tree"):
        if n is None:
            raise HwcheckError("--inputs", f"--build {request.build} needs the number of inputs")
        _bounded_inputs(n, "--inputs")
        if request.build == "xor-tree":
            return constructions.xor_tree(n)
        return constructions.sop(constructions.xor_rows(n), n)
    if request.target is not None and request.target.tree is not None:
        tree = request.target.tree
        n = n or max(variables(tree), default=1)
        _bounded_inputs(n, "--inputs")
        x = binary_rows(n)
        true = evaluate(tree, [x[:, i] == 1 for i in range(n)])
        rows = [tuple(int(v) for v in r) for r in x[true]]
    elif request.table is not None:
        x, expected = read_table(request.table, request.inputs)
        if expected.shape[1] != 1 or not _boolean(expected):
            raise HwcheckError("--table", "--build sop needs one 0/1 output column")
        rows = [tuple(int(v) for v in r) for r, e in zip(x, expected[:, 0], strict=True) if e]
        n = x.shape[1]
    else:
        raise HwcheckError("--build", "--build sop needs a boolean --target or a --table")
    if len(rows) > constructions.MAX_SOP_ROWS:
        raise HwcheckError("--build", f"{len(rows):,} true rows; at most 4,096 AND units")
    return constructions.sop(rows, n)


def _bounded_inputs(n: int, where: str) -> None:
    if n > MAX_INPUTS:
        raise HwcheckError(
            where, f"{n} inputs give 2^{n} = {2**n:,} rows; at most {MAX_INPUTS} inputs"
        )


def read_table(table: TruthTable, inputs: int | None):
    """(inputs, expected) arrays of a truth table (read by the request): ``bits:out`` rows
    split where the colon was, a numeric matrix after ``inputs`` columns (default: all but one)."""
    import numpy as np

    a = np.array([[float(v) for v in r] for r in table.rows])
    width = a.shape[1]
    if table.outputs is not None:
        return a[:, : width - table.outputs], a[:, width - table.outputs :]
    n = inputs if inputs is not None else width - 1
    if not 1 <= n < width:
        raise HwcheckError("--table", f"{width} columns cannot hold {n} inputs and an output")
    return a[:, :n], a[:, n:]


def _boolean(a) -> bool:
    import numpy as np

    return bool(np.isin(a, (0.0, 1.0)).all())


def binary_rows(n: int, low: int = 0):
    """Every row of {low,1}ⁿ, x₁ most significant (so row 11001 is x₁ = x₂ = x₅ = 1)."""
    import numpy as np

    bits = (np.arange(2**n)[:, None] >> np.arange(n - 1, -1, -1)) & 1
    return bits * (1 - low) + low if low else bits


def domain_rows(request, n: int):
    """(rows, description) of the evaluation domain."""
    import numpy as np

    if request.points is not None:
        a = np.array([[float(v) for v in r] for r in request.points])
        if a.shape[1] != n:
            raise HwcheckError("--points", f"rows have {a.shape[1]} entries, the net {n} inputs")
        return a, f"{len(a)} given points"
    kind = request.domain.kind if request.domain is not None else "binary"
    if kind in ("binary", "bipolar"):
        _bounded_inputs(n, "--domain")
        if kind == "binary":
            return binary_rows(n).astype(float), f"{{0,1}}^{n}"
        return binary_rows(n, low=-1).astype(float), f"{{-1,1}}^{n}"
    k = request.domain.k
    count = (2 * k + 1) ** n
    if count > MAX_ROWS:
        raise HwcheckError("--domain", f"(2·{k}+1)^{n} = {count:,} rows; at most {MAX_ROWS:,}")
    grid = np.stack(np.meshgrid(*[np.arange(-k, k + 1)] * n, indexing="ij"), axis=-1)
    return grid.reshape(-1, n).astype(float), f"integers (−{k}…{k})^{n}, ties included"


# ------------------------------------------------------------------------------ compare


def expected_outputs(request, x, n: int, outputs: int, table_expected):
    """(expected values, kind, target text): kind 'boolean', 'max', 'argmax' or 'values'."""

    target = request.target.text if request.target is not None else None
    tree = request.target.tree if request.target is not None else None
    if request.build == "sop" and request.target is not None and request.table is not None:
        target = None  # the network is the --target formula; the table is what it must match
    if target is None and table_expected is not None:
        kind = "boolean" if _boolean(table_expected) else "values"
        return table_expected, kind, "the table's outputs"
    if target is None and request.build in ("xor-sop", "xor-tree"):
        target = "xor(" + ", ".join(f"x{i + 1}" for i in range(n)) + ")"
        tree = ("xor", *(("x", i + 1) for i in range(n)))  # the tree of that text
    if target is None:
        return None, None, None
    if target in ("max", "argmax"):
        best = x.max(axis=1, keepdims=True)
        if target == "max":
            _outputs(outputs, 1, "max")
            return best, "max", "y = max(x)"
        _outputs(outputs, n, "argmax")
        return x == best, "argmax", "yᵢ > 0 exactly when xᵢ is a maximum"
    missing = sorted(v for v in variables(tree) if v > n)
    if missing:
        raise HwcheckError(
            "--target", f"x{missing[0]} is not an input: the network has {n} inputs (x1…x{n})"
        )
    _outputs(outputs, 1, "a boolean target")
    truth = evaluate(tree, [x[:, i] > 0 for i in range(n)])
    return truth[:, None].astype(float), "boolean", target


def _outputs(have: int, need: int, what: str) -> None:
    if have != need:
        raise HwcheckError("--target", f"{what} needs {need} output(s); the network has {have}")


def failures(y, expected, kind: str, threshold: float):
    import numpy as np

    if kind == "boolean":
        return ((y > threshold) != (expected > 0.5)).any(axis=1)
    if kind == "argmax":
        return ((y > 0) != expected).any(axis=1)
    return (np.abs(y - expected) > 1e-9 * np.maximum(1.0, np.abs(expected))).any(axis=1)


def _plain(v: float):
    return int(v) if float(v).is_integer() and abs(v) < 2**53 else float(v)


# ------------------------------------------------------------------------------ runner


def net(request) -> NetResult:
    import numpy as np

    layers, built = read_layers(request)
    table_x = table_expected = None
    if request.table is not None:
        table_x, table_expected = read_table(request.table, request.inputs)
    n = check_chain(layers, None, "layers")
    if table_x is not None:
        if table_x.shape[1] != n:
            raise HwcheckError("--table", f"rows have {table_x.shape[1]} inputs, the net {n}")
        x, domain = table_x, f"the {len(table_x)} rows of the table"
    else:
        x, domain = domain_rows(request, n)
    exact_rows = request.points  # the rows as written (0.1 is 1/10), not their floats
    if table_x is not None:
        exact_rows = [row[:n] for row in request.table.rows]
    y = forward(layers, x, exact_rows)
    outputs = layers[-1].units
    expected, kind, target_text = expected_outputs(request, x, n, outputs, table_expected)
    threshold = request.threshold
    if threshold is None:
        bipolar = request.domain is not None and request.domain.kind == "bipolar"
        threshold = 0.0 if bipolar else 0.5
    fail_idx = np.array([], dtype=int)
    if expected is not None:
        fail_idx = np.flatnonzero(failures(y, expected, kind, threshold))
    shown = fail_idx[:SHOWN]
    return NetResult(
        inputs=n,
        outputs=outputs,
        domain=domain,
        rows=len(x),
        target=target_text,
        layers=[_layer_row(i, ly) for i, ly in enumerate(layers)],
        params=sum(ly.inputs * ly.units + ly.units for ly in layers),
        connections=sum(ly.connections + ly.units for ly in layers),
        depth=len(layers),
        width=max(ly.units for ly in layers),
        failing_count=None if expected is None else len(fail_idx),
        failing_rows=[[_plain(v) for v in x[i]] for i in shown],
        failing_outputs=[
            {
                "y": [_plain(v) for v in y[i]],
                "expected": [_expected_value(v, kind) for v in expected[i]],
            }
            for i in shown
        ],
        construction=_construction_title(built, n),
        sample=tuple(
            ([_plain(v) for v in x[i]], [_plain(v) for v in y[i]])
            for i in range(min(SHOWN, len(x)))
        ),
    )


def _expected_value(v, kind: str):
    if kind in ("boolean", "argmax"):
        return bool(v)
    return _plain(v)


def _layer_row(index: int, layer: NetLayer) -> dict[str, Any]:
    return {
        "index": index,
        "activation": layer.activation,
        "inputs": layer.inputs,
        "units": layer.units,
        "params": layer.inputs * layer.units + layer.units,
        "connections": layer.connections + layer.units,
        "weights": [[_frac(w) for w in row] for row in layer.weights],
        "bias": [_frac(b) for b in layer.bias],
    }


def _frac(x):
    return x.numerator if x.denominator == 1 else x


def _construction_title(built: str | None, n: int) -> str | None:
    return {
        None: None,
        "sop": f"Sum of products on {n} inputs: one AND unit per true row, a linear OR",
        "xor-sop": f"XOR of {n} inputs as a sum of products (2^{n - 1} AND units)",
        "xor-tree": f"XOR of {n} inputs as a tree of XOR-of-two gadgets",
    }[built]
