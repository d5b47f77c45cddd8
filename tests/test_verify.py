"""Claims and verdicts (CONVENTIONS §5), on a small hand-made result."""

from dataclasses import dataclass
from typing import ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hwcheck.claims.lookup import lookup
from hwcheck.claims.read import significant_figures
from hwcheck.claims.verdict import verify
from hwcheck.core.errors import HwcheckError
from hwcheck.core.result import Result, Text


@dataclass(frozen=True)
class Fake(Result):
    command: ClassVar[str] = "fake"
    total_params: int = 4640
    lr: float = 0.13724061
    shape: list = (35, 35, 32)
    matrix: list = ((1.0, 2.0), (3.0, 4.0))
    symbolic: list = (("W11", "W10", 0), ("0", "W11", "W10"))
    exact: str = "5/4"
    layers: list = ({"index": 0, "params": 19456},)
    derivatives: dict = None
    flag: bool = True

    def view(self, digits=6):
        return [Text(("fake",))]


def verdict(key, claimed, **tol):
    result = Fake(derivatives={"w": {"expr": "x*(y - t)", "latex": "", "value": 0.5}})
    return verify(result, {key: claimed}, **tol)[0]


@pytest.mark.parametrize("claimed", [4640, "4640", "4_640", "4,640", "4640.0", 4640.0])
def test_integer_claims_in_every_spelling(claimed):
    assert verdict("total_params", claimed).verdict == "correct"


def test_integer_wrong_and_unreadable():
    v = verdict("total_params", "4641")
    assert (v.verdict, v.rule) == ("wrong", "integer: exact")
    assert verdict("total_params", "lots").verdict == "error"


def test_float_tolerance_and_imprecise():
    assert verdict("lr", "0.1372").verdict == "correct"
    imprecise = verdict("lr", "0.14")
    assert imprecise.verdict == "imprecise" and "right to 2 figures only" in imprecise.rule
    assert verdict("lr", "0.15").verdict == "wrong"
    assert verdict("lr", "0.14", rtol=0.05).verdict == "correct"
    assert verdict("lr", "1.3724061·10⁻¹").verdict == "correct"


def test_claims_beyond_the_digit_bound_are_errors_not_a_crash():
    # issue 10: 1e400 is past the number grammar's digit bound: a claim that cannot be read
    assert verdict("lr", "1e400").verdict == "error"
    assert verdict("total_params", "-1e400").verdict == "error"


def test_significant_figures():
    assert significant_figures("0.0014") == 2
    assert significant_figures("−1.9·10⁻⁴") == 2
    assert significant_figures("0.1372") == 4
    assert significant_figures("1200") == 2


@pytest.mark.parametrize(
    "claimed", ["[35, 35, 32]", "35x35x32", "35×35×32", "(35, 35, 32)", [35, 35, 32]]
)
def test_shapes(claimed):
    assert verdict("shape", claimed).verdict == "correct"


def test_thousands_separators_in_a_one_axis_shape():
    @dataclass(frozen=True)
    class Flat(Result):
        command: ClassVar[str] = "flat"
        output_shape: list = (1605632,)

        def view(self, digits=6):
            return []

    assert verify(Flat(), {"output_shape": "1,605,632"})[0].verdict == "correct"
    assert verify(Flat(), {"output_shape": "[1605632]"})[0].verdict == "correct"


def test_shape_mismatch_names_the_shapes():
    v = verdict("shape", "35x35")
    assert (v.verdict, v.rule, v.hint) == (
        "wrong",
        "shape: length",
        "claimed 2 entries, expected 3",
    )


def test_matrix_elementwise_reports_worst_error_and_indices():
    assert verdict("matrix", "1 2; 3 4").verdict == "correct"
    v = verdict("matrix", "1 2; 3 5")
    assert v.verdict == "wrong" and "[1,1]" in v.hint and "worst |error| 1" in v.hint
    assert verdict("matrix", "1 2 3; 4 5 6").rule == "matrix: shape"
    assert verdict("matrix.1", "3 4").verdict == "correct"
    assert verdict("matrix.1.0", 3).verdict == "correct"


def test_symbolic_row_as_text():
    assert verdict("symbolic.0", "W11 W10 0").verdict == "correct"
    assert verdict("symbolic", "W11 W10 0; 0 W11 W10").verdict == "correct"
    assert verdict("symbolic.0", "W10 W11 0").verdict == "wrong"


def test_exact_fraction_values():
    assert verdict("exact", "5/4").rule == "fraction: exact"
    assert verdict("exact", "1.25").verdict == "correct"
    assert verdict("exact", "1.3").verdict == "wrong"


def test_objects_key_by_key_and_expr_value_dispatch():
    assert verdict("layers.0", '{"params": 19456}').verdict == "correct"
    assert verdict("layers.0", {"params": 19457}).verdict == "wrong"
    assert verdict("derivatives.w", "0.5").verdict == "correct"  # a number compares with value
    assert verdict("flag", "true").verdict == "correct"


def test_missing_key_lists_nearest():
    v = verdict("total_param", 1)
    assert v.verdict == "error" and "total_params" in v.hint
    with pytest.raises(HwcheckError):
        lookup({"a": 1}, "b")
    assert verdict("hwcheck", "0.1.0").verdict == "error"  # metadata is not a result key


def test_negative_list_index():
    assert verdict("layers.-1.params", 19456).verdict == "correct"


@settings(max_examples=80, deadline=None)
@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).filter(lambda x: abs(x) > 1e-6))
def test_own_answer_is_correct_and_perturbed_is_not(value):
    @dataclass(frozen=True)
    class One(Result):
        command: ClassVar[str] = "one"
        v: float = value

        def view(self, digits=6):
            return []

    assert verify(One(), {"v": repr(value)})[0].verdict == "correct"
    assert verify(One(), {"v": value * 1.01})[0].verdict in ("wrong", "imprecise")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("~1.4M", 1_400_000),
        ("≈ 0.9M", 900_000),
        ("≈0.9M", 900_000),
        ("4.6k", 4_600),
        ("1.4e6", 1_400_000),
        ("1.37 million", 1_370_000),
        ("2.5 billion", 2_500_000_000),
        ("8.2·10^8", 820_000_000),
    ],
)
def test_approximate_notation(text, value):
    from hwcheck.claims.read import approximate

    assert approximate(text)[0] == value


@pytest.mark.parametrize("text", ["4640", "4_640", "4,640", "4640.0", "1/4", "lots", "k"])
def test_plain_numbers_are_not_approximate(text):
    from hwcheck.claims.read import approximate

    assert approximate(text) is None


def test_imprecise_needs_two_figures():
    assert verdict("lr", "0.14").verdict == "imprecise"  # 0.13724…: 2 figures
    one_figure = verdict("lr", "0.1")
    assert one_figure.verdict == "wrong" and "only to one figure" in one_figure.hint


def test_trace_alias():
    from hwcheck.claims.lookup import trace_alias

    data = {
        "steps": [{"t": 1, "params": {"w": 1.0}, "state": {"exp_avg": {"w": 0.1}}}],
        "problem": {"init": {"w": 0.5}},
    }
    assert trace_alias(data, "w(1)") == "steps.0.params.w"
    assert trace_alias(data, "w(0)") == "problem.init.w"
    assert trace_alias(data, "exp_avg.w(1)") == "steps.0.state.exp_avg.w"
    assert trace_alias(data, "exp_avg(1).w") == "steps.0.state.exp_avg.w"
    assert trace_alias(data, "steps.0.params.w") is None
    assert trace_alias({"total": 1}, "w(1)") is None
    with pytest.raises(HwcheckError, match="1 step"):
        trace_alias(data, "w(2)")
    with pytest.raises(HwcheckError, match="no 'v'"):
        trace_alias(data, "v(1)")
