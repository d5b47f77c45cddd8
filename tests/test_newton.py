"""Exercise V: Newton's method on f = ½wᵀHw — ∇²f = H, (∇²f)⁻¹ = H⁻¹, 0 < ε < 2."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest

H = "3 1; 1 3"


def run(cli, *args):
    code, out, err = cli("gd-quadratic", "--H", H, "--newton", *args, "--json")
    assert code in (0, 1), err
    return json.loads(out)


def test_hessian_is_h_and_its_inverse_is_exact(cli):
    data = run(cli)
    assert data["hessian"] == [[3, 1], [1, 3]]
    inv = np.array([[float(Fraction(v)) for v in row] for row in data["hessian_inverse"]])
    assert np.allclose(inv, np.linalg.inv(np.array([[3.0, 1.0], [1.0, 3.0]])))
    assert data["hessian_inverse"] == [["3/8", "-1/8"], ["-1/8", "3/8"]]


def test_hessian_against_torch_autograd(cli):
    torch = pytest.importorskip("torch")
    h = torch.tensor([[3.0, 1.0], [1.0, 3.0]], dtype=torch.float64)
    hess = torch.autograd.functional.hessian(
        lambda w: 0.5 * w @ h @ w, torch.ones(2, dtype=torch.float64)
    )
    assert run(cli)["hessian"] == hess.tolist()


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        ("hessian_inverse=[[0.375,-0.125],[-0.125,0.375]]", "correct"),
        ("hessian_inverse=[[0.1875,-0.0625],[-0.0625,0.1875]]", "wrong"),  # the student's ½H⁻¹
        ("newton_lr_max=1", "wrong"),  # the student's 0 < ε < 1
        ("newton_lr_max=2", "correct"),
    ],
)
def test_students_answers(cli, claim, verdict):
    assert run(cli, "--claim", claim)["claims"][0]["verdict"] == verdict


def test_one_newton_step_at_lr_1_reaches_the_minimum(cli):
    data = run(cli, "--lr", "1", "--steps", "1", "--w0", "2 -1")
    assert data["steps"][-1]["w"] == pytest.approx([0.0, 0.0], abs=1e-12)


def test_a_singular_h_has_no_newton_step(cli):
    code, _out, err = cli("gd-quadratic", "--H", "1 1; 1 1", "--newton")
    assert code == 2 and "singular" in err
