"""Exercises D, E, F, O: the answers file passes, and every student claim gets its verdict."""

from __future__ import annotations

import pytest

from hwcheck.core.options import build_request
from hwcheck.core.registry import get
from tests.conftest import DATA, ROOT, course_exercises

OPTION_KEYS = {"id", "title", "command", "claims"}


def run(exercise):
    spec = get(exercise["command"])
    options = {k: v for k, v in exercise.items() if k not in OPTION_KEYS}
    return spec.run(build_request(spec.request_type(), options, source="file"))


@pytest.mark.parametrize("exercise", course_exercises("examples_conv.toml"), ids=lambda e: e["id"])
def test_examples_file_answers_are_correct(exercise):
    verdicts = run(exercise).verify(exercise["claims"])
    assert [v.verdict for v in verdicts] == ["correct"] * len(verdicts)


#: the verdict hwcheck gives each student claim (EXERCISES.md): all of D, E, F and O are right
STUDENT_VERDICTS = {
    "D-a": {
        "matrix.0": "correct",
        "matrix.1": "correct",
        "matrix.2": "correct",
        "matrix.3": "correct",
    },
    "D-b": {
        "shape": "correct",
        "matrix.0": "correct",
        "matrix.1": "correct",
        "matrix.2": "correct",
        "matrix.3": "correct",
        "matrix.4": "correct",
    },
    "E": {
        "separable": "correct",
        "u": "correct",
        "v": "correct",
        "multiplications_direct": "correct",
        "multiplications_separable": "correct",
    },
    "F": {"output.0.0": "correct", "dL_dO": "correct", "dL_dF": "correct", "dL_dX": "correct"},
    "O": {
        "direct_order": "correct",
        "fft_order": "correct",
        "fft_multiplications_1d": "correct",
        "fft_additions_1d": "correct",
        "direct_multiplications": "correct",
    },
}


@pytest.mark.parametrize(
    "exercise", course_exercises("course_claims_conv.toml"), ids=lambda e: e["id"]
)
def test_student_claims_verdicts(exercise):
    verdicts = run(exercise).verify(exercise["claims"])
    assert {v.key: v.verdict for v in verdicts} == STUDENT_VERDICTS[exercise["id"]]


def test_a_wrong_student_row_is_caught():
    ex = course_exercises("course_claims_conv.toml")[1]
    verdicts = run(ex).verify({"matrix.2": [0, "W01", "W01", 0, 0, 0, 0, 0, 0]})
    assert verdicts[0].verdict == "wrong"


def test_a_name_where_the_matrix_has_zero_is_wrong_not_error():
    ex = course_exercises("course_claims_conv.toml")[1]
    verdicts = run(ex).verify({"matrix.3": [0, 0, "W01", "W00", 0, 0, 0, 0, 0]})
    assert verdicts[0].verdict == "wrong"


def test_answers_files_run_through_check(cli):
    ids = ",".join(e["id"] for e in course_exercises("examples_conv.toml"))
    code, out, err = cli(
        "check", str(ROOT / "examples.toml"), str(DATA / "course_claims.toml"), "--only", ids
    )
    assert code == 0, out + err
