"""Optimizer traces and gd-quadratic, checked without torch: closed forms, finite differences,
the minimum-norm limit, L2 ≡ weight decay, divergence and bad input."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hwcheck
from hwcheck.core.errors import HwcheckError
from hwcheck.core.jsonout import dumps
from hwcheck.core.numfmt import fmt
from hwcheck.families.optim.problems import neuron_loss_grad, sigmoid
from hwcheck.families.optim.results import sparkline

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop", "adagrad")


# ------------------------------------------------------------------------------ neuron


@settings(max_examples=60, deadline=None)
@given(
    w=st.floats(-5, 5),
    b=st.floats(-5, 5),
    x=st.floats(-3, 3),
    t=st.floats(0, 1),
    lam=st.floats(0, 1),
)
def test_neuron_gradient_matches_finite_differences(w, b, x, t, lam):
    _, gw, gb = neuron_loss_grad(w, b, x, t, lam)
    h = 1e-6
    loss = lambda w_, b_: neuron_loss_grad(w_, b_, x, t, lam)[0]
    assert math.isclose(gw, (loss(w + h, b) - loss(w - h, b)) / (2 * h), abs_tol=1e-7)
    assert math.isclose(gb, (loss(w, b + h) - loss(w, b - h)) / (2 * h), abs_tol=1e-7)


def test_sigmoid_is_stable_for_huge_arguments():
    assert sigmoid(1000.0) == 1.0 and sigmoid(-1000.0) == 0.0
    assert sigmoid(0.0) == 0.5
    assert math.isclose(sigmoid(-30.0), math.exp(-30.0) / (1 + math.exp(-30.0)))


def test_default_problem_is_the_course_neuron():
    result = hwcheck.adam(steps=4)
    doc = result.to_json()
    assert doc["problem"]["init"] == {"w": 0.1, "b": 0.0}
    assert doc["problem"]["data"] == {"x": [2.0, 1.0, 2.0, 1.0], "t": [0.0, 1.0, 0.0, 1.0]}
    assert [s["samples"] for s in doc["steps"]] == [[0], [1], [2], [3]]
    assert doc["hyper"] == {
        "lr": 0.1,
        "beta1": 0.9,
        "beta2": 0.999,
        "eps": 1e-8,
        "weight_decay": 0.0,
        "amsgrad": False,
    }
    step = doc["steps"][0]
    assert set(step) == {"t", "samples", "loss", "grad", "update", "params", "state"}
    assert set(step["state"]) == {"exp_avg", "exp_avg_sq", "exp_avg_hat", "exp_avg_sq_hat"}
    assert doc["final"] == doc["steps"][-1]["params"]


def test_exercise_i_first_step_by_hand():
    # y = σ(0.2), g_w = (y − 0)·y(1 − y)·2, g_b = g_w/2; w₁ = 0.1 − 0.1·g_w
    y = 1 / (1 + math.exp(-0.2))
    dz = y * y * (1 - y)
    step = hwcheck.sgd(steps=1).steps[0]
    assert math.isclose(step["grad"]["w"], 2 * dz, rel_tol=1e-15)
    assert math.isclose(step["params"]["w"], 0.1 - 0.1 * 2 * dz, rel_tol=1e-15)
    assert math.isclose(step["params"]["b"], -0.1 * dz, rel_tol=1e-15)


def _neuron_grad(w, b, x, t):
    y = 1 / (1 + math.exp(-(w * x + b)))
    dz = (y - t) * y * (1 - y)
    return dz * x, dz


def test_exercise_i_and_j_traces_by_hand():
    """SGD (exercise I) and Adam (exercise J) on the course neuron, four steps in plain Python."""
    samples = [(2, 0), (1, 1), (2, 0), (1, 1)]
    w, b = 0.1, 0.0
    for step, (x, t) in zip(hwcheck.sgd(steps=4).steps, samples, strict=True):
        gw, gb = _neuron_grad(w, b, x, t)
        w, b = w - 0.1 * gw, b - 0.1 * gb
        assert step["params"] == pytest.approx({"w": w, "b": b}, rel=1e-12)
    theta, m, v = [0.1, 0.0], [0.0, 0.0], [0.0, 0.0]
    for k, (step, (x, t)) in enumerate(
        zip(hwcheck.adam(steps=4).steps, samples, strict=True), start=1
    ):
        g = _neuron_grad(*theta, x, t)
        m = [0.9 * mi + 0.1 * gi for mi, gi in zip(m, g)]
        v = [0.999 * vi + 0.001 * gi * gi for vi, gi in zip(v, g)]
        theta = [
            p - 0.1 * (mi / (1 - 0.9**k)) / (math.sqrt(vi / (1 - 0.999**k)) + 1e-8)
            for p, mi, vi in zip(theta, m, v)
        ]
        assert list(step["params"].values()) == pytest.approx(theta, rel=1e-12, abs=1e-15)
        assert list(step["state"]["exp_avg"].values()) == pytest.approx(m, rel=1e-12)


def test_exercise_j_adam_first_step_moves_every_parameter_by_lr():
    # m̂₁ = g₁, v̂₁ = g₁², so Δθ = −lr·g/(|g| + ε) ≈ −lr·sign(g)
    step = hwcheck.adam(steps=1).steps[0]
    for name, g in step["grad"].items():
        assert math.isclose(step["state"]["exp_avg"][name], 0.1 * g, rel_tol=1e-12)
        assert math.isclose(step["state"]["exp_avg_hat"][name], g, rel_tol=1e-12)
        assert math.isclose(step["state"]["exp_avg_sq_hat"][name], g * g, rel_tol=1e-12)
        assert math.isclose(step["update"][name], -0.1 * g / (abs(g) + 1e-8), rel_tol=1e-9)


def test_numpy_scalars_are_accepted_as_options():
    import numpy as np

    assert hwcheck.sgd(lr=np.float64(0.1), steps=2).final == hwcheck.sgd(steps=2).final


def test_batch_all_averages_every_sample():
    full = hwcheck.sgd(steps=1, batch="all").steps[0]
    singles = [
        hwcheck.sgd(steps=1, data=[f"x={x}", f"t={t}"]).steps[0]
        for x, t in ((2, 0), (1, 1), (2, 0), (1, 1))
    ]
    assert full["samples"] == [0, 1, 2, 3]
    assert math.isclose(full["grad"]["w"], sum(s["grad"]["w"] for s in singles) / 4, rel_tol=1e-14)
    assert math.isclose(full["loss"], sum(s["loss"] for s in singles) / 4, rel_tol=1e-14)


def test_batch_takes_the_next_samples_cyclically():
    steps = hwcheck.sgd(steps=3, batch=3).steps
    assert [s["samples"] for s in steps] == [[0, 1, 2], [3, 0, 1], [2, 3, 0]]


def test_lam_regularizes_w_only_and_l2_every_parameter():
    g0 = hwcheck.sgd(steps=1, init="w=0.5,b=0.3").steps[0]["grad"]
    g_lam = hwcheck.sgd(steps=1, init="w=0.5,b=0.3", lam=0.2).steps[0]["grad"]
    g_l2 = hwcheck.sgd(steps=1, init="w=0.5,b=0.3", l2=0.2).steps[0]["grad"]
    assert math.isclose(g_lam["w"], g0["w"] + 0.1) and g_lam["b"] == g0["b"]
    assert math.isclose(g_l2["w"], g0["w"] + 0.1) and math.isclose(g_l2["b"], g0["b"] + 0.06)


# ---------------------------------------------------------------------- exercise M


def _params(result):
    return [s["params"] for s in result.steps]


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_l2_equals_weight_decay(momentum):
    l2 = hwcheck.sgd(steps=6, l2=0.1, momentum=momentum)
    wd = hwcheck.sgd(steps=6, weight_decay=0.1, momentum=momentum)
    assert _params(l2) == _params(wd)


def test_adam_l2_equals_coupled_weight_decay_but_adamw_differs():
    l2 = hwcheck.adam(steps=6, l2=0.1)
    assert _params(l2) == _params(hwcheck.adam(steps=6, weight_decay=0.1))
    adamw = hwcheck.adamw(steps=6, weight_decay=0.1)
    assert abs(adamw.final["w"] - l2.final["w"]) > 1e-4


def test_sgd_weight_decay_factor_is_one_minus_lr_lambda():
    # with a zero data gradient (x = 0, σ(b) = t) the step is pure decay: w ← (1 − lr·λ)·w
    result = hwcheck.sgd(steps=3, init="w=2,b=0", data=["x=0", "t=0.5"], weight_decay=0.3, lr=0.5)
    assert [s["params"]["w"] for s in result.steps] == pytest.approx(
        [2 * 0.85**k for k in (1, 2, 3)], rel=1e-14
    )


def test_adamw_decay_is_decoupled_from_the_denominator():
    # zero gradient: Adam's update is 0, AdamW still multiplies by (1 − lr·λ)
    result = hwcheck.adamw(steps=2, init="w=2,b=0", data=["x=0", "t=0.5"], weight_decay=0.3, lr=0.5)
    assert result.final["w"] == pytest.approx(2 * 0.85**2, rel=1e-14)


# --------------------------------------------------------------------- quadratics


def test_gd_on_quadratic_matches_the_closed_form():
    import numpy as np

    H = np.array([[3.0, 1.0, 0.0], [1.0, 2.0, 0.5], [0.0, 0.5, 1.0]])
    w0 = np.array([1.0, -2.0, 0.5])
    lr = 0.2
    result = hwcheck.sgd(problem="quadratic", H=H.tolist(), w0=w0.tolist(), lr=lr, steps=15)
    for s in result.steps:
        exact = np.linalg.matrix_power(np.eye(3) - lr * H, s["t"]) @ w0
        assert list(s["params"].values()) == pytest.approx(exact.tolist(), rel=1e-12, abs=1e-14)


def test_quadratic_with_c_converges_to_the_solution_of_Hw_eq_c():
    result = hwcheck.sgd(problem="quadratic", H="2 0; 0 1", c="2 3", lr=0.5, steps=200)
    assert result.final == pytest.approx({"w1": 1.0, "w2": 3.0})


@pytest.mark.parametrize("batch", ["all", 1])
def test_lstsq_converges_to_the_minimum_norm_solution(batch):
    result = hwcheck.sgd(problem="lstsq", X="1 2 0; 0 1 1", y="1 2", steps=600, batch=batch)
    star = [-1 / 3, 2 / 3, 4 / 3]  # Xᵀ(XXᵀ)⁻¹y by hand
    assert list(result.min_norm_solution.values()) == pytest.approx(star, rel=1e-12)
    assert result.min_norm_distance < 1e-9
    assert list(result.final.values()) == pytest.approx(star, abs=1e-9)


def test_lstsq_scale_variants():
    half = hwcheck.sgd(problem="lstsq", X="1 2; 3 4", y="1 1", steps=1).steps[0]
    quarter = hwcheck.sgd(problem="lstsq", X="1 2; 3 4", y="1 1", steps=1, scale="1/4").steps[0]
    mean = hwcheck.sgd(problem="lstsq", X="1 2; 3 4", y="1 1", steps=1, scale="mean").steps[0]
    assert half["loss"] == pytest.approx(0.5 * (1 + 1)) and quarter["loss"] == pytest.approx(0.5)
    assert mean["loss"] == pytest.approx(0.5) and mean["grad"]["w1"] == pytest.approx(
        half["grad"]["w1"] / 2
    )


# ----------------------------------------------------------------------- gd-quadratic


def test_gd_quadratic_bounds_exercise_k():
    r = hwcheck.gd_quadratic(H="2 0; 0 1", lr=0.5, steps=3, w0="1 1")
    assert r.eigenvalues == [1.0, 2.0]
    assert r.lr_max == 1.0 and r.lr_opt == pytest.approx(2 / 3) and r.rate == 0.5
    assert r.newton_lr_max == 2.0
    assert [s["w"] for s in r.steps] == [[0.0, 0.5], [0.0, 0.25], [0.0, 0.125]]
    assert r.closed_form_max_error < 1e-15


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.1, 10), min_size=2, max_size=4), st.integers(0, 2**32 - 1))
def test_gd_quadratic_rate_and_closed_form_on_random_spd(eigs, seed):
    import numpy as np

    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(len(eigs), len(eigs))))
    H = Q @ np.diag(eigs) @ Q.T
    H = (H + H.T) / 2
    r = hwcheck.gd_quadratic(H=H.tolist(), steps=20)
    assert r.lr == pytest.approx(2 / (min(eigs) + max(eigs)))
    kappa = max(eigs) / min(eigs)
    assert r.rate == pytest.approx((kappa - 1) / (kappa + 1), abs=1e-9)
    assert r.closed_form_max_error < 1e-9
    w20 = np.linalg.matrix_power(np.eye(len(eigs)) - r.lr * H, 20) @ np.ones(len(eigs))
    assert r.steps[-1]["w"] == pytest.approx(w20.tolist(), abs=1e-9)


def test_gd_quadratic_indefinite_reports_negative_curvature():
    r = hwcheck.gd_quadratic(H="1 2; 2 1", lr=0.1, steps=60, w0="1 0")
    assert r.definiteness == "indefinite" and r.lr_opt is None and not r.converges
    (item,) = r.negative_curvature
    assert item["eigenvalue"] == pytest.approx(-1)
    assert item["direction"] == pytest.approx([1 / math.sqrt(2), -1 / math.sqrt(2)])
    assert r.rate == pytest.approx(1.1)
    text = " ".join(line for sec in r.view() if hasattr(sec, "lines") for line in sec.lines)
    assert "GD diverges along it" in text


def test_gd_quadratic_newton():
    r = hwcheck.gd_quadratic(H="3 1; 1 3", newton=True, lr=0.5, steps=4)
    assert r.method == "newton" and r.rate == 0.5 and r.newton_lr_max == 2.0
    assert r.steps[-1]["w"] == pytest.approx([0.5**4, 0.5**4])


def test_gd_quadratic_diverges_cleanly():
    r = hwcheck.gd_quadratic(H="2 0; 0 1", lr=1.5, steps=1000)
    assert r.diverged["quantity"] == "w1" and r.diverged["t"] == len(r.steps) + 1
    json.loads(dumps(r.to_json()))


# --------------------------------------------------------------------------- divergence


def test_divergence_stops_the_trace_with_the_step_and_quantity():
    r = hwcheck.sgd(problem="quadratic", H="2 0; 0 1", lr=1.5, steps=500)
    # θₜ₋₁ = ((−2)ᵗ⁻¹, (−½)ᵗ⁻¹), so L(θₜ₋₁) = 4ᵗ⁻¹ + ½·4¹⁻ᵗ passes 1e12 (before |g| or |θ| does)
    # at t − 1 = ⌈log₄ 10¹²⌉
    t = math.ceil(math.log(1e12, 4)) + 1
    loss = 4.0 ** (t - 1) + 0.5 * 0.25 ** (t - 1)
    assert r.diverged == {"t": t, "quantity": "loss", "value": pytest.approx(loss)}
    assert len(r.steps) == t - 1
    assert all(math.isfinite(s["loss"]) and abs(s["loss"]) <= 1e12 for s in r.steps)
    text = "\n".join(line for sec in r.view() if hasattr(sec, "lines") for line in sec.lines)
    assert f"diverged at step {r.diverged['t']}" in text
    json.loads(dumps(r.to_json()))  # strict JSON


def test_saddle_exercise_p_with_the_quadratic_problem():
    # f = x² − y² as ½wᵀHw with H = diag(2, −2): SGD multiplies y by 1 + 2·lr each step
    r = hwcheck.sgd(problem="quadratic", H="2 0; 0 -2", w0="1 0.001", steps=10)
    assert r.final["w2"] == pytest.approx(0.001 * 1.2**10)


# ------------------------------------------------------------------------------ output


def test_json_is_deterministic_and_strict():
    a = dumps(hwcheck.adam(steps=5, amsgrad=True).to_json())
    b = dumps(hwcheck.adam(steps=5, amsgrad=True).to_json())
    assert a == b
    assert "NaN" not in a


def test_view_has_formulas_sparkline_and_explain():
    r = hwcheck.adam(steps=4, explain=True)
    table, summary, step1, step2 = r.view()
    assert "mₜ = β₁·mₜ₋₁ + (1 − β₁)·gₜ" in table.columns and "v̂ₜ = vₜ/(1 − β₂ᵗ)" in table.columns
    assert len(table.rows) == 2 + 4 * 2
    assert any(ch in summary.lines[-1] for ch in "▁▂▃▄▅▆▇█")
    # g₁ = ∂L/∂w at w = 0.1, b = 0, x = 2, t = 0; Adam's first step moves w and b by −lr·sign(g);
    # g₂ at x = 1, t = 1 from there
    y = 1 / (1 + math.exp(-0.2))
    g1 = 2 * y * y * (1 - y)
    w1, b1 = 0.1 - 0.1 * g1 / (g1 + 1e-8), -0.1 * (g1 / 2) / (g1 / 2 + 1e-8)
    y2 = 1 / (1 + math.exp(-(w1 + b1)))
    g2 = (y2 - 1) * y2 * (1 - y2)
    m1, m2 = 0.1 * g1, 0.9 * 0.1 * g1 + 0.1 * g2
    assert g2 < 0  # written in parentheses as a factor
    assert f"  m₁ = β₁·m₀ + (1 − β₁)·g₁ = 0.9·0 + 0.1·{fmt(g1)} = {fmt(m1)}" in step1.lines
    assert (
        f"  m₂ = β₁·m₁ + (1 − β₁)·g₂ = 0.9·{fmt(m1)} + 0.1·({fmt(g2)}) = {fmt(m2)}" in step2.lines
    )


def test_long_traces_are_abridged_in_the_table():
    table = hwcheck.sgd(steps=200).view()[0]
    assert len(table.rows) == 2 + 15 * 2 + 1
    assert [r[0] for r in table.rows[-4:]] == ["199", "", "200", ""]
    assert any("not shown" in n for n in table.notes)


def test_sparkline():
    assert sparkline([3, 2, 1, 0]) == "█▆▃▁"
    assert sparkline([1, 1]) == "▄▄"
    assert len(sparkline(list(range(1000)))) == 60
    assert sparkline([1, 10, 100, 1000, 10000]) == "▁▃▅▇█"  # log scale


def test_numeric_commands_do_not_import_sympy():
    code = (
        "import sys, hwcheck; hwcheck.adam(steps=3); hwcheck.sgd(problem='quadratic', H='2 0; 0 1');"
        "hwcheck.gd_quadratic(H='2 0; 0 1'); print('sympy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_neuron_does_not_import_numpy():
    code = "import sys, hwcheck; hwcheck.adam(steps=3); print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -------------------------------------------------------------------------------- expr


def test_expr_saddle_exercise_p():
    pytest.importorskip("sympy")
    sgd = hwcheck.sgd(problem="expr", objective="x**2 - y**2", init="x=1,y=0.001", steps=20)
    adam = hwcheck.adam(problem="expr", objective="x**2 - y**2", init="x=1,y=0.001", steps=20)
    assert sgd.final["y"] == pytest.approx(0.001 * 1.2**20)
    assert sgd.final["x"] == pytest.approx(0.8**20)
    assert adam.final["y"] > 1.5  # Adam's normalised step escapes the saddle at ≈ lr per step


def test_expr_with_data_matches_the_neuron():
    pytest.importorskip("sympy")
    expr = hwcheck.sgd(
        problem="expr",
        objective="0.5*(sigmoid(w*x + b) - t)**2",
        init="w=0.1,b=0",
        data=["x=2,1,2,1", "t=0,1,0,1"],
        steps=4,
    )
    neuron = hwcheck.sgd(steps=4)
    for a, b in zip(expr.steps, neuron.steps):
        assert a["params"] == pytest.approx(b["params"], rel=1e-12)


# ---------------------------------------------------------------------------- bad input


BAD = [
    ("sgd", {"lr": 0}, "--lr"),
    ("adam", {"lr": -1}, "--lr"),
    ("adam", {"beta1": 1}, "--beta1"),
    ("adamw", {"beta2": -0.1}, "--beta2"),
    ("adam", {"eps": 0}, "--eps"),
    ("rmsprop", {"alpha": 1.5}, "--alpha"),
    ("adagrad", {"eps": -1}, "--eps"),
    ("adagrad", {"lr_decay": -1}, "--lr-decay"),
    ("sgd", {"momentum": -0.5}, "--momentum"),
    ("sgd", {"steps": 0}, "--steps"),
    ("sgd", {"steps": 10**6}, "--steps"),
    ("sgd", {"momentum": 0.9, "nesterov": True, "dampening": 0.1}, "--dampening"),
    ("sgd", {"nesterov": True}, "--nesterov"),
    ("sgd", {"problem": "quadratic", "H": "1 2; 3 4"}, "--H"),
    ("sgd", {"problem": "quadratic", "H": "1 2 3; 4 5 6"}, "--H"),
    ("sgd", {"problem": "quadratic"}, "--H"),
    ("sgd", {"problem": "quadratic", "H": "2 0; 0 1", "w0": "1 2 3"}, "--w0"),
    ("sgd", {"data": ["x=1,2,3", "t=0,1"]}, "--data"),
    ("sgd", {"data": ["z=1,2"]}, "--data"),
    ("sgd", {"init": "w=1,c=2"}, "--init"),
    ("sgd", {"H": "1 0; 0 1"}, "--H"),
    ("sgd", {"batch": 5}, "--batch"),
    ("sgd", {"batch": "some"}, "--batch"),
    ("sgd", {"l2": -1}, "--l2"),
    ("sgd", {"problem": "lstsq", "X": "1 2; 3 4", "y": "1 2 3"}, "--y"),
    ("sgd", {"problem": "lstsq", "X": "1 2; 3 4", "y": "1 2", "scale": "big"}, "--scale"),
    ("sgd", {"problem": "quadratic", "H": [[1.0] * 300] * 300, "steps": 100_000}, "--steps"),
    ("gd_quadratic", {"H": "1 2; 3 4"}, "--H"),
    ("gd_quadratic", {"H": "1 2 3"}, "--H"),
    ("gd_quadratic", {"H": "2 0; 0 1", "w0": "1", "steps": 2}, "--w0"),
    ("gd_quadratic", {"H": "2 0; 0 1", "lr": 0}, "--lr"),
    ("gd_quadratic", {"H": "1 0; 0 0", "newton": True}, "--H"),
    ("gd_quadratic", {"H": "1 0; 0 -1", "steps": 3}, "--lr"),
    ("gd_quadratic", {"H": "2 0; 0 1", "steps": 200_000}, "steps"),
]


@pytest.mark.parametrize("command,options,where", BAD)
def test_bad_input_names_the_option(command, options, where):
    with pytest.raises(HwcheckError) as info:
        getattr(hwcheck, command)(**options)
    assert info.value.where.lstrip("-").replace("-", "_") == where.lstrip("-").replace("-", "_")


def test_expr_init_missing_a_parameter():
    pytest.importorskip("sympy")
    with pytest.raises(HwcheckError) as info:
        hwcheck.sgd(problem="expr", objective="x**2 - y**2", init="x=1")
    assert info.value.where == "--init" and "y" in info.value.message
    with pytest.raises(HwcheckError) as info:
        hwcheck.sgd(problem="expr", objective="x**2")
    assert info.value.where == "--init"
    with pytest.raises(HwcheckError) as info:
        hwcheck.sgd(problem="expr", objective="x**2", init="x=1", batch=2)
    assert info.value.where == "--batch"
    with pytest.raises(HwcheckError) as info:
        hwcheck.sgd(problem="expr", objective="x**2 + t", init="x=1", data="x=1,2")
    assert info.value.where == "--data"


def test_fast_to_json_equals_the_generic_conversion():
    from hwcheck.core.jsonout import to_jsonable

    for result in (
        hwcheck.adam(steps=5, amsgrad=True),
        hwcheck.rmsprop(steps=3, centered=True, momentum=0.5),
        hwcheck.sgd(problem="quadratic", H="2 0; 0 1", lr=3, steps=50),
    ):
        generic = {
            "hwcheck": hwcheck.__version__,
            "command": result.command,
            **to_jsonable(result.payload()),
        }
        assert dumps(result.to_json()) == dumps(generic)


finite = st.floats(-1e6, 1e6, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    command=st.sampled_from(OPTIMIZERS),
    lr=st.floats(1e-6, 1e6),
    w=finite,
    b=finite,
    x=st.lists(finite, min_size=1, max_size=3),
    momentum=st.sampled_from([0.0, 0.9]),
    steps=st.integers(1, 30),
)
def test_any_input_gives_a_trace_or_a_clear_error(command, lr, w, b, x, momentum, steps):
    options = {
        "lr": lr,
        "steps": steps,
        "init": {"w": w, "b": b},
        "data": {"x": x, "t": [0.5] * len(x)},
    }
    if command in ("sgd", "rmsprop"):
        options["momentum"] = momentum
    try:
        result = getattr(hwcheck, command)(**options)
    except HwcheckError:
        return
    doc = json.loads(dumps(result.to_json()))
    assert len(doc["steps"]) == steps or doc["diverged"]["t"] == len(doc["steps"]) + 1
    result.view()


@settings(max_examples=40, deadline=None)
@given(entries=st.lists(st.floats(-1e200, 1e200), min_size=4, max_size=4), lr=st.floats(1e-3, 1e3))
def test_quadratic_with_huge_entries_never_crashes(entries, lr):
    a, b, _, d = entries
    try:
        result = hwcheck.sgd(problem="quadratic", H=[[a, b], [b, d]], lr=lr, steps=20)
        gd = hwcheck.gd_quadratic(H=[[a, b], [b, d]], lr=lr, steps=20)
    except HwcheckError:
        return
    json.loads(dumps(result.to_json()))
    json.loads(dumps(gd.to_json()))
    gd.view()


@settings(max_examples=15, deadline=None)
@given(m=st.integers(1, 3), extra=st.integers(1, 3), seed=st.integers(0, 2**32 - 1))
def test_lstsq_gd_from_zero_reaches_Xt_XXt_inv_y(m, extra, seed):
    import numpy as np

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, m + extra))
    y = rng.normal(size=m)
    gram = X @ X.T
    eig = np.linalg.eigvalsh(gram)
    if eig[0] < 0.05 * eig[-1]:
        return  # badly conditioned: convergence would need too many steps
    star = X.T @ np.linalg.solve(gram, y)  # Xᵀ(XXᵀ)⁻¹y, computed directly
    steps = int(np.ceil(40 * eig[-1] / eig[0]))  # error factor (1 − λ_min/λ_max)ᵗ < e⁻⁴⁰
    result = hwcheck.sgd(problem="lstsq", X=X.tolist(), y=y.tolist(), lr=1 / eig[-1], steps=steps)
    assert list(result.min_norm_solution.values()) == pytest.approx(star.tolist(), abs=1e-9)
    assert result.min_norm_distance < 1e-6 * max(1.0, float(np.linalg.norm(star)))


@pytest.mark.parametrize("module", ["problems", "optimizers", "quadratic", "results", "request"])
def test_docstring_examples(module):
    import doctest
    import importlib

    failed, _ = doctest.testmod(importlib.import_module(f"hwcheck.families.optim.{module}"))
    assert failed == 0
