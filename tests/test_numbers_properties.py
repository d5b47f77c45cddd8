"""Properties of the one number grammar across scripts and separators (issue 19).

Values are generated first (integers, decimals as digit strings, shapes, matrices) and then
written the ways people write them: Persian or Arabic-Indic digits, ``٫``, ``/`` or an ASCII
comma as the decimal mark after Eastern digits, thin, no-break or ordinary spaces between
thousands, JSON-like nesting, ``x``/``×`` shapes, ``;`` rows. The expected value is built from
the parts with ``fractions.Fraction`` — never through hwcheck's normal form — and every
rendering must read as that value; every refusal is one HwcheckError naming the place.
"""

from __future__ import annotations

import os
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hwcheck.core.arrays import parse_array, parse_matrix, parse_shape
from hwcheck.core.errors import HwcheckError
from hwcheck.core.numbers import parse_number

PERSIAN = "۰۱۲۳۴۵۶۷۸۹"
ARABIC = "٠١٢٣٤٥٦٧٨٩"
LONG = os.environ.get("HWCHECK_FUZZ") == "long"
EXAMPLES = settings(max_examples=2000 if LONG else 60, deadline=None)
CLI_EXAMPLES = settings(
    max_examples=200 if LONG else 15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
SPACES = ["\u2009", "\u202f", "\u00a0", " "]  # thin, narrow no-break, no-break, ordinary


def script(text: str, digits: str) -> str:
    """``text`` with its ASCII digits written in ``digits`` (one of the three scripts)."""
    return "".join(digits[int(c)] if "0" <= c <= "9" else c for c in text)


def grouped(digits: str, mark: str) -> str:
    head = len(digits) % 3 or 3
    return mark.join([digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)])


SCRIPTS = st.sampled_from(["0123456789", PERSIAN, ARABIC])
EASTERN = st.sampled_from([PERSIAN, ARABIC])


# ------------------------------------------------------------------------ single numbers


@EXAMPLES
@given(st.integers(0, 10**15), SCRIPTS, st.sampled_from(SPACES + [",", "٬", ""]), st.booleans())
def test_an_integer_reads_the_same_in_every_script_and_grouping(n, digits, mark, negative):
    text = ("−" if negative else "") + script(grouped(str(n), mark) if mark else str(n), digits)
    assert parse_number(text, "--claim total_params") == (-n if negative else n)


@EXAMPLES
@given(
    st.integers(0, 10**9),
    st.text(alphabet="0123456789", min_size=1, max_size=8),
    EASTERN,
    st.sampled_from(["٫", "/", ".", ","]),
)
def test_an_eastern_decimal_reads_as_its_ascii_form(whole, frac, digits, mark):
    expected = whole + Fraction(int(frac), 10 ** len(frac))
    text = script(f"{whole}{mark}{frac}", digits)
    if mark == "," and len(frac) == 3 and whole != 0:
        expected = whole * 1000 + int(frac)  # three digits after a nonzero part: thousands
        if whole >= 1000:  # the part before the comma is no group of one to three digits
            with pytest.raises(HwcheckError) as err:
                parse_number(text, "--lr")
            assert err.value.where == "--lr"
            return
    assert parse_number(text, "--lr") == expected


@EXAMPLES
@given(
    st.integers(1000, 10**12),
    st.text(alphabet="0123456789", min_size=1, max_size=6),
    SCRIPTS,
    st.sampled_from(SPACES),
)
def test_spaces_group_thousands_before_the_decimal_mark(whole, frac, digits, space):
    mark = "." if digits[0] == "0" else "٫"
    text = script(grouped(str(whole), space) + mark + frac, digits)
    assert parse_number(text, "--lr") == whole + Fraction(int(frac), 10 ** len(frac))


@EXAMPLES
@given(st.integers(0, 10**6), st.integers(0, 10**6), st.sampled_from([" ", "  "]))
def test_spaces_that_do_not_group_three_digits_are_refused(a, b, space):
    text = f"{a}{space}{b:02d}"
    if space == " " and a < 1000 and len(f"{b:02d}") == 3:
        assert parse_number(text, "--lr") == a * 1000 + b
        return
    with pytest.raises(HwcheckError) as err:
        parse_number(text, "--lr")
    assert err.value.where == "--lr"


# ------------------------------------------------------------------ shapes, lists, matrices

SIZES = st.lists(st.integers(1, 5000), min_size=1, max_size=5)


def write_list(items: list[str], style: str) -> str:
    if style == "json":
        return "[" + ", ".join(items) + "]"
    if style == "tuple":
        return "(" + ", ".join(items) + ")"
    if style == "arabic-comma":
        return "[" + "، ".join(items) + "]"
    if style == "spaces":
        return " ".join(items)
    return {"x": "x", "times": " × "}[style].join(items)


@EXAMPLES
@given(SIZES, SCRIPTS, st.sampled_from(["json", "tuple", "arabic-comma", "spaces", "x", "times"]))
def test_a_shape_reads_the_same_in_every_script_and_style(sizes, digits, style):
    if style in ("x", "times") and len(sizes) < 2:
        sizes = sizes * 2
    text = write_list([script(str(n), digits) for n in sizes], style)
    assert parse_array(text, "--x") == sizes
    assert parse_shape(text, "--input") == tuple(sizes)


DECIMALS = st.tuples(
    st.booleans(), st.integers(0, 10**6), st.text(alphabet="0123456789", max_size=5)
)


def decimal_value(part) -> Fraction:
    negative, whole, frac = part
    value = whole + (Fraction(int(frac), 10 ** len(frac)) if frac else 0)
    return -value if negative else value


def decimal_text(part, digits: str) -> str:
    negative, whole, frac = part
    mark = "." if digits[0] == "0" else "٫"
    body = script(str(whole) + (mark + frac if frac else ""), digits)
    return ("−" if negative else "") + body


@EXAMPLES
@given(
    st.integers(1, 4).flatmap(
        lambda cols: st.lists(
            st.lists(DECIMALS, min_size=cols, max_size=cols), min_size=1, max_size=4
        )
    ),
    SCRIPTS,
    st.sampled_from(["rows", "json", "numpy", "arabic"]),
)
def test_a_matrix_reads_the_same_in_every_script_and_nesting(parts, digits, style):
    cells = [[decimal_text(p, digits) for p in row] for row in parts]
    if style == "rows":
        text = "; ".join(" ".join(row) for row in cells)
    elif style == "json":
        text = "[" + ", ".join("[" + ", ".join(row) + "]" for row in cells) + "]"
    elif style == "numpy":
        text = "[" + "\n ".join("[" + " ".join(row) + "]" for row in cells) + "]"
    else:
        text = "؛ ".join("، ".join(row) for row in cells)
    expected = [[decimal_value(p) for p in row] for row in parts]
    assert parse_matrix(text, "--H") == expected


REFUSED_TEXTS = ["1e400", "E0", "۱/4", "12۳", "٬", "a", "--1", "1e-401", "۰ / ۲۵", "1e999"]
REFUSED = st.sampled_from(REFUSED_TEXTS)


@EXAMPLES
@given(SIZES, REFUSED, st.data())
def test_a_refused_entry_is_one_error_naming_the_place(sizes, bad, data):
    items = [str(n) for n in sizes]
    position = data.draw(st.integers(0, len(items)))
    items.insert(position, bad)
    style = data.draw(st.sampled_from(["json", "tuple", "arabic-comma", "spaces"]))
    with pytest.raises(HwcheckError) as err:
        parse_array(write_list(items, style), "--x")
    assert err.value.where == "--x"


# --------------------------------------------------------------------------- the CLI road


@CLI_EXAMPLES
@given(
    st.sampled_from([PERSIAN, ARABIC, "0123456789"]),
    st.sampled_from(["json", "tuple", "arabic-comma", "x", "times", "batch"]),
)
def test_a_claimed_shape_is_correct_in_every_writing(cli, digits, style):
    items = [script(str(n), digits) for n in (30, 30, 32)]
    text = "(None, " + ", ".join(items) + ")" if style == "batch" else write_list(items, style)
    code, _out, err = cli(
        "params", "--spec", "32x32x3 | conv2d 32 3", "--claim", f"layers.0.output_shape={text}"
    )
    assert code == 0, (text, err)


@CLI_EXAMPLES
@given(st.sampled_from(["E0", "۱/4", "12۳", "٬", "a", "--1", "۰ / ۲۵"]))
def test_a_refused_claim_is_exit_2_naming_the_claim(cli, bad):
    code, _out, err = cli(
        "params",
        "--spec",
        "32x32x3 | conv2d 32 3",
        "--claim",
        f"layers.0.output_shape=[{bad}, 30, 32]",
    )
    assert code == 2
    assert err.startswith("error: --claim layers.0.output_shape:"), err
