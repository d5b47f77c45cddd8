"""derive: textbook forms, values vs finite differences and torch autograd, chain rule, bad input."""

from __future__ import annotations

import math
import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hwcheck
from hwcheck.core.errors import HwcheckError
from hwcheck.core.numfmt import fmt
from hwcheck.families.symbolic.numeric import compile_objective

H_POINT = {"w": 0.1, "b": 0.0, "x": 2.0, "t": 0.0, "lam": 0.01}


def exercise_h_by_hand(w=0.1, b=0.0, x=2.0, t=0.0, lam=0.01):
    """Exercise H worked with math alone: y = σ(wx + b), L = ½(y − t)² + (λ/2)w², ∂L/∂w, ∂y/∂z."""
    y = 1 / (1 + math.exp(-(w * x + b)))
    return {
        "y": y,
        "dy_dz": y * (1 - y),
        "L": (y - t) ** 2 / 2 + lam / 2 * w**2,
        "dL_dw": x * y * (1 - y) * (y - t) + lam * w,
    }


def central_difference(objective, env, name, h=1e-6):
    up, down = dict(env), dict(env)
    up[name] += h
    down[name] -= h
    return (objective.value(up) - objective.value(down)) / (2 * h)


def test_exercise_h_textbook_forms():
    r = hwcheck.derive(preset="sigmoid-mse-l2")
    d = {k: v["expr"] for k, v in r.to_json()["derivatives"].items()}
    assert d == {
        "w": "lam*w + x*y*(1 - y)*(y - t)",
        "x": "w*y*(1 - y)*(y - t)",
        "b": "y*(1 - y)*(y - t)",
        "lam": "w**2/2",
        "t": "t - y",
    }
    assert r.to_json()["definitions"] == {"z": "w*x + b", "y": "sigmoid(z)"}
    assert "exp" not in " ".join(d.values())  # σ(1 − σ), never exp(−z)/(1 + exp(−z))²


def test_sigmoid_derivative_is_sigma_one_minus_sigma():
    r = hwcheck.derive("sigmoid(z)", wrt="z")
    assert r.derivatives["z"]["expr"] == "(1 - sigmoid(z))*sigmoid(z)"
    assert (
        r.derivatives["z"]["latex"] == r"\left(1 - \sigma\left(z\right)\right) \sigma\left(z\right)"
    )


def test_relu_and_softplus_derivatives():
    assert hwcheck.derive("relu(x)", wrt="x").derivatives["x"]["expr"] == "heaviside(x)"
    assert hwcheck.derive("softplus(x)", wrt="x").derivatives["x"]["expr"] == "sigmoid(x)"


@pytest.mark.parametrize("seed", range(5))
def test_exercise_h_values_match_central_differences(seed):
    rng = random.Random(seed)
    env = {k: rng.uniform(-2, 2) for k in H_POINT}
    at = ",".join(f"{k}={v!r}" for k, v in env.items())
    r = hwcheck.derive(preset="sigmoid-mse-l2", at=at)
    f = compile_objective("1/2*(sigmoid(w*x + b) - t)**2 + lam/2*w**2", tuple(env), ())
    for name, entry in r.derivatives.items():
        assert float(entry["value"]) == pytest.approx(
            central_difference(f, env, name), rel=1e-6, abs=1e-9
        )


def test_exact_values_where_inputs_are_rational():
    from fractions import Fraction

    r = hwcheck.derive(preset="sigmoid-mse-l2", at="w=0.1,b=0,x=2,t=0,lam=0.01")
    assert r.derivatives["lam"]["value"] == Fraction(1, 200)
    assert r.to_json()["derivatives"]["lam"]["value"] == "1/200"
    hand = exercise_h_by_hand()
    assert r.derivatives["w"]["value"] == pytest.approx(hand["dL_dw"], rel=1e-12)
    assert r.value == pytest.approx(hand["L"], rel=1e-12)


@pytest.mark.torch
@pytest.mark.parametrize(
    "preset, expr",
    [
        (
            "sigmoid-mse-l2",
            lambda torch, v: (
                0.5 * (torch.sigmoid(v["w"] * v["x"] + v["b"]) - v["t"]) ** 2
                + v["lam"] / 2 * v["w"] ** 2
            ),
        ),
        (
            "sigmoid-bce",
            lambda torch, v: torch.nn.functional.binary_cross_entropy_with_logits(
                v["w"] * v["x"] + v["b"], v["t"]
            ),
        ),
        ("tanh-mse", lambda torch, v: 0.5 * (torch.tanh(v["w"] * v["x"] + v["b"]) - v["t"]) ** 2),
        ("softmax2", lambda torch, v: torch.softmax(torch.stack([v["z1"], v["z2"]]), 0)[0]),
    ],
)
def test_presets_against_torch_autograd(preset, expr):
    torch = pytest.importorskip("torch")
    rng = random.Random(1)
    names = {"softmax2": ("z1", "z2")}.get(preset, ("w", "b", "x", "t", "lam"))
    for _ in range(4):
        env = {k: rng.uniform(-2, 2) for k in names}
        if preset == "sigmoid-bce":
            env["t"] = rng.uniform(0, 1)
        at = ",".join(f"{k}={v!r}" for k, v in env.items())
        r = hwcheck.derive(preset=preset, at=at)
        leaves = {
            k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in env.items()
        }
        expr(torch, leaves).backward()
        for name, entry in r.derivatives.items():
            assert float(entry["value"]) == pytest.approx(
                leaves[name].grad.item(), rel=1e-9, abs=1e-12
            ), name


# ---------------------------------------------------------------- property: grammar of losses

_LEAVES = st.sampled_from(["w", "x", "b", "t", "2", "0.5", "w*x + b"])


def _combine(children):
    unary = st.sampled_from(
        [
            "sigmoid({})",
            "tanh({})",
            "softplus({})",
            "log(sigmoid({}))",
            "exp(tanh({}))",
            "({})**2",
            "-({})",
        ]
    )
    binary = st.sampled_from(["({}) + ({})", "({}) - ({})", "({})*({})"])
    return st.one_of(
        st.builds(lambda f, a: f.format(a), unary, children),
        st.builds(lambda f, a, b: f.format(a, b), binary, children, children),
    )


LOSSES = st.recursive(_LEAVES, _combine, max_leaves=6)


@settings(max_examples=40, deadline=None)
@given(LOSSES, st.integers(0, 10_000))
def test_derivative_matches_finite_difference(text, seed):
    rng = random.Random(seed)
    env = {k: rng.uniform(-1.5, 1.5) for k in ("w", "x", "b", "t")}
    f = compile_objective(text, ("w", "x", "b", "t"), ())
    at = ",".join(f"{k}={v!r}" for k, v in env.items())
    written = [n for n in ("w", "b") if re.search(rf"\b{n}\b", text)]  # --wrt must be a variable
    if not written:
        return
    r = hwcheck.derive(text, wrt=",".join(written), at=at)
    for name in written:
        numeric = central_difference(f, env, name, h=1e-5)
        assert float(r.derivatives[name]["value"]) == pytest.approx(numeric, rel=1e-5, abs=1e-6)


# ----------------------------------------------------------------------------- explain


def test_explain_shows_each_chain_factor():
    r = hwcheck.derive(
        preset="sigmoid-mse-l2", wrt="w", explain=True, at="w=0.1,b=0,x=2,t=0,lam=0.01"
    )
    lines = r.steps["w"]
    text = "\n".join(t for t, _ in lines)
    hand = exercise_h_by_hand()
    assert f"∂L/∂y = y - t = {fmt(hand['y'])}" in text  # t = 0
    assert f"∂y/∂z = y·(1 - y) = {fmt(hand['dy_dz'])}" in text
    assert "∂z/∂w = x = 2" in text
    assert "∂L/∂w = ∂L/∂y · ∂y/∂z · ∂z/∂w + ∂L/∂w (direct)" in text
    assert text.splitlines()[-1].endswith(f"= {fmt(hand['dL_dw'])}")
    assert all(tex for _, tex in lines)


def test_explain_without_definitions_names_z_and_y():
    r = hwcheck.derive("0.5*(sigmoid(w*x+b) - t)**2", wrt="w", explain=True)
    text = "\n".join(t for t, _ in r.steps["w"])
    assert "z = b + w·x" in text and "y = σ(z)" in text and "∂y/∂z = y·(1 - y)" in text


def test_explain_is_view_only():
    plain = hwcheck.derive(preset="sigmoid-mse", at="w=0.1,b=0,x=2,t=0").to_json()
    explained = hwcheck.derive(preset="sigmoid-mse", at="w=0.1,b=0,x=2,t=0", explain=True).to_json()
    assert plain == explained


def test_deterministic_json():
    import json

    one = json.dumps(
        hwcheck.derive(preset="sigmoid-mse-l2", at="w=0.1,b=0,x=2,t=0,λ=0.01").to_json()
    )
    two = json.dumps(
        hwcheck.derive(preset="sigmoid-mse-l2", at="w=0.1,b=0,x=2,t=0,λ=0.01").to_json()
    )
    assert one == two


def test_defines_expand_and_abbreviate():
    r = hwcheck.derive("0.5*(y - t)**2", define=["z=w*x+b", "y=sigmoid(z)"], wrt="w")
    assert r.derivatives["w"]["expr"] == "x*y*(1 - y)*(y - t)"


def test_lambda_alias():
    r = hwcheck.derive("λ/2*w**2", wrt="λ", at="w=2,λ=1")
    assert r.derivatives["lam"] == {"expr": "w**2/2", "latex": r"\frac{w^{2}}{2}", "value": 2}


# ----------------------------------------------------------------------------- bad input


def test_missing_values_are_listed():
    with pytest.raises(HwcheckError) as err:
        hwcheck.derive(preset="sigmoid-mse", at="w=0.1,x=2")
    assert err.value.where == "--at" and "no value for b, t" in err.value.message


def test_unknown_names_in_at_are_fine():
    r = hwcheck.derive("w*x", wrt="w", at="w=1,x=2,unused=5")
    assert r.derivatives["w"]["value"] == 2


def test_wrt_unknown_variable_is_an_error_with_a_suggestion():
    # issue 10.4: --wrt W for w printed ∂L/∂W = 0, and a claim of 0 was "correct"
    with pytest.raises(HwcheckError) as err:
        hwcheck.derive("0.5*w**2*x", wrt="W")
    assert err.value.where == "--wrt" and "did you mean 'w'" in err.value.message
    with pytest.raises(HwcheckError):
        hwcheck.derive("w*x", wrt="w,q")


def test_wrt_variable_that_cancels_gives_zero_with_note():
    r = hwcheck.derive("w*x + q - q", wrt="w,q", at="w=1,x=3")
    assert r.derivatives["q"]["expr"] == "0" and r.derivatives["q"]["value"] == 0
    assert any("q cancels out" in n for n in r.notes)


def test_cli_unknown_wrt_is_exit_2(cli):
    code, out, err = cli("derive", "w**2", "--wrt", "W")
    assert code == 2 and "did you mean 'w'" in err and out == ""


def test_division_by_zero_reports_the_point():
    with pytest.raises(HwcheckError) as err:
        hwcheck.derive("1/w", wrt="w", at="w=0")
    assert "division by zero" in err.value.message and "w=0" in err.value.message


def test_cycle_in_definitions():
    with pytest.raises(HwcheckError, match="cycle"):
        hwcheck.derive("y", define=["y=z+1", "z=y*2"], wrt="y")


def test_preset_and_expression_together_is_an_error():
    with pytest.raises(HwcheckError, match="not both"):
        hwcheck.derive("x", preset="sigmoid-mse")


def test_stable_numeric_sigmoid_far_out():
    f = compile_objective("-t*log(sigmoid(z)) - (1-t)*log(1-sigmoid(z))", ("z",), ("t",))
    assert f.value({"z": -1e4, "t": 1}) == pytest.approx(1e4)
    assert f.gradient({"z": 1e4, "t": 0})["z"] == pytest.approx(1.0)
    assert math.isfinite(f.value({"z": 1e4, "t": 1}))


# ----------------------------------------------------------------------------- CLI


def test_cli_derive_json_and_latex(cli):
    import json

    code, out, _ = cli("derive", "--preset", "sigmoid-mse-l2", "--wrt", "w", "--json")
    assert (
        code == 0 and json.loads(out)["derivatives"]["w"]["expr"] == "lam*w + x*y*(1 - y)*(y - t)"
    )
    code, out, _ = cli("derive", "--preset", "sigmoid-mse-l2", "--wrt", "w", "--format", "latex")
    assert code == 0 and r"\lambda w + x y \left(1 - y\right)" in out


def test_cli_leading_minus_expression(cli):
    code, out, _ = cli("derive", "--wrt", "z", "--json", "--", "-t*log(sigmoid(z))")
    assert code == 0 and '"t*(-1 + sigmoid(z))"' in out
    code, out, _ = cli("derive", "--expr", "-t*log(sigmoid(z))", "--wrt", "z", "--json")
    assert code == 0


def test_cli_bad_expression_is_one_line_with_position(cli):
    code, _out, err = cli("derive", "w*x + foo(b)")
    assert code == 2
    assert err.splitlines()[0] == "error: expression: unknown function 'foo' at column 7"


# ----------------------------------------------------------------------------- golden


def test_golden_exercise_h_explained(cli, golden):
    code, out, _ = cli(
        "derive",
        "--preset",
        "sigmoid-mse-l2",
        "--explain",
        "--at",
        "w=0.1,b=0,x=2,t=0,lam=0.01",
        "--format",
        "markdown",
    )
    assert code == 0
    golden("symbolic/derive_h_explain.md", out)


def test_bce_value_is_right_far_out_in_both_tails():
    """−log(1 − σ(z)) at z = 10⁴ is 10⁴ (30-digit evaluation alone cancels to a wrong 352.1)."""
    for w, t in ((10_000, 0), (-10_000, 1)):
        result = hwcheck.derive(preset="sigmoid-bce", at=f"w={w},b=0,x=1,t={t}").to_json()
        assert abs(result["value"] - 10_000) < 1e-9
        assert {v["value"] for v in result["derivatives"].values()} == {1.0 if t == 0 else -1.0}
