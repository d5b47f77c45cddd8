"""``--emit`` is valid for every accepted layer name (issue 20.7).

A name of ~47+ characters made the line wrap split ``self.layers['…']`` into a one-element
tuple index, and names ``nn.ModuleDict`` keeps for itself (``training``, ``forward``, ``type``,
``keys``, ``to``) or Keras gives its input layer (``input_layer``) made the module fail to build.
Every model here is emitted for both frameworks and run in real torch and Keras: each node's
output shape and parameter count must be hwcheck's.
"""

from __future__ import annotations

import ast
import os

import pytest

import hwcheck
from hwcheck.families.arch.emit import TORCH_RESERVED, emit, node_names, reserved, wrap
from hwcheck.families.arch.model import load_model

os.environ.setdefault("KERAS_BACKEND", "torch")

LONG = ["a" * 47, "b" * 64, "layer_" + "x" * 58, "ResidualBlock.conv" + "1" * 46]
TRICKY = ["training", "forward", "type", "keys", "to", "a.b", "x y", "input_layer",
          "input_layer_1", "class", "卷积", "_x_", "1abc", "h1", "conv2d", "..", "a/b", "relu",
          "self", "layers", "T_destination", "to_empty", "ŝ"]  # fmt: skip


def model_with_names(names: list[str]) -> dict:
    """An image model whose layers carry ``names`` (a relu per extra name)."""
    kinds = [
        {"type": "conv2d", "filters": 4, "kernel": 3, "padding": "same"},
        {"type": "maxpool2d", "kernel": 2},
        {"type": "flatten"},
        {"type": "dense", "units": 3},
    ]
    layers = [{**kind, "name": n} for kind, n in zip(kinds, names)]
    layers[len(layers) : len(layers)] = [{"type": "relu", "name": n} for n in names[len(kinds) :]]
    return {"input": [8, 8, 3], "layers": layers}


def round_trip(table: dict, tmp_path) -> None:
    from tests.test_arch_torch import emitted_agrees
    from tests.test_emit_graph import keras_round_trip

    pytest.importorskip("torch")
    torch_table = {**table, "framework": "pytorch"}
    emitted_agrees(
        load_model(torch_table, None), hwcheck.params(model=torch_table).layers, tmp_path
    )
    pytest.importorskip("keras")
    keras_round_trip(load_model(table, None), hwcheck.params(model=table).layers, tmp_path)


def subscripts_are_names(code: str) -> None:
    """Every ``self.layers[…]`` in the module indexes with one string, never a tuple."""
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Subscript) and getattr(node.value, "attr", None) == "layers":
            assert isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str)


def test_the_reserved_names_are_the_installed_torchs():
    nn = pytest.importorskip("torch.nn")
    public = {n for n in dir(nn.ModuleDict()) if not n.startswith("_")}
    assert public <= TORCH_RESERVED, sorted(public - TORCH_RESERVED)


@pytest.mark.parametrize("names", [LONG, TRICKY, sorted(TORCH_RESERVED)])
def test_long_and_reserved_names_run_in_torch_and_keras(names, tmp_path):
    table = model_with_names(names)
    for framework in ("pytorch", "keras"):
        code = emit(load_model({**table, "framework": framework}, None), framework)
        subscripts_are_names(code)
    round_trip(table, tmp_path)


def test_node_names_are_identifiers_unique_and_not_reserved():
    class Layer:
        def __init__(self, name):
            self.name, self.type = name, "relu"

    names = node_names([Layer(n) for n in [*TRICKY, "training_", "a_b", "to"]])
    assert len(set(names)) == len(names)
    assert all(n.isidentifier() and n.isascii() and not reserved(n) for n in names)
    assert names[:3] == ["training_", "forward_", "type_"]


@pytest.mark.parametrize(
    "line",
    [
        "    h3 = self.layers['" + "n" * 70 + "'](h2)",
        "    h3 = (" + " + ".join(["h2"] * 40) + ")",
        "    h3 = layers.Add(name='" + "m" * 70 + "')([h1, h2])",
        "    x = f(g[k(" + ", ".join(["a"] * 40) + ")], [1, 2])",
    ],
)
def test_wrap_keeps_the_meaning_of_a_line(line):
    wrapped = wrap(line)
    assert ast.dump(ast.parse(wrapped.strip())) == ast.dump(ast.parse(line.strip()))


def test_generated_names_run_in_torch_and_keras(tmp_path_factory):
    hypothesis = pytest.importorskip("hypothesis")
    pytest.importorskip("torch")
    pytest.importorskip("keras")
    st = hypothesis.strategies
    alphabet = st.sampled_from(list("abcXYZ019_. -/:") + ["é", "卷", "ß", "\u0301"])
    name = st.one_of(
        st.text(alphabet, min_size=1, max_size=64).filter(lambda s: s.strip()),
        st.sampled_from(sorted(TORCH_RESERVED) + TRICKY),
        st.integers(40, 64).map(lambda n: "q" * n),
    )

    @hypothesis.settings(max_examples=12, deadline=None)
    @hypothesis.given(st.lists(name, min_size=4, max_size=8, unique=True))
    def check(names):
        table = model_with_names(names)
        try:
            hwcheck.params(model=table)
        except hwcheck.HwcheckError:
            hypothesis.reject()  # not an accepted model (the name rules refuse it)
        round_trip(table, tmp_path_factory.mktemp("emit"))

    check()


def test_a_graph_whose_nodes_have_reserved_and_long_names(tmp_path):
    # a residual block: the merge reads its inputs by the (reserved, long) names
    long = "skip_" + "s" * 59
    table = {
        "input": [8, 8, 4],
        "layers": [
            {"type": "conv2d", "name": "forward", "filters": 4, "kernel": 3, "padding": "same"},
            {"type": "relu", "name": "training"},
            {"type": "conv2d", "name": long, "filters": 4, "kernel": 1, "inputs": ["forward"]},
            {"type": "add", "name": "keys", "inputs": ["training", long]},
            {"type": "global_avgpool", "name": "to"},
        ],
    }
    round_trip(table, tmp_path)
