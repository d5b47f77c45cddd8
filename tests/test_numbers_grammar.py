"""One number grammar inside every list, shape and matrix (issue 19).

A number written with Persian or Arabic-Indic digits, the Arabic decimal mark or a thousands
separator means what its ASCII normal form means, wherever it stands: alone, in a shape, a
list, a matrix or JSON-like nesting, and on every road (``--claim``, ``check``, ``grade``).
"""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from hwcheck.core.arrays import parse_array, parse_matrix, parse_shape, read_nested
from hwcheck.core.errors import HwcheckError
from hwcheck.core.numbers import normal_form, parse_int, parse_number

SPEC = "32x32x3 | conv2d 32 3"  # one layer: output 30×30×32, 896 parameters

# ---------------------------------------------------------------- the comma as a decimal mark


@pytest.mark.parametrize(
    "text, value",
    [
        ("٠,٢٥", Fraction(1, 4)),  # fewer than three digits after the comma
        ("۰,۲۵", Fraction(1, 4)),  # Persian digits too
        ("−٠,٥", Fraction(-1, 2)),
        ("١,٢٣٤٥", Fraction(12345, 10000)),  # more than three digits after it
        ("٠,٢٥٠", Fraction(1, 4)),  # a lone zero cannot lead a thousands group
        ("١,٢٣٤", 1234),  # exactly three after a nonzero part: thousands
        ("١,٢٣٤,٥٦٧", 1234567),
        ("١,٢٣٤٫٥", Fraction(2469, 2)),  # with the decimal mark present the comma groups
        ("٠,٢٥e٣", 250),
        ("٠,٢٥×١٠^٣", 250),
    ],
)
def test_an_eastern_comma_that_cannot_group_thousands_is_the_decimal_mark(text, value):
    assert parse_number(text, "--lr") == value


@pytest.mark.parametrize(
    "text",
    ["0,25", "1,2345", "١,٢,٣", "١,٢٣,٤٥٦", "٠,٢٥٫٥", "١,٢٣٤٥٫٥", ",٢٥", "٢٥,"],
)
def test_other_commas_stay_refused(text):
    with pytest.raises(HwcheckError) as err:
        parse_number(text, "--lr")
    assert err.value.where == "--lr"


def test_the_decimal_comma_is_for_single_numbers_only():
    # in a list the comma separates entries, whatever the digits
    assert parse_array("٠,٢٥", "--x") == [0, 25]
    with pytest.raises(HwcheckError, match="not read inside a list"):
        parse_matrix([["٠,٢٥"]], "--x")


# ------------------------------------------------------------- an ordinary space as grouping


@pytest.mark.parametrize(
    "text, value",
    [
        ("127 562", 127562),
        ("1 234 567", 1234567),
        ("−1 234.5", Fraction(-2469, 2)),
        ("۱۲۷ ۵۶۲", 127562),
        ("127\u00a0562", 127562),  # a no-break space, as French typography writes it
        ("127\u2009562", 127562),  # the thin space, as before
        ("1 234 × 10^3", 1234000),
        ("1 / 4", Fraction(1, 4)),  # spaces around a fraction bar are no grouping
        ("1.9 × 10^3", 1900),
    ],
)
def test_an_ordinary_space_groups_thousands_where_a_thin_space_does(text, value):
    assert parse_number(text, "--claim total_params") == value


@pytest.mark.parametrize("text", ["12 34", "1  234", "1 2", "1 2345", "1 234 56", "1, 234"])
def test_a_space_outside_groups_of_three_is_refused(text):
    with pytest.raises(HwcheckError, match="not a number") as err:
        parse_number(text, "--claim total_params")
    assert err.value.where == "--claim total_params"


def test_a_space_still_separates_entries_in_lists():
    assert parse_array("127 562", "--x") == [127, 562]
    assert parse_shape("30 30 32", "--input") == (30, 30, 32)


# --------------------------------------------------------------- lists, shapes and matrices

SHAPES = [
    "[۳۰, ۳۰, ۳۲]",
    "(۳۰, ۳۰, ۳۲)",
    "[۳۰، ۳۰، ۳۲]",  # the Arabic comma a Persian keyboard types
    "۳۰x۳۰x۳۲",
    "۳۰×۳۰×۳۲",
    "[۳۰ × ۳۰ × ۳۲]",
    "٣٠x٣٠x٣٢",
    "[30 30 32]",
    "30x30x32",
]


@pytest.mark.parametrize("text", SHAPES)
def test_every_written_shape_is_the_same_list(text):
    assert parse_array(text, "--x") == [30, 30, 32]
    assert parse_shape(text, "--input") == (30, 30, 32)


@pytest.mark.parametrize(
    "text, rows",
    [
        ("۱٫۵ ۲; ۳ ۴", [[Fraction(3, 2), 2], [3, 4]]),
        ("۱٫۵، ۲؛ ۳، ۴", [[Fraction(3, 2), 2], [3, 4]]),  # Arabic comma and semicolon
        ("[[۱٫۵, ۲], [۳, ۴]]", [[Fraction(3, 2), 2], [3, 4]]),
        ("[[۰/۲۵, −۱], [۳, ۴]]", [[Fraction(1, 4), -1], [3, 4]]),
        ("((1, 2), (3, 4))", [[1, 2], [3, 4]]),
        ("[[1. 2.]\n [3. 4.]]", [[1, 2], [3, 4]]),  # numpy's printed array
        ("[[1, 2], [3, 4],]", [[1, 2], [3, 4]]),  # a trailing comma, as Python allows
    ],
)
def test_matrices_and_nesting_read_every_entry_with_the_grammar(text, rows):
    assert parse_matrix(text, "--H") == rows


def test_nesting_of_any_rank_with_eastern_digits():
    assert parse_array("[[[۱, ۲], [۳, ۴]], [[۵, ۶], [۷, ۸]]]", "--x") == json.loads(
        "[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]"
    )


@pytest.mark.parametrize(
    "text, message",
    [
        ("[1,,2]", "empty entry"),
        ("[,1]", "empty entry"),
        ("[۱, ۲", "not closed"),
        ("[۱, ۲]]", "after the closing bracket"),
        ("(۱, ۲]", "does not close"),
        ("[۱, ۲] ۳", "after the closing bracket"),
        ("[[۱, ۲], [۳]]", "row 2 has 1 entries"),
        ("[۱٬۲۳۴, ۵]", "not read inside a list"),
        ("[۱, x]", "entry 2: 'x' is not a number"),
        ("[" * 8 + "۱" + "]" * 8, "nested levels"),
        ("6۶x6x4", "mixes Eastern"),
        ("[1e999, ۲]", "entry 1"),
        ("[1e-401, 2]", "entry 1: '1e-401': exponent"),  # JSON decimals keep the grammar's bounds
    ],
)
def test_bad_lists_are_one_error_naming_the_place(text, message):
    with pytest.raises(HwcheckError, match=message) as err:
        parse_array(text, "--x")
    assert err.value.where == "--x"


def test_read_nested_returns_the_entries_as_written():
    assert read_nested("[[۱, ۲], (۳ ۴)]", "--x") == [["۱", "۲"], ["۳", "۴"]]


def test_normal_form_examples():
    assert normal_form("٠,٢٥") == "0.25"
    assert normal_form("١,٢٣٤") == "1234"
    assert normal_form("127 562") == "127562"
    assert parse_int("۱۲۷ ۵۶۲", "--steps") == 127562


# ------------------------------------------------------------------------------ the roads


@pytest.mark.parametrize("text", SHAPES + ["(None, ۳۰, ۳۰, ۳۲)", "(None, ۳۰، ۳۰، ۳۲)"])
def test_a_claimed_shape_on_the_command_line(cli, text):
    code, out, err = cli(
        "params", "--spec", SPEC, "--claim", f"layers.0.output_shape={text}", "--json"
    )
    assert code == 0, err
    (claim,) = json.loads(out)["claims"]
    assert claim["verdict"] == "correct"


@pytest.mark.parametrize("text", ["۸۹۶", "٨٩٦", "896", "۸۹۶٫۰"])
def test_a_claimed_count_on_the_command_line(cli, text):
    code, _out, err = cli("params", "--spec", SPEC, "--claim", f"total_params={text}")
    assert code == 0, err


def test_an_ordinary_space_groups_a_claimed_count(cli):
    spec = "320x320x3 | conv2d 64 7 | conv2d 64 7"  # 9,472 + 200,768 = 210,240 parameters
    assert cli("params", "--spec", spec, "--claim", "total_params=210 240")[0] == 0
    assert cli("params", "--spec", spec, "--claim", "total_params=210\u2009240")[0] == 0
    code, _out, err = cli("params", "--spec", spec, "--claim", "total_params=2102 40")
    assert code == 2 and err.startswith("error: --claim total_params:"), err


def test_a_persian_decimal_comma_claim(cli):
    code, out, _err = cli("gd-quadratic", "--H", "۲ ۰; ۰ ۱", "--claim", "lr_max=۱,۰", "--json")
    assert code == 0
    assert json.loads(out)["claims"][0]["verdict"] == "correct"


def test_a_persian_matrix_option(cli):
    code, out, err = cli("gd-quadratic", "--H", "[[۲, ۰], [۰, ۱٫۰]]", "--json")
    assert code == 0, err
    assert json.loads(out)["eigenvalues"] == [1.0, 2.0]


def test_check_reads_the_same_shapes_from_an_answers_file(cli, tmp_path):
    lines = ["[[exercise]]", "id = 'C'", "command = 'params'", f"spec = '{SPEC}'"]
    lines += ["[exercise.claims]", "'layers.0.output_shape' = '[۳۰, ۳۰, ۳۲]'"]
    lines += ["'output_shape' = ['۳۰', '۳۰', '۳۲']", "total_params = '۸۹۶'"]
    lines += ["[[exercise]]", "id = 'D'", "command = 'params'", f"spec = '{SPEC}'"]
    lines += ["[exercise.claims]", "'layers.0.output_shape' = '(None, ۳۰, ۳۰, ۳۲)'"]
    lines += ["'output_shape' = '۳۰x۳۰x۳۲'"]
    path = tmp_path / "answers.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = cli("check", str(path), "--json")
    assert code == 0, (out, err)
    verdicts = [c["verdict"] for e in json.loads(out)["exercises"] for c in e["claims"]]
    assert verdicts == ["correct"] * 5


def test_grade_reads_the_same_shapes_from_a_csv(cli, tmp_path):
    key = tmp_path / "key.toml"
    key.write_text(
        f"[[exercise]]\nid = 'C'\ncommand = 'params'\nspec = '{SPEC}'\npoints = 2\n"
        "[exercise.claims]\n'layers.0.output_shape' = [30, 30, 32]\ntotal_params = 896\n",
        encoding="utf-8",
    )
    csv = tmp_path / "class.csv"
    csv.write_text(
        "student,C.layers.0.output_shape,C.total_params\n"
        'a,"[۳۰, ۳۰, ۳۲]",۸۹۶\nb,"(None, ۳۰, ۳۰, ۳۲)",٨٩٦\nc,۳۰x۳۰x۳۲,896\n',
        encoding="utf-8",
    )
    code, out, err = cli("grade", str(key), str(csv), "--json")
    assert code == 0, err
    scores = {s["student"]: s["score"] for s in json.loads(out)["students"]}
    assert scores == {"a": 2, "b": 2, "c": 2}
