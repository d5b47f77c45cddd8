"""The optimizer exercises: correct answers pass, the students' answers get these verdicts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hwcheck.core import registry as commands
from hwcheck.core.options import build_request
from tests.conftest import course_exercises

DATA = Path(__file__).parent / "data"
NOT_OPTIONS = ("id", "title", "command", "claims")


def exercises(name: str) -> list[dict]:
    return course_exercises(name)


def run(exercise: dict):
    spec = commands.get(exercise["command"])
    options = {k: v for k, v in exercise.items() if k not in NOT_OPTIONS}
    return spec.run(build_request(spec.request_type(), options, source="file"))


@pytest.mark.parametrize("exercise", exercises("examples_optim.toml"), ids=lambda e: e["id"])
def test_examples_are_correct(exercise):
    verdicts = run(exercise).verify(exercise["claims"])
    assert [(v.key, v.verdict) for v in verdicts] == [(k, "correct") for k in exercise["claims"]]


STUDENT_VERDICTS = {
    "I-students": {
        # true trace: w = 0.0727814, 0.0849011, 0.0579931, 0.0702184; b = −0.0136093, −0.00148963, −0.0149436, −0.00271828
        "steps.0.params.w": "wrong",
        "steps.0.params.b": "wrong",
        "steps.1.params.w": "wrong",
        "steps.1.params.b": "wrong",
        "steps.2.params.w": "wrong",
        "steps.2.params.b": "wrong",
        "steps.3.params.w": "wrong",
        "steps.3.params.b": "wrong",
    },
    "K-students": {"lr_max": "wrong", "converges": "wrong"},  # 2/λ_max, not 1/λ_max
    "K-newton-students": {"newton_lr_max": "wrong", "converges": "wrong"},  # 0 < ε < 2, not < 1
}


@pytest.mark.parametrize("exercise", exercises("course_claims_optim.toml"), ids=lambda e: e["id"])
def test_students_claims_get_these_verdicts(exercise):
    verdicts = run(exercise).verify(exercise["claims"])
    assert {v.key: v.verdict for v in verdicts} == STUDENT_VERDICTS[exercise["id"]]


def test_rounded_claims_are_correct_or_imprecise():
    result = run(exercises("examples_optim.toml")[0])
    verdicts = result.verify({"steps.0.params.w": "0.0728", "steps.0.params.b": "-0.014"})
    assert [v.verdict for v in verdicts] == ["correct", "imprecise"]


# ------------------------------------------------------------------------------------ CLI


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: PLW1510
        [sys.executable, "-m", "hwcheck", *args],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent.parent,
        timeout=60,
    )


def test_cli_adam_with_no_other_argument():
    out = cli("adam", "--steps", "4")
    assert out.returncode == 0, out.stderr
    assert "final: w = -0.107503" in out.stdout
    markdown = cli("adam", "--steps", "4", "--format", "markdown").stdout
    assert "| m̂ₜ = mₜ/(1 − β₁ᵗ) |" in markdown


def test_cli_json_and_claims():
    out = cli(
        "sgd", "--json", "--claim", "steps.0.params.w=0.1372", "--claim", "final.b=-0.00271828"
    )
    assert out.returncode == 1
    doc = json.loads(out.stdout)
    assert [c["verdict"] for c in doc["claims"]] == ["wrong", "correct"]
    assert doc["final"] == doc["steps"][-1]["params"]


@pytest.mark.parametrize(
    "args,where",
    [
        (("sgd", "--lr", "0"), "--lr"),
        (("adam", "--beta1", "1"), "--beta1"),
        (("adam", "--eps", "-1e-8"), "--eps"),
        (("sgd", "--steps", "1000000"), "--steps"),
        (("sgd", "--momentum", "0.9", "--nesterov", "--dampening", "0.5"), "--dampening"),
        (("sgd", "--data", "x=1,2", "--data", "t=1"), "--data"),
        (("gd-quadratic", "--H", "1 2; 3 4"), "--H"),
        (("sgd", "--problem", "quadratic", "--H", "2 0; 0 1", "--w0", "1"), "--w0"),
    ],
)
def test_cli_bad_input_exits_2_naming_the_option(args, where):
    out = cli(*args)
    assert out.returncode == 2
    assert out.stderr.startswith(f"error: {where}:")
    assert "Traceback" not in out.stderr
