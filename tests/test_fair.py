"""Fair judging (issue 10.3, CONVENTIONS §5): every answer read as a person writes it.

One test per rule and both directions: the fair reading is correct, and a truly wrong answer
stays wrong. The expected values come from the exercise statements and hand arithmetic, not
from the program's output.
"""

from __future__ import annotations

import json
import textwrap

import pytest

import hwcheck


def one(result, key, claimed, **tol):
    return result.verify({key: claimed}, **tol)[0]


def claims(result, mapping, **tol):
    return {v.key: v for v in result.verify(mapping, **tol)}


# --------------------------------------------------------------- a scalar for equal axes

SQUARE = "227x227x3 | conv2d 8 11 stride=4 | maxpool2d 3 stride=2 | conv2d 8 5"


def test_one_value_for_equal_axes():
    # r = 1 + 10·1 + 2·4 + 4·8 = 51 on both axes (Araujo et al.'s recurrence by hand)
    r = hwcheck.rf(spec=SQUARE)
    v = one(r, "rf", 51)
    assert v.verdict == "correct" and "one value for equal axes" in v.rule
    assert one(r, "rf", "51").verdict == "correct"
    assert one(r, "rf", 50).verdict == "wrong"
    assert one(r, "jump", 8).verdict == "correct"  # 4·2


def test_one_value_for_unequal_axes_stays_wrong():
    r = hwcheck.rf(spec="64x64x1 | conv2d 1 kernel=[3,5] | conv2d 1 kernel=[3,5]")
    v = one(r, "rf", 5)  # axes are 5 and 9
    assert v.verdict == "wrong" and "one value per axis" in v.hint
    assert one(r, "rf", "[5, 9]").verdict == "correct"


def test_scalar_for_a_tensor_shape_is_not_the_equal_axes_rule():
    r = hwcheck.params(spec="35x35x35 | relu")
    assert one(r, "output_shape", 35).verdict == "wrong"


# --------------------------------------------------------------------- batch axis

B = "35x35x16 | conv2d filters=32 kernel=3 padding=same"


@pytest.mark.parametrize(
    "claimed",
    ["(None, 35, 35, 32)", "[None, 35, 35, 32]", "[1, 35, 35, 32]", "[null, 35, 35, 32]"],
)
def test_batch_axis_is_dropped_with_a_note(claimed):
    v = one(hwcheck.params(spec=B), "output_shape", claimed)
    assert v.verdict == "correct" and "batch axis" in v.rule and "dropped" in v.rule


def test_shape_without_batch_axis_stays_plain_and_wrong_batch_shapes_stay_wrong():
    r = hwcheck.params(spec=B)
    v = one(r, "output_shape", "[35, 35, 32]")
    assert (v.verdict, v.rule) == ("correct", "shape: exact")
    assert one(r, "output_shape", "(None, 33, 33, 32)").verdict == "wrong"  # padding forgotten
    assert one(r, "output_shape", "[2, 35, 35, 32]").verdict == "wrong"  # 2 is no batch axis


def keras_or_skip():
    """Real Keras 3 on the torch backend (skips cleanly when either is absent)."""
    import os

    pytest.importorskip("torch")
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


def test_batch_axis_through_real_keras_summary_shape():
    keras = keras_or_skip()
    model = keras.Sequential(
        [keras.Input((35, 35, 16)), keras.layers.Conv2D(32, 3, padding="same")]
    )
    printed = str(model.layers[0].output.shape)  # what summary() prints: (None, 35, 35, 32)
    assert printed.startswith("(None")
    assert one(hwcheck.params(spec=B), "output_shape", printed).verdict == "correct"


# ------------------------------------------------------------------ channels-first


def test_channels_first_claim_of_a_channels_last_result():
    v = one(hwcheck.params(spec=B), "output_shape", "[32, 35, 35]")
    assert v.verdict == "wrong" and "looks channels-first" in v.hint
    v = one(hwcheck.params(spec=B), "output_shape", "(None, 32, 35, 35)")
    assert v.verdict == "wrong" and "looks channels-first" in v.hint


def test_channels_last_claim_of_a_channels_first_result():
    r = hwcheck.params(spec="16x35x35 | conv2d 32 3 padding=same", layout="chw")
    assert one(r, "output_shape", "[32, 35, 35]").verdict == "correct"
    v = one(r, "output_shape", "[35, 35, 32]")
    assert v.verdict == "wrong" and "looks channels-last" in v.hint


def test_a_plain_wrong_shape_gets_no_layout_hint():
    v = one(hwcheck.params(spec=B), "output_shape", "[33, 33, 32]")
    assert v.verdict == "wrong" and "channels" not in (v.hint or "")


# ----------------------------------------------------------- up to scale and sign

K121 = "1 2 1; 2 4 2; 1 2 1"


def test_separable_factors_judged_by_their_product():
    r = hwcheck.separable(f=K121)
    got = claims(r, {"u": "[2, 4, 2]", "v": "[0.5, 1, 0.5]"})
    assert all(v.verdict == "correct" for v in got.values())
    assert "u·vᵀ" in got["u"].rule
    got = claims(r, {"u": "[-1, -2, -1]", "v": "[-1, -2, -1]"})  # both signs flipped
    assert all(v.verdict == "correct" for v in got.values())


def test_separable_factors_whose_product_is_not_the_kernel_stay_wrong():
    r = hwcheck.separable(f=K121)
    got = claims(r, {"u": "[2, 4, 2]", "v": "[1, 2, 1]"})  # product is 2·F
    assert all(v.verdict == "wrong" for v in got.values())
    got = claims(r, {"u": "[1, 2, 3]", "v": "[1, 2, 1]"})
    assert all(v.verdict == "wrong" for v in got.values())


def test_one_factor_alone_is_judged_up_to_a_factor():
    r = hwcheck.separable(f="3 6 9; 4 8 12; 5 10 15")  # exercise E: [3,4,5]ᵀ·[1,2,3]
    assert one(r, "u", "[6, 8, 10]").verdict == "correct"
    assert one(r, "v", "[-0.5, -1, -1.5]").verdict == "correct"
    assert one(r, "u", "[3, 4, 6]").verdict == "wrong"
    assert one(r, "u", "[0, 0, 0]").verdict == "wrong"


def test_eigenvectors_up_to_sign_and_scale():
    # H = [[2, 1], [1, 3]]: λ = (5 ∓ √5)/2; (H − λ₁I)v = 0 gives v₁ ∥ [1, −(√5 − 1)/2]
    r = hwcheck.gd_quadratic(H="2 1; 1 3")
    phi = (5**0.5 - 1) / 2
    assert one(r, "eigenvectors.0", [1, -phi]).verdict == "correct"
    assert one(r, "eigenvectors.0", [-2, 2 * phi]).verdict == "correct"
    assert one(r, "eigenvectors.1", [phi, 1]).verdict == "correct"
    assert one(r, "eigenvectors", [[-1, phi], [3 * phi, 3]]).verdict == "correct"
    assert one(r, "eigenvectors.0", [1, 1]).verdict == "wrong"
    assert one(r, "eigenvectors", [[1, phi], [phi, 1]]).verdict == "wrong"


# ------------------------------------------------------------- approximate integers

C = (
    "227x227x3 | conv2d filters=256 kernel=5 padding=same | conv2d filters=128 kernel=5"
    " padding=same | maxpool2d kernel=5 stride=2 | flatten | dense units=512 | dense units=100"
)


@pytest.mark.parametrize(
    ("claimed", "rtol"),
    [
        ("~823M", 1e-3),  # 822,974,180 (exercise C)
        ("≈ 0.823B", 1e-3),
        ("≈823M", 1e-3),
        ("8.23e8", 1e-3),
        ("822.97 million", 1e-3),
        ("0.82297 billion", 1e-3),
        ("~0.8B", 0.05),
        ("8.2·10^8", 0.01),
    ],
)
def test_approximate_integer_claims_are_judged_within_rtol(claimed, rtol):
    v = one(hwcheck.params(spec=C), "total_params", claimed, rtol=rtol)
    assert v.verdict == "correct" and "approximate" in v.rule and f"rtol {rtol:g}" in v.rule


@pytest.mark.parametrize("claimed", ["~1.4M", "4.6k", "1.4e6", "1.37 million", "2.5 billion"])
def test_approximate_integer_claims_far_off_stay_wrong(claimed):
    v = one(hwcheck.params(spec=C), "total_params", claimed)
    assert v.verdict == "wrong" and "approximate" in v.rule


def test_approximate_claims_on_exercise_b():
    r = hwcheck.params(spec=B)  # 4640
    assert one(r, "total_params", "4.6k", rtol=0.01).verdict == "correct"
    assert one(r, "total_params", "4.6k").verdict == "imprecise"  # 2 figures, 0.9% off
    assert one(r, "total_params", "5k", rtol=0.01).verdict == "wrong"


@pytest.mark.parametrize("claimed", ["4640", "4_640", "4,640", "4640.0", 4640])
def test_plain_integers_stay_exact_and_say_rtol_does_not_apply(claimed):
    r = hwcheck.params(spec=B)
    assert one(r, "total_params", claimed).verdict == "correct"
    v = one(r, "total_params", "4641", rtol=0.01)
    assert v.verdict == "wrong" and "approximate claims only" in v.rule


# ------------------------------------------------------------------------ imprecise


def test_one_figure_is_wrong_not_imprecise():
    # H = diag(10, 1): lr_opt = 2/11 = 0.1818…, lr_max = 2/10 = 0.2
    r = hwcheck.gd_quadratic(H="10 0; 0 1")
    v = one(r, "lr_opt", "0.2")
    assert v.verdict == "wrong" and "only to one figure" in v.hint
    assert one(r, "lr_opt", "0.18").verdict == "imprecise"
    assert one(r, "lr_opt", "0.1818").verdict == "correct"
    assert one(r, "lr_opt", "0.19").verdict == "wrong"


# -------------------------------------------------------------- trace notation


def test_trace_notation_aliases_steps():
    # exercise I by hand: g_w = (σ(0.2) − 0)·σ′(0.2)·2 = 0.272186, w(1) = 0.1 − 0.1·g_w
    r = hwcheck.sgd(steps=2)
    v = one(r, "w(1)", "0.0728")
    assert v.verdict == "correct" and "steps.0.params.w" in v.rule
    assert one(r, "b(1)", "-0.01361").verdict == "correct"
    assert one(r, "w(0)", "0.1").verdict == "correct"
    assert one(r, "w(1)", "0.1372").verdict == "wrong"  # the students' value


def test_trace_notation_for_state_names():
    r = hwcheck.adam(steps=1)
    # m₁ = (1 − β₁)·g = 0.1·0.272186
    assert one(r, "exp_avg(1).w", "0.0272186").verdict == "correct"
    assert one(r, "exp_avg.w(1)", "0.0272186").verdict == "correct"
    assert one(r, "exp_avg.w(1)", "0.272186").verdict == "wrong"


def test_trace_notation_in_answers_files(cli, tmp_path):
    path = tmp_path / "a.toml"
    path.write_text(
        textwrap.dedent("""
        [[exercise]]
        id = "I"
        command = "sgd"
        steps = 2
        [exercise.claims]
        "w(1)" = "0.0728"
        "w(2)" = "0.0849"
        "w(7)" = "1"
        """)
    )
    code, out, _ = cli("check", str(path), "--json")
    got = {c["key"]: c["verdict"] for c in json.loads(out)["exercises"][0]["claims"]}
    assert got == {"w(1)": "correct", "w(2)": "correct", "w(7)": "error"}
    assert code == 1


def test_a_claim_one_step_early_says_steps_count_from_zero():
    r = hwcheck.sgd(steps=2)
    v = one(r, "steps.1.params.w", "0.0728")  # the value at t = 1, claimed for steps.1
    assert v.verdict == "wrong" and "this is t = 2 (steps are numbered from 0 in keys)" in v.hint
    v = one(r, "steps.0.params.w", "0.1")  # w(0)
    assert "this is t = 1" in v.hint
    v = one(r, "steps.1.params.w", "0.5")
    assert v.verdict == "wrong" and "numbered" not in (v.hint or "")


# ------------------------------------------------------------ unreadable claims


@pytest.mark.parametrize("claimed", ["E2", "lots", "[1, 2", "~", "1.4Q", "{}"])
def test_unreadable_claims_are_error_rows_in_check(cli, tmp_path, claimed):
    path = tmp_path / "a.toml"
    path.write_text(
        "[[exercise]]\nid = 'B'\ncommand = 'params'\n"
        f"spec = '{B}'\n[exercise.claims]\ntotal_params = {json.dumps(claimed)}\n"
        "output_shape = '35x35x32'\n"
    )
    code, out, err = cli("check", str(path), "--json")
    rows = json.loads(out)["exercises"][0]["claims"]
    assert [r["verdict"] for r in rows] == ["error", "correct"]
    assert code == 1 and "Traceback" not in err


def test_unreadable_claim_on_the_command_line_is_exit_2(cli):
    code, _, err = cli("params", "--spec", B, "--claim", "total_params=E2")
    assert code == 2 and err.startswith("error: --claim total_params")


def test_a_changed_rtol_is_never_silently_ignored():
    r = hwcheck.gd_quadratic(H="2 0; 0 1", lr=0.75)
    v = one(r, "converges", "true", rtol=0.1)
    assert v.verdict == "correct" and "tolerances do not apply" in v.rule
    assert "tolerances" not in one(r, "converges", "true").rule
    v = one(hwcheck.params(spec=B), "total_params", "4,640", rtol=0.1)
    assert "applies to approximate claims only" in v.rule


def test_a_changed_atol_on_a_plain_integer_is_named_not_ignored(cli):
    code, out, _ = cli(
        "params", "--spec", "35x35x16 | conv2d 32 3 padding=same", "--atol", "50",
        "--claim", "total_params=4600", "--json",
    )  # fmt: skip
    rule = json.loads(out)["claims"][0]["rule"]
    assert code == 1 and "atol 50 applies to approximate claims only" in rule
