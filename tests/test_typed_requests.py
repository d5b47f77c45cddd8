"""Values are read once, at the boundary: ``build_request`` turns every matrix, shape, per-axis
size, assignment list and table into a typed value, the same by every road (command line,
answers file, API), and the runners of conv, net, linalg and optim parse nothing (issue 19)."""

from __future__ import annotations

import ast
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hwcheck
from hwcheck.core.errors import HwcheckError
from hwcheck.core.options import build_request, request_fields
from hwcheck.families.arch.request import ParamsRequest, RfRequest
from hwcheck.families.conv.request import ConvBackpropRequest, ConvMatrixRequest, SeparableRequest
from hwcheck.families.linalg.request import LstsqRequest
from hwcheck.families.net.request import Domain, NetRequest, Target, TruthTable
from hwcheck.families.optim.request import GdQuadraticRequest, SgdRequest
from hwcheck.families.symbolic.request import DeriveRequest, EquivRequest

ROOT = Path(__file__).resolve().parent.parent
ROADS = ("cli", "file", "api")


# ------------------------------------------------------------------ one value by every road


@pytest.mark.parametrize(
    ("request_type", "text", "native"),
    [
        (LstsqRequest, {"X": "1 2; 3 4", "y": "1 2"}, {"X": [[1, 2], [3, 4]], "y": [1, 2]}),
        (
            GdQuadraticRequest,
            {"H": "2 0; 0 ۴", "w0": "1/2 1"},
            {"H": [[2, 0], [0, 4]], "w0": [0.5, 1]},
        ),
        (
            SgdRequest,
            {"init": "w=0.5,b=0", "data": ("x=1,2", "t=0,1"), "batch": "all", "scale": "mean"},
            {
                "init": {"w": 0.5, "b": 0},
                "data": {"x": [1, 2], "t": [0, 1]},
                "batch": "ALL",
                "scale": "mean",
            },
        ),
        (
            ConvMatrixRequest,
            {"input": "3x3", "kernel": "2", "stride": "1,2", "padding": "[[0,1],[1,0]]"},
            {"input": [3, 3], "kernel": [2, 2], "stride": [1, 2], "padding": [[0, 1], [1, 0]]},
        ),
        (
            ConvBackpropRequest,
            {"x": "1 2; 3 4", "f": "1", "bias": "1/2", "dilation": "1x1"},
            {"x": [[1, 2], [3, 4]], "f": [1], "bias": [0.5], "dilation": 1},
        ),
        (SeparableRequest, {"f": "1 2; 2 4"}, {"f": [[1, 2], [2, 4]]}),
        (
            NetRequest,
            {"layer": ("relu | 1; 1 | 0",), "table": "0 0 1; 1 1 0", "domain": " Bipolar "},
            {"layer": ["relu | 1; 1 | 0"], "table": [[0, 0, 1], [1, 1, 0]], "domain": "bipolar"},
        ),
    ],
)
def test_text_and_python_values_give_one_request(request_type, text, native):
    """What the command line writes and what a TOML file or notebook passes are one request,
    so the answers runner's cache (keyed by ``repr(request)``) holds one result for both."""
    requests = [build_request(request_type, text, source=road) for road in ROADS]
    requests.append(build_request(request_type, native, source="api"))
    assert all(r == requests[0] for r in requests)
    assert len({repr(r) for r in requests}) == 1


def test_fields_hold_numbers_not_text():
    lstsq = build_request(LstsqRequest, {"X": "1 0.5; 1/4 2", "y": "۱ 2"}, source="cli")
    assert lstsq.X == [[1, Fraction(1, 2)], [Fraction(1, 4), 2]] and lstsq.y == [1, 2]
    conv = build_request(ConvMatrixRequest, {"input": "4x4", "kernel": "3"}, source="cli")
    assert (conv.input, conv.kernel, conv.stride, conv.dilation) == ((4, 4), (3, 3), (1, 1), (1, 1))
    assert conv.padding == "valid" and conv.name == "W"  # defaults read like given values
    assert build_request(ConvMatrixRequest, {"input": "4x4", "padding": 1}).padding == ((1, 1),) * 2
    sgd = build_request(SgdRequest, {"init": "w=0.1", "batch": "2", "scale": "1/4"}, source="cli")
    assert (sgd.init, sgd.batch, sgd.scale) == ({"w": Fraction(1, 10)}, 2, 0.25)
    net = build_request(
        NetRequest, {"table": "00:1 11:0", "target": "x1 and x2", "domain": "integers:3"}
    )
    assert net.table == TruthTable(((0, 0, 1), (1, 1, 0)), outputs=1)
    assert net.target.text == "x1 and x2" and net.target.tree is not None
    assert net.domain == Domain("integers", 3)
    assert build_request(NetRequest, {"target": "max"}).target == Target("max")


# ------------------------------------------------------------------ errors name the place


@pytest.mark.parametrize(
    ("request_type", "key", "value", "message"),
    [
        (LstsqRequest, "X", "1 2; 3", "row 2 has 1 entries, row 1 has 2"),
        (ConvBackpropRequest, "x", "1 2 3; 4 5", "row 2 has 2 entries, row 1 has 3"),
        (ConvMatrixRequest, "stride", "0", "must be at least 1"),
        (ConvMatrixRequest, "kernel", "3x3x3", "expected khxkw, got 3 sizes"),
        (ConvMatrixRequest, "name", "W1", "expected a short name of letters"),
        (SgdRequest, "batch", "0", "must be at least 1"),
        (SgdRequest, "scale", "-1", "must be"),
        (GdQuadraticRequest, "w0", "1 x", "entry 2"),
        (NetRequest, "domain", "weird", "unknown domain 'weird'"),
        (NetRequest, "table", "00:1 01:10", "same number of output bits"),
    ],
)
@pytest.mark.parametrize(("road", "where"), [("cli", "--{}"), ("file", "{}"), ("api", "--{}")])
def test_a_bad_value_names_its_option_by_the_road(request_type, key, value, message, road, where):
    with pytest.raises(HwcheckError) as info:
        build_request(request_type, {key: value}, source=road)
    assert info.value.where == where.format(key)
    assert message in info.value.message


def test_the_built_xor_target_is_the_tree_of_its_text():
    from hwcheck.families.net import logic

    result = hwcheck.net(build="xor-tree", inputs=3)
    assert result.target == "xor(x1, x2, x3)" and result.failing_count == 0
    assert logic.parse_target("xor(x1, x2, x3)") == ("xor", ("x", 1), ("x", 2), ("x", 3))


def test_a_layer_names_its_position():
    with pytest.raises(HwcheckError) as info:
        build_request(NetRequest, {"layer": ("linear | 1; 1", "bogus | 1")}, source="cli")
    assert info.value.where == "--layer 2: activation"


# ------------------------------------------------------------------ a property of the roads


_entry = st.one_of(st.integers(-99, 99), st.fractions(min_value=-9, max_value=9, max_denominator=8))


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda w: st.lists(st.lists(_entry, min_size=w, max_size=w), min_size=1, max_size=4)
    )
)
def test_a_matrix_reads_the_same_written_or_passed(rows):
    """Written as ``a b; c d`` text or passed as nested numbers, H is the same rows."""
    text = "; ".join(" ".join(str(v) for v in row) for row in rows)
    written = build_request(GdQuadraticRequest, {"H": text}, source="cli")
    passed = build_request(GdQuadraticRequest, {"H": rows}, source="api")
    assert written.H == passed.H == rows


# ------------------------------------------------------------------ the runners parse nothing


RUNNERS = [
    "hwcheck/families/conv/matrix_results.py",
    "hwcheck/families/conv/backprop.py",
    "hwcheck/families/conv/separable.py",
    "hwcheck/families/net/results.py",
    "hwcheck/families/linalg/lstsq.py",
    "hwcheck/families/optim/problems.py",
    "hwcheck/families/optim/results.py",
    "hwcheck/families/arch/results.py",
    "hwcheck/families/arch/rf.py",
]


def _parse_calls(path: Path) -> list[str]:
    calls = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            fn = node.func
            name = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", "")
            if name.startswith("parse_"):
                calls.append(f"{name} (line {node.lineno})")
    return calls


@pytest.mark.parametrize("module", RUNNERS)
def test_runners_receive_values_and_parse_nothing(module):
    assert _parse_calls(ROOT / module) == []


#: the text fields no ``parse=`` hook reads: expressions (the safe expression parser needs sympy)
#: and models (the model reader knows files, zoo names and tables), each read once by its
#: family's own reader at the runner's door
READ_BY_THEIR_FAMILY = {
    "SgdRequest": ["objective"],
    "ParamsRequest": ["model", "spec"],
    "RfRequest": ["model", "spec"],
    "DeriveRequest": ["expr", "define", "expect", "covariance"],
    "EquivRequest": ["a", "b", "define"],
}


@pytest.mark.parametrize(
    "request_type",
    [
        LstsqRequest,
        GdQuadraticRequest,
        SgdRequest,
        ConvMatrixRequest,
        ConvBackpropRequest,
        SeparableRequest,
        NetRequest,
        ParamsRequest,
        RfRequest,
        DeriveRequest,
        EquivRequest,
    ],
)
def test_no_value_field_is_left_as_raw_text(request_type):
    """Every text-kind field is read by a ``parse=`` hook, except expressions and models."""
    raw = [
        f.name
        for f in request_fields(request_type)
        if f.metadata["kind"] in ("text", "multi") and f.metadata.get("parse") is None
    ]
    assert raw == READ_BY_THEIR_FAMILY.get(request_type.__name__, [])


def test_points_units_and_domains_arrive_read():
    from hwcheck.families.symbolic.enumerate import Domain as Finite

    derive = build_request(DeriveRequest, {"expr": "w*x", "at": "λ=0.1,x=۲"}, source="api")
    assert derive.at == {"lam": Fraction(1, 10), "x": 2}
    equiv = build_request(EquivRequest, {"a": "x", "b": "x", "domain": " Boolean "}, source="api")
    assert equiv.domain == Finite("boolean")
    rf = build_request(RfRequest, {"spec": "8x8x1 | conv2d 1 3", "unit": "(۲, 2)"}, source="api")
    assert rf.unit == (2, 2)
