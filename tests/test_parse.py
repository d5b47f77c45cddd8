"""The number/matrix/shape parsers: every accepted form, every error names its place."""

import sys
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hwcheck.core.arrays import (
    parse_array,
    parse_assignments,
    parse_matrix,
    parse_names,
    parse_shape,
    parse_vector,
)
from hwcheck.core.errors import HwcheckError
from hwcheck.core.numbers import parse_float, parse_int, parse_number


@pytest.mark.parametrize(
    "text, value",
    [
        ("4640", 4640),
        ("4_640", 4640),
        ("4,640", 4640),
        ("-3", -3),
        ("+4", 4),
        ("0.25", Fraction(1, 4)),
        ("1/4", Fraction(1, 4)),
        ("-3/8", Fraction(-3, 8)),
        ("1e-3", Fraction(1, 1000)),
        ("1E3", 1000),
        ("−1.9·10⁻⁴", Fraction(-19, 100000)),
        ("1.9×10^-4", Fraction(19, 100000)),
        ("2*10^3", 2000),
        (".5", Fraction(1, 2)),
    ],
)
def test_numbers(text, value):
    assert parse_number(text, "x") == value


@pytest.mark.parametrize(
    "text", ["abc", "", "1/0", "1e999", "nan", "inf", "1..2", "--1", "0x10", "1 2"]
)
def test_bad_numbers_name_the_place(text):
    with pytest.raises(HwcheckError) as err:
        parse_number(text, "--lr")
    assert err.value.where == "--lr"


def test_nonfinite_only_when_allowed():
    assert parse_number("inf", "x", allow_nonfinite=True) == float("inf")


def test_int_accepts_integral_decimal_and_bounds():
    assert parse_int("4640.0", "x") == 4640
    with pytest.raises(HwcheckError, match="at least 1"):
        parse_int("0", "--steps", minimum=1)
    with pytest.raises(HwcheckError, match="integer"):
        parse_int("2.5", "--steps")


def test_matrix_forms_agree():
    expected = [[1, 2, 3], [4, 5, 6]]
    assert parse_matrix("1 2 3; 4 5 6", "x") == expected
    assert parse_matrix("1,2,3;4,5,6", "x") == expected
    assert parse_matrix("[[1,2,3],[4,5,6]]", "x") == expected
    assert parse_matrix(expected, "x") == expected
    assert parse_matrix("1 2 3\n4 5 6\n", "x") == expected


def test_matrix_files(tmp_path):
    (tmp_path / "m.csv").write_text("1,2\n3,4\n")
    (tmp_path / "m.json").write_text("[[1,2],[3,4]]")
    (tmp_path / "m.txt").write_text("# a comment\n1 2\n3 4\n")
    for name in ("m.csv", "m.json", "m.txt"):
        assert parse_matrix(f"@{tmp_path / name}", "x") == [[1, 2], [3, 4]]
    np = pytest.importorskip("numpy")
    np.save(tmp_path / "m.npy", np.array([[1.5, 2], [3, 4]]))
    assert parse_matrix(f"@{tmp_path / 'm.npy'}", "x") == [[Fraction(3, 2), 2], [3, 4]]


def test_ragged_rows_are_named():
    with pytest.raises(HwcheckError, match="row 2 has 3 entries, row 1 has 2"):
        parse_matrix("1 2; 3 4 5", "--x")
    with pytest.raises(HwcheckError, match="row 2 has 3 entries, row 1 has 2"):
        parse_matrix([[1, 2], [3, 4, 5]], "--x")
    with pytest.raises(HwcheckError, match="row 2, entry 1: 'a' is not a number"):
        parse_matrix("1 2; a 4", "--x")
    with pytest.raises(HwcheckError, match="empty"):
        parse_matrix("", "--x")
    with pytest.raises(HwcheckError, match="empty"):
        parse_matrix([], "--x")


def test_array_rank_and_limits():
    assert parse_array("[[[1]],[[2]]]", "x") == [[[1]], [[2]]]
    with pytest.raises(HwcheckError, match="nested levels"):
        parse_array("[" * 10 + "1" + "]" * 10, "x")
    with pytest.raises(HwcheckError, match="entries"):
        parse_array("1 " * 50, "x", max_entries=10)
    with pytest.raises(HwcheckError):
        parse_array("[" * 100000, "x")


def test_vectors_and_shapes():
    assert parse_vector("1 2 3", "x") == [1, 2, 3]
    assert parse_vector("1; 2; 3", "x") == [1, 2, 3]
    assert parse_shape("3x3", "x") == (3, 3)
    assert parse_shape("2×3×4", "x") == (2, 3, 4)
    assert parse_shape([5, 5], "x") == (5, 5)
    assert parse_shape(7, "x") == (7,)
    with pytest.raises(HwcheckError, match="at least 1"):
        parse_shape("0x3", "--input")
    for empty in ("", "[]", [], ()):
        with pytest.raises(HwcheckError, match="empty shape"):
            parse_shape(empty, "--input")


def test_names_and_assignments():
    assert parse_names("w, b", "x") == ("w", "b")
    assert parse_assignments("w=0.1,b=0", "x") == {"w": Fraction(1, 10), "b": 0}
    assert parse_assignments(["x=2,1", "t=0,1"], "x", vectors=True) == {"x": [2, 1], "t": [0, 1]}
    with pytest.raises(HwcheckError, match="not a valid name"):
        parse_assignments("__class__=1", "--at")
    with pytest.raises(HwcheckError, match="not a valid name"):
        parse_assignments("1w=1", "--at")
    with pytest.raises(HwcheckError, match="not a valid name"):
        parse_assignments("w" * 65 + "=1", "--at")
    assert parse_assignments("λ=1", "--at") == {"λ": 1}
    with pytest.raises(HwcheckError, match="given twice"):
        parse_assignments("w=1,w=2", "--at")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.integers(-(10**6), 10**6), min_size=3, max_size=3), min_size=1, max_size=5)
)
def test_matrix_text_round_trip(rows):
    text = "; ".join(" ".join(str(v) for v in row) for row in rows)
    assert parse_matrix(text, "x") == rows


@settings(max_examples=60, deadline=None)
@given(st.fractions(max_denominator=1000))
def test_fraction_round_trip(value):
    assert parse_number(str(value), "x") == value


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=40))
def test_any_text_parses_or_raises_hwcheck_error(text):
    for parser in (parse_number, parse_matrix, parse_shape, parse_names, parse_assignments):
        try:
            parser(text, "x")
        except HwcheckError:
            pass


# ------------------------------------------------------------- the grammar's examples (issue 10)


@pytest.mark.parametrize(
    "text, value",
    [
        ("۰٫۲۵", Fraction(1, 4)),  # U+066B, the Arabic decimal mark
        ("۰/۲۵", Fraction(1, 4)),  # '/' between Eastern digits: the handwritten Persian mark
        ("۰.۲۵", Fraction(1, 4)),
        ("٠٫٢٥", Fraction(1, 4)),  # Arabic-Indic digits
        ("۱٬۲۳۴٬۵۶۷", 1234567),  # U+066C, the Arabic thousands mark
        ("−۲", -2),
        ("۲٫۵×۱۰⁻⁴", Fraction(1, 4000)),
        ("\u200f۰٫۵\u200e", Fraction(1, 2)),  # direction marks copied with right-to-left text
        ("1,234,567.5", Fraction(2469135, 2)),
        ("1\u2009234", 1234),  # a thin space groups thousands too
        ("10^-3", Fraction(1, 1000)),
        ("10⁻³", Fraction(1, 1000)),
        ("1.9 \\times 10^{-4}", Fraction(19, 100000)),
        ("1,234×10^3", 1234000),
        ("9" * 400, int("9" * 400)),
    ],
)
def test_written_forms(text, value):
    assert parse_number(text, "x") == value


@pytest.mark.parametrize(
    "text, message",
    [
        ("E0", "not a number"),
        ("e5", "not a number"),
        ("1e400", "at most 400 digits"),
        ("-1e400", "at most 400 digits"),
        ("9" * 401, "more than 400 digits"),
        ("9" * 5000, "at most 400 digits"),
        ("1e-401", "exponent"),
        ("۱/4", "mixes Eastern"),
        ("12۳", "mixes Eastern"),
        ("۰ / ۲۵", "decimal mark"),
        ("/۲۵", "decimal mark"),
        ("1,2345", "not a number"),
        ("0,25", "not a number"),
        ("1,234٬567", "not a number"),
        ("110^3", "not a number"),
        ("1e3·10^2", "not a number"),
        ("_1", "not a number"),
        ("1/-4", "not a number"),
        ("--inf", "not a number"),
    ],
)
def test_refused_forms_name_the_place(text, message):
    with pytest.raises(HwcheckError, match=message) as err:
        parse_number(text, "--lr")
    assert err.value.where == "--lr"


def test_e0_says_what_an_exponent_needs():
    with pytest.raises(HwcheckError) as err:
        parse_number("E0", "total_params")
    assert "number before it" in err.value.hint


def test_native_values_are_bounded_too():
    assert parse_number(10**399, "x") == 10**399
    for big in (10**400, -(10**5000)):
        with pytest.raises(HwcheckError, match="at most 400 digits"):
            parse_number(big, "x")
    with pytest.raises(HwcheckError, match="finite"):
        parse_number(float("nan"), "x")


def test_floats_are_checked_against_the_float_range():
    assert parse_float("1e308", "--lr") == 1e308
    with pytest.raises(HwcheckError, match="past the float range"):
        parse_float("1e399", "--lr")
    with pytest.raises(HwcheckError, match="too small for a float"):
        parse_float("1e-400", "--lr")
    with pytest.raises(HwcheckError, match="finite"):
        parse_float("inf", "--lr")
    assert parse_float("-inf", "--lr", allow_nonfinite=True) == float("-inf")


def test_thousands_separators_only_in_single_numbers():
    assert parse_matrix("1,234 5", "--x") == [[1, 234, 5]]  # a comma separates entries
    assert parse_matrix("1_234 5", "--x") == [[1234, 5]]
    with pytest.raises(HwcheckError, match="not read inside a list"):
        parse_matrix("۱٬۲۳۴ ۵", "--x")
    with pytest.raises(HwcheckError, match="not read inside a list"):
        parse_matrix([["1,234", 5]], "--x")
    assert parse_matrix("۰/۲۵ ۱٫۵; −۱ ۲", "--x") == [[Fraction(1, 4), Fraction(3, 2)], [-1, 2]]
    assert parse_shape("۳۲×۳۲×۳", "--input") == (32, 32, 3)


def test_matrix_entries_lie_in_the_float_range():
    with pytest.raises(HwcheckError, match="row 1, entry 1: '1e399' is past the float range"):
        parse_matrix("1e399 1; 1 1", "--H")
    with pytest.raises(HwcheckError, match="more than 400 digits"):
        parse_matrix("[[" + "9" * 5000 + "]]", "--H")


def test_toml_integers_past_python_limit_are_an_error():
    from hwcheck.core.inputs import parse_toml

    with pytest.raises(HwcheckError, match="more than 400 digits"):
        parse_toml("a = " + "9" * 5000, "a.toml")


@pytest.mark.parametrize(
    "value, expected",
    [(True, True), (False, False), ("true", True), ("FALSE", False), (" True ", True)],
)
def test_booleans(value, expected):
    from hwcheck.core.numbers import parse_bool

    assert parse_bool(value, "explain") is expected


@pytest.mark.parametrize("value", ["yes", "no", "1", "0", 1, 0, "on", "", None, 1.0, [True]])
def test_other_booleans_are_refused_with_a_hint(value):
    from hwcheck.core.numbers import parse_bool

    with pytest.raises(HwcheckError, match="expected true or false") as err:
        parse_bool(value, "explain")
    assert err.value.where == "explain"
    if value in ("yes", "no", "1", "0", 1, 0, "on"):
        assert "true or false" in err.value.hint


def test_json_writes_huge_integers_and_toml_dates():
    import datetime

    from hwcheck.core.jsonout import dumps

    text = dumps({"n": 10**5000, "f": Fraction(1, 3**9000), "d": datetime.date(1979, 5, 27)})
    assert text.count("0") >= 5000 and '"d": "1979-05-27"' in text
    assert sys.get_int_max_str_digits() in (0, 4300)  # the limit is restored after writing


def test_numpy_scalars_from_the_api():
    np = pytest.importorskip("numpy")
    from hwcheck.core.numbers import parse_bool

    assert parse_number(np.int64(5), "x") == 5 and parse_int(np.uint8(7), "x") == 7
    assert parse_number(np.float32(0.5), "x") == Fraction(1, 2)
    assert parse_bool(np.True_, "x") is True
    with pytest.raises(HwcheckError, match="expected a number"):
        parse_number(np.array([1, 2]), "x")
