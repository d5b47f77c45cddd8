"""compile_objective: the optimizers' entry point to user objectives."""

from __future__ import annotations

import math
import random

import pytest

from hwcheck.core.errors import HwcheckError
from hwcheck.families.symbolic.numeric import compile_objective


def test_saddle_value_and_gradient():
    f = compile_objective("x**2 - y**2", ("x", "y"))
    assert f.value({"x": 1.0, "y": 2.0}) == -3.0
    assert f.gradient({"x": 1.0, "y": 2.0}) == {"x": 2.0, "y": -4.0}


def test_gradient_only_for_params():
    f = compile_objective("0.5*(sigmoid(w*x+b) - t)**2 + lam/2*w**2", ("w", "b"), ("x", "t", "lam"))
    g = f.gradient({"w": 0.1, "b": 0.0, "x": 2.0, "t": 0.0, "lam": 0.01})
    assert set(g) == {"w", "b"}
    y = 1 / (1 + math.exp(-0.2))  # σ(w·x + b) worked by hand
    assert g["w"] == pytest.approx(2 * y * (1 - y) * y + 0.01 * 0.1, rel=1e-12)
    assert g["b"] == pytest.approx(y * (1 - y) * y, rel=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_gradient_matches_central_difference(seed):
    rng = random.Random(seed)
    f = compile_objective("tanh(a*b) + softplus(a - 2*b) - log(sigmoid(a))", ("a", "b"))
    env = {"a": rng.uniform(-2, 2), "b": rng.uniform(-2, 2)}
    for name, value in f.gradient(env).items():
        up, down = dict(env), dict(env)
        up[name] += 1e-6
        down[name] -= 1e-6
        assert value == pytest.approx((f.value(up) - f.value(down)) / 2e-6, rel=1e-6, abs=1e-8)


def test_unknown_names_are_listed():
    with pytest.raises(HwcheckError) as err:
        compile_objective("x**2 + q*r", ("x",), ("s",))
    assert err.value.where == "--objective" and "unknown names q, r" in err.value.message


def test_bad_text_is_an_error_with_the_where():
    with pytest.raises(HwcheckError) as err:
        compile_objective("x**2 +", ("x",), where="--objective")
    assert err.value.where == "--objective"


def test_domain_error_names_the_point():
    f = compile_objective("log(x)", ("x",))
    with pytest.raises(HwcheckError, match="x=-1"):
        f.value({"x": -1.0})


def test_stable_far_out():
    f = compile_objective("softplus(z) + log(sigmoid(z))", ("z",))
    assert f.value({"z": -1e4}) == pytest.approx(-1e4)
    assert f.value({"z": 1e4}) == pytest.approx(1e4)
    assert f.gradient({"z": 1e4})["z"] == pytest.approx(1.0)
