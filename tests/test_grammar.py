"""The one number grammar, held by properties at every place a number enters (issue 10.2).

Numbers are generated from their parts (sign, digits, decimal mark, grouping, exponent, script),
so the expected value is computed from the parts with ``fractions.Fraction`` — never through
hwcheck's normal form. Junk strings are checked against a small, lenient reference reading of
our own. For every input the result is the number it denotes or a HwcheckError / exit 2: never
another exception, never exit 3.
"""

from __future__ import annotations

import json
import os
import re
import sys
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from hwcheck.core.arrays import parse_matrix
from hwcheck.core.errors import HwcheckError
from hwcheck.core.numbers import MAX_DIGITS, MAX_EXPONENT, parse_float, parse_number

PERSIAN = "۰۱۲۳۴۵۶۷۸۹"
ARABIC = "٠١٢٣٤٥٦٧٨٩"
SUPER = "⁰¹²³⁴⁵⁶⁷⁸⁹"
FLOAT_MAX = Fraction(sys.float_info.max)
#: bounded example counts; ``HWCHECK_FUZZ=long`` runs many more (locally)
LONG = os.environ.get("HWCHECK_FUZZ") == "long"
EXAMPLES = 2000 if LONG else 50
FUNCTION_FIXTURES = settings(
    max_examples=200 if LONG else 25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


# ---------------------------------------------------------------------- generated numbers


def _script(text: str, script: str) -> str:
    digits = {"ascii": "0123456789", "persian": PERSIAN, "arabic": ARABIC}[script]
    return "".join(digits[int(c)] if "0" <= c <= "9" else c for c in text)


def _group(digits: str, mark: str) -> str:
    head = len(digits) % 3 or 3
    return mark.join([digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)])


@st.composite
def written_numbers(draw, *, in_list: bool = False):
    """(text, expected): a number as a person may write it, and the value its parts denote
    (``None`` when the grammar must refuse it: past the digit or exponent bound, or a form
    that is not a number)."""
    script = draw(st.sampled_from(["ascii", "persian", "arabic"]))
    digit_text = st.text(alphabet="0123456789", max_size=14)
    long_text = st.text(alphabet="0123456789", min_size=395, max_size=405)
    whole = draw(st.one_of(digit_text, digit_text, digit_text, long_text))
    frac = draw(st.none() | digit_text)
    if not whole and not frac:
        whole = "7"
    sign = draw(st.sampled_from(["", "-", "+", "−"]))
    marks = [".", "٫"] + (["/"] if script != "ascii" else [])
    mark = draw(st.sampled_from(marks))
    groups = ["", "_"] if in_list else ["", "_", ",", "٬"]
    # nobody groups a whole part that starts with 0 ('0,001' with Eastern digits is 0.001)
    grouping = draw(st.sampled_from(groups)) if len(whole) > 3 and whole[0] != "0" else ""
    k = draw(st.none() | st.integers(-420, 420) | st.integers(-5, 5))
    style = draw(st.sampled_from(["e", "E", "·10^", "×10^", "*10^", "×10^()", "super"]))

    body = _group(whole, grouping) if grouping else whole
    if frac is not None:
        body += mark + frac
    text = sign + body
    if k is not None:
        if style in ("e", "E"):
            text += f"{style}{k}"
        elif style == "×10^()":
            text += f"×10^({k})"
        elif style == "super":
            text += "×10" + "".join("⁻" if c == "-" else SUPER[int(c)] for c in str(k))
        else:
            text += f"{style}{k}"
    text = _script(text, script)

    valid = True
    if mark == "/" and frac is not None and (not whole or not frac):
        valid = False  # '/' is a decimal mark only between two Eastern digits
    if len(whole) + len(frac or "") > MAX_DIGITS or (k is not None and abs(k) > MAX_EXPONENT):
        valid = False
    value = Fraction(int(whole or "0") * 10 ** len(frac or "") + int(frac or "0"))
    value /= 10 ** len(frac or "")
    value *= Fraction(10) ** (k or 0)
    if sign in ("-", "−"):
        value = -value
    if abs(value) >= 10**MAX_DIGITS:
        valid = False
    return text, value if valid else None


def _in_float_range(value: Fraction) -> bool:
    return abs(value) <= FLOAT_MAX and (value == 0 or float(value) != 0)


@settings(max_examples=EXAMPLES, deadline=None)
@given(written_numbers())
def test_a_written_number_means_what_its_parts_denote(case):
    text, expected = case
    if expected is None:
        with pytest.raises(HwcheckError) as err:
            parse_number(text, "--x")
        assert err.value.where == "--x"
    else:
        assert parse_number(text, "--x") == expected


@settings(max_examples=EXAMPLES, deadline=None)
@given(written_numbers())
def test_where_a_float_is_needed_the_range_is_checked(case):
    text, expected = case
    if expected is None or not _in_float_range(expected):
        with pytest.raises(HwcheckError):
            parse_float(text, "--lr")
    else:
        assert parse_float(text, "--lr") == float(expected)


# ------------------------------------------------------------------------- junk strings


_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")


def reference(text: str) -> Fraction:
    """A lenient reading written independently of hwcheck: digits to ASCII, every separator
    dropped, ``m×10^k`` to ``mek``, then Python's own ``Fraction`` (or ``a/b``)."""
    s = text.strip().replace("−", "-")
    eastern = any(c in PERSIAN + ARABIC for c in s)
    if eastern:
        s = s.replace("/", ".")
    for i in range(10):
        s = s.replace(PERSIAN[i], str(i)).replace(ARABIC[i], str(i))
    s = s.replace("٫", ".")
    comma = re.fullmatch(r"([+-]?\d+),(\d+)(\D.*)?", s) if eastern else None
    if comma and (len(comma.group(2)) != 3 or comma.group(1).lstrip("+-") == "0"):
        s = s.replace(",", ".")  # issue 19: Eastern digits, a comma that cannot group thousands
    s = re.sub(r"(?<=\d) (?=\d)", "", s)  # issue 19: an ordinary space groups thousands too
    for sep in (",", "٬", "_"):
        s = s.replace(sep, "")
    s = re.sub(r"10([⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+)", lambda m: "10^" + m.group(1).translate(_SUPERSCRIPTS), s)
    power = re.fullmatch(r"(.*?)\s*[·×*x]\s*10\s*(?:\^|\*\*)\s*\(?([+-]?\d+)\)?", s)
    if power:
        s = f"{power.group(1)}e{power.group(2)}"
    elif re.fullmatch(r"[+-]?10\^\(?[+-]?\d+\)?", s):
        sign = "-" if s.startswith("-") else ""
        s = sign + "1e" + s.split("^")[1].strip("()")
    if "/" in s:
        a, b = s.split("/")
        return Fraction(a.strip()) / Fraction(b.strip())
    return Fraction(s)


JUNK = "0123456789۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩.,٫٬/_-−+eE×·^⁻⁴² x*()a"


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.text(alphabet=JUNK, max_size=14))
def test_junk_is_a_number_by_the_reference_or_an_error(text):
    try:
        value = parse_number(text, "--lr")
    except HwcheckError as exc:
        assert exc.where == "--lr"
        return
    assert value == reference(text)


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.text(alphabet=JUNK, max_size=24))
def test_junk_in_a_matrix_is_numbers_or_an_error(text):
    try:
        rows = parse_matrix(text, "--H")
    except HwcheckError as exc:
        assert exc.where == "--H"
        return
    for row in rows:
        for entry in row:
            assert abs(entry) <= FLOAT_MAX


# ---------------------------------------------------------------------- every entry point


def _number_json(out: str, *path):
    node = json.loads(out)
    for part in path:
        node = node[part]
    return node


@FUNCTION_FIXTURES
@given(written_numbers())
def test_a_numeric_option(cli, case):
    text, expected = case
    code, out, err = cli("sgd", f"--lr={text}", "--steps", "1", "--json")
    if expected is None or not _in_float_range(expected) or expected <= 0:
        assert code == 2, err
        assert err.startswith("error: --lr: ")
    else:
        assert code == 0, err
        assert _number_json(out, "hyper", "lr") == float(expected)


@FUNCTION_FIXTURES
@given(written_numbers(in_list=True))
def test_a_matrix_entry(cli, case):
    text, expected = case
    assume(not text.startswith(("+", "-")) or len(text) > 1)
    code, out, err = cli("conv-backprop", f"--x={text}", "--f", "1", "--json")
    if expected is None or not _in_float_range(expected):
        assert code == 2, err
        assert err.startswith("error: --x: ")
    else:
        assert code == 0, err
        assert _number_json(out, "output") == [[float(expected)]]


@FUNCTION_FIXTURES
@given(
    written_numbers()
    | st.sampled_from(
        ["1", "۱", "١", "1.000", "۱٫۰۰۰", "۱/۰۰۰", "10^0", "1e0", "100/100", "1,000e-3"]
    ).map(lambda t: (t, Fraction(1)))
)
def test_a_claim_value(cli, case):
    """gd-quadratic's lr_max is 2/λ_max = 1.0 for H = diag(2, 1)."""
    text, expected = case
    code, out, err = cli("gd-quadratic", "--H", "2 0; 0 1", "--claim", f"lr_max={text}")
    assert code in (0, 1, 2), err
    if expected is None:
        assert code == 2 and err.startswith("error: --claim lr_max"), err
    else:
        within = abs(float(min(abs(expected), FLOAT_MAX)) * (1 if expected >= 0 else -1) - 1.0)
        assert (code == 0) == (within <= 1e-9 + 1e-3), (text, code, out, err)


@FUNCTION_FIXTURES
@given(written_numbers())
def test_an_answers_file_key(cli, tmp_path, case):
    text, expected = case
    path = tmp_path / "answers.toml"
    claimed = repr(float(expected)) if expected is not None and _in_float_range(expected) else "0.1"
    path.write_text(
        "[[exercise]]\nid = 'lr'\ncommand = 'sgd'\nsteps = 1\n"
        f"lr = {json.dumps(text)}\n[exercise.claims]\n'hyper.lr' = {claimed}\n",
        encoding="utf-8",
    )
    code, out, err = cli("check", str(path), "--json")
    assert code in (0, 1), err
    row = _number_json(out, "exercises", 0)
    if expected is None or not _in_float_range(expected) or expected <= 0:
        assert code == 1 and not row["ok"]
        assert "lr" in json.dumps(row, ensure_ascii=False)
    else:
        assert code == 0 and row["ok"], row


@settings(max_examples=EXAMPLES, deadline=None)
@given(written_numbers())
def test_the_python_api_keyword(case):
    import hwcheck

    text, expected = case
    if expected is None or not _in_float_range(expected) or expected <= 0:
        with pytest.raises(HwcheckError) as err:
            hwcheck.sgd(lr=text, steps=1)
        if expected is None or not _in_float_range(expected):  # the grammar's own refusal
            assert err.value.where == "lr"
    else:
        assert hwcheck.sgd(lr=text, steps=1).to_json()["hyper"]["lr"] == float(expected)


# ------------------------------------------------------------------ the examples, end to end


@pytest.mark.parametrize(
    "args, where",
    [
        (["sgd", "--lr", "1e400"], "--lr"),
        (["sgd", "--lr", "1e399"], "--lr"),
        (["sgd", "--lr", "E0"], "--lr"),
        (["sgd", "--steps", "1e400"], "--steps"),
        (["sgd", "--steps", "9" * 5000], "--steps"),
        (["sgd", "--init", "w=1e399"], "--init (w)"),
        (["sgd", "--rtol", "1e400", "--claim", "final.w=1"], "--rtol"),
        (["sgd", "--atol", "nan", "--claim", "final.w=1"], "--atol"),
        (["gd-quadratic", "--H", "1e400 0; 0 1"], "--H"),
        (["gd-quadratic", "--H", "1e399 0; 0 1"], "--H"),
        (["gd-quadratic", "--H", "2 0; 0 1", "--lr", "1e-400"], "--lr"),
        (["conv-backprop", "--x", "1e400 1; 1 1", "--f", "1"], "--x"),
        (["conv-backprop", "--x", "[[" + "9" * 5000 + "]]", "--f", "1"], "--x"),
        (["equiv", "x", "x", "--timeout", "1e400"], "--timeout"),
        (["derive", "x**2", "--at", "x=E0"], "--at (x)"),
        (["sgd", "--lr", "۱/4"], "--lr"),
        (["sgd", "--claim", "final.w=E0"], "--claim final.w"),
        (["gd-quadratic", "--H", "2 0; 0 1", "--claim", "lr_max=1e400"], "--claim lr_max"),
        (
            ["params", "--spec", "8x8x1 | conv2d 1 3", "--claim", "total_params=" + "9" * 5000],
            "--claim total_params",
        ),
        (
            [
                "params",
                "--spec",
                "8x8x1 | conv2d 1 3",
                "--claim",
                "layers.0.params=[" + "9" * 5000 + "]",
            ],
            "",
        ),
        (
            [
                "params",
                "--spec",
                "8x8x1 | conv2d 1 3",
                "--claim",
                "layers." + "9" * 5000 + ".params=1",
            ],
            "",
        ),
    ],
)
def test_past_the_grammar_is_exit_2_naming_the_place(cli, args, where):
    code, _out, err = cli(*args)
    assert code == 2, err
    assert err.startswith(f"error: {where}"), err
    assert len([line for line in err.splitlines() if line.startswith("error:")]) == 1


def test_persian_answers_are_read(cli):
    code, out, err = cli("sgd", "--lr", "۰/۲۵", "--steps", "۲", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["hyper"]["lr"] == 0.25 and len(data["steps"]) == 2
    code, _, err = cli("gd-quadratic", "--H", "۲ ۰; ۰ ۱", "--claim", "lr_max=۱٫۰")
    assert code == 0, err


def test_one_students_e2_does_not_stop_the_run(cli, tmp_path):
    path = tmp_path / "a.toml"
    path.write_text(
        "[[exercise]]\nid = 'bad'\ncommand = 'params'\nspec = '8x8x1 | conv2d 1 3'\n"
        "[exercise.claims]\ntotal_params = 'E2'\n"
        "[[exercise]]\nid = 'bad-lr'\ncommand = 'sgd'\nlr = '1e400'\n"
        "[exercise.claims]\n'final.w' = 0.1\n"
        "[[exercise]]\nid = 'good'\ncommand = 'params'\nspec = '8x8x1 | conv2d 1 3'\n"
        "[exercise.claims]\ntotal_params = '۱۰'\n",
        encoding="utf-8",
    )
    code, out, err = cli("check", str(path), "--json")
    assert code == 1, err
    rows = {e["id"]: e for e in json.loads(out)["exercises"]}
    assert rows["good"]["ok"] and not rows["bad"]["ok"] and not rows["bad-lr"]["ok"]
    assert rows["bad"]["claims"][0]["verdict"] == "error"


def test_booleans_have_one_rule_in_answers_files(cli, tmp_path):
    path = tmp_path / "a.toml"
    body = "[[exercise]]\nid = 'b'\ncommand = 'params'\nspec = '8x8x1 | conv2d 1 3'\nexplain = {}\n[exercise.claims]\ntotal_params = 10\n"
    for value, ok in (("true", True), ('"true"', True), ('"yes"', False), ("1", False)):
        path.write_text(body.format(value), encoding="utf-8")
        _code, out, _err = cli("check", str(path), "--json")
        row = json.loads(out)["exercises"][0]
        assert row["ok"] is ok, (value, row)
        if not ok:
            assert "expected true or false" in json.dumps(row)


# ------------------------------------------------------------------- TOML values nobody expects

ODD_TOML = [
    "1979-05-27",
    "1979-05-27T07:32:00Z",
    "1979-05-27T07:32:00",
    "07:32:00",
    "{ a = 1 }",
    "[{ a = 1 }, { b = 2 }]",
    "[[]]",
    "nan",
    "-inf",
    "9" * 400,
]
ODD_PLACES = [
    ("sgd", "lr"),
    ("sgd", "steps"),
    ("sgd", "explain"),
    ("sgd", "init"),
    ("sgd", "data"),
    ("gd-quadratic", "H"),
    ("conv-backprop", "x"),
    ("params", "model"),
    ("params", "spec"),
    ("derive", "at"),
    ("sgd", "rtol"),
    ("sgd", "points"),
    ("sgd", "claim"),
    ("params", "model.input"),
    ("params", "model.layers.kernel"),
]
BASE = {
    "sgd": "steps = 1\n",
    "gd-quadratic": "H = '2 0; 0 1'\n",
    "conv-backprop": "x = '1 2; 3 4'\nf = '1'\n",
    "params": "spec = '8x8x1 | conv2d 1 3'\n",
    "derive": "expr = 'w*x'\n",
}
CLAIM = {
    "sgd": "'final.w'",
    "gd-quadratic": "lr_max",
    "conv-backprop": "output",
    "params": "total_params",
    "derive": "'derivatives.w'",
}


@settings(
    max_examples=200 if LONG else 40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.sampled_from(ODD_PLACES), st.sampled_from(ODD_TOML), st.booleans())
def test_odd_toml_values_are_one_error_line_never_a_crash(cli, tmp_path, place, odd, as_json):
    command, key = place
    lines = ["[[exercise]]", "id = 'odd'", f"command = '{command}'"]
    claim = f"{CLAIM[command]} = 1"
    if key == "claim":
        claim = f"{CLAIM[command]} = {odd}"
        lines.append(BASE[command])
    elif key.startswith("model."):
        kernel = odd if key.endswith("kernel") else 3
        shape = odd if key.endswith("input") else "[8, 8, 1]"
        lines.append(
            f"model = {{ input = {shape}, layers = [{{ type = 'conv2d', filters = 1, kernel = {kernel} }}] }}"
        )
    else:
        lines.append(BASE[command].replace(f"{key} = ", "# "))
        lines.append(f"{key} = {odd}")
    lines += ["[exercise.claims]", claim]
    path = tmp_path / "odd.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = cli("check", str(path), *(["--json"] if as_json else []))
    assert code in (1, 2), err
    assert "internal error" not in err and "Traceback" not in err
    if code == 2:
        assert len(err.strip().splitlines()) <= 2, err
    if as_json:
        json.loads(out)


def test_a_5000_digit_claim_in_an_answers_file_fails_its_row_only(cli, tmp_path):
    nines = "9" * 5000
    path = tmp_path / "a.toml"
    path.write_text(
        "[[exercise]]\nid = 'list'\ncommand = 'params'\nspec = '8x8x1 | conv2d 1 3'\n"
        f"[exercise.claims]\n'layers.0.output_shape' = '[{nines}]'\n"
        "[[exercise]]\nid = 'index'\ncommand = 'params'\nspec = '8x8x1 | conv2d 1 3'\n"
        f"[exercise.claims]\n'layers.{nines}.params' = 1\n"
        "[[exercise]]\nid = 'good'\ncommand = 'params'\nspec = '8x8x1 | conv2d 1 3'\n"
        "[exercise.claims]\ntotal_params = 10\n",
        encoding="utf-8",
    )
    code, out, err = cli("check", str(path), "--json")
    assert code == 1, err
    rows = {e["id"]: e for e in json.loads(out)["exercises"]}
    assert rows["good"]["ok"] and not rows["list"]["ok"] and not rows["index"]["ok"]
    assert "more than 400 digits" in json.dumps(rows["list"])


def test_exact_results_print_in_full_past_pythons_digit_limit(cli):
    """Exact fractions with 5,000-digit denominators (sums of products of 300-digit ones):
    JSON writes them whole, and they equal the cross-correlation computed here."""
    import random

    rng = random.Random(1)
    x = [[Fraction(1, rng.randrange(10**299, 10**300)) for _ in range(3)] for _ in range(3)]
    f = [[Fraction(1, rng.randrange(10**299, 10**300)) for _ in range(3)] for _ in range(3)]
    text = lambda m: "; ".join(" ".join(str(v) for v in row) for row in m)
    code, out, err = cli("conv-backprop", "--x", text(x), "--f", text(f), "--exact", "--json")
    assert code == 0, err
    assert sys.get_int_max_str_digits() == 4300  # lifted only while writing
    output = json.loads(out)["output"]
    expected = sum(x[i][j] * f[i][j] for i in range(3) for j in range(3))
    previous = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        assert len(str(expected.denominator)) > 4300
        assert Fraction(output[0][0]) == expected
    finally:
        sys.set_int_max_str_digits(previous)
    for fmt in ("table", "markdown"):
        code, out, err = cli(
            "conv-backprop", "--x", text(x), "--f", text(f), "--exact", "--format", fmt
        )
        assert code == 0 and out, err


# ------------------------------------------------------------ claims read by the same grammar


def test_a_claim_keeps_the_grammars_reason(cli):
    code, _out, err = cli("separable", "--f", "1 2 1; 2 4 2; 1 2 1", "--claim", "rank=E0")
    assert code == 2 and "an exponent needs a number before it" in err


def test_persian_claims_count_their_significant_figures(cli):
    import json

    _code, out, _ = cli("sgd", "--claim", "w(1)=۰٫۰۷۳", "--json")
    assert json.loads(out)["claims"][0]["verdict"] == "imprecise"  # 0.073 vs 0.0727814


def test_boolean_claims_follow_the_one_rule(cli):
    args = ("separable", "--f", "1 2 1; 2 4 2; 1 2 1", "--claim")
    assert cli(*args, "separable=true")[0] == 0
    code, _out, err = cli(*args, "separable=yes")
    assert code == 2 and "expected true or false" in err


def test_a_shape_claim_does_not_mix_digit_kinds(cli):
    code, _out, err = cli(
        "params", "--spec", "8x8x3 | conv2d 4 3", "--claim", "output_shape=6۶x6x4"
    )
    assert code == 2 and "mixes Eastern" in err
