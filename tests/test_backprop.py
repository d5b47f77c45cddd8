"""``backprop``: dense layers, computational graphs and backprop through time.

References:
- Matt Mazur, "A Step by Step Backpropagation Example" (2015),
  https://mattmazur.com/2015/03/17/a-step-by-step-backpropagation-example/ — a 2-2-2 sigmoid
  network, E_total = 0.298371109, w5⁺ = 0.35891648, w1⁺ = 0.149780716 after one step, η = 0.5.
- CS231n, "Backpropagation, Intuitions", https://cs231n.github.io/optimization-2/ — the
  circuit f = (x + y)·z at x = −2, y = 5, z = −4 (gradients −4, −4, 3) and the sigmoid neuron
  1/(1 + e^−(w0·x0 + w1·x1 + w2)) at w = [2, −3, −3], x = [−1, −2] (∂f/∂w ≈ [−0.20, −0.39, 0.20],
  ∂f/∂x ≈ [0.39, −0.59]).
- torch autograd (float64) on random networks, finite differences, and ``derive --at``.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hwcheck

MAZUR = [
    "--layer",
    "sigmoid | 0.15 0.25; 0.2 0.3 | 0.35 0.35",
    "--layer",
    "sigmoid | 0.4 0.5; 0.45 0.55 | 0.6 0.6",
    "--x",
    "0.05 0.1",
    "--target",
    "0.01 0.99",
    "--lr",
    "0.5",
]


def run_json(cli, *args):
    code, out, err = cli("backprop", *args, "--json")
    assert code in (0, 1), err
    return json.loads(out)


# ------------------------------------------------------------------ a published worked example


def test_mazur_step_by_step_example(cli):
    doc = run_json(cli, *MAZUR)
    assert doc["loss"] == pytest.approx(0.298371109, abs=1e-9)
    hidden, out = doc["layers"]
    assert hidden["a"][0] == pytest.approx([0.593269992, 0.596884378], abs=1e-9)
    assert out["a"][0] == pytest.approx([0.75136507, 0.772928465], abs=1e-8)
    # Mazur's w5 (h1 → o1) is W⁽²⁾[0][0]: ∂E/∂w5 = 0.082167041
    assert out["dL_dW"][0][0] == pytest.approx(0.082167041, abs=1e-9)
    assert hidden["dL_dW"][0][0] == pytest.approx(0.000438568, abs=1e-9)  # ∂E/∂w1
    # ∂out/∂net: 0.186815602 for o1, 0.241300709 for h1; ∂E_total/∂out_h1 = 0.036350306
    assert out["df_dz"][0][0] == pytest.approx(0.186815602, abs=1e-9)
    assert hidden["df_dz"][0][0] == pytest.approx(0.241300709, abs=1e-9)
    assert hidden["dL_da"][0][0] == pytest.approx(0.036350306, abs=1e-9)
    w1, w2 = doc["steps"][0]["layers"][0]["W"], doc["steps"][0]["layers"][1]["W"]
    # w1⁺ … w4⁺ and w5⁺ … w8⁺ (W is inputs × units: w5, w7 in row 0; w6, w8 in row 1)
    assert [w1[0][0], w1[1][0], w1[0][1], w1[1][1]] == pytest.approx(
        [0.149780716, 0.19956143, 0.24975114, 0.29950229], abs=1e-8
    )
    assert [w2[0][0], w2[1][0], w2[0][1], w2[1][1]] == pytest.approx(
        [0.35891648, 0.408666186, 0.511301270, 0.561370121], abs=1e-8
    )
    assert doc["exact"] is False


def test_cs231n_circuit_and_sigmoid_neuron(cli):
    doc = run_json(cli, "(x + y)*z", "--at", "x=-2,y=5,z=-4")
    assert doc["value"] == -12
    assert doc["grads"] == {"x": -4, "y": -4, "z": 3}
    assert [n["op"] for n in doc["nodes"]] == ["+", "·"]
    doc = run_json(
        cli, "1/(1 + exp(-(w0*x0 + w1*x1 + w2)))", "--at", "w0=2,x0=-1,w1=-3,x1=-2,w2=-3"
    )
    g = doc["grads"]
    assert doc["value"] == pytest.approx(0.73, abs=0.005)
    assert [g["w0"], g["w1"], g["w2"]] == pytest.approx([-0.20, -0.39, 0.20], abs=0.005)
    assert [g["x0"], g["x1"]] == pytest.approx([0.39, -0.59], abs=0.005)
    assert "1/x" in [n["op"] for n in doc["nodes"]] and "exp" in [n["op"] for n in doc["nodes"]]


# --------------------------------------------------------------------- exact arithmetic


def test_exact_when_piecewise_linear_and_squared_error(cli):
    doc = run_json(
        cli,
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
        "--steps",
        "2",
    )
    assert doc["exact"] is True
    # by hand: z1 = [5, 2; 0, 5/2], a1 = z1 (row 2: relu(0) = 0), y = [3; -5/2]
    assert doc["layers"][0]["z"] == [[5, 2], [0, "5/2"]]
    assert doc["layers"][1]["a"] == [[3], ["-5/2"]]
    assert doc["loss"] == "25/8"  # ((3 − 3)² + (−5/2)²)/2
    assert doc["layers"][1]["dL_dz"] == [[0], ["-5/2"]]  # 2(y − t)/N
    assert doc["layers"][1]["dL_dW"] == [[0], ["-25/4"]]  # a1ᵀ·δ
    assert len(doc["steps"]) == 2 and doc["steps"][1]["t"] == 2


# ---------------------------------------------------------------------- torch autograd


def _torch_reference(acts, weights, biases, x, t, loss, reduction, slope, lr):
    torch = pytest.importorskip("torch")
    ws = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in weights]
    bs = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in biases]
    a = torch.tensor(x, dtype=torch.float64)
    zs, as_ = [], []
    for act, w, b in zip(acts, ws, bs, strict=True):
        z = a @ w + b
        z.retain_grad()
        a = {
            "linear": lambda v: v,
            "relu": torch.relu,
            "leaky_relu": lambda v: torch.nn.functional.leaky_relu(v, slope),
            "sigmoid": torch.sigmoid,
            "tanh": torch.tanh,
            "softmax": lambda v: torch.softmax(v, dim=1),
        }[act](z)
        zs.append(z)
        as_.append(a)
    target = torch.tensor(t, dtype=torch.float64)
    n = len(x)
    if loss == "half_sse":
        value = 0.5 * ((a - target) ** 2).sum() / (n if reduction == "mean" else 1)
    elif loss == "mse":
        value = torch.nn.functional.mse_loss(a, target, reduction=reduction)
    elif loss == "bce":
        value = torch.nn.functional.binary_cross_entropy(a, target, reduction=reduction)
    else:
        value = torch.nn.functional.cross_entropy(zs[-1], target, reduction=reduction)
    value.backward()
    updated = [(w - lr * w.grad).tolist() for w in ws], [(b - lr * b.grad).tolist() for b in bs]
    return value.item(), zs, as_, ws, bs, updated


def _floats(v):
    if isinstance(v, list):
        return [_floats(x) for x in v]
    return float(Fraction(v)) if isinstance(v, str) else float(v)


def _close(ours, theirs, rel=1e-9):
    assert _flat(_floats(ours)) == pytest.approx(_flat(theirs), rel=rel, abs=1e-12)


numbers = st.integers(-8, 8).map(lambda k: Fraction(k, 4))


@st.composite
def networks(draw):
    loss = draw(st.sampled_from(["half_sse", "mse", "bce", "ce"]))
    depth = draw(st.integers(1, 3))
    sizes = [draw(st.integers(1, 3)) for _ in range(depth + 1)]
    hidden = ["linear", "relu", "leaky_relu", "sigmoid", "tanh"]
    acts = [draw(st.sampled_from(hidden)) for _ in range(depth - 1)]
    last = {"bce": "sigmoid", "ce": "softmax"}.get(loss) or draw(st.sampled_from(hidden))
    if loss == "ce":
        sizes[-1] = max(sizes[-1], 2)
    acts.append(last)
    weights = [
        [[draw(numbers) for _ in range(sizes[i + 1])] for _ in range(sizes[i])]
        for i in range(depth)
    ]
    biases = [[draw(numbers) for _ in range(sizes[i + 1])] for i in range(depth)]
    n = draw(st.integers(1, 3))
    x = [[draw(numbers) for _ in range(sizes[0])] for _ in range(n)]
    if loss == "ce":
        classes = [draw(st.integers(0, sizes[-1] - 1)) for _ in range(n)]  # one per sample
        t = [[1 if j == k else 0 for j in range(sizes[-1])] for k in classes]
    elif loss == "bce":
        t = [[draw(st.sampled_from([0, 1])) for _ in range(sizes[-1])] for _ in range(n)]
    else:
        t = [[draw(numbers) for _ in range(sizes[-1])] for _ in range(n)]
    reduction = draw(st.sampled_from(["mean", "sum"]))
    return acts, weights, biases, x, t, loss, reduction


def _text(m):
    return "; ".join(" ".join(str(v) for v in row) for row in m)


@settings(max_examples=40, deadline=None)
@given(networks())
def test_every_quantity_matches_torch_autograd(case):
    acts, weights, biases, x, t, loss, reduction = case
    layers = [
        f"{a} | {_text(w)} | {' '.join(str(v) for v in b)}"
        for a, w, b in zip(acts, weights, biases, strict=True)
    ]
    r = hwcheck.backprop(
        layer=layers, x=_text(x), target=_text(t), loss=loss, reduction=reduction, lr="1/2"
    )
    doc = r.to_json()
    fw = [[[float(v) for v in row] for row in w] for w in weights]
    fb = [[float(v) for v in b] for b in biases]
    fx = [[float(v) for v in row] for row in x]
    ft = [[float(v) for v in row] for row in t]
    value, zs, as_, ws, bs, updated = _torch_reference(
        acts, fw, fb, fx, ft, loss, reduction, 0.01, 0.5
    )
    _close(doc["loss"], value)
    for i, layer in enumerate(doc["layers"]):
        _close(layer["z"], zs[i].tolist())
        _close(layer["a"], as_[i].tolist())
        _close(layer["dL_dz"], zs[i].grad.tolist())
        _close(layer["dL_dW"], ws[i].grad.tolist())
        _close(layer["dL_db"], bs[i].grad.tolist())
        _close(doc["steps"][0]["layers"][i]["W"], updated[0][i])
        _close(doc["steps"][0]["layers"][i]["b"], updated[1][i])
    if doc["exact"]:  # fractions against float64 torch
        assert all(isinstance(v, (int, str)) for v in _flat(doc["layers"][0]["dL_dW"]))


def _flat(v):
    return [y for x in v for y in _flat(x)] if isinstance(v, list) else [v]


def test_exact_fractions_are_the_rationals_torch_rounds(cli):
    """Fractions against float64 torch within 1e-12 relative."""
    pytest.importorskip("torch")
    acts = ["leaky_relu", "linear"]
    weights = [[[Fraction(1, 3), Fraction(-2, 7)], [Fraction(5, 11), 1]], [[2], [Fraction(-1, 9)]]]
    biases = [[Fraction(1, 5), Fraction(-3, 4)], [Fraction(1, 6)]]
    x, t = [[Fraction(-1, 2), 3], [2, Fraction(1, 7)]], [[1], [Fraction(-2, 3)]]
    r = hwcheck.backprop(
        layer=[
            f"{a} | {_text(w)} | {' '.join(map(str, b))}"
            for a, w, b in zip(acts, weights, biases, strict=True)
        ],
        x=_text(x),
        target=_text(t),
        slope="1/10",
        lr="1/3",
    ).to_json()
    assert r["exact"] is True
    fl = lambda m: [[float(v) for v in row] for row in m]
    _, zs, _, ws, _, updated = _torch_reference(
        acts,
        [fl(w) for w in weights],
        [[float(v) for v in b] for b in biases],
        fl(x),
        fl(t),
        "half_sse",
        "mean",
        0.1,
        1 / 3,
    )
    for i in range(2):
        _close(r["layers"][i]["dL_dW"], ws[i].grad.tolist(), rel=1e-12)
        _close(r["layers"][i]["dL_dz"], zs[i].grad.tolist(), rel=1e-12)
        _close(r["steps"][0]["layers"][i]["W"], updated[0][i], rel=1e-12)


# -------------------------------------------------------------------------------- graphs


def _derive_values(expr, at):
    d = hwcheck.derive(expr, at=at).to_json()["derivatives"]
    return {k: _floats(v["value"]) for k, v in d.items()}


@pytest.mark.parametrize(
    ("expr", "at"),
    [
        ("x*y + x*y + sigmoid(x)/y", "x=1/2,y=3"),
        ("log(1 + exp(w*x)) - t*w*x", "w=0.3,x=-2,t=1"),
        ("max(x, y)*tanh(x - y)**2 + sqrt(x*x + 1)", "x=0.7,y=-0.4"),
        ("relu(a*b - 1)/(a + 2) + x**y", "a=2,b=3,x=1.5,y=0.5"),
        ("-(t*log(sigmoid(z)) + (1 - t)*log(1 - sigmoid(z)))", "t=1,z=0.25"),
    ],
)
def test_graph_agrees_with_derive_and_finite_differences(expr, at):
    doc = hwcheck.backprop(expr, at=at).to_json()
    point = {k: float(Fraction(v)) for k, v in (p.split("=") for p in at.split(","))}
    grads = {k: _floats(v) for k, v in doc["grads"].items()}
    assert grads == pytest.approx(_derive_values(expr, at), rel=1e-9)
    h = 1e-6
    for name, v in point.items():
        up = dict(point, **{name: v + h})
        down = dict(point, **{name: v - h})
        fd = (_value(expr, up) - _value(expr, down)) / (2 * h)
        assert _floats(doc["grads"][name]) == pytest.approx(fd, rel=1e-5, abs=1e-7)


@pytest.mark.parametrize(
    ("expr", "at"),
    [
        ("max(x, y)*z", "x=2,y=2,z=3"),  # a tie: the gradient is shared, as torch.maximum does
        ("min(x, y) + x", "x=1,y=1"),
        ("lam*w**2/2", "λ=1/10,w=2"),  # λ and lam are one name, as derive reads them
        ("λ*w**2/2", "lam=1/10,w=2"),
    ],
)
def test_graph_agrees_with_derive_at_ties_and_for_lambda(expr, at):
    doc = hwcheck.backprop(expr, at=at).to_json()
    grads = {k: _floats(v) for k, v in doc["grads"].items()}
    assert grads == pytest.approx(_derive_values(expr, at), rel=1e-12)


def test_a_tie_shares_the_gradient_as_torch_does():
    torch = pytest.importorskip("torch")
    x, y = (torch.tensor(2.0, requires_grad=True) for _ in range(2))
    (torch.maximum(x, y) * 3).backward()
    doc = hwcheck.backprop("max(x, y)*z", at="x=2,y=2,z=3").to_json()
    assert [_floats(doc["grads"][k]) for k in "xy"] == [x.grad.item(), y.grad.item()]


def _value(expr, point):
    at = ",".join(f"{k}={v!r}" for k, v in point.items())
    return _floats(hwcheck.backprop(expr, at=at).to_json()["value"])


def test_graph_nodes_are_topological_and_shared(cli):
    doc = run_json(cli, "x*y + x*y", "--at", "x=2,y=3")
    ids = [n["id"] for n in doc["nodes"]]
    for n in doc["nodes"]:
        for i in n["inputs"]:
            if isinstance(i, str) and i in ids:
                assert ids.index(i) < ids.index(n["id"])
    assert len(doc["nodes"]) == 2  # x·y staged once, used twice
    assert doc["grads"] == {"x": 6, "y": 4}


def test_dot_file_text_and_svg(cli, tmp_path):
    path = tmp_path / "g.dot"
    code, _, err = cli("backprop", "(x + y)*z", "--at", "x=-2,y=5,z=-4", "--dot", str(path))
    assert code == 0, err
    text = path.read_text()
    assert text.startswith("digraph backprop") and '"var:x" -> "n1" [label="-2\\n-4"' in text
    svg = tmp_path / "g.svg"
    code, _, err = cli("backprop", "(x + y)*z", "--at", "x=-2,y=5,z=-4", "--dot", str(svg))
    import shutil

    if shutil.which("dot"):
        assert code == 0 and svg.read_text().lstrip().startswith("<?xml")
    else:
        assert code == 2 and "dot" in err and not svg.exists()


# ------------------------------------------------------------------------ through time


def test_bptt_matches_torch_autograd():
    torch = pytest.importorskip("torch")
    w_x, w_h, b = [[0.5, -0.3], [0.2, 0.8]], [[0.1, 0.4], [-0.6, 0.2]], [0.05, -0.1]
    readout, rb = [[1.0], [-0.5]], [0.2]
    xs, ts = [[1.0, 0.0], [0.5, -1.0], [-0.2, 0.3]], [[0.3], [-0.1], [0.4]]
    for mode, targets in (("every", ts), ("last", ts[-1:])):
        r = hwcheck.backprop(
            rnn=f"tanh | {_text(w_x)} | {_text(w_h)} | {' '.join(map(str, b))}",
            layer=[f"linear | {_text(readout)} | 0.2"],
            x=_text(xs),
            target=_text(targets),
            rnn_loss=mode,
            lr="0.1",
        ).to_json()
        T = torch.float64
        wx, wh, bb = (torch.tensor(v, dtype=T, requires_grad=True) for v in (w_x, w_h, b))
        wr, br = (
            torch.tensor(readout, dtype=T, requires_grad=True),
            torch.tensor(rb, dtype=T, requires_grad=True),
        )
        h, ys = torch.zeros(2, dtype=T), []
        for row in xs:
            h = torch.tanh(torch.tensor(row, dtype=T) @ wx + h @ wh + bb)
            ys.append(h @ wr + br)
        y = torch.stack(ys) if mode == "every" else ys[-1][None, :]
        loss = 0.5 * ((y - torch.tensor(targets, dtype=T)) ** 2).sum() / len(targets)
        loss.backward()
        _close(r["loss"], loss.item())
        _close(r["dL_dW_x"], wx.grad.tolist())
        _close(r["dL_dW_h"], wh.grad.tolist())
        _close(r["dL_db"], bb.grad.tolist())
        _close(r["layers"][0]["dL_dW"], wr.grad.tolist())
        _close(r["steps"][0]["cell"]["W_h"], (wh - 0.1 * wh.grad).tolist())
        assert r["rnn_loss"] == mode and len(r["time_steps"]) == 3


# ---------------------------------------------------------------------------- mistakes


BCE_NET = [
    "--layer",
    "sigmoid | 0.5 -0.5; 0.25 1 | 0 0.1",
    "--layer",
    "sigmoid | 1; -1 | 0.2",
    "--x",
    "1 2; -1 0.5",
    "--target",
    "1; 0",
    "--loss",
    "bce",
    "--lr",
    "0.5",
]
SOFTMAX_NET = [
    "--layer",
    "tanh | 0.5 -0.5; 0.25 1 | 0 0.1",
    "--layer",
    "softmax | 1 0 -1; -1 0.5 0 | 0 0 0.2",
    "--x",
    "1 2; -1 0.5",
    "--target",
    "0; 2",
    "--loss",
    "ce",
    "--lr",
    "0.5",
]


def _slipped(args, slip, key):
    from hwcheck.families.backprop.dense import Slip
    from hwcheck.families.backprop.request import BackpropRequest  # noqa: F401
    from hwcheck.families.backprop.results import computed

    r = _result(args)
    value = computed(r.problem, Slip(*slip))
    for part in key.split("."):
        value = value[int(part) if part.isdigit() else part]
    from hwcheck.core.jsonout import to_jsonable

    return to_jsonable(value)


def _result(args):
    options = {}
    layers = []
    for flag, value in zip(args[::2], args[1::2], strict=True):
        if flag == "--layer":
            layers.append(value)
        else:
            options[flag[2:]] = value
    return hwcheck.backprop(layer=layers, **options)


@pytest.mark.parametrize(
    ("args", "slip", "key", "mistake"),
    [
        (BCE_NET, ("bce_mse_derivative",), "layers.1.dL_dz", "bce_mse_derivative"),
        (BCE_NET, ("bce_mse_derivative",), "layers.0.dL_dW", "bce_mse_derivative"),
        (
            MAZUR,
            ("activation_derivative_forgotten",),
            "layers.1.dL_dz",
            "activation_derivative_forgotten",
        ),
        (
            MAZUR,
            ("activation_derivative_forgotten",),
            "layers.0.dL_dW",
            "activation_derivative_forgotten",
        ),
        (MAZUR, ("a_for_z",), "layers.1.dL_dW", "a_for_z"),
        (MAZUR, ("w_not_transposed",), "layers.0.dL_dz", "w_not_transposed"),
        (BCE_NET, ("mean_forgotten",), "layers.1.dL_dW", "mean_forgotten"),
        (BCE_NET, ("mean_forgotten",), "loss", "mean_forgotten"),
        (SOFTMAX_NET, ("softmax_diagonal",), "layers.1.dL_dz", "softmax_diagonal"),
        (SOFTMAX_NET, ("softmax_diagonal",), "steps.0.layers.0.W", "softmax_diagonal"),
        (MAZUR, ("update_sign_flipped",), "steps.0.layers.1.W", "update_sign_flipped"),
        (BCE_NET, ("update_sign_flipped",), "steps.0.layers.0.b", "update_sign_flipped"),
    ],
)
def test_a_mistake_applied_is_named(args, slip, key, mistake):
    wrong = _slipped(args, slip, key)
    [verdict] = _result(args).verify({key: wrong})
    assert verdict.verdict == "wrong"
    assert mistake in [m.id for m in verdict.mistakes]


@pytest.mark.parametrize("args", [MAZUR, BCE_NET, SOFTMAX_NET])
def test_right_answers_are_never_named(args):
    r = _result(args)
    doc = r.to_json()
    keys = ["loss", "steps.0.layers.0.W", "steps.0.layers.1.b"]
    keys += [f"layers.{i}.{q}" for i in range(2) for q in ("z", "a", "dL_dz", "dL_dW", "dL_db")]
    for key in keys:
        value = doc
        for part in key.split("."):
            value = value[int(part) if part.isdigit() else part]
        [verdict] = r.verify({key: value})
        assert verdict.verdict == "correct" and not verdict.mistakes, key


def test_every_backprop_mistake_is_in_the_catalogue():
    from hwcheck.claims.diagnose import for_command

    ids = {m.id for m in for_command("backprop")}
    assert ids >= {
        "bce_mse_derivative",
        "activation_derivative_forgotten",
        "a_for_z",
        "w_not_transposed",
        "mean_forgotten",
        "softmax_diagonal",
        "update_sign_flipped",
    }


def test_mistakes_reach_every_road(cli, tmp_path):
    """The same wrong answer by --claim and by check: the same verdict and mistake ids."""
    wrong = _slipped(MAZUR, ("update_sign_flipped",), "steps.0.layers.1.b")
    code, out, _ = cli(
        "backprop", *MAZUR, "--claim", f"steps.0.layers.1.b={json.dumps(wrong)}", "--json"
    )
    claim = json.loads(out)["claims"][0]
    assert code == 1 and [m["id"] for m in claim["mistakes"]] == ["update_sign_flipped"]
    layers = MAZUR[1:4:2]
    answers = tmp_path / "a.toml"
    answers.write_text(
        "[[exercise]]\nid = 'M'\ncommand = 'backprop'\n"
        f"layer = {json.dumps(layers)}\nx = '0.05 0.1'\ntarget = '0.01 0.99'\nlr = 0.5\n"
        f"[exercise.claims]\n'steps.0.layers.1.b' = {json.dumps(wrong)}\n"
    )
    _, out, _ = cli("check", str(answers), "--json")
    row = json.loads(out)["exercises"][0]["claims"][0]
    assert row["verdict"] == "wrong" and [m["id"] for m in row["mistakes"]] == [
        "update_sign_flipped"
    ]


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("args", "where", "what"),
    [
        (
            [
                "--layer",
                "relu | 1 2; 3 4",
                "--layer",
                "linear | 1 1 1; 2 2 2; 3 3 3",
                "--x",
                "1 1",
                "--target",
                "0 0 0",
            ],
            "layers[1]",
            "W is 3×3",
        ),
        (
            ["--layer", "relu | 1 2; 3 4", "--x", "1 1 1", "--target", "0 0"],
            "layers[0]",
            "--x has 3 columns",
        ),
        (["--layer", "sigmoid | 1; 1", "--x", "1 1", "--target", "0 0"], "--target", "1×2"),
        (
            ["--layer", "sigmoid | 1; 1", "--x", "1 1", "--target", "1.3", "--loss", "bce"],
            "--target: row 1",
            "[0, 1]",
        ),
        (
            ["--layer", "linear | 1; 1", "--x", "1 1", "--target", "1", "--loss", "bce"],
            "layers[0]",
            "bce needs outputs in [0, 1]",
        ),
        (
            ["--layer", "sigmoid | 1 1; 1 1", "--x", "1 1", "--target", "0 1", "--loss", "ce"],
            "layers[0]",
            "softmax",
        ),
        (
            ["--layer", "softmax | 1 1; 1 1", "--x", "1 1", "--target", "5", "--loss", "ce"],
            "--target: row 1",
            "class index",
        ),
        (["--layer", "relu | 1", "--x", "1", "--target", "1", "--steps", "3"], "--steps", "--lr"),
        (
            ["--layer", "swish | 1", "--x", "1", "--target", "1"],
            "--layer 1: activation",
            "unknown activation",
        ),
        (["x*y", "--at", "x=1"], "--at", "no value for 'y'"),
        (["x", "--at", "x=1,z=2"], "--at", "'z' is not a variable"),
        (["log(x)", "--at", "x=0"], "node n1 (log)", "undefined"),
        (["heaviside(x)", "--at", "x=1"], "expression", "no derivative"),
        (["x + 1", "--at", "x=1", "--dot", "g.pdf"], "--dot", ".svg or .png"),
        (["x", "--at", "x=1", "--lr", "0.1"], "--lr", "only with layers"),
        (["--layer", "relu | 1", "--x", "1", "--target", "1", "--dot", "g.dot"], "--dot", "only"),
        (
            ["--layer", "relu | 1", "--x", "1", "--target", "1", "--h0", "1"],
            "--h0",
            "only with --rnn",
        ),
        (["--rnn", "tanh | 1 | 1", "--x", "1 2", "--target", "1"], "--rnn", "--x has 2 columns"),
        (["--rnn", "tanh | 1 | 1 2", "--x", "1", "--target", "1"], "--rnn", "W_h is 1×2"),
    ],
)
def test_bad_input_is_one_line_exit_2(cli, args, where, what):
    code, out, err = cli("backprop", *args)
    assert code == 2, (out, err)
    first = err.strip().splitlines()[0]
    assert first.startswith(f"error: {where}:") and what in first, first


def test_an_expression_too_large_to_stage(cli):
    expr = " + ".join(f"x{i}*y{i}" for i in range(150))
    at = ",".join(f"x{i}=1,y{i}=2" for i in range(150))
    code, _, err = cli("backprop", expr, "--at", at)
    assert code == 2 and "too large" in err and len(err.strip().splitlines()) <= 2


def test_a_network_too_large_is_refused(cli):
    big = "; ".join(" ".join(["1"] * 300) for _ in range(300))
    code, _, err = cli(
        "backprop",
        "--layer",
        f"relu | {big}",
        "--x",
        " ".join(["1"] * 300),
        "--target",
        " ".join(["1"] * 300),
    )
    assert code == 2 and "exact fractions" in err


def test_network_file_with_layers_and_rnn(cli, tmp_path):
    path = tmp_path / "net.toml"
    path.write_text(
        "[rnn]\nactivation = 'tanh'\nW_x = [[0.5]]\nW_h = [[0.8]]\nb = [0]\n"
        "[[layers]]\nactivation = 'linear'\nW = [[1]]\nb = [0]\n"
    )
    code, out, err = cli(
        "backprop", "--net", str(path), "--x", "1; 0.5; -1", "--target", "0.5", "--json"
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["mode"] == "rnn" and doc["rnn_loss"] == "last"
    assert doc["time_steps"][0]["h"] == pytest.approx([math.tanh(0.5)])


def test_axes_of_length_one_are_read_as_absent(cli):
    """A 1×1 matrix claimed as a number, one sample's row as a list: the same verdict as the
    nested form, by --claim and by the API."""
    code, out, _ = cli(
        "backprop",
        *MAZUR,
        "--claim",
        "layers.0.a=0.593270 0.596884",
        "--claim",
        "layers.0.a=[[0.593270, 0.596884]]",
        "--claim",
        "layers.0.dL_db.0=0.00877135",
        "--json",
    )
    claims = json.loads(out)["claims"]
    assert code == 0 and [c["verdict"] for c in claims] == ["correct"] * 3
    assert "axes of length 1" in claims[0]["rule"]
    r = hwcheck.backprop(layer=["linear | 2"], x="3", target="1")
    assert [v.verdict for v in r.verify({"layers.0.dL_dW": 15})] == ["correct"]  # (6 − 1)·3
    assert [v.verdict for v in r.verify({"layers.0.dL_dW": 16})] == ["wrong"]


# ------------------------------------------------------------------- every road, one verdict


def test_every_road_gives_one_verdict_and_the_same_mistakes(monkeypatch, tmp_path):
    """--claim, check (typed and string), grade (TOML and CSV) and the API: the same verdict,
    the same value read and the same mistake ids for each answer (the roads of test_roads)."""
    from tests import test_roads as roads

    q = roads.q
    exercise = roads.Exercise(
        "BP",
        "backprop",
        'layer = ["relu | 1 -1; 2 1 | 0 1", "linear | 1; -1"]\nx = "1 2; -1 1/2"\n'
        'target = "3; 0"\nloss = "mse"\nlr = "1/10"',
        ("--layer", "relu | 1 -1; 2 1 | 0 1", "--layer", "linear | 1; -1")
        + ("--x", "1 2; -1 1/2", "--target", "3; 0", "--loss", "mse", "--lr", "1/10"),
        {
            "layer": ["relu | 1 -1; 2 1 | 0 1", "linear | 1; -1"],
            "x": "1 2; -1 1/2",
            "target": "3; 0",
            "loss": "mse",
            "lr": "1/10",
        },
        (
            roads.Claim("loss", (('"25/8"', "3.125", q("25/8"), q("۳٫۱۲۵")), ("6.25", q("25/4")))),
            roads.Claim(
                "layers.1.dL_dW",
                (
                    ('[[0], ["-25/4"]]', q("0; -25/4"), q("0 -6.25"), q("[[0], [-6.25]]")),
                    ('[[0], ["-25/2"]]', q("0; -12.5")),
                ),
            ),
            roads.Claim(
                "steps.0.layers.1.W",
                (
                    ('[[1], ["-3/8"]]', q("1; -0.375"), q("1 -3/8")),
                    ("[[1], [-1.625]]", q("1; -13/8")),
                ),
            ),
        ),
    )
    monkeypatch.setitem(roads.BY_ID, "BP", exercise)
    monkeypatch.chdir(tmp_path)
    found = []
    by_answer = roads._survey_exercise(exercise, tmp_path)
    for answer, by_road in by_answer.items():
        for part in (0, 1):
            differ = roads._disagreements(by_road, part)
            if differ:
                found.append(f"{answer}: {differ}")
    assert not found, "\n".join(found)
    verdicts = {a.literal: r["--claim"][0] for a, r in by_answer.items()}
    assert verdicts['"25/8"'][0] == "correct" and verdicts["6.25"][1] == ("mean_forgotten",)
    assert verdicts['"0 -6.25"'][0] == "correct"
    assert verdicts['"1; -13/8"'][1] == ("update_sign_flipped",)


# ------------------------------------------------------------- golden files and the schema

MODES = {
    "graph": ["1/(1 + exp(-(w0*x0 + w1*x1 + w2)))", "--at", "w0=2,x0=-1,w1=-3,x1=-2,w2=-3"],
    "graph-exact": ["x*y + x*y + (x - y)**2/y", "--at", "x=1/2,y=3"],
    "rnn": [
        "--rnn",
        "tanh | 0.5 -0.3; 0.2 0.8 | 0.1 0.4; -0.6 0.2 | 0.05 -0.1",
        "--layer",
        "linear | 1; -0.5 | 0.2",
        "--x",
        "1 0; 0.5 -1; -0.2 0.3",
        "--target",
        "0.3; -0.1; 0.4",
        "--lr",
        "0.1",
    ],
    "rnn-exact": [
        "--rnn",
        "relu | 1 0; 0 1 | 1/2 0; 0 1/2",
        "--x",
        "1 2; 3 4",
        "--target",
        "1 1; 0 0",
    ],
    "softmax-ce": SOFTMAX_NET,
}


@pytest.mark.parametrize("name", MODES)
def test_golden_modes_follow_the_schema(cli, golden, monkeypatch, name):
    jsonschema = pytest.importorskip("jsonschema")
    from tests.conftest import ROOT
    from tests.test_golden_commands import normalised_json, normalised_text

    monkeypatch.chdir(ROOT)
    code, out, err = cli("backprop", *MODES[name])
    assert code == 0, err
    golden(f"commands/backprop-{name}.txt", normalised_text(out))
    code, out, err = cli("backprop", *MODES[name], "--json")
    doc = json.loads(out)
    schema = json.loads((ROOT / "docs" / "output.schema.json").read_text(encoding="utf-8"))
    errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(doc)]
    assert not errors, errors
    golden(f"commands/backprop-{name}.json", normalised_json(doc))


@st.composite
def expressions(draw, depth=3):
    """A random expression in a and b whose every primitive is defined at any real point."""
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(["a", "b", "a", "b", "2", "1/3"]))
    kind = draw(st.sampled_from(["+", "-", "*", "/", "call", "pow"]))
    left = draw(expressions(depth - 1))
    if kind == "call":
        fn = draw(st.sampled_from(["sigmoid", "tanh", "exp(tanh", "log(1 + ", "sqrt(2 + ", "relu"]))
        if fn.startswith("exp("):
            return f"exp(tanh({left}))"
        if fn.endswith("+ "):
            return f"{fn}({left})**2)"
        return f"{fn}({left})"
    if kind == "pow":
        return f"({left})**{draw(st.sampled_from([2, 3]))}"
    right = draw(expressions(depth - 1))
    if kind == "/":
        return f"({left})/(1 + ({right})**2)"
    return f"({left}) {kind} ({right})"


@settings(max_examples=15, deadline=None)
@given(
    expressions(), st.fractions(-3, 3, max_denominator=7), st.fractions(-3, 3, max_denominator=7)
)
def test_random_graphs_agree_with_derive_and_finite_differences(expr, a, b):
    if not {"a", "b"} & set(expr):
        return
    at = ",".join(f"{k}={v}" for k, v in (("a", a), ("b", b)) if k in expr)
    try:
        doc = hwcheck.backprop(expr, at=at).to_json()
    except hwcheck.HwcheckError:
        return  # a point outside a primitive's domain (never here) or too large
    grads = {k: _floats(v) for k, v in doc["grads"].items()}
    try:
        expected = _derive_values(expr, at)
    except hwcheck.HwcheckError:  # derive simplified every variable away (a − a)
        expected = {}
    assert set(expected) <= set(grads)
    for name, g in grads.items():  # a variable that cancels has gradient 0 in the graph
        assert g == pytest.approx(expected.get(name, 0.0), rel=1e-7, abs=1e-9), name
    point = {k: float(v) for k, v in (("a", a), ("b", b)) if k in doc["at"]}
    h = 1e-6
    for name, v in point.items():
        if "relu" in expr:
            break  # a kink within h of the point would make the difference quotient lie
        up = _value(expr, dict(point, **{name: v + h}))
        down = _value(expr, dict(point, **{name: v - h}))
        assert grads.get(name, 0.0) == pytest.approx((up - down) / (2 * h), rel=1e-4, abs=1e-6)


@st.composite
def sequences(draw):
    units, inputs, steps = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 4))
    small = st.integers(-6, 6).map(lambda k: k / 8)

    def matrix(r, c):
        return [[draw(small) for _ in range(c)] for _ in range(r)]

    act = draw(st.sampled_from(["tanh", "relu"]))
    mode = draw(st.sampled_from(["last", "every"]))
    rows = steps if mode == "every" else 1
    return (
        act,
        matrix(inputs, units),
        matrix(units, units),
        matrix(1, units)[0],
        matrix(steps, inputs),
        matrix(rows, units),
        mode,
        draw(st.sampled_from(["mean", "sum"])),
    )


@settings(max_examples=25, deadline=None)
@given(sequences())
def test_bptt_matches_torch_nn_rnn(case):
    """torch.nn.RNN (weight_ih = W_xᵀ, weight_hh = W_hᵀ, bias_ih = b, bias_hh = 0), no
    read-out: y_t = h_t, against every gradient of the cell."""
    torch = pytest.importorskip("torch")
    act, w_x, w_h, b, xs, ts, mode, reduction = case
    line = lambda v: " ".join(map(str, v))
    r = hwcheck.backprop(
        rnn=f"{act} | {_text(w_x)} | {_text(w_h)} | {line(b)}",
        x=_text(xs),
        target=_text(ts),
        rnn_loss=mode,
        loss="mse",
        reduction=reduction,
    ).to_json()
    units = len(b)
    rnn = torch.nn.RNN(len(w_x), units, nonlinearity=act, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.tensor(w_x, dtype=torch.float64).T)
        rnn.weight_hh_l0.copy_(torch.tensor(w_h, dtype=torch.float64).T)
        rnn.bias_ih_l0.copy_(torch.tensor(b, dtype=torch.float64))
        rnn.bias_hh_l0.zero_()
    out, _ = rnn(torch.tensor([xs], dtype=torch.float64))
    y = out[0] if mode == "every" else out[0, -1:]
    loss = torch.nn.functional.mse_loss(
        y, torch.tensor(ts, dtype=torch.float64), reduction=reduction
    )
    loss.backward()
    _close(r["loss"], loss.item())
    _close(r["dL_dW_x"], rnn.weight_ih_l0.grad.T.tolist())
    _close(r["dL_dW_h"], rnn.weight_hh_l0.grad.T.tolist())
    _close(r["dL_db"], rnn.bias_ih_l0.grad.tolist())
    _close([s["h"] for s in r["time_steps"]], out[0].tolist())


def test_a_net_file_is_read_as_net_reads_it(cli, tmp_path):
    """The issue's 'layers written as net writes them': net's own file (inputs, [[layer]])
    gives the same network as the --layer texts; a wrong input count is net's error."""
    net = tmp_path / "n.toml"
    net.write_text(
        'inputs = 2\n[[layer]]\nweights = [[1, -1], [2, 1]]\nbias = [0, 1]\nactivation = "relu"\n'
        '[[layer]]\nweights = [[1], [-1]]\nactivation = "linear"\n',
        encoding="utf-8",
    )
    assert cli("net", str(net), "--points", "1 2")[0] == 0
    by_file = run_json(
        cli, "--net", str(net), "--x", "1 2; 0 1", "--target", "2; 0", "--lr", "1/10"
    )
    by_text = run_json(
        cli, "--layer", "relu | 1 -1; 2 1 | 0 1", "--layer", "linear | 1; -1",
        "--x", "1 2; 0 1", "--target", "2; 0", "--lr", "1/10",
    )  # fmt: skip
    assert by_file["loss"] == by_text["loss"] and by_file["steps"] == by_text["steps"]
    net.write_text(net.read_text(encoding="utf-8").replace("inputs = 2", "inputs = 3"))
    code, _, err = cli("backprop", "--net", str(net), "--x", "1 2", "--target", "3")
    assert code == 2 and "W has 2 rows but the network has 3 inputs" in err
