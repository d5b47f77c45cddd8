"""``lstsq`` and ``linear-collapse`` (exercises N, R, U), against numpy and random matrices."""

from __future__ import annotations

import itertools
import json
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hwcheck.families.linalg.exact import matmul, pinv, rank


def run_json(cli, command, *args):
    code, out, err = cli(command, *args, "--json")
    assert code == 0, err
    return json.loads(out)


def text(m) -> str:
    return "; ".join(" ".join(str(v) for v in row) for row in m)


matrices = st.integers(1, 4).flatmap(
    lambda n: st.integers(1, 4).flatmap(
        lambda d: st.lists(
            st.lists(st.integers(-3, 3), min_size=d, max_size=d), min_size=n, max_size=n
        )
    )
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(matrices, st.data())
def test_lstsq_agrees_with_numpy(cli, x, data):
    y = data.draw(st.lists(st.integers(-3, 3), min_size=len(x), max_size=len(x)))
    if not any(any(row) for row in x):
        return
    got = run_json(cli, "lstsq", "--X", text(x), "--y", " ".join(map(str, y)))
    a, b = np.array(x, float), np.array(y, float)
    assert got["rank_X"] == np.linalg.matrix_rank(a)
    assert got["rank_Xy"] == np.linalg.matrix_rank(np.column_stack([a, b]))
    w_np = np.linalg.lstsq(a, b, rcond=None)[0]  # numpy's minimiser is the minimum-norm one
    assert got["min_norm_solution_float"] == pytest.approx(list(w_np), abs=1e-9)
    assert len(got["null_space"]) == a.shape[1] - got["rank_X"]
    for v in got["null_space"]:
        assert np.allclose(a @ np.array([float(Fraction(c)) for c in v]), 0)
    residual = a @ w_np - b
    assert float(Fraction(got["min_loss"])) == pytest.approx(0.5 * residual @ residual, abs=1e-9)
    assert got["consistent"] == got["zero_loss"]
    # exactly, in fractions: the minimum-norm solution is X⁺y (X⁺ by the rank factorisation,
    # the reference the Penrose test below checks)
    exact = matmul(pinv([[Fraction(v) for v in row] for row in x]), [[Fraction(v)] for v in y])
    assert [Fraction(c) for c in got["min_norm_solution"]] == [row[0] for row in exact]


@settings(max_examples=30, deadline=None)
@given(matrices)
def test_pseudo_inverse_meets_penrose_conditions_exactly(x):
    a = [[Fraction(v) for v in row] for row in x]
    p = pinv(a)
    assert matmul(matmul(a, p), a) == a
    assert matmul(matmul(p, a), p) == p
    ap, pa = matmul(a, p), matmul(p, a)
    assert ap == [list(r) for r in zip(*ap, strict=True)]
    assert pa == [list(r) for r in zip(*pa, strict=True)]
    assert rank(a) == np.linalg.matrix_rank(np.array(x, float))


def test_exercise_n_sgd_from_zero_reaches_the_minimum_norm_solution(cli):
    x, y = "1 2 0; 0 1 1", "1 2"
    analysis = run_json(cli, "lstsq", "--X", x, "--y", y)
    assert analysis["formula"] == "Xᵀ(XXᵀ)⁻¹y" and analysis["solutions"] == "infinitely many"
    assert analysis["min_norm_solution"] == ["-1/3", "2/3", "4/3"]
    trace = run_json(cli, "sgd", "--problem", "lstsq", "--X", x, "--y", y, "--steps", "2000")
    final = [trace["final"][k] for k in sorted(trace["final"])]
    assert final == pytest.approx(analysis["min_norm_solution_float"], abs=1e-6)


@pytest.mark.parametrize(
    ("x", "y", "solutions"),
    [
        ("1 0; 0 1; 1 1", "1 2 3", "exactly one"),  # n > d, consistent: one, not infinitely many
        ("1 0; 0 1; 1 1", "1 2 4", "none"),  # n > d, inconsistent
        ("1 2 3", "1", "infinitely many"),  # n < d
        ("1 2; 2 4", "1 3", "none"),  # n = d, singular: not exactly one
    ],
)
def test_exercise_u_the_rank_decides_not_the_sample_count(cli, x, y, solutions):
    assert run_json(cli, "lstsq", "--X", x, "--y", y)["solutions"] == solutions


def _product(word: list[str], mats: dict[str, np.ndarray]) -> np.ndarray:
    out = mats[word[0]]
    for w in word[1:]:
        out = out @ mats[w]
    return out


@pytest.mark.parametrize("m", [1, 2, 3, 5])
def test_collapse_identity_on_random_non_commuting_matrices(cli, m):
    got = run_json(cli, "linear-collapse", "--layers", str(m))
    rng = np.random.default_rng(m)
    dims = rng.integers(2, 5, size=m + 1)
    mats = {"x": rng.normal(size=(3, dims[0]))}
    for k in range(1, m + 1):
        mats[f"W{k}"] = rng.normal(size=(dims[k - 1], dims[k]))
        mats[f"b{k}"] = rng.normal(size=(1, dims[k]))
    y = mats["x"]
    for k in range(1, m + 1):
        y = y @ mats[f"W{k}"] + mats[f"b{k}"]
    w_prime = _product(got["W_prime"].split("·"), mats)
    b_prime = sum(_product(t.split("·"), mats) for t in got["b_prime"].split(" + "))
    assert np.allclose(mats["x"] @ w_prime + b_prime, y)


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        ("y=x W' + b'", "correct"),
        ("y=W' + b'", "wrong"),  # the student's last line: x dropped
        ("W_prime=W4 W3 W2 W1", "wrong"),  # matrices do not commute
        ("b_prime=b1 W2 W3 W4 + b2 W3 W4 + b3 W4 + b4", "correct"),
        ("y=(((x W1 + b1) W2 + b2) W3 + b3) W4 + b4", "correct"),
        ("y=x W1 W2 W3 W4 + b1 W2 W3 W4 + b2 W3 W4 + b3 W4 + b4", "correct"),
        ("y=x W1 W2 W3 W4 + b4", "wrong"),
        ("y=x W1 W2 W3 W4 + b1 W2 W3 W4 + b2 W3 W4 + b3 W4 + b4 + 0*b1", "correct"),
    ],
)
def test_exercise_r_claims(cli, claim, verdict):
    _code, out, _err = cli("linear-collapse", "--layers", "4", "--claim", claim, "--json")
    got = json.loads(out)["claims"][0]
    assert got["verdict"] == verdict, got
    if claim == "y=W' + b'":
        assert "x is missing" in got["rule"] + str(got.get("hint", ""))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["lstsq", "--X", "1 2; 3 4", "--y", "1 2 3"], "has 3 entries but X has 2 rows"),
        (["lstsq", "--X", "1 2; 3", "--y", "1 2"], "--X"),
        (["linear-collapse", "--layers", "99"], "--layers"),
    ],
)
def test_bad_input(cli, args, message):
    code, _out, err = cli(*args)
    assert code == 2 and message in err


def test_unreadable_matrix_claim_is_one_error_line(cli):
    code, _out, err = cli("linear-collapse", "--claim", "y=x W1 $ b1")
    assert code == 2 and err.strip() == "error: --claim y: unexpected '$'"


@pytest.mark.parametrize(
    ("spec", "runs"),
    [
        ("20 | dense 10 | dense 10 | dense 3", [[0, 1, 2]]),
        ("20 | dense 10 | relu | dense 10 | dense 3", [[2, 3]]),
        ("20 | dense 10 activation=relu | dense 10 | dense 3 activation=relu", [[1, 2]]),
        ("20 | dense 10 | dropout 0.5 | dense 3", []),  # not directly chained: left alone
    ],
)
def test_params_reports_dense_layers_that_collapse(spec, runs):
    """W′'s shape is the product's (numpy multi_dot of random weights), and x·W′ + b′ is the
    stack's output; the counts are the layers' own weights and the collapsed layer's."""
    import hwcheck

    r = hwcheck.params(spec=spec)
    found = r.linear_collapse or []
    assert [run["layers"] for run in found] == runs
    rng = np.random.default_rng(0)
    for run in found:
        nodes = run["layers"]
        sizes = [r.layers[i - 1]["output_shape"][-1] if i else 20 for i in nodes]
        sizes.append(r.layers[nodes[-1]]["output_shape"][-1])
        ws = [rng.normal(size=(a, b)) for a, b in itertools.pairwise(sizes)]
        bs = [rng.normal(size=b) for b in sizes[1:]]
        x = rng.normal(size=(4, sizes[0]))
        y = x
        for w, b in zip(ws, bs):
            y = y @ w + b
        w_prime = np.linalg.multi_dot(ws) if len(ws) > 1 else ws[0]
        b_prime = 0
        for k, b in enumerate(bs):  # b′ = Σₖ bₖ·Wₖ₊₁···Wₘ
            for w in ws[k + 1 :]:
                b = b @ w
            b_prime = b_prime + b
        assert np.allclose(x @ w_prime + b_prime, y)
        assert run["W_prime_shape"] == list(w_prime.shape)
        assert run["params"] == sum(w.size + b.size for w, b in zip(ws, bs))
        assert run["collapsed_params"] == w_prime.size + b_prime.size
