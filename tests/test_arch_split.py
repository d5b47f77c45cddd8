"""Layers with several outputs: split / chunk (torch.split, torch.chunk, keras.ops.split) and a
bidirectional recurrent layer with ``merge_mode = "none"`` (Keras ``Bidirectional(...,
merge_mode=None)``). Each output is a node ``name:k``; shapes and counts against torch and
Keras 3 (skipped when absent), rf against the equivalent cropping."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hwcheck
from hwcheck.core.errors import HwcheckError

os.environ.setdefault("KERAS_BACKEND", "torch")

SPLIT_FILE = """
input = [8, 8, 6]

[[layers]]
type = "split"
sizes = [2, 4]
name = "s"

[[layers]]
type = "conv2d"
filters = 4
kernel = 1
inputs = ["s:0"]
name = "a"

[[layers]]
type = "concat"
inputs = ["a", "s:1"]
"""


def shapes_of(result) -> dict[str, tuple[int, ...]]:
    return {x["name"]: tuple(x["output_shape"]) for x in result.layers}


def test_a_split_is_one_node_per_output_read_by_name(tmp_path):
    path = tmp_path / "m.toml"
    path.write_text(SPLIT_FILE)
    r = hwcheck.params(model=str(path))
    shapes = shapes_of(r)
    assert shapes["s:0"] == (8, 8, 2) and shapes["s:1"] == (8, 8, 4)
    assert tuple(r.output_shape) == (8, 8, 8) and r.total_params == 2 * 4 + 4
    assert [x["params"] for x in r.layers if x["type"] == "split"] == [0, 0]


def test_the_spec_group_after_a_split_takes_one_branch_per_output():
    r = hwcheck.params(spec="8x8x6 | split sizes=[2,4] | concat( conv2d 4 1 ; )")
    assert shapes_of(r)["conv2d"] == (8, 8, 4) and tuple(r.output_shape) == (8, 8, 8)
    assert [x["inputs"] for x in r.layers][-1] == ["conv2d", "split:1"]


@settings(max_examples=60)
@given(
    st.lists(st.integers(1, 5), min_size=1, max_size=3),
    st.lists(st.integers(1, 6), min_size=2, max_size=4),
    st.data(),
)
def test_split_sizes_are_torch_split(spatial, sizes, data):
    torch = pytest.importorskip("torch")
    shape = (*spatial, sum(sizes))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    shape = tuple(sum(sizes) if a == axis % len(shape) else n for a, n in enumerate(shape))
    text = "x".join(map(str, shape))
    branches = " ; ".join([""] * len(sizes))
    r = hwcheck.params(
        spec=f"{text} | split sizes=[{','.join(map(str, sizes))}] axis={axis} | "
        f"concat axis={axis} ( {branches} )"
    )
    parts = torch.split(torch.zeros(1, *shape), sizes, dim=axis % len(shape) + 1)
    ours = [s for n, s in shapes_of(r).items() if n.startswith("split:")]
    assert ours == [tuple(p.shape[1:]) for p in parts]


@pytest.mark.parametrize("n", range(2, 13))
@pytest.mark.parametrize("chunks", range(2, 6))
def test_chunk_is_torch_chunk_or_says_why_not(n, chunks):
    torch = pytest.importorskip("torch")
    parts = torch.chunk(torch.zeros(1, 3, n), chunks, dim=-1)
    spec = f"3x{n} | chunk {chunks} | concat( {' ; '.join([''] * chunks)} )"
    if len(parts) != chunks:  # torch gives fewer parts: refused, naming them
        with pytest.raises(HwcheckError, match=f"{len(parts)} parts"):
            hwcheck.params(spec=spec)
        return
    ours = [s for name, s in shapes_of(hwcheck.params(spec=spec)).items() if ":" in name]
    assert ours == [tuple(p.shape[1:]) for p in parts]


def test_sections_are_keras_ops_split():
    keras = pytest.importorskip("keras")
    x = keras.Input(shape=(4, 4, 9))
    parts = keras.ops.split(x, 3, axis=-1)
    r = hwcheck.params(spec="4x4x9 | split 3 | concat( ; ; )")
    ours = [s for name, s in shapes_of(r).items() if ":" in name]
    assert ours == [tuple(p.shape[1:]) for p in parts]


def test_rf_along_the_channels_is_the_identity_and_along_a_spatial_axis_a_crop():
    channels = hwcheck.rf(spec="16x16x6 | split sizes=[2,4] | concat( conv2d 4 3 ; conv2d 4 3 )")
    assert channels.rf == [3, 3] and channels.start == [1, 1]
    spec = "16x16x6 | split sizes=[6,10] axis=0 | concat axis=0 ( conv2d 6 3 ; conv2d 6 3 )"
    part = hwcheck.rf(spec=spec, layer=3)  # the conv on part 1, rows [6, 16)
    crop = hwcheck.rf(spec="16x16x6 | cropping2d [[6,0],[0,0]] | conv2d 6 3")
    assert (part.rf, part.start) == (crop.rf, crop.start) == ([3, 3], [7, 1])
    with pytest.raises(HwcheckError, match="spatial axis"):  # the concat: side by side
        hwcheck.rf(spec=spec)


@pytest.mark.parametrize(
    "spec, match",
    [
        ("8x8x6 | split sizes=[2,4] | relu", "has 2 outputs: name the one"),
        ("8x8x6 | split sizes=[2,3] | concat( ; )", "2 \\+ 3 = 5, not 6"),
        ("8x8x6 | split 4 | concat( ; ; ; )", "4 equal parts of 6"),
        ("8x8x6 | split sizes=[2,4] | concat( ; ; )", "has 2 outputs: give the group 2"),
        ("8x8x6 | split sizes=[2,4] *2", "cannot repeat"),
        ("8x8x6 | split sizes=[2,4] sections=2", "one of them"),
        ("8x8x6 | split sizes=[6]", "2 to 4096 sizes"),
        ("8x8x6 | split sizes=[2,4] axis=3 | concat( ; )", "outside a shape"),
        ("8x8x6 | conv2d 2 1 name=a:b", "':' is kept"),
        ("8x8x6 | chunk 1 | relu", "at least 2"),
        ("8x8x6 | split sections=99999", "at most 4,096"),
        ("8x8x6 | split sizes=[a,b] | concat( ; )", "'a' is not a number"),
        ("8x8x6 | split 2 | concat( ; ) *3", "nothing after"),
        ("10x8 | lstm 4 merge_mode=none | concat( ; )", "needs bidirectional"),
    ],
)
def test_bad_splits_are_one_line_errors(spec, match):
    with pytest.raises(HwcheckError, match=match):
        hwcheck.params(spec=spec)


def test_the_name_of_a_split_alone_is_refused(tmp_path, cli):
    path = tmp_path / "m.toml"
    path.write_text(SPLIT_FILE.replace('inputs = ["a", "s:1"]', 'inputs = ["a", "s"]'))
    code, out, err = cli("params", str(path))
    assert code == 2 and out == ""
    assert "'s' has 2 outputs: name one, s:0 … s:1" in err and len(err.strip().split("\n")) <= 2


BIDIRECTIONAL_FILE = """
input = [10, 8]

[[layers]]
type = "{kind}"
units = 16
bidirectional = true
merge_mode = "none"
return_sequences = {sequences}
name = "bi"

[[layers]]
type = "concat"
inputs = ["bi:0", "bi:1"]
"""


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("sequences", ["true", "false"])
def test_bidirectional_without_merge_is_two_outputs_as_keras(tmp_path, kind, sequences):
    keras = pytest.importorskip("keras")
    path = tmp_path / "m.toml"
    path.write_text(BIDIRECTIONAL_FILE.format(kind=kind, sequences=sequences))
    r = hwcheck.params(model=str(path))
    cls = {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}[kind]
    x = keras.Input(shape=(10, 8))
    inner = getattr(keras.layers, cls)(16, return_sequences=sequences == "true")
    both = keras.layers.Bidirectional(inner, merge_mode=None)(x)
    model = keras.Model(x, both)
    assert [shapes_of(r)[f"bi:{k}"] for k in (0, 1)] == [tuple(y.shape[1:]) for y in both]
    assert r.total_params == model.count_params()
    forward, backward = (x for x in r.layers if x["name"].startswith("bi:"))
    assert forward["params"] == backward["params"] == model.count_params() // 2


def test_bidirectional_without_merge_under_pytorch_is_the_halves_of_torchs_output():
    torch = pytest.importorskip("torch")
    r = hwcheck.params(
        spec="10x8 framework=pytorch | lstm 16 bidirectional=true merge_mode=none"
        " return_sequences=true | concat( ; )"
    )
    both = torch.nn.LSTM(8, 16, batch_first=True, bidirectional=True)
    out = both(torch.zeros(1, 10, 8))[0]
    halves = out.chunk(2, dim=-1)
    assert [shapes_of(r)[f"lstm:{k}"] for k in (0, 1)] == [tuple(h.shape[1:]) for h in halves]
    assert r.total_params == sum(p.numel() for p in both.parameters())
