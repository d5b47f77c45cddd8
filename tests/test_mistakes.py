"""Named mistakes (issue 14): every catalogue entry is named back when applied, a right answer
never gets one, and the course's wrong answers get theirs.

Expected values are worked by hand from the exercise statements (or taken from torch.nn and
Keras 3 counts), never copied from hwcheck's output.
"""

from __future__ import annotations

import json
import os
import re
from math import prod

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hwcheck
from hwcheck.claims import diagnose as mistakes
from hwcheck.claims.compare import Comparer
from hwcheck.claims.diagnose import Case
from hwcheck.claims.lookup import lookup, valid_keys
from hwcheck.claims.outcome import Tolerance
from tests.conftest import DATA, ROOT


def ids_of(verdict) -> list[str]:
    return [m.id for m in verdict.mistakes]


def one(result, key, claimed, **tol):
    return result.verify({key: claimed}, **tol)[0]


# ----------------------------------------------------------------------------- the registry


def test_ids_are_stable_snake_case_and_unique():
    ids = mistakes.ids()
    assert len(ids) == len(set(ids)) >= 30
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", i) for i in ids)
    assert "follows_from_earlier" in ids and "bias_forgotten" in ids


def test_every_entry_has_a_name_explanation_and_quantity():
    for m in mistakes.catalogue():
        assert m.name and m.explanation and m.applies_to, m.id


def test_the_readme_lists_every_id():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Named mistakes", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\| `([a-z0-9_]+)` \|", section, flags=re.MULTILINE)
    assert listed == list(mistakes.ids())


def test_params_does_not_import_sympy_for_a_diagnosis(cli):
    import subprocess
    import sys

    code = (
        "import sys, hwcheck; r = hwcheck.params(spec='35x35x16 | conv2d 32 3');"
        "v = r.verify({'total_params': 4608})[0]; assert v.mistakes;"
        "assert 'sympy' not in sys.modules and 'numpy' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


# --------------------------------------------------------- apply → diagnose → the same id


def diagnosable(key: str) -> bool:
    """The keys the property tests apply mistakes to."""
    parts = key.split(".")
    top, n = parts[0], len(parts)
    if top in ("total_params", "trainable_params", "total_macs", "rf", "rf_area", "dL_dX"):
        return n == 1
    if top in ("lr_max", "newton_lr_max", "converges", "output", "shape", "output_shape"):
        return n == 1
    if top in ("memory", "flops"):  # params --memory
        return n == 2
    if top == "layers" and n == 4:
        return parts[2] in ("memory", "flops")
    if top == "layers":
        return n == 3 and parts[2] in ("params", "output_shape", "size", "macs", "rf", "dL_dW")
    if top in ("matrix", "derivatives"):
        return n <= 2
    if top == "steps" and n == 5 and parts[2] == "layers":  # backprop: W after a step
        return parts[4] == "W"
    return top == "steps" and n == 4 and parts[2] == "params"


def keys_of(data: dict) -> list[str]:
    return [key for key in valid_keys(data) if diagnosable(key)]


def applied_and_named(result) -> set[str]:
    """Apply every catalogue entry to every key; each value that is wrong must name it back."""
    data = result.to_json()
    seen = set()
    for key in keys_of(data):
        path, expected = lookup(data, key)
        case = Case(result, data, path, expected, {})
        comparer = Comparer(result, Tolerance(), data, {})
        for m in mistakes.for_command(data["command"]):
            for cand in m.recompute(case):
                claim = cand.value["expr"] if isinstance(cand.value, dict) else cand.value
                v = one(result, key, claim)
                if v.verdict != "wrong" or not mistakes._matches(comparer, case, cand.value, claim):
                    continue  # the mistake gives the right value (or a near one) here
                if cand.also:  # a pair: named as the pair, or as the one that acted alone
                    assert {m.id, *cand.also} & set(ids_of(v)), (m.id, cand.also, key, v)
                    continue
                assert m.id in ids_of(v), (m.id, key, claim, v)
                seen.add(m.id)
    return seen


LAYERS = st.sampled_from(
    [
        "conv2d {f} {k} padding=same",
        "conv2d {f} {k}",
        "conv2d {f} {k} stride=2",
        "conv2d {f} {k} padding=1",
        "conv2d {f} {k} bias=false",
        "maxpool2d 2",
        "maxpool2d 3 stride=2 ceil_mode=true",
        "avgpool2d 2",
        "batchnorm",
        "relu",
    ]
)


@st.composite
def models(draw):
    n = draw(st.integers(16, 40))
    c = draw(st.integers(1, 4))
    body = [
        draw(LAYERS).format(f=draw(st.integers(2, 9)), k=draw(st.sampled_from([1, 3, 5])))
        for _ in range(draw(st.integers(1, 3)))
    ]
    tail = ["flatten", f"dense {draw(st.integers(2, 12))}"] if draw(st.booleans()) else []
    framework = draw(st.sampled_from(["keras", "pytorch"]))
    return f"{n}x{n}x{c} | " + " | ".join(body + tail), framework


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models())
def test_params_mistakes_are_named_back(spec_framework):
    spec, framework = spec_framework
    try:
        result = hwcheck.params(spec=spec, framework=framework, layout="hwc")
    except hwcheck.HwcheckError:
        return  # too small for its layers: nothing to diagnose
    applied_and_named(result)


@settings(max_examples=15, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([1, 2, 3, 5]), st.sampled_from([1, 2]), st.sampled_from([1, 2])),
        min_size=1,
        max_size=4,
    )
)
def test_rf_mistakes_are_named_back(stack):
    spec = "200x200x1 | " + " | ".join(f"conv2d 1 {k} stride={s} dilation={d}" for k, s, d in stack)
    applied_and_named(hwcheck.rf(spec=spec))


@settings(max_examples=10, deadline=None)
@given(st.sampled_from(["adam", "adamw", "rmsprop", "sgd", "adagrad"]), st.integers(2, 5))
def test_optimizer_mistakes_are_named_back(command, steps):
    extra = {"weight_decay": 0.1} if command in ("adam", "adamw") else {}
    applied_and_named(getattr(hwcheck, command)(steps=steps, **extra))


@settings(max_examples=15, deadline=None)
@given(st.floats(0.5, 5), st.floats(0.5, 5), st.floats(0.05, 3), st.booleans())
def test_gd_quadratic_mistakes_are_named_back(a, b, lr, newton):
    applied_and_named(hwcheck.gd_quadratic(H=f"{a} 0; 0 {b}", lr=lr, newton=newton))


@settings(max_examples=10, deadline=None)
@given(st.integers(3, 5), st.integers(2, 3), st.sampled_from(["conv", "xcorr"]), st.booleans())
def test_conv_matrix_mistakes_are_named_back(n, k, op, full):
    padding = "full" if full else "valid"
    applied_and_named(
        hwcheck.conv_matrix(input=f"{n}x{n}", kernel=f"{k}x{k}", op=op, padding=padding)
    )


def test_every_catalogue_entry_is_named_back_somewhere():
    """One model or problem per family where each entry applies (the properties above draw
    at random; this pins that no entry is left without one)."""
    seen = set()
    seen |= applied_and_named(
        hwcheck.params(
            spec="32x32x3 | conv2d 8 3 padding=same | conv2d 4 3 padding=1 | batchnorm"
            " | maxpool2d 3 stride=2 | flatten | dense 10"
        )
    )
    seen |= applied_and_named(
        hwcheck.params(spec="33x33x3 | conv2d 8 3 stride=2 | maxpool2d 2 ceil_mode=true")
    )
    seen |= applied_and_named(hwcheck.params(model="lenet5", batch=32, optimizer="adam"))
    seen |= applied_and_named(hwcheck.params(spec="300x300x3 | conv2d 100 5 | flatten | dense 2"))
    seen |= applied_and_named(
        hwcheck.rf(spec="100x100x1 | conv2d 1 3 | maxpool2d 2 | conv2d 1 3 dilation=2")
    )
    seen |= applied_and_named(hwcheck.rf(spec="100x100x1 | conv2d 1 5 stride=2 | conv2d 1 3"))
    seen |= applied_and_named(hwcheck.derive(preset="sigmoid-mse-l2"))
    seen |= applied_and_named(hwcheck.adamw(steps=3, weight_decay=0.1))
    seen |= applied_and_named(hwcheck.rmsprop(steps=3, eps=0.1))
    seen |= applied_and_named(hwcheck.sgd(steps=4))
    seen |= applied_and_named(hwcheck.nadam(steps=3))
    seen |= applied_and_named(hwcheck.radam(steps=3))
    seen |= applied_and_named(hwcheck.gd_quadratic(H="2 0; 0 1", lr=0.75))
    seen |= applied_and_named(hwcheck.gd_quadratic(H="2 0; 0 1", lr=1.5, newton=True))
    seen |= applied_and_named(hwcheck.conv_matrix(input="3x3", kernel="2x2", op="conv"))
    seen |= applied_and_named(
        hwcheck.conv_matrix(input="3x3", kernel="2x2", op="conv", padding="full")
    )
    seen |= applied_and_named(
        hwcheck.conv_backprop(x="1 2 3; 4 5 6; 7 8 9", f="1 2; 3 5", loss="sum")
    )
    layers = ["sigmoid | 0.5 -0.5; 0.25 1 | 0 0.1", "sigmoid | 1 -1; 0.5 2 | 0.2 0"]
    seen |= applied_and_named(
        hwcheck.backprop(layer=layers, x="1 2; -1 0.5", target="1 0; 0 1", lr=0.5, loss="bce")
    )
    seen |= applied_and_named(
        hwcheck.backprop(
            layer=[layers[0], "softmax | 1 0 -1; -1 0.5 0 | 0 0 0.2"],
            x="1 2; -1 0.5",
            target="0; 2",
            loss="ce",
            lr=0.5,
        )
    )
    missing = set(mistakes.ids()) - seen - {"follows_from_earlier", "other_variant"}
    assert not missing


# ------------------------------------------------------------- never a false diagnosis


def test_correct_claims_never_get_a_mistake():
    r = hwcheck.params(spec="35x35x16 | conv2d 32 3 padding=same | batchnorm")
    for key, value in (("total_params", 4768), ("layers.0.output_shape", "35x35x32")):
        v = one(r, key, value)
        assert v.ok and v.mistakes == ()
        assert v.to_json()["mistakes"] == []


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models())
def test_right_answers_are_never_diagnosed(spec_framework):
    spec, framework = spec_framework
    try:
        r = hwcheck.params(spec=spec, framework=framework)
    except hwcheck.HwcheckError:
        return
    data = r.to_json()
    claims = {k: json.dumps(lookup(data, k)[1]) for k in keys_of(data)}
    for v in r.verify(claims):
        assert v.ok and not v.mistakes, v


def test_a_wrong_claim_no_mistake_explains_names_none():
    v = one(hwcheck.params(spec="35x35x16 | conv2d 32 3"), "total_params", 4641)
    assert v.verdict == "wrong" and v.mistakes == () and v.to_json()["mistakes"] == []


def test_a_mistake_that_gives_the_right_value_is_not_named():
    # no bias anywhere: "bias forgotten" gives the right count and must not be named
    r = hwcheck.params(spec="35x35x16 | conv2d 32 3 bias=false")
    v = one(r, "total_params", 4608 + 32)  # the bias *added*: wrong, but not that mistake
    assert v.verdict == "wrong" and "bias_forgotten" not in ids_of(v)


def test_within_tolerance_only():
    r = hwcheck.gd_quadratic(H="2 0; 0 1")
    assert "lr_bound_one_over_lambda" in ids_of(one(r, "lr_max", "0.5"))
    assert ids_of(one(r, "lr_max", "0.51")) == []  # 2% from 1/λ_max
    assert "lr_bound_one_over_lambda" in ids_of(one(r, "lr_max", "0.51", rtol=0.05))


def test_rule_text_names_the_mistake_with_its_work():
    # exercise C's conv1 without its 256 biases: 5·5·3·256 = 19,200
    r = hwcheck.params(spec="227x227x3 | conv2d filters=256 kernel=5 padding=same")
    v = one(r, "layers.0.params", "19,200")
    assert v.hint == 'matches "bias forgotten": 5·5·3·256 = 19,200'
    assert v.to_json()["mistakes"] == [
        {"id": "bias_forgotten", "name": "bias forgotten", "value": 19200}
    ]


def test_several_matches_are_all_listed():
    # G's flatten 3,776 = 59·64: the pooling applied once more, or conv3 with 32 filters (118·32)
    r = hwcheck.params(spec=COURSE_G)
    assert set(ids_of(one(r, "layers.5.size", 3776))) >= {"pool_twice", "channels_swapped"}


def test_rule_text_in_the_table(cli):
    code, out, _ = cli(
        "params", "--spec", "227x227x3 | conv2d 256 5 padding=same", "--claim", "total_params=19200"
    )
    assert code == 1 and 'matches "bias forgotten"' in out


# ------------------------------------------------------------------ the course material

COURSE_G = (
    "500x7 | conv1d filters=16 kernel=3 | maxpool1d kernel=2 | conv1d filters=32 kernel=5 | "
    "maxpool1d kernel=2 | conv1d filters=64 kernel=5 | flatten | dense units=128 | dense units=5"
)


def course_claims(cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    _, out, _ = cli("check", str(DATA / "course_claims.toml"), "--json")
    return {
        (e["id"], c["key"]): [m["id"] for m in c["mistakes"]]
        for e in json.loads(out)["exercises"]
        for c in e["claims"]
    }


def test_course_wrong_answers_are_named(cli, monkeypatch):
    got = course_claims(cli, monkeypatch)
    # C-variant: the total is the sum of the students' own layer counts (with the dense count
    # carried from their flatten) plus the flatten size 1,163,520:
    # 9,728 + 819,456 + 595,722,752 + 51,300 + 1,163,520 = 597,766,756
    assert set(got["C-variant", "total_params"]) == {"follows_from_earlier", "output_size_in_total"}
    # (1,163,520 + 1)·512 = 595,722,752: right given their flatten
    assert got["C-variant", "layers.4.params"] == ["follows_from_earlier"]
    # G: 3,776 = 59·64 (pooled once more); (3,776 + 1)·128 = 483,456 follows from it
    assert "pool_twice" in got["G", "layers.5.size"]
    assert "follows_from_earlier" in got["G", "layers.6.params"]
    # H: σ² where σ belongs; ∂/∂w also lacks λw
    assert set(got["H", "derivatives.w"]) == {"sigma_squared", "regulariser_dropped"}
    assert got["H", "derivatives.x"] == ["sigma_squared"]
    assert got["H", "derivatives.b"] == ["sigma_squared"]
    # K: 1/λ_max = 1/2 and the verdict it implies for ε = 0.75; Newton's (0, 1) for ε = 1.5
    assert got["K-students", "lr_max"] == ["lr_bound_one_over_lambda"]
    assert got["K-students", "converges"] == ["lr_bound_one_over_lambda"]
    assert got["K-newton-students", "newton_lr_max"] == ["newton_bound_one"]
    assert got["K-newton-students", "converges"] == ["newton_bound_one"]
    # right answers carry no mistake
    assert got["B", "total_params"] == [] and got["C", "total_params"] == []


def test_course_answers_no_mistake_explains(cli, monkeypatch):
    got = course_claims(cli, monkeypatch)
    # the C-variant flatten 1,163,520 is no product of the pool output 45·45·256 = 518,400 with
    # any catalogue slip; exercise I's trace is not any mistaken run of SGD in the catalogue
    assert got["C-variant", "layers.3.size"] == []
    assert got["I-students", "steps.0.params.w"] == []


# ---------------------------------------------------------- framework conventions, for real


def test_batchnorm_matches_the_pytorch_count_against_torch():
    torch = pytest.importorskip("torch")
    bn = torch.nn.BatchNorm2d(64)
    torch_count = sum(p.numel() for p in bn.parameters())  # 2C = 128 (γ, β)
    r = hwcheck.params(spec="8x8x64 | batchnorm")  # keras: 4C
    v = one(r, "total_params", torch_count)
    assert ids_of(v) == ["other_framework"]
    assert "matches the PyTorch count (BatchNorm 2C)" in v.hint


def test_batchnorm_and_lstm_match_the_keras_count_against_keras():
    pytest.importorskip("torch")
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    bn = keras.Sequential([keras.Input((8, 8, 64)), keras.layers.BatchNormalization()])
    r = hwcheck.params(spec="64x8x8 | batchnorm", framework="pytorch", layout="chw")
    v = one(r, "total_params", bn.count_params())  # 4C = 256
    assert ids_of(v) == ["other_framework"] and "Keras count" in v.hint
    lstm = keras.Sequential([keras.Input((10, 6)), keras.layers.LSTM(16)])
    r = hwcheck.params(spec="10x6 | lstm 16", framework="pytorch", layout="chw")
    assert "other_framework" in ids_of(one(r, "total_params", lstm.count_params()))


def test_lstm_matches_the_pytorch_count_against_torch():
    torch = pytest.importorskip("torch")
    count = sum(p.numel() for p in torch.nn.LSTM(6, 16).parameters())  # 4·(16·22 + 32)
    r = hwcheck.params(spec="10x6 | lstm 16")
    assert "other_framework" in ids_of(one(r, "total_params", count))


def test_bias_forgotten_against_torch():
    torch = pytest.importorskip("torch")
    conv = torch.nn.Conv2d(3, 256, 5, bias=False)
    count = sum(p.numel() for p in conv.parameters())
    r = hwcheck.params(spec="227x227x3 | conv2d 256 5")
    assert ids_of(one(r, "total_params", count)) == ["bias_forgotten"]


# ---------------------------------------------------------------- follows from earlier


def test_follows_from_earlier_needs_an_earlier_wrong_claim():
    r = hwcheck.params(spec=COURSE_G)
    alone = one(r, "layers.6.params", "483,456")
    assert "follows_from_earlier" not in ids_of(alone)
    both = {v.key: v for v in r.verify({"layers.5.size": 3776, "layers.6.params": "483,456"})}
    assert "follows_from_earlier" in ids_of(both["layers.6.params"])
    # a dense count that follows from nothing claimed stays unexplained
    v = r.verify({"layers.5.size": 3776, "layers.6.params": 483_457})[1]
    assert v.verdict == "wrong" and v.mistakes == ()


def test_follows_from_an_earlier_shape():
    # the students' (none) conv1 shape 223×223×8 ('same' read as 'valid') carried into the flatten
    r = hwcheck.params(spec="227x227x3 | conv2d 8 5 padding=same | flatten")
    got = {
        v.key: v
        for v in r.verify({"layers.0.output_shape": "223x223x8", "layers.1.size": 223 * 223 * 8})
    }
    assert ids_of(got["layers.0.output_shape"]) == ["same_as_valid"]
    assert "follows_from_earlier" in ids_of(got["layers.1.size"])
    assert prod([223, 223, 8]) == 397_832


# ------------------------------------------------------------------------ the wiring


def test_verdict_json_always_carries_mistakes():
    r = hwcheck.params(spec="35x35x16 | conv2d 32 3")
    for v in r.verify({"total_params": 4640, "output_shape": "[33,33,32]", "nope": 1}):
        assert v.to_json()["mistakes"] == []


def test_diagnosis_can_be_switched_off():
    from hwcheck.claims.verdict import judge

    r = hwcheck.params(spec="35x35x16 | conv2d 32 3")
    data = r.to_json()
    v = judge(r, data, "total_params", 4608, Tolerance(), diagnosis=False)
    assert v.verdict == "wrong" and v.mistakes == ()


def test_two_combinable_slips_together():
    # conv1 'same' read as 'valid' (32 → 30) and conv2's stride 2 read as 1 (30 → 28):
    # dense (28·28·4 + 1)·10 = 31,370, plus conv1 3·3·3·8 + 8 = 224 and conv2 3·3·8·4 + 4 = 292
    r = hwcheck.params(
        spec="32x32x3 | conv2d 8 3 padding=same | conv2d 4 3 stride=2 | flatten | dense 10"
    )
    v = one(r, "total_params", 224 + 292 + 31_370)
    assert set(ids_of(v)) == {"same_as_valid", "stride_ignored"}
    assert '"`same` treated as `valid`" + "stride ignored"' in v.hint
    # the same total with one slip only stays unexplained by the other
    assert "stride_ignored" not in ids_of(one(r, "total_params", 224 + 292 + 32_410))


def test_valid_transposed_convolution_matches_the_pytorch_shape_against_torch():
    torch = pytest.importorskip("torch")
    # kernel 2 < stride 3: Keras gives 8·3 + max(2 − 3, 0) = 24, torch (8 − 1)·3 + 2 = 23
    y = torch.nn.ConvTranspose2d(4, 6, 2, stride=3)(torch.zeros(1, 4, 8, 8))
    r = hwcheck.params(spec="8x8x4 | conv_transpose2d 6 2 stride=3")
    v = one(r, "output_shape", [y.shape[2], y.shape[3], y.shape[1]])
    assert ids_of(v) == ["other_framework"]
    assert "matches the PyTorch shape (valid transposed convolution)" in v.hint


def test_an_expression_mistake_value_is_its_text():
    r = hwcheck.derive(preset="sigmoid-mse-l2")
    v = one(r, "derivatives.b", "sigmoid(w*x+b)**2*(1 - sigmoid(w*x+b))*(y - t)")
    (match,) = v.to_json()["mistakes"]
    assert match["id"] == "sigma_squared" and isinstance(match["value"], str)


def test_sgd_step_that_follows_from_claimed_wrong_parameters():
    # exercise I's step 2 (x = 1, t = 1) from a student's wrong w(1) = 0.2, b(1) = 0.1, by hand:
    # y = σ(0.3), ∂L/∂w = (y − 1)·y·(1 − y)·x, w(2) = w(1) − 0.1·∂L/∂w (and b likewise)
    import math

    y = 1 / (1 + math.exp(-0.3))
    g = (y - 1) * y * (1 - y)
    r = hwcheck.sgd(steps=2)
    got = {
        v.key: v
        for v in r.verify({"w(1)": 0.2, "b(1)": 0.1, "w(2)": 0.2 - 0.1 * g, "b(2)": 0.1 - 0.1 * g})
    }
    assert ids_of(got["w(2)"]) == ["follows_from_earlier"]
    assert ids_of(got["b(2)"]) == ["follows_from_earlier"]
    # the same numbers without the earlier claims follow from nothing
    assert ids_of(one(r, "w(2)", 0.2 - 0.1 * g)) == []


def test_pairs_are_tried_only_where_the_catalogue_marks_both_combinable(monkeypatch):
    """The pair 'stride ignored' + 'same as valid' is named; unmark one and it is not."""
    import dataclasses

    from hwcheck.families.arch import mistakes as arch_mistakes

    spec = "16x16x3 | conv2d 4 3 stride=2 padding=same | flatten | dense 2"
    both = hwcheck.params(spec="16x16x3 | conv2d 4 3 | flatten | dense 2").total_params
    claim = {"total_params": both}

    def named():
        verdict = hwcheck.params(spec=spec).verify(claim)[0]
        return {m.id for m in verdict.mistakes}

    assert {"stride_ignored", "same_as_valid"} <= named()
    catalogue = tuple(
        dataclasses.replace(m, combinable=False) if m.id == "stride_ignored" else m
        for m in arch_mistakes.CATALOGUE
    )
    monkeypatch.setattr(arch_mistakes, "CATALOGUE", catalogue)
    from hwcheck.claims import diagnose as registry

    registry._CACHE.clear()
    assert not {"stride_ignored", "same_as_valid"} <= named()
