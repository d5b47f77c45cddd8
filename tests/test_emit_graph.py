"""``--emit`` on graphs: residual, projection, Inception-style concat and squeeze-excitation
blocks, and a zoo ResNet, built in Keras and torch from the emitted module; every node's output
shape and parameter count must be hwcheck's (the round trip is the proof)."""

from __future__ import annotations

import os
import runpy

import pytest

import hwcheck
from hwcheck.families.arch.emit import emit
from hwcheck.families.arch.model import load_model
from tests.test_arch_torch import emitted_agrees

os.environ.setdefault("KERAS_BACKEND", "torch")

SE_BLOCK = {
    "input": [8, 8, 16],
    "layers": [
        {"type": "conv2d", "name": "features", "filters": 16, "kernel": 3, "padding": "same"},
        {"type": "global_avgpool"},
        {"type": "dense", "units": 4},
        {"type": "relu"},
        {"type": "dense", "units": 16},
        {"type": "sigmoid", "name": "scale"},
        {"type": "multiply", "inputs": ["features", "scale"]},
    ],
}
KERAS_GRAPHS = [
    "16x16x8 | add( conv2d 8 3 padding=same | relu | conv2d 8 3 padding=same ) | relu",
    "8x8x16 | add( conv2d 32 3 stride=2 padding=same ; conv2d 32 1 stride=2 )",
    "8x8x8 | concat axis=-1 ( conv2d 4 1 ; conv2d 4 3 padding=same ; maxpool2d 3 stride=1 padding=same )",
    "8x8x8 | subtract( conv2d 8 1 ; conv2d 8 3 padding=same ) | average( relu ; sigmoid ) | maximum( relu ; tanh )",
]
TORCH_GRAPHS = [
    "8x16x16 | add( conv2d 8 3 padding=1 | relu | conv2d 8 3 padding=1 ) | relu",
    "16x8x8 | add( conv2d 32 3 stride=2 padding=1 ; conv2d 32 1 stride=2 )",
    "8x8x8 | concat( conv2d 4 1 ; conv2d 4 3 padding=1 ; maxpool2d 3 stride=1 padding=1 )",
]


def module_of(code: str, folder) -> dict:
    path = folder / "emitted_model.py"
    path.write_text(code, encoding="utf-8")
    return runpy.run_path(str(path))


def keras_round_trip(model, rows, folder) -> None:
    built = module_of(emit(model, "keras"), folder)["build"]()
    assert len(built.layers) - 1 == len(rows)  # + the input layer
    for row, layer in zip(rows, built.layers[1:], strict=True):  # file order is topological
        assert list(layer.output.shape[1:]) == row["output_shape"], row["name"]
        assert layer.count_params() == row["params"], row["name"]


@pytest.mark.parametrize("spec", KERAS_GRAPHS)
def test_keras_graph_round_trip(spec, tmp_path):
    pytest.importorskip("keras")
    keras_round_trip(load_model(None, spec), hwcheck.params(spec=spec).layers, tmp_path)


def test_keras_squeeze_excitation_round_trip(tmp_path):
    pytest.importorskip("keras")
    r = hwcheck.params(model=SE_BLOCK)
    keras_round_trip(load_model(SE_BLOCK, None), r.layers, tmp_path)
    assert r.output_shape == [8, 8, 16]


@pytest.mark.parametrize("spec", TORCH_GRAPHS)
def test_torch_graph_round_trip(spec, tmp_path):
    model = load_model(None, spec, layout="chw", framework="pytorch")
    rows = hwcheck.params(spec=spec, layout="chw", framework="pytorch").layers
    emitted_agrees(model, rows, tmp_path)


def test_torch_zoo_resnet18_round_trip(tmp_path):
    """torchvision's ResNet-18 from the zoo file, emitted and run: 11,689,512 parameters."""
    from hwcheck.families.arch import zoo

    table = zoo.table("resnet18")
    model = load_model(table, None)
    r = hwcheck.params(model=table)
    emitted_agrees(model, r.layers, tmp_path)
    assert r.total_params == 11_689_512
