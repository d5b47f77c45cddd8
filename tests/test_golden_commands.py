"""Every command's table and JSON, through the command line, as golden files.

One case per command (``COMMAND_CASES``) and, for each calculator, one run with claims
(``CLAIM_CASES``): right, wrong, imprecise and fair-reading answers, so that the verdict table and
the claim JSON are reviewable diffs too. ``pytest --update-golden`` rewrites the files under
``tests/golden/commands/``. What legitimately varies (the version string) is normalised.

On top of the bytes, a semantic check per command recomputes what the document says another way
(a total is the sum of its rows, a solution solves the system, a factorisation multiplies back),
so that a golden file cannot be regenerated into a wrong answer unnoticed.
"""

from __future__ import annotations

import json
import math
import tomllib
from fractions import Fraction

import pytest

from hwcheck import __version__
from tests.conftest import ROOT

VERSION = "<version>"

#: one ordinary run of every command (argv after ``hwcheck``); paths are relative to the repository
COMMAND_CASES: dict[str, list[str]] = {
    "params": [
        "params",
        "--spec",
        "35x35x16 | conv2d filters=32 kernel=3 padding=same | maxpool2d 2 | flatten | dense 10",
    ],
    "rf": ["rf", "--spec", "32x32x1 | conv2d 1 3 | conv2d 1 3 stride=2 | maxpool2d 2"],
    "models": ["models"],
    "conv-matrix": ["conv-matrix", "--input", "3x3", "--kernel", "2x2", "--op", "conv"],
    "conv-backprop": [
        "conv-backprop",
        "--x",
        "1 2 3; 4 5 6; 7 8 9",
        "--f",
        "1 0; 0 -1",
        "--loss",
        "gap",
        "--exact",
    ],
    "conv-cost": ["conv-cost", "--size", "64"],
    "separable": ["separable", "--f", "3 6 9; 4 8 12; 5 10 15"],
    "net": [
        "net",
        "--layer",
        "relu | 1 -1; -1 1 | 0 0",
        "--layer",
        "linear | 1; 1 | 0",
        "--target",
        "xor(x1, x2)",
    ],
    "backprop": [
        "backprop",
        "--layer",
        "relu | 1 -1; 2 1 | 0 1",
        "--layer",
        "linear | 1; -1",
        "--x",
        "1 2; -1 1/2",
        "--target",
        "3; 0",
        "--loss",
        "mse",
        "--lr",
        "1/10",
    ],
    "lstsq": ["lstsq", "--X", "1 2 0; 0 1 1", "--y", "1 2"],
    "linear-collapse": ["linear-collapse", "--layers", "4"],
    "pool": [
        "pool",
        "--x",
        "1 3 2 4; 5 6 1 2; 7 2 3 0; 1 0 4 8",
        "--kind",
        "avg",
        "--kernel",
        "3",
        "--stride",
        "2",
        "--padding",
        "1",
    ],
    "attention": [
        "attention",
        "--Q",
        "1 0; 0 1",
        "--K",
        "1 0; 0 1; 1 1",
        "--V",
        "1 2; 3 4; 5 6",
        "--mask",
        "causal",
    ],
    "iou": ["iou", "--a", "0,0,4,4", "--b", "2,2,6,6"],
    "conv-size": ["conv-size", "--input", "7", "--kernel", "3", "--stride", "3"],
    "momentum": ["momentum", "--beta", "0.9", "--lr", "0.1", "--grad", "0.5", "--steps", "4"],
    "ridge": ["ridge", "--X", "1 0; 0 1; 1 1", "--y", "1 2 3", "--lam", "1"],
    "derive": [
        "derive",
        "1/2*(sigmoid(w*x + b) - t)**2 + lam/2*w**2",
        "--wrt",
        "w,b",
        "--at",
        "w=0.1,b=0,x=2,t=0,lam=0.01",
    ],
    "equiv": ["equiv", "exp(z1)/(exp(z1) + exp(z2))", "sigmoid(z1 - z2)"],
    "sgd": ["sgd", "--steps", "2"],
    "adam": ["adam", "--steps", "2"],
    "adamw": ["adamw", "--steps", "2", "--weight-decay", "0.1"],
    "rmsprop": ["rmsprop", "--steps", "2", "--momentum", "0.5"],
    "adagrad": ["adagrad", "--steps", "2"],
    "nadam": ["nadam", "--steps", "2", "--momentum-decay", "0.004"],
    "radam": ["radam", "--steps", "7", "--decoupled-weight-decay", "--weight-decay", "0.01"],
    "gd-quadratic": [
        "gd-quadratic",
        "--H",
        "2 0; 0 1",
        "--lr",
        "0.5",
        "--steps",
        "3",
        "--w0",
        "1 1",
    ],
    "check": ["check", "examples.toml", "--only", "B,E,K,O,R,S-b,U"],
    "grade": ["grade", "tests/data/grade/key.toml", "tests/data/grade/submissions"],
    "key": ["key", "tests/data/grade/draft.toml"],
    "variants": [
        "variants",
        "tests/data/variants/key.toml",
        "--roster",
        "tests/data/variants/roster.csv",
        "--seed",
        "2026",
        "--out",
        "/tmp/hwcheck-variants-golden",
    ],
}

#: the calculators once more with claims (appended to the command's case)
CLAIMS: dict[str, list[str]] = {
    "params": ["layers.0.params=4608", "output_shape=[10]", "total_params=~97.1k"],
    "rf": ["rf=7", "rf_area=49", "jump=[2, 2]"],
    "conv-matrix": ["shape=[4, 9]", "output_shape=3x3"],
    "conv-backprop": ["dL_dF=3 4; 6 7", "dL_db=1", "loss=-4", "dL_dX.0=[0.25, 0.25, 0]"],
    "conv-cost": ["direct_multiplications=16,777,216", "fft_size=64"],
    "separable": ["rank=1", "u=6 8 10", "v=0.5 1 1.5"],
    "net": ["failing_count=0", "params=9", "depth=3"],
    "backprop": [
        "loss=25/8",
        "layers.1.dL_dW=0; -25/4",
        "layers.1.dL_dz.1=-5",
        "steps.0.layers.1.W=1; -0.375",
    ],
    "lstsq": ['min_norm_solution=["-1/3", "2/3", "4/3"]', "solutions=exactly one"],
    "linear-collapse": ["W_prime=W4 W3 W2 W1", "y=x W' + b'"],
    "pool": ["output=[[5/3, 3/2], [11/9, 11/6]]", "output_shape=2x2", "fits=false"],
    "attention": ["weights.1=[0.330238, 0.669762, 0]", "output.0=[1, 2]"],
    "iou": ["iou=1/7", "intersection=4", "union=24"],
    "conv-size": ["output=2", "fits=false", "leftover=1"],
    "momentum": ["terminal_velocity=5", "factor=10", "velocities.3=1.7195"],
    "ridge": ["w=[7/8, 11/8]", "w=[0.875, 1.4]"],
    "derive": [
        "derivatives.w=(sigmoid(w*x + b) - t)*sigmoid(w*x + b)*(1 - sigmoid(w*x + b))*x + lam*w",
        "derivatives.b=(sigmoid(w*x + b) - t)*sigmoid(w*x + b)**2*(1 - sigmoid(w*x + b))",
        "derivatives.b.value=0.14",
        "value=0.151209",
    ],
    "equiv": ["verdict=equivalent"],
    "sgd": ["w(1)=0.073", "steps.0.params.b=-0.0136093", "final.w=0.0849011"],
    "adam": ["steps.0.state.exp_avg.w=0.0272186", "final.b=-0.2"],
    "adamw": ["final.w=-0.0201"],
    "rmsprop": ["steps.0.state.square_avg.w=0.000740852"],
    "adagrad": ["steps.0.state.sum.b=0.0185213"],
    "nadam": ["steps.0.state.exp_avg.w=0.0272186", "w(2)=0"],
    "radam": ["steps.0.state.exp_avg.w=0.0272186", "steps.5.state.rho_t.w=5.99416"],
    "gd-quadratic": ["lr_max=0.5", "lr_opt=2/3", "steps.2.w=[0, 0.125]"],
}
CLAIM_CASES: dict[str, list[str]] = {
    f"{name}-claims": [*COMMAND_CASES[name], *(a for c in CLAIMS[name] for a in ("--claim", c))]
    for name in CLAIMS
}
CASES = {**COMMAND_CASES, **CLAIM_CASES}
# check's case leaves out the symbolic exercises (H, L): their claims share check's time budget,
# and a golden file must not depend on the machine's load; derive and equiv have their own cases.


def strict_json(text: str):
    """The document, refusing NaN/Infinity literals (hwcheck's JSON is strict)."""

    def refuse(name):
        raise ValueError(f"non-strict JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


def normalised_json(doc: dict) -> str:
    doc = dict(doc)
    if doc.get("hwcheck") == __version__:
        doc["hwcheck"] = VERSION
    return json.dumps(doc, ensure_ascii=False) + "\n"


def normalised_text(text: str) -> str:
    return text.replace(__version__, VERSION) if __version__ else text


@pytest.fixture
def run(cli, monkeypatch):
    """``run(name, fmt)``: (exit code, stdout, stderr) of a case from the repository root."""
    monkeypatch.chdir(ROOT)

    def go(name: str, fmt: str):
        argv = CASES[name] + (["--json"] if fmt == "json" else [])
        return cli(*argv)

    return go


def test_every_command_has_a_case(cli):
    from hwcheck.core.registry import COMMANDS

    assert set(COMMAND_CASES) == set(COMMANDS), "a new command needs a golden case here"
    calculators = {name for name in COMMANDS if "--claim" in cli(name, "--help")[1]}
    assert calculators == set(CLAIMS), "every command that takes --claim needs a claims case"


@pytest.mark.parametrize("name", CASES)
def test_golden_table(name, run, golden):
    code, out, err = run(name, "table")
    assert code in (0, 1), err
    assert out.strip(), f"{name}: nothing printed"
    golden(f"commands/{name}.txt", normalised_text(out))


@pytest.mark.parametrize("name", CASES)
def test_golden_json(name, run, golden):
    code, out, err = run(name, "json")
    assert code in (0, 1), err
    assert out.count("\n") == 1 and out.endswith("\n"), "one JSON document on one line"
    doc = strict_json(out)
    assert doc["hwcheck"] == __version__
    assert doc["command"] == CASES[name][0]
    SEMANTIC.get(doc["command"], lambda doc: None)(doc)
    if name in CLAIM_CASES:
        assert [c["key"] for c in doc["claims"]] == [_claim_key(c) for c in CLAIMS[CASES[name][0]]]
        assert code == (1 if any(c["verdict"] != "correct" for c in doc["claims"]) else 0)
    golden(f"commands/{name}.json", normalised_json(doc))


def _claim_key(claim: str) -> str:
    return claim.split("=", 1)[0]


# ------------------------------------------------------------------- semantic checks


def exact(value) -> Fraction:
    return Fraction(value) if isinstance(value, str) else Fraction(value).limit_denominator(10**9)


def check_params(doc):
    layers = doc["layers"]
    assert doc["total_params"] == sum(layer["params"] for layer in layers)
    assert doc["total_macs"] == sum(layer["macs"] for layer in layers)
    assert doc["trainable_params"] + doc["non_trainable_params"] == doc["total_params"]
    assert all(layer["trainable"] + layer["non_trainable"] == layer["params"] for layer in layers)
    assert [layer["index"] for layer in layers] == list(range(len(layers)))
    assert doc["output_shape"] == layers[-1]["output_shape"]
    for value in (doc["total_params"], doc["total_macs"]):
        assert isinstance(value, int) and not isinstance(value, bool)
    # conv 3×3, 16 → 32 channels, same padding on 35×35: 3·3·16·32 + 32 weights, 35·35·32·144 MACs
    assert layers[0]["params"] == 3 * 3 * 16 * 32 + 32
    assert layers[0]["macs"] == 35 * 35 * 32 * 3 * 3 * 16


def check_rf(doc):
    assert doc["rf_area"] == math.prod(doc["rf"])
    # r_l = r_{l-1} + (k_l - 1)·j_{l-1}, j_l = j_{l-1}·s_l (Araujo et al.), from r = j = 1
    rf, jump = [1, 1], [1, 1]
    for layer in doc["layers"]:
        rf = [
            r + (d * (k - 1)) * j
            for r, k, d, j in zip(rf, layer["kernel"], layer["dilation"], jump, strict=True)
        ]
        jump = [j * s for j, s in zip(jump, layer["stride"], strict=True)]
        assert layer["rf"] == rf and layer["jump"] == jump
    assert doc["rf"] == rf and doc["jump"] == jump


def check_models(doc):
    names = [m["name"] for m in doc["models"]]
    assert len(names) == len(set(names))
    assert all(isinstance(m["total_params"], int) for m in doc["models"])


def check_conv_matrix(doc):
    rows, cols = doc["shape"]
    assert len(doc["matrix"]) == rows and all(len(r) == cols for r in doc["matrix"])
    assert rows == math.prod(doc["output_shape"]) and cols == math.prod(doc["input_shape"])
    # every output position sees each kernel entry at most once
    for row in doc["matrix"]:
        named = [e for e in row if e != 0]
        assert len(named) == len(set(named)) <= math.prod(doc["kernel_shape"])


def check_conv_backprop(doc):
    # recompute the forward pass: cross-correlation of X with F (both from the case)
    x = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    f = [[1, 0], [0, -1]]
    out = [
        [sum(x[i + a][j + b] * f[a][b] for a in range(2) for b in range(2)) for j in range(2)]
        for i in range(2)
    ]
    assert [[exact(v) for v in row] for row in doc["output"]] == out
    # gap: L = mean(O); dL/dF[a][b] = mean over positions of X[i+a][j+b]
    dF = [
        [Fraction(sum(x[i + a][j + b] for i in range(2) for j in range(2)), 4) for b in range(2)]
        for a in range(2)
    ]
    assert [[exact(v) for v in row] for row in doc["dL_dF"]] == dF
    assert exact(doc["loss"]) == Fraction(sum(map(sum, out)), 4)
    assert exact(doc["gradcheck_max_abs_err"]) == 0


def check_conv_cost(doc):
    n, k = doc["size"], doc["kernel"]
    assert doc["direct_multiplications"] == n * n * k * k
    assert doc["output_size"] == n + k - 1
    size = doc["fft_size"]
    assert size >= doc["output_size"] and size & (size - 1) == 0 and size // 2 < doc["output_size"]


def check_separable(doc):
    u, v = [exact(e) for e in doc["u"]], [exact(e) for e in doc["v"]]
    assert [[a * b for b in v] for a in u] == [[exact(e) for e in row] for row in doc["kernel"]]
    kh, kw = doc["kernel_shape"]
    assert doc["multiplications_direct"] == kh * kw
    assert doc["multiplications_separable"] == kh + kw


def check_net(doc):
    layers = doc["layers"]
    assert doc["params"] == sum(layer["params"] for layer in layers)
    assert doc["connections"] == sum(layer["connections"] for layer in layers)
    assert doc["depth"] == len(layers)
    assert all(layer["params"] == (layer["inputs"] + 1) * layer["units"] for layer in layers)
    assert doc["failing_count"] == len(doc["failing_rows"])
    assert doc["rows"] == 2 ** doc["inputs"]
    # run the network on every binary row: xor
    for row in range(doc["rows"]):
        a = [(row >> (doc["inputs"] - 1 - i)) & 1 for i in range(doc["inputs"])]
        for layer in layers:
            z = [
                sum(a[i] * exact(layer["weights"][i][u]) for i in range(len(a)))
                + exact(layer["bias"][u])
                for u in range(layer["units"])
            ]
            a = [max(v, 0) for v in z] if layer["activation"] == "relu" else z
        assert a == [row.bit_count() % 2]


def check_lstsq(doc):
    X = [[1, 2, 0], [0, 1, 1]]
    y = [1, 2]
    w = [exact(e) for e in doc["min_norm_solution"]]
    assert [sum(a * b for a, b in zip(row, w, strict=True)) for row in X] == y
    for direction in doc["null_space"]:  # the minimum-norm solution is orthogonal to the null space
        d = [exact(e) for e in direction]
        assert [sum(a * b for a, b in zip(row, d, strict=True)) for row in X] == [0, 0]
        assert sum(a * b for a, b in zip(w, d, strict=True)) == 0
    assert doc["solution_dimension"] == doc["shape"][1] - doc["rank_X"] == len(doc["null_space"])


def check_linear_collapse(doc):
    m = doc["layers"]
    assert doc["W_prime"] == "·".join(f"W{i}" for i in range(1, m + 1))
    terms = ["·".join([f"b{i}", *(f"W{j}" for j in range(i + 1, m + 1))]) for i in range(1, m + 1)]
    assert doc["b_prime"] == " + ".join(terms)
    assert doc["y"] == f"x·{doc['W_prime']} + {doc['b_prime']}"


def check_derive(doc):
    point = doc.get("at") or {}
    if not point:
        return

    def loss(w, b):  # the case's expression, written out again
        x, t, lam = point["x"], point["t"], point["lam"]
        y = 1 / (1 + math.exp(-(w * x + b)))
        return 0.5 * (y - t) ** 2 + lam / 2 * w**2

    w, b, h = point["w"], point["b"], 1e-6
    assert doc["value"] == pytest.approx(loss(w, b), rel=1e-12)
    dw = (loss(w + h, b) - loss(w - h, b)) / (2 * h)
    db = (loss(w, b + h) - loss(w, b - h)) / (2 * h)
    assert doc["derivatives"]["w"]["value"] == pytest.approx(dw, rel=1e-7)
    assert doc["derivatives"]["b"]["value"] == pytest.approx(db, rel=1e-7)


def check_equiv(doc):
    assert doc["verdict"] == "equivalent"
    for z1, z2 in [(0.3, -1.2), (2.0, 5.0), (-4.0, 1.0)]:
        softmax = math.exp(z1) / (math.exp(z1) + math.exp(z2))
        assert softmax == pytest.approx(1 / (1 + math.exp(-(z1 - z2))), rel=1e-12)


def check_optimizer(doc):
    steps = doc["steps"]
    assert [s["t"] for s in steps] == list(range(1, len(steps) + 1))
    assert doc["final"] == steps[-1]["params"]
    if doc["command"] == "sgd" and doc["hyper"]["momentum"] == 0:  # plain SGD: w ← w − lr·g
        lr, before = doc["hyper"]["lr"], doc["problem"]["init"]
        for step in steps:
            for name, value in step["params"].items():
                assert value == pytest.approx(before[name] - lr * step["grad"][name], rel=1e-12)
            before = step["params"]


def check_gd_quadratic(doc):
    eigenvalues = doc["eigenvalues"]
    assert doc["lr_max"] == pytest.approx(2 / max(eigenvalues))
    assert doc["lr_opt"] == pytest.approx(2 / (min(eigenvalues) + max(eigenvalues)))
    w = doc["w0"]  # H = diag(2, 1): w ← (I − lr·H) w, coordinate by coordinate
    for step in doc["steps"]:
        w = [(1 - doc["lr"] * h) * wi for h, wi in zip((2, 1), w, strict=True)]
        assert step["w"] == pytest.approx(w)


def check_check(doc):
    exercises = doc["exercises"]
    assert doc["passed"] + doc["failed"] == len(exercises)
    assert doc["passed"] == sum(e["ok"] for e in exercises)
    assert all(e["ok"] == all(c["verdict"] == "correct" for c in e["claims"]) for e in exercises)
    assert doc["score"] == pytest.approx(sum(e["score"] for e in exercises))


def check_grade(doc):
    for student in doc["students"]:
        if "error" in student:
            assert student["score"] == 0
            continue
        claims = student["claims"]
        assert student["score"] == pytest.approx(sum(c["awarded"] for c in claims))
        assert student["max"] == pytest.approx(sum(c["points"] for c in claims)) == doc["max"]
        assert all(
            c["awarded"] == (c["points"] if c["verdict"] == "correct" else 0)
            for c in claims
            if c["verdict"] in ("correct", "wrong", "missing")
        )
    graded = [s for s in doc["students"] if "error" not in s]
    for row in doc["summary"]:
        verdicts = [
            c["verdict"]
            for s in graded
            for c in s["claims"]
            if (c["exercise"], c["key"]) == (row["exercise"], row["key"])
        ]
        assert row["correct_share"] == pytest.approx(verdicts.count("correct") / len(verdicts))


def check_key(doc):
    key = tomllib.loads(doc["toml"])
    assert [(e["id"], len(e["claims"])) for e in key["exercise"]] == [
        (e["id"], e["claims"]) for e in doc["exercises"]
    ]
    assert all(v != "?" for e in key["exercise"] for v in e["claims"].values())
    b = next(e for e in key["exercise"] if e["id"] == "B")
    assert b["claims"]["total_params"] == 3 * 3 * 16 * 32 + 32


def check_pool(doc):
    # avg, kernel 3, stride 2, padding 1 on 4×4, count_include_pad: every window divides by 9
    x = [[1, 3, 2, 4], [5, 6, 1, 2], [7, 2, 3, 0], [1, 0, 4, 8]]
    padded = [[0] * 6] + [[0, *row, 0] for row in x] + [[0] * 6]
    for i, row in enumerate(doc["output"]):
        for j, value in enumerate(row):
            window = [padded[2 * i + a][2 * j + b] for a in range(3) for b in range(3)]
            assert exact(value) == Fraction(sum(window), 9)


def check_attention(doc):
    for weights in doc["weights"]:
        assert math.isclose(sum(weights), 1.0, rel_tol=1e-12)
    assert doc["weights"][0][1:] == [0, 0]  # causal: the first query sees the first key only


def check_iou(doc):
    assert exact(doc["union"]) == exact(doc["area_a"]) + exact(doc["area_b"]) - exact(
        doc["intersection"]
    )
    assert exact(doc["iou"]) == exact(doc["intersection"]) / exact(doc["union"])


def check_conv_size(doc):
    starts = range(0, doc["input"] + 2 * doc["padding"] - doc["kernel"] + 1, doc["stride"])
    assert doc["output"] == len(starts)  # every window that fits, counted one by one
    covered = max(starts) + doc["kernel"]
    assert doc["leftover"] == doc["input"] + 2 * doc["padding"] - covered


def check_momentum(doc):
    b = 0
    for t, v in enumerate(doc["velocities"], 1):
        b = exact(doc["grad"]) if t == 1 else exact(doc["beta"]) * b + exact(doc["grad"])
        assert exact(v) == b
    assert exact(doc["terminal_velocity"]) == exact(doc["grad"]) / (1 - exact(doc["beta"]))


def check_ridge(doc):
    X, y, lam = [[1, 0], [0, 1], [1, 1]], [1, 2, 3], 1
    w = [exact(v) for v in doc["w"]]
    residual = [sum(a * b for a, b in zip(row, w)) - t for row, t in zip(X, y)]
    gradient = [sum(X[r][j] * residual[r] for r in range(3)) + lam * w[j] for j in range(2)]
    assert gradient == [0, 0]


def check_backprop(doc):
    """∂L/∂W = a_prevᵀ·δ and ∂L/∂b = Σ δ per layer; the step is W − η·∂L/∂W."""
    previous = [[exact(v) for v in row] for row in doc["x"]]
    lr = exact(doc["lr"])
    for layer, step in zip(doc["layers"], doc["steps"][0]["layers"], strict=True):
        delta = [[exact(v) for v in row] for row in layer["dL_dz"]]
        dw = [
            [
                sum(previous[n][i] * delta[n][j] for n in range(len(delta)))
                for j in range(len(delta[0]))
            ]
            for i in range(len(previous[0]))
        ]
        assert dw == [[exact(v) for v in row] for row in layer["dL_dW"]]
        assert [sum(col) for col in zip(*delta)] == [exact(v) for v in layer["dL_db"]]
        new = [[exact(w) - lr * g for w, g in zip(r, gr)] for r, gr in zip(layer["W"], dw)]
        assert new == [[exact(v) for v in row] for row in step["W"]]
        previous = [[exact(v) for v in row] for row in layer["a"]]


SEMANTIC = {
    "backprop": check_backprop,
    "params": check_params,
    "rf": check_rf,
    "models": check_models,
    "conv-matrix": check_conv_matrix,
    "conv-backprop": check_conv_backprop,
    "conv-cost": check_conv_cost,
    "separable": check_separable,
    "net": check_net,
    "lstsq": check_lstsq,
    "linear-collapse": check_linear_collapse,
    "pool": check_pool,
    "attention": check_attention,
    "iou": check_iou,
    "conv-size": check_conv_size,
    "momentum": check_momentum,
    "ridge": check_ridge,
    "derive": check_derive,
    "equiv": check_equiv,
    "sgd": check_optimizer,
    "adam": check_optimizer,
    "adamw": check_optimizer,
    "rmsprop": check_optimizer,
    "adagrad": check_optimizer,
    "nadam": check_optimizer,
    "radam": check_optimizer,
    "gd-quadratic": check_gd_quadratic,
    "check": check_check,
    "grade": check_grade,
    "key": check_key,
}
