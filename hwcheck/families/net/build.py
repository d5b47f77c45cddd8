"""The textbook constructions, built on request (exercise S).

- ``sop``: any boolean function on {0,1}ⁿ as a 2-layer ReLU network, one AND unit per true row
  r (a *minterm*): h_r = relu(Σ_{rᵢ=1} xᵢ − Σ_{rᵢ=0} xᵢ − (|r| − 1)), which is 1 exactly on
  x = r and 0 elsewhere on {0,1}ⁿ; the output is the linear OR y = Σ_r h_r (one unit fires).
  Parameters (n + 2)·m + 1 for m true rows: up to O(n·2ⁿ) (XOR has m = 2ⁿ⁻¹).
- ``xor-tree``: XOR of n inputs as a balanced tree of XOR-of-two gadgets
  a ⊕ b = relu(a − b) + relu(b − a) on {0,1}: one ReLU layer per tree level, so ⌈log₂ n⌉ hidden
  layers and O(n) connections (an odd signal passes through relu(a) = a).
"""

from __future__ import annotations

from fractions import Fraction

from hwcheck.families.net.network import NetLayer

MAX_SOP_ROWS = 4096


def _layer(activation: str, columns: list[dict[int, int]], biases: list, n_in: int) -> NetLayer:
    """A layer from sparse columns (unit → {input index: weight})."""
    weights = tuple(tuple(Fraction(col.get(i, 0)) for col in columns) for i in range(n_in))
    return NetLayer(activation, weights, tuple(Fraction(b) for b in biases))


def sop(true_rows: list[tuple[int, ...]], n: int) -> list[NetLayer]:
    """Sum of products: one AND unit per true row, then a linear OR."""
    if not true_rows:  # the constant 0: one unit that never fires
        return [_layer("relu", [{}], [0], n), _layer("linear", [{0: 0}], [0], 1)]
    hidden = [{i: (1 if bit else -1) for i, bit in enumerate(row)} for row in true_rows]
    biases = [-(sum(row) - 1) for row in true_rows]
    out = [{k: 1 for k in range(len(true_rows))}]
    return [_layer("relu", hidden, biases, n), _layer("linear", out, [0], len(true_rows))]


def xor_rows(n: int) -> list[tuple[int, ...]]:
    """The rows of {0,1}ⁿ with an odd number of ones (XOR's true rows), x₁ most significant."""
    return [
        tuple((k >> (n - 1 - i)) & 1 for i in range(n)) for k in range(2**n) if (k).bit_count() % 2
    ]


def xor_tree(n: int) -> list[NetLayer]:
    """XOR of n inputs, one ReLU layer per level of a balanced tree of 2-input XORs."""
    # each signal is a linear combination {unit of the previous layer: coefficient}
    signals = [{i: 1} for i in range(n)]
    width_in, layers = n, []
    while len(signals) > 1 or not layers:
        columns: list[dict[int, int]] = []
        new_signals = []
        for k in range(0, len(signals) - 1, 2):
            a, b = signals[k], signals[k + 1]
            columns.append(_combine(a, b, -1))  # relu(a − b)
            columns.append(_combine(b, a, -1))  # relu(b − a)
            new_signals.append({len(columns) - 2: 1, len(columns) - 1: 1})
        if len(signals) % 2:
            columns.append(dict(signals[-1]))  # relu(a) = a on {0, 1}
            new_signals.append({len(columns) - 1: 1})
        layers.append(_layer("relu", columns, [0] * len(columns), width_in))
        signals, width_in = new_signals, len(columns)
    layers.append(_layer("linear", [signals[0]], [0], width_in))
    return layers


def _combine(a: dict[int, int], b: dict[int, int], sign: int) -> dict[int, int]:
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, 0) + sign * v
    return {k: v for k, v in out.items() if v}
