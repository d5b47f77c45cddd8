"""``net``: networks with given weights on whole domains (exercises S and T).

Every expectation is computed here independently: truth tables by brute force in plain Python,
forward passes with exact fractions, parameter counts from the layer sizes.
"""

from __future__ import annotations

import itertools
import json
import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

TABLE_S = "00110:1 01011:1 01100:1 10001:1 10111:1 11001:1 11110:0 00000:0 11100:0 11011:0"
STUDENT_S = (
    "(not x1 and not x2 and x3 and x4 and not x5) or (not x1 and x2 and not x3 and x4 and x5)"
    " or (not x1 and x2 and x3 and not x4 and not x5) or (x1 and not x2 and not x3 and not x4"
    " and x5) or (x1 and not x2 and x3 and x4 and x5) or (not x1 and x2 and not x3 and not x4"
    " and x5)"
)


def run_json(cli, *args):
    code, out, err = cli("net", *args, "--json")
    assert code == 0, err
    return json.loads(out)


def brute_forward(layers, x):
    """y of one input row, with exact fractions (step(0) = 1, sign(0) = 0)."""
    a = [Fraction(v) for v in x]
    for layer in layers:
        z = [
            sum(a[i] * Fraction(layer["weights"][i][j]) for i in range(len(a)))
            + Fraction(layer["bias"][j])
            for j in range(len(layer["bias"]))
        ]
        act = layer["activation"]
        a = [
            max(v, 0)
            if act == "relu"
            else (1 if v >= 0 else 0)
            if act == "step"
            else (v > 0) - (v < 0)
            if act == "sign"
            else v
            for v in z
        ]
    return a


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
def test_xor_tree_is_xor_with_linear_connections(cli, n):
    data = run_json(cli, "--build", "xor-tree", "--inputs", str(n))
    assert data["failing_count"] == 0 and data["rows"] == 2**n
    for bits in itertools.product((0, 1), repeat=n):
        assert brute_forward(data["layers"], bits) == [sum(bits) % 2]
    assert data["depth"] == max(1, math.ceil(math.log2(n))) + 1
    assert data["connections"] <= 8 * n  # O(n): a gadget is 2 units of at most 4 connections


def test_tree_grows_linearly_sop_exponentially(cli):
    tree = [
        run_json(cli, "--build", "xor-tree", "--inputs", str(n))["connections"] for n in (4, 8, 16)
    ]
    sop = [run_json(cli, "--build", "xor-sop", "--inputs", str(n))["params"] for n in (4, 8, 12)]
    assert tree[2] - tree[1] <= 2 * (tree[1] - tree[0]) + 8  # linear: equal steps per doubling
    assert sop[2] > 10 * sop[1]  # exponential: (n + 2)·2ⁿ⁻¹ + 1


@pytest.mark.parametrize("n", [2, 3, 6])
def test_xor_sop_counts(cli, n):
    data = run_json(cli, "--build", "xor-sop", "--inputs", str(n))
    m = 2 ** (n - 1)  # one AND unit per odd row
    assert data["failing_count"] == 0
    assert data["params"] == (n * m + m) + (m + 1)
    assert data["width"] == m and data["depth"] == 2


def test_exercise_s_student_formula_fails_on_row_11001(cli):
    data = run_json(cli, "--build", "sop", "--target", STUDENT_S, "--table", TABLE_S)
    assert data["failing_count"] == 1
    assert data["failing_rows"] == [[1, 1, 0, 0, 1]]


def test_exercise_s_sop_from_the_table_is_right(cli):
    data = run_json(cli, "--build", "sop", "--table", TABLE_S)
    assert data["failing_count"] == 0 and data["width"] == 6
    for token in TABLE_S.split():
        bits, out = token.split(":")
        assert brute_forward(data["layers"], [int(b) for b in bits]) == [int(out)]


def integer_grid(k: int, n: int = 3):
    return list(itertools.product(range(-k, k + 1), repeat=n))


@pytest.mark.parametrize(("lam", "right"), [("1", True), ("0.5", True), ("1.5", False)])
def test_exercise_t_argmax_only_for_lambda_up_to_one(cli, tmp_path, lam, right):
    # y_i = relu(x_i - max + lam): write the max of three as a 4-layer ReLU net directly
    net = tmp_path / "max3.toml"
    net.write_text(_max3_toml(lam), encoding="utf-8")
    data = run_json(cli, str(net), "--domain", "integers:3", "--target", "argmax")
    lam_f = Fraction(lam)
    brute = sum(
        1
        for x in integer_grid(3)
        if [xi - max(x) + lam_f > 0 for xi in x] != [xi == max(x) for xi in x]
    )
    assert data["failing_count"] == brute
    assert (brute == 0) == right


def _max3_toml(lam: str) -> str:
    """max(a, b) = relu(a − b) + b with b = relu(b) − relu(−b); then max(m, c); then the outputs."""
    return f"""
[[layer]]  # a−b, b⁺, b⁻, c⁺, c⁻, a⁺, a⁻
activation = "relu"
weights = [[1, 0, 0, 0, 0, 1, -1], [-1, 1, -1, 0, 0, 0, 0], [0, 0, 0, 1, -1, 0, 0]]
bias = [0, 0, 0, 0, 0, 0, 0]
[[layer]]  # m = relu(a−b) + b⁺ − b⁻ passed as m⁺, m⁻; m − c; c⁺, c⁻; a⁺, a⁻; b⁺, b⁻
activation = "relu"
weights = [
  [1, -1, 1, 0, 0, 0, 0, 0, 0],
  [1, -1, 1, 0, 0, 0, 0, 1, 0],
  [-1, 1, -1, 0, 0, 0, 0, 0, 1],
  [0, 0, -1, 1, 0, 0, 0, 0, 0],
  [0, 0, 1, 0, 1, 0, 0, 0, 0],
  [0, 0, 0, 0, 0, 1, 0, 0, 0],
  [0, 0, 0, 0, 0, 0, 1, 0, 0],
]
bias = [0, 0, 0, 0, 0, 0, 0, 0, 0]
[[layer]]  # y_i = relu(x_i − max(m, c) + λ), max(m, c) = relu(m − c) + c
activation = "relu"
weights = [
  [0, 0, 0],
  [0, 0, 0],
  [-1, -1, -1],
  [-1, -1, 0],
  [1, 1, 0],
  [1, 0, 0],
  [-1, 0, 0],
  [0, 1, 0],
  [0, -1, 0],
]
bias = [{lam}, {lam}, {lam}]
"""


def test_max3_fixture_computes_the_maximum():
    """The hand-written net above really computes relu(xᵢ − max + λ) (checked by brute force)."""
    import tomllib

    layers = tomllib.loads(_max3_toml("1"))["layer"]
    for x in integer_grid(2):
        y = brute_forward(layers, x)
        assert y == [max(xi - max(x) + 1, 0) for xi in x]


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(
                st.tuples(
                    st.sampled_from(["relu", "step", "sign", "linear"]),
                    st.integers(1, 4),
                    st.lists(st.integers(-3, 3), min_size=16, max_size=16),
                    st.lists(
                        st.sampled_from([-1, Fraction(1, 3), 0, Fraction(1, 2), 2]),
                        min_size=4,
                        max_size=4,
                    ),
                ),
                min_size=1,
                max_size=3,
            ),
        )
    )
)
def test_forward_matches_exact_brute_force(case):
    n, spec = case
    import numpy as np

    from hwcheck.families.net.network import NetLayer, forward

    layers, width = [], n
    for act, units, ws, bs in spec:
        w = tuple(
            tuple(Fraction(ws[(i * units + j) % 16]) for j in range(units)) for i in range(width)
        )
        layers.append(NetLayer(act, w, tuple(Fraction(bs[j % 4]) for j in range(units))))
        width = units
    rows = [list(r) for r in itertools.product((-1, 0, 1), repeat=n)]
    y = forward(layers, np.array(rows, dtype=float))
    as_dicts = [
        {"activation": ly.activation, "weights": ly.weights, "bias": ly.bias} for ly in layers
    ]
    for row, got in zip(rows, y, strict=True):
        assert [float(v) for v in brute_forward(as_dicts, row)] == pytest.approx(list(got))


def test_mlp_of_exercise_q_has_661_parameters(cli, tmp_path):
    sizes = [20, 10, 10, 10, 10, 10, 1]
    text = "".join(
        f'[[layer]]\nactivation = "relu"\nweights = {[[0] * b for _ in range(a)]}\n'
        f"bias = {[0] * b}\n"
        for a, b in itertools.pairwise(sizes)
    )
    net = tmp_path / "mlp.toml"
    net.write_text(text, encoding="utf-8")
    data = run_json(cli, str(net), "--points", "0 " * 19 + "0")
    assert data["params"] == sum(a * b + b for a, b in itertools.pairwise(sizes)) == 661


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--layer", "relu | 1 1; 1 1 | 0", "--target", "x1"], "bias has 1 entries"),
        (["--layer", "relu | 1 1; 1 1", "--layer", "linear | 1; 1; 1"], "layers[1]"),
        (["--layer", "relux | 1; 1"], "unknown activation"),
        (["--build", "xor-tree", "--inputs", "30"], "2^30"),
        (["--layer", "relu | 1; 1", "--domain", "integers:2000"], "rows; at most"),
        (["--build", "xor-tree", "--inputs", "8", "--target", "x9"], "x9 is not an input"),
        (["--layer", "relu | 1; 1", "--target", "x1 and or x2"], "unexpected"),
        (["--layer", "relu | 1; 1", "--domain", "reals"], "unknown domain"),
    ],
)
def test_bad_input_is_one_line_naming_the_place(cli, args, message):
    code, _out, err = cli("net", *args)
    assert code == 2 and message in err and "Traceback" not in err


def test_boolean_grammar_operators_agree():
    import numpy as np

    from hwcheck.families.net.logic import evaluate, parse_target

    rows = np.array(list(itertools.product((0, 1), repeat=3)), dtype=bool)
    cols = [rows[:, i] for i in range(3)]
    forms = {
        "x1 and not x2 or x3": lambda a, b, c: (a and not b) or c,
        "x1 & ~x2 | x3": lambda a, b, c: (a and not b) or c,
        "xor(x1, x2, x3)": lambda a, b, c: (a + b + c) % 2 == 1,
        "x1 ^ x2 ^ x3": lambda a, b, c: (a + b + c) % 2 == 1,
        "majority(x1, x2, x3)": lambda a, b, c: a + b + c >= 2,
        "not (x1 or x2) and true": lambda a, b, c: not (a or b),
    }
    for text, reference in forms.items():
        got = evaluate(parse_target(text), cols)
        assert list(got) == [bool(reference(*map(int, r))) for r in rows], text
