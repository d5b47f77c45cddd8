"""The whole course: examples.toml passes, and the students' claims get the verdicts below.

The per-family tests assert each claim's verdict next to the code that computes it; this file
checks the two answers files end to end through `hwcheck check`, with golden files for the
verdict table, the JSON and the Gradescope results of the students' run.
"""

from __future__ import annotations

import json
from collections import Counter

from tests.conftest import DATA, ROOT

COURSE = str(DATA / "course_claims.toml")
#: the verdicts below are the ones decided with time to spare: a busy machine must not make a
#: whole answers file run out of its default 20 s budget (its later claims would be inconclusive,
#: by design). A day, the largest budget: no verdict here depends on the clock.
ENOUGH = ("--file-budget", "86400", "--run-budget", "86400")

#: what hwcheck catches in the students' answers (exercise id → claims not correct)
NOT_CORRECT = {
    "C-variant": {"layers.3.size", "layers.4.params", "total_params"},
    "G": {"layers.5.size", "layers.6.params"},
    "H": {"derivatives.w", "derivatives.x", "derivatives.b"},
    "I-students": {
        "steps.0.params.w",
        "steps.0.params.b",
        "steps.1.params.w",
        "steps.1.params.b",
        "steps.2.params.w",
        "steps.2.params.b",
        "steps.3.params.w",
        "steps.3.params.b",
    },
    "K-students": {"lr_max", "converges"},
    "K-newton-students": {"newton_lr_max", "converges"},
}


def test_examples_toml_passes(cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, out, err = cli("check", "examples.toml", "--json", *ENOUGH)
    doc = json.loads(out)
    assert code == 0 and doc["failed"] == 0, err
    letters = {e["id"][0] for e in doc["exercises"]}
    assert letters == set("ABCDEFGHIJKLMNOPQRSTUVW"), (
        "every exercise of EXERCISES.md is in examples.toml"
    )


def test_students_claims_get_these_verdicts(cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, out, _ = cli("check", "tests/data/course_claims.toml", "--json", *ENOUGH)
    doc = json.loads(out)
    wrong = {
        e["id"]: {c["key"] for c in e["claims"] if c["verdict"] != "correct"}
        for e in doc["exercises"]
    }
    assert {k: v for k, v in wrong.items() if v} == NOT_CORRECT
    assert code == 1
    verdicts = Counter(c["verdict"] for e in doc["exercises"] for c in e["claims"])
    assert set(verdicts) == {"correct", "wrong"}


def test_golden_course_run(cli, monkeypatch, golden, tmp_path):
    monkeypatch.chdir(ROOT)
    _code, table, _ = cli("check", "tests/data/course_claims.toml", *ENOUGH)
    golden("check/course_claims.txt", table)
    _code, out, _ = cli("check", "tests/data/course_claims.toml", "--json", *ENOUGH)
    golden("check/course_claims.json", out)
    target = tmp_path / "results.json"
    cli("check", "tests/data/course_claims.toml", "--gradescope", str(target), *ENOUGH)
    golden("check/course_claims_gradescope.json", target.read_text())
