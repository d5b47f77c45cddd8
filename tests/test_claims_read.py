"""A claim is read once, at the boundary: every road's raw form of the same answer gives the
same :class:`Claimed` (or the same value, for list notations) and so the same verdict
(issue 19, CONVENTIONS §3, §5)."""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, ClassVar

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from hwcheck.claims.compare import Comparer
from hwcheck.claims.lookup import canonical_key
from hwcheck.claims.outcome import Tolerance
from hwcheck.claims.read import Claimed, read_claim
from hwcheck.claims.verdict import CLAIM_KEYS, Verdict, describe_value, verify
from hwcheck.core.errors import HwcheckError
from hwcheck.core.jsonout import dumps
from hwcheck.core.result import Result, Text, Undecided

EXAMPLES = 200 if os.environ.get("HWCHECK_FUZZ") == "long" else 30
PERSIAN = str.maketrans("0123456789.", "۰۱۲۳۴۵۶۷۸۹٫")


class Written(float):
    """What the answers-file reader gives for a TOML float: a float keeping its source text."""

    def __new__(cls, text: str):
        self = super().__new__(cls, float(text.replace("_", "")))
        self.text = text
        return self


@dataclass(frozen=True)
class Fake(Result):
    command: ClassVar[str] = "fake"
    total_params: int = 4640
    lr: float = 0.13724061
    shape: list = (35, 35, 32)
    steps: list = ({"t": 1, "params": {"w": 0.6972}}, {"t": 2, "params": {"w": 0.7049}})
    decided: Any = field(default_factory=lambda: Undecided("timeout", 0.01))

    def view(self, digits=6):
        return [Text(("fake",))]


def judged(key: str, raw: Any, **tol) -> Verdict:
    return verify(Fake(), {key: raw}, **tol)[0]


def same_verdict(key: str, a: Any, b: Any) -> None:
    va, vb = judged(key, a), judged(key, b)
    assert (va.verdict, va.rule, va.hint, va.mistakes) == (
        vb.verdict,
        vb.rule,
        vb.hint,
        vb.mistakes,
    )
    assert va.to_json()["claimed"] == vb.to_json()["claimed"]


# ------------------------------------------------------------------------ one Claimed


@pytest.mark.parametrize(
    "text", ["0.70", "3.154e8", "4640.0", "1_000.5", "-0.00024", "1.3724061e-1", "0.1372"]
)
def test_a_toml_float_and_its_text_are_one_claim(text):
    assert read_claim(Written(text)) == read_claim(text) == read_claim(f"  {text} ")


def test_a_toml_float_keeps_its_figures_and_approximation():
    assert read_claim(Written("0.70")).figures == 2
    assert read_claim(0.7).figures == 1  # a float without its text: its shortest repr
    big = read_claim(Written("3.154e8"))
    assert (big.value, big.approximate) == (315_400_000, "scientific notation")


@pytest.mark.parametrize(
    "raw",
    [
        [15, 15, 64],
        (15, 15, 64),
        "[15, 15, 64]",
        "(15, 15, 64)",
        "15x15x64",
        "15×15×64",
        "15 15 64",
        "[۱۵, ۱۵, ۶۴]",
        "(۱۵, ۱۵, ۶۴)",
        "۱۵x۱۵x۶۴",
        ["۱۵", 15, 64],
    ],
)
def test_every_list_notation_reads_as_one_value(raw):
    claimed = read_claim(raw)
    assert claimed.value == [15, 15, 64]
    assert [item.value for item in claimed.items] == [15, 15, 64]


def test_batch_axis_and_matrix_notations():
    assert read_claim("(None, ۳۰, ۳۰, ۳۲)").value == [None, 30, 30, 32]
    assert read_claim("1 2; 3 4").value == read_claim([[1, 2], [3, 4]]).value == [[1, 2], [3, 4]]
    assert read_claim("۱٫۵ ۲; ۳ ۴").value == [[Fraction(3, 2), 2], [3, 4]]
    assert read_claim("[[1, 2], [3, 4]]").value == [[1, 2], [3, 4]]


def test_entries_keep_their_own_text():
    typed = read_claim([Written("0.70"), 1])
    text = read_claim("[0.70, 1]")
    assert [i.figures for i in typed.items] == [i.figures for i in text.items] == [2, 1]


def test_expressions_and_words_stay_text():
    assert read_claim("(x+1)*(y)").value == "(x+1)*(y)"
    assert read_claim("x*y**2").items is None
    assert read_claim("true").value is True and read_claim(True) == read_claim("true")
    assert read_claim("null").value is None


def test_a_list_nested_past_any_array_is_not_walked():
    deep: Any = []
    for _ in range(3000):
        deep = [deep]
    claimed = read_claim(deep)
    assert isinstance(claimed, Claimed) and isinstance(claimed.value, list)
    assert judged("shape", deep).verdict == "wrong"
    assert judged("total_params", 4640).verdict == "correct"


# ------------------------------------------------------------------- the same verdict


def test_the_stale_gradient_case_toml_number_equals_string():
    # "w(2)" = 0.70 is the right value to 2 figures: imprecise by every road
    assert judged("w(2)", Written("0.70")).verdict == "imprecise"
    same_verdict("w(2)", Written("0.70"), "0.70")
    same_verdict("steps.1.params.w", Written("0.70"), "0.70")


def test_an_approximate_integer_by_every_road():
    same_verdict("total_params", Written("4.6e3"), "4.6e3")
    assert judged("total_params", Written("4.6e3")).rule.startswith("integer: approximate")


@settings(max_examples=EXAMPLES, deadline=None)
@given(
    st.decimals(min_value=-10, max_value=10, places=5, allow_nan=False, allow_infinity=False),
    st.integers(min_value=1, max_value=6),
)
def test_decimals_get_one_verdict_by_every_road(number, figures):
    text = f"{float(number):.{figures}g}"
    assert read_claim(Written(text)) == read_claim(text)
    same_verdict("lr", Written(text), text)
    same_verdict("lr", Written(text), text.translate(PERSIAN))


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.integers(min_value=0, max_value=10**12))
def test_integers_get_one_verdict_by_every_road(n):
    forms = [n, str(n), f"{n:,}", f"{n:_}", str(n).translate(PERSIAN), f"{n}.0"]
    values = {read_claim(form).value for form in forms}
    assert values == {n}
    for form in forms[1:]:
        same_verdict("total_params", n, form)


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=999), min_size=1, max_size=5))
@example([1, 1, 1, 1])  # a batch axis 1 in Persian digits once printed as written in the rule
def test_shapes_get_one_verdict_by_every_road(shape):
    joined = ", ".join(map(str, shape))
    forms = [shape, f"[{joined}]", f"({joined})", f"[{joined}]".translate(PERSIAN)]
    if len(shape) > 1:
        forms += ["x".join(map(str, shape))]
    for form in forms:
        assert read_claim(form).value == shape
        same_verdict("shape", shape, form)
    if len(shape) > 1:  # sizes split by spaces: a list where the key's value is a list
        same_verdict("shape", shape, " ".join(map(str, shape)))
    assert read_claim(f"(None, {joined})".translate(PERSIAN)).value == [None, *shape]


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.randoms(use_true_random=False))
def test_a_verdict_never_depends_on_the_order_of_the_other_claims(rnd: random.Random):
    claims = [
        ("total_params", "4,640"),
        ("lr", Written("0.14")),
        ("shape", "35x35x31"),
        ("w(2)", "0.70"),
        ("steps.0.params.w", Written("0.6972")),
    ]
    alone = {key: verify(Fake(), [(key, raw)])[0].to_json() for key, raw in claims}
    rnd.shuffle(claims)
    together = {v.key: v.to_json() for v in verify(Fake(), claims)}
    assert together == alone


# --------------------------------------------------------------------------- the schema


@pytest.mark.parametrize("raw", [4640, "4,640", Written("0.70"), [35, 35, 32], "35x35x32", "lots"])
def test_one_claim_schema(raw):
    doc = judged("total_params" if not isinstance(raw, list) else "shape", raw).to_json()
    assert tuple(doc) == CLAIM_KEYS
    assert doc["mistakes"] == [] and (doc["hint"] is None or doc["hint"])
    dumps(doc)  # strict JSON


def test_claimed_is_normalised_and_claimed_text_as_written():
    doc = judged("lr", Written("0.70")).to_json()
    assert (doc["claimed"], doc["claimed_text"]) == (0.7, "0.70")
    doc = judged("shape", "(۳۵, ۳۵, ۳۲)").to_json()
    assert (doc["claimed"], doc["claimed_text"]) == ([35, 35, 32], "(۳۵, ۳۵, ۳۲)")
    doc = judged("total_params", "~4.6k").to_json()
    assert (doc["claimed"], doc["claimed_text"]) == (4600, "~4.6k")


def test_a_verdict_built_from_a_raw_value_reads_it_as_every_road_does():
    doc = Verdict("shape", "15x15x64", [15, 15, 64], "error", "claim: cannot be read").to_json()
    assert (doc["claimed"], doc["claimed_text"], doc["hint"]) == ([15, 15, 64], "15x15x64", None)


def test_values_are_described_in_notation_never_as_a_python_repr():
    assert describe_value((1, 2)) == "[1, 2]"
    assert describe_value(True) == "true" and describe_value(None) == "null"
    assert describe_value({"expr": "x*y"}) == "x*y"
    assert "Fraction" not in describe_value({"a": Fraction(1, 4)})


# --------------------------------------------------------------------- undecided values


def test_an_undecided_value_makes_the_claim_inconclusive_naming_the_budget():
    v = judged("decided", "equivalent")
    assert v.verdict == "inconclusive"
    assert "0.01 s ran out" in v.rule and "timeout" in v.rule
    assert v.to_json()["expected"] == "inconclusive"


def test_compare_never_compares_against_an_undecided_value():
    comparer = Comparer(Fake(), Tolerance())
    for claim in ("inconclusive", "equivalent", 3):
        assert comparer.compare(("x",), Undecided("timeout", None), claim).verdict == (
            "inconclusive"
        )


# ------------------------------------------------------------------------ claim keys


def test_canonical_key_for_every_alias():
    data = Fake().to_json()
    assert canonical_key(data, "w(2)") == "steps.1.params.w"
    assert canonical_key(data, "steps.-1.params.w") == "steps.1.params.w"
    assert canonical_key(data, " steps.1.params.w ") == "steps.1.params.w"
    assert canonical_key(data, "w(0)" if "w0" in data else "total_params") == "total_params"
    with pytest.raises(HwcheckError, match="nearest"):
        canonical_key(data, "total_param")


def test_an_equiv_verdict_that_was_not_decided_is_no_value_to_compare_against():
    from hwcheck.families.symbolic.results import EquivResult

    # equiv holds a decision it did not make as an Undecided (JSON "inconclusive"), whatever stopped it
    stopped = Undecided("timeout", 5.0)
    undecided = EquivResult("x", "y", stopped, "numeric", 0, 0, reason="timeout")
    for claim in ("equivalent", "not_equivalent", "inconclusive"):
        v = undecided.verify({"verdict": claim})[0]
        assert v.verdict == "inconclusive" and "timeout" in v.rule
    decided = EquivResult("x", "x", "equivalent", "structural", 0, 0)
    assert decided.verify({"verdict": "equivalent"})[0].verdict == "correct"
    assert decided.verify({"verdict": "inconclusive"})[0].verdict == "wrong"
