"""rf: the Distill recurrences, exercise A's chain, units, drawing, global layers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hwcheck
from hwcheck.core.errors import HwcheckError

A = "32x32x1 | conv2d 1 3 | conv2d 1 3 | conv2d 1 3 | conv2d 1 3"


def test_exercise_a_chain_in_words():
    r = hwcheck.rf(spec=A)
    assert r.rf == [9, 9] and r.rf_area == 81 and r.jump == [1, 1] and r.start == [4.0, 4.0]
    assert r.chain == (
        "a unit of layer 4 sees 3×3 units of layer 3, 5×5 of layer 2, 7×7 of layer 1, "
        "9×9 = 81 input pixels"
    )
    assert r.field_in_layer == {"3": [3, 3], "2": [5, 5], "1": [7, 7], "0": [9, 9]}
    assert [
        v.verdict for v in r.verify({"rf_area": 81, "rf": "9x9", "field_in_layer.1": [7, 7]})
    ] == ["correct"] * 3


def test_intermediate_layer():
    r = hwcheck.rf(spec=A, layer=1)
    assert r.rf == [5, 5] and r.layer == 1
    assert r.chain == "a unit of layer 2 sees 3×3 units of layer 1, 5×5 = 25 input pixels"
    assert hwcheck.rf(spec=A, layer=-1).rf == [9, 9]
    assert hwcheck.rf(spec=A, layer=0).chain == "a unit of layer 1 sees 3×3 = 9 input pixels"
    with pytest.raises(HwcheckError, match="layers 0…3"):
        hwcheck.rf(spec=A, layer=4)


def vgg16_features() -> str:
    layers = ["224x224x3"]
    for filters, n in [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]:
        layers += [f"conv2d {filters} 3 padding=same"] * n + ["maxpool2d 2"]
    return " | ".join(layers)


def mobilenet_v1() -> str:
    layers = ["224x224x3", "conv2d 32 3 stride=2 padding=same"]
    for filters, stride in [
        (64, 1),
        (128, 2),
        (128, 1),
        (256, 2),
        (256, 1),
        (512, 2),
        *[(512, 1)] * 5,
        (1024, 2),
        (1024, 1),
    ]:
        layers.append(f"separable_conv2d {filters} 3 stride={stride} padding=same")
    return " | ".join(layers)


@pytest.mark.parametrize(
    "spec, rf, jump, padding",
    [
        (vgg16_features(), 212, 32, 90),  # Distill 2019, table: vgg_16 pool5
        (mobilenet_v1(), 315, 32, 126),  # Distill 2019, table: mobilenet_v1 (TF 'same' padding)
    ],
)
def test_distill_table(spec, rf, jump, padding):
    r = hwcheck.rf(spec=spec)
    assert r.rf == [rf, rf] and r.jump == [jump, jump]
    assert r.start == [-padding + (rf - 1) / 2] * 2  # effective padding = −(left edge of unit 0)


def test_dilation_and_start():
    r = hwcheck.rf(
        spec="64x64x1 | conv2d 1 3 dilation=2 padding=2 | conv2d 1 3 stride=2 | conv2d 1 3 dilation=4"
    )
    # r: 1 + 4 = 5; + 2 = 7 (j 1 → 2); + 8·2 = 23
    assert r.rf == [23, 23] and r.jump == [2, 2]
    # left edge of unit 0: −2 (padding 2 at jump 1), start = −2 + 11 = 9
    assert r.start == [9.0, 9.0]


def test_unit_region_and_clipping():
    r = hwcheck.rf(
        spec="16x16x1 | conv2d 1 3 padding=same | conv2d 1 3 stride=2 padding=same", unit="0,7"
    )
    # layer 1 pads 1 before; layer 2's 'same' pads (8 − 1)·2 + 3 − 16 = 1, after, so none before.
    # Unit u of layer 2 sees layer-1 units 2u … 2u + 2; unit p of layer 1 sees input p − 1 … p + 1.
    assert r.region == [[2 * u - 1, 2 * u + 2 + 1] for u in (0, 7)] == [[-1, 3], [13, 17]]
    assert r.region_clipped == [[0, 3], [13, 15]]
    with pytest.raises(HwcheckError, match="outside"):
        hwcheck.rf(spec=A, unit="24,0")
    with pytest.raises(HwcheckError, match="2 indexes"):
        hwcheck.rf(spec=A, unit="3")


def test_draw_picture():
    r = hwcheck.rf(spec="8x8x1 | conv2d 1 3 | conv2d 1 3", unit="1,1", draw=True)
    assert r.picture == (
        "· · · · · · · ·",
        "· ■ ■ ■ ■ ■ · ·",
        "· ■ ■ ■ ■ ■ · ·",
        "· ■ ■ ● ■ ■ · ·",
        "· ■ ■ ■ ■ ■ · ·",
        "· ■ ■ ■ ■ ■ · ·",
        "· · · · · · · ·",
        "· · · · · · · ·",
    )
    holes = hwcheck.rf(spec="9x1 | conv1d 1 3 dilation=3", unit="1", draw=True)
    assert holes.picture == ("· ■ · · ● · · ■ ·",)
    with pytest.raises(HwcheckError, match="up to 64"):
        hwcheck.rf(spec="100x100x1 | conv2d 1 3", draw=True)


def test_global_layers():
    r = hwcheck.rf(spec="32x32x3 | conv2d 8 3 | global_avgpool | dense 10")
    assert r.to_json()["global"] is True and r.rf == [32, 32] and r.rf_area == 1024
    assert r.jump is None and r.start is None
    assert "whole input" in r.chain and "global_avgpool at layers[1]" in r.chain
    assert r.layers[0]["global"] is False and r.layers[2]["global"] is True
    assert (
        hwcheck.rf(spec="32x32x3 | conv2d 8 3 | dense 4").to_json()["global"] is False
    )  # per-pixel dense
    with pytest.raises(HwcheckError, match="whole input"):
        hwcheck.rf(spec="32x32x3 | flatten", unit="0")


def test_unsupported_layers_say_so():
    with pytest.raises(HwcheckError, match="not supported"):
        hwcheck.rf(spec="8x8x1 | conv_transpose2d 1 3 stride=2")
    with pytest.raises(HwcheckError, match="not supported"):
        hwcheck.rf(spec="10x4 | lstm 3 return_sequences=true")
    assert hwcheck.rf(spec="10x4 | lstm 3").to_json()["global"] is True
    with pytest.raises(HwcheckError, match="no spatial axes"):
        hwcheck.rf(spec="10 | dense 3")
    with pytest.raises(HwcheckError, match="not supported"):  # was an IndexError (found by fuzzing)
        hwcheck.rf(spec="1 | embedding 10 4 | embedding 10 4", draw=True)
    assert hwcheck.rf(spec="20 | embedding 100 8 | conv1d 4 3").rf == [3]


def test_a_global_layer_after_a_layer_without_a_field_sees_the_whole_input():
    """ViT: a patch conv, a reshape to a sequence (no field: it moves positions between axes),
    then attention, which mixes every token, so every later unit sees the whole image."""
    r = hwcheck.rf(model="vit_b16")
    assert r.jump is None and r.rf == [224, 224] and "multi_head_attention" in r.chain
    reshape = r.layers[1]
    assert reshape["type"] == "reshape" and reshape["rf"] == [None, None]
    assert reshape["unsupported"] == "layers[1] (reshape): reshape moves positions between axes"
    assert not reshape["global"] and r.layers[0]["rf"] == [16, 16]
    assert any("layers[1] patches: no receptive field" in line for line in r.work)
    flat = hwcheck.rf(spec="32x32x3 | conv2d 8 4 stride=4 | reshape [64, 8] | flatten")
    assert flat.to_json()["global"] is True and "flatten at layers[2]" in flat.chain
    with pytest.raises(HwcheckError, match="not supported"):  # per-token: still no field
        hwcheck.rf(spec="32x32x3 | conv2d 8 4 stride=4 | reshape [64, 8] | dense 4")


def test_rf_json_keys():
    data = hwcheck.rf(spec=A).to_json()
    for key in ("layers", "rf", "jump", "start", "rf_area", "global"):
        assert key in data
    assert set(data["layers"][0]) >= {
        "index",
        "type",
        "kernel",
        "stride",
        "dilation",
        "jump",
        "rf",
        "start",
    }
    assert isinstance(data["start"][0], float) and isinstance(data["rf_area"], int)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 5), st.integers(1, 3), st.integers(1, 3)), min_size=1, max_size=6
    )
)
def test_chain_agrees_with_recurrence(stack):
    """The backward chain (field measured in units of each layer) ends at the forward rf."""
    spec = "4000x1 | " + " | ".join(f"conv1d 1 {k} stride={s} dilation={d}" for k, s, d in stack)
    try:
        r = hwcheck.rf(spec=spec)
    except HwcheckError:
        return
    assert r.field_in_layer["0"] == r.rf
    rf, jump = 1, 1
    for k, s, d in stack:
        rf, jump = rf + d * (k - 1) * jump, jump * s
    assert r.rf == [rf] and r.jump == [jump]


def test_the_printed_recurrences_are_the_ones_computed():
    """Each work line's r, start and j (the rules of arch/rf.py with numbers substituted) end in
    the values of the JSON row, computed here again by Distill's recurrences."""
    import re

    spec = "40x40x1 | conv2d 1 3 | conv2d 1 3 stride=2 | maxpool2d 2 | conv2d 1 3 dilation=2 padding=2 | avgpool2d 3 stride=2 padding=1"
    r = hwcheck.rf(spec=spec)
    lines = [line for line in r.work if line.startswith("layers[")]
    rf, jump, start = 1, 1, 0.0
    windows = [(3, 1, 0), (3, 2, 0), (2, 2, 0), (5, 1, 2), (3, 2, 1)]  # (k′, s, p) per layer
    for line, row, (k, s, p) in zip(lines, r.layers, windows, strict=True):
        rf, start, jump = rf + (k - 1) * jump, start + ((k - 1) / 2 - p) * jump, jump * s
        shown = dict(re.findall(r"(r|start|j)\S* = [^,]*?= (-?[\d.]+)(?:,|$)", line))
        assert float(shown["r"]) == rf == row["rf"][0]
        assert float(shown["start"]) == start == row["start"][0]
        assert float(shown["j"]) == jump == row["jump"][0]
