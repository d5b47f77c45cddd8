"""Receptive fields through windows of different lengths (adaptive pooling whose output size does
not divide the input's, 5 → 3: [0,2) [1,4) [3,5)).

There is no one jump from such a layer on, so each unit has a field of its own: the table's rf
is the largest, ``unit_rf`` lists every unit's, jump and start are null. Each unit's field is
checked against torch autograd: the input pixels whose gradient is non-zero (all weights
positive, average pooling, so nothing cancels) span exactly the field hwcheck reports.
"""

from __future__ import annotations

import json
import math
import os

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

import hwcheck
from hwcheck.families.arch.extra_layers import adaptive_windows
from hwcheck.families.arch.rf import interval
from tests.conftest import ROOT

os.environ.setdefault("KERAS_BACKEND", "torch")
LONG = os.environ.get("HWCHECK_FUZZ") == "long"  # many more examples, fresh seeds

# --------------------------------------------------------------------- against autograd

#: layers before the uneven one slide without padding (the unclipped fields of the recurrences
#: are then inside the image); after it, padding is allowed: taps there read no unit
VALID = st.one_of(
    st.tuples(st.just("conv"), st.integers(1, 3), st.integers(1, 2), st.just(0), st.just(1)),
    st.tuples(st.just("avg"), st.integers(2, 3), st.integers(1, 3), st.just(0), st.just(1)),
)
PADDED = st.one_of(
    st.tuples(
        st.just("conv"), st.integers(1, 3), st.integers(1, 2), st.integers(0, 2), st.integers(1, 2)
    ),
    st.tuples(st.just("adaptive"), st.integers(1, 6), st.just(1), st.just(0), st.just(1)),
)


def size_after(n: int, layer) -> int:
    kind, k, s, p, d = layer
    if kind == "adaptive":
        return k
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def spec_text(n: int, layers) -> str:
    parts = [f"{n}x1"]
    for kind, k, s, p, d in layers:
        if kind == "conv":
            parts.append(f"conv1d 1 {k} stride={s} padding={p} dilation={d}")
        elif kind == "avg":
            parts.append(f"avgpool1d {k} stride={s}")
        else:
            parts.append(f"adaptive_avgpool1d {k}")
    return " | ".join(parts)


def torch_fields(n: int, layers) -> list[int]:
    """Per output unit, the extent of the input pixels it depends on (0: none)."""
    torch = pytest.importorskip("torch")
    nn = torch.nn
    modules = []
    for kind, k, s, p, d in layers:
        if kind == "conv":
            conv = nn.Conv1d(1, 1, k, stride=s, padding=p, dilation=d, bias=False)
            nn.init.ones_(conv.weight)
            modules.append(conv)
        elif kind == "avg":
            modules.append(nn.AvgPool1d(k, stride=s))
        else:
            modules.append(nn.AdaptiveAvgPool1d(k))
    model = nn.Sequential(*modules).double()
    x = torch.ones(1, 1, n, dtype=torch.float64, requires_grad=True)
    y = model(x)[0, 0]
    out = []
    for u in range(y.shape[0]):
        (grad,) = torch.autograd.grad(y[u], x, retain_graph=True)
        seen = grad[0, 0].nonzero().flatten().tolist()
        out.append(seen[-1] - seen[0] + 1 if seen else 0)
    return out


@settings(max_examples=2000 if LONG else 60, deadline=None)
@given(
    st.integers(4, 16),
    st.lists(VALID, max_size=2),
    st.integers(1, 7),
    st.lists(PADDED, max_size=2),
)
@example(4, [], 5, [("conv", 1, 2, 1, 1), ("conv", 2, 1, 0, 2)])  # padding-only units, then
@example(5, [], 3, [("conv", 2, 1, 1, 2), ("adaptive", 1, 1, 0, 1)])  # a dilated window
def test_every_units_field_is_what_autograd_sees(n, before, out, after):
    layers = [*before, ("adaptive", out, 1, 0, 1), *after]
    size = n
    for layer in layers:
        size = size_after(size, layer)
        assume(size >= 1)
    r = hwcheck.rf(spec=spec_text(n, layers))
    expected = torch_fields(n, layers)
    padded = any(layer[3] for layer in after)
    if r.unit_rf is None or (padded and r.layers[len(before)].get("unit_rf") is None):
        # The windows of the first adaptive pool happened to be equal: a pool, and the
        # recurrences hold on, counting padding as pixels (unclipped) up to any later uneven
        # pool, so autograd, which sees only the image, agrees only without padding.
        if not padded:
            assert max(expected) == r.rf[0]
        return
    assert r.unit_rf == [expected]
    assert r.rf == [max(expected)] and r.jump == [None] and r.start == [None]
    assert r.field_in_layer["0"] == r.rf  # "a unit of layer L sees …": the widest unit


def test_five_to_three_pools_two_three_two():
    """torch pools 5 → 3 over [0,2) [1,4) [3,5): fields of 2, 3 and 2 input pixels."""
    r = hwcheck.rf(spec="5x5x3 | adaptive_avgpool2d 3")
    assert r.rf == [3, 3] and r.rf_area == 9
    assert r.unit_rf == [[2, 3, 2], [2, 3, 2]]
    assert r.jump == [None, None] and r.start == [None, None] and not r.payload()["global"]
    row = r.layers[0]
    assert row["kernel"] == [3, 3] and row["stride"] == [None, None]


def test_an_even_axis_keeps_its_recurrence():
    """7 → 2 is a pool 4 with stride 3 along H; 9 → 5 is uneven along W."""
    r = hwcheck.rf(spec="7x9x3 | adaptive_avgpool2d output_size=[2,5]")
    assert r.rf[0] == 4 and r.jump[0] == 3 and r.start[0] == 1.5
    assert r.unit_rf[0] is None and r.unit_rf[1] == [2, 3, 3, 3, 2]  # [0,2) [1,4) [3,6) [5,8) [7,9)
    assert r.rf[1] == 3 and r.jump[1] is None


def test_a_unit_reads_its_own_window(cli):
    code, out, _ = cli("rf", "--spec", "7x7x1 | conv2d 1 3 | adaptive_avgpool2d 3", "--unit", "2,0")
    # conv: 7 → 5, unit q sees q…q+2; adaptive 5 → 3: unit 2 pools [3,5), unit 0 pools [0,2)
    assert code == 0 and "sees input 3…6 × 0…3" in out
    code, out, _ = cli(
        "rf", "--spec", "7x7x1 | conv2d 1 3 | adaptive_avgpool2d 3", "--unit", "1,1", "--draw"
    )
    assert code == 0
    picture = out.split("(■ seen, ● centre)")[1]
    assert picture.count("■") + picture.count("●") == 25  # 5×5: units 1…3 of the conv, 1…5


def test_a_unit_that_reads_only_padding_sees_nothing(cli):
    spec = "7x7x1 | conv2d 1 3 | adaptive_avgpool2d 3 | conv2d 1 1 padding=1"
    code, out, _ = cli("rf", "--spec", spec, "--unit", "0,2")
    assert code == 0 and "reads only padding: it sees no input pixel" in out
    r = hwcheck.rf(spec=spec)
    assert r.unit_rf == [[0, 4, 5, 4, 0]] * 2 and r.rf == [5, 5]


def test_claims_on_an_uneven_field(cli):
    code, out, _ = cli(
        "rf", "--spec", "5x5x3 | adaptive_avgpool2d 3", "--claim", "rf=3", "--claim", "rf_area=4"
    )
    assert code == 1 and "correct" in out and "wrong" in out


def test_paths_through_uneven_windows_unite_per_unit(tmp_path):
    """A branch pooled unevenly 7 → 4, another evenly 4 → 4, added: each unit's field is the
    union of its two fields (0…3 ∪ 0…1, 1…5 ∪ 2…3, 3…7 ∪ 4…5, 5…8 ∪ 6…7)."""
    model = tmp_path / "m.toml"
    model.write_text(
        'input = "9x9x3"\n'
        '[[layers]]\ntype = "conv2d"\nname = "a"\nfilters = 3\nkernel = 3\n'
        '[[layers]]\ntype = "adaptive_avgpool2d"\nname = "p"\noutput_size = 4\n'
        '[[layers]]\ntype = "maxpool2d"\nname = "b"\nkernel = 2\ninputs = ["input"]\n'
        '[[layers]]\ntype = "adaptive_avgpool2d"\nname = "q"\noutput_size = 4\n'
        '[[layers]]\ntype = "add"\nname = "m"\ninputs = ["p", "q"]\n',
        encoding="utf-8",
    )
    r = hwcheck.rf(model=str(model))
    assert r.unit_rf[0] == [4, 5, 5, 4] and r.rf == [5, 5] and r.aligned == [True, True]


def test_a_union_with_a_gap_has_no_one_size():
    assert interval([(0, 1), (2, 4)]) and interval([(0, 4), (1, 2), None])
    assert not interval([(0, 1), (3, 4)])


def test_uneven_and_global_documents_follow_the_schema(cli):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "docs" / "output.schema.json").read_text(encoding="utf-8"))
    for argv in (
        ["rf", "--spec", "7x7x1 | conv2d 1 3 | adaptive_avgpool2d 3", "--unit", "1,1"],
        ["rf", "--spec", "7x7x1 | adaptive_avgpool2d 3 | flatten | dense 2"],
    ):
        _, out, _ = cli(*argv, "--json")
        doc = json.loads(out)
        jsonschema.validate(doc, schema)
        assert doc["rf_area"] is None or doc["rf_area"] == math.prod(doc["rf"])


@pytest.mark.parametrize(("n", "o"), [(5, 3), (7, 4), (10, 3), (3, 5), (9, 4)])
def test_keras_pools_the_same_windows(n, o):
    """Keras 3's AdaptiveAveragePooling1D averages exactly the windows the fields are built on."""
    keras = pytest.importorskip("keras")
    np = pytest.importorskip("numpy")
    values = np.arange(n, dtype="float64") ** 2
    pooled = keras.ops.convert_to_numpy(
        keras.layers.AdaptiveAveragePooling1D(o)(values.reshape(1, n, 1))
    ).ravel()
    assert hwcheck.params(spec=f"{n}x1 | adaptive_avgpool1d {o}").output_shape == [o, 1]
    means = [values[a:b].mean() for a, b in adaptive_windows(n, o)]
    assert pooled == pytest.approx(means, rel=1e-6)


def test_following_every_unit_has_a_bound(cli):
    """70,000 units with fields of their own through 50 layers: refused past a million units
    followed (about a second), with the layer to ask for instead; an earlier layer still works."""
    convs = " | ".join(["conv1d 1 3 padding=same"] * 50)
    spec = f"100000x1 | adaptive_avgpool1d 70000 | {convs}"
    code, _, err = cli("rf", "--spec", spec)
    assert code == 2 and "past 1,000,000 units" in err and "--layer" in err
    assert len(err.strip().splitlines()) == 1
    assert hwcheck.rf(spec=spec, layer=5).rf == [17]


def test_after_unaligned_paths_no_unit_fields_are_invented():
    """A 2×2 'same' branch shifts the centre by half a pixel: the paths are not aligned, so the
    largest path's fields are not the union's; rf and unit_rf stay null there."""
    r = hwcheck.rf(
        spec="8x8x1 | conv2d 1 3 padding=same | add( conv2d 1 2 padding=same ) | adaptive_avgpool2d 3"
    )
    assert r.aligned == [False, False] and r.rf == [None, None] and r.unit_rf is None
    assert "unit_rf" not in r.layers[-1]
    # --unit still gives the union's region, not the largest path's: unit u of the add sees
    # u…u+2 through two 2×2 'same' convolutions and u−1…u+1 through a 3×3; pooled 8 → 3, unit 1
    # reads units 2…5 of the add: input 1…7 (the first path alone: 2…7)
    spec = (
        "8x8x1 | add ( conv2d 1 2 padding=same | conv2d 1 2 padding=same ; "
        "conv2d 1 3 padding=same ) | adaptive_avgpool2d 3"
    )
    assert hwcheck.rf(spec=spec, unit=(1, 1)).region == [[1, 7], [1, 7]]


BRANCH = st.lists(st.integers(1, 3), min_size=1, max_size=2)  # 'same' convolutions, by kernel


@settings(max_examples=1000 if LONG else 30, deadline=None)
@given(st.integers(4, 12), BRANCH, BRANCH, st.integers(1, 6))
def test_merged_paths_then_uneven_windows_against_autograd(n, left, right, out):
    """Two branches of 'same' convolutions added, then an adaptive pool: each unit's region,
    clipped to the input, is exactly the span of the input pixels autograd finds it reading."""
    torch = pytest.importorskip("torch")
    nn = torch.nn

    def branch(kernels):
        convs = [nn.Conv1d(1, 1, k, padding="same", bias=False) for k in kernels]
        for conv in convs:
            nn.init.ones_(conv.weight)
        return nn.Sequential(*convs).double()

    a, b, pool = branch(left), branch(right), nn.AdaptiveAvgPool1d(out)
    x = torch.ones(1, 1, n, dtype=torch.float64, requires_grad=True)
    y = pool(a(x) + b(x))[0, 0]
    convs = [" | ".join(f"conv1d 1 {k} padding=same" for k in ks) for ks in (left, right)]
    spec = f"{n}x1 | add ( {convs[0]} ; {convs[1]} ) | adaptive_avgpool1d {out}"
    for u in range(out):
        (grad,) = torch.autograd.grad(y[u], x, retain_graph=True)
        seen = grad[0, 0].nonzero().flatten().tolist()
        r = hwcheck.rf(spec=spec, unit=(u,))
        assert r.region_clipped == [[seen[0], seen[-1]]], (spec, u)
