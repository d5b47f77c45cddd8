"""docs/output.schema.json describes every ``--json`` document hwcheck prints.

Every command's document (the golden cases: plain, with claims, ``check`` and ``grade``) and the
error document are validated against the one schema (JSON Schema draft 2020-12), so the claim
keys are the same on every road: ``key, claimed, claimed_text, expected, verdict, rule, hint,
mistakes`` (grade adds ``exercise, points, awarded``), and a score is ``score`` and ``max``.
The schema itself is checked too: it is a valid draft 2020-12 schema, and it refuses what the
contract forbids (a claim with an extra or a missing key, ``max_score``, an error with results).
"""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from tests.conftest import DATA, ROOT
from tests.test_golden_commands import CASES, strict_json

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is not installed")

SCHEMA_PATH = ROOT / "docs" / "output.schema.json"

#: documents that must be the error document (exit 2): argv after ``hwcheck``, with --json added
ERROR_CASES: dict[str, list[str]] = {
    "usage-no-command": ["--bogus"],
    "usage-unknown-option": ["params", "--nope"],
    "bad-spec": ["params", "--spec", "35x35x16 | conv2d filters=32 kernal=3"],
    "bad-matrix": ["conv-backprop", "--x", "1 2 3; 4 5", "--f", "1 0; 0 -1"],
    "unknown-function": ["derive", "w*x + foo(b)", "--wrt", "w"],
    "unknown-claim-key": ["conv-cost", "--size", "8", "--claim", "fft_sise=16"],
    "unreadable-answers-file": ["check", "no/such/answers.toml"],
    "check-unknown-id": ["check", "examples.toml", "--only", "9"],
    "unreadable-key": ["grade", "no/such/key.toml", str(DATA / "grade" / "submissions")],
}


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def problems(validator, doc) -> str:
    """Every violation, one per line, with the path into the document (empty when valid)."""
    found: dict[str, list[str]] = {}
    for error in validator.iter_errors(doc):
        where = "/".join(map(str, error.absolute_path)) or "(top)"
        found.setdefault(where, []).append(error.message)
    lines: Counter[str] = Counter()
    for where, messages in found.items():
        # a claim that misses a key also leaves its other keys "unevaluated": say the cause only
        causes = [m for m in messages if not m.startswith("Unevaluated properties")] or messages
        causes = [
            "not allowed here" if m.endswith("should not be valid under {}") else m for m in causes
        ]
        pattern = re.sub(
            r"(^|/)\d+(?=/|$)", r"\1*", where
        )  # claims/3 → claims/*: one line per kind
        lines.update(f"{pattern}: {m[:160]}" for m in causes)
    return "\n".join(f"{line} (×{n})" if n > 1 else line for line, n in sorted(lines.items()))


@pytest.fixture
def run(cli, monkeypatch):
    monkeypatch.chdir(ROOT)

    def go(argv: list[str]):
        return cli(*argv, "--json")

    return go


@pytest.mark.parametrize("name", CASES)
def test_every_document_follows_the_schema(name, validator):
    """Each command's --json as its golden file holds it (test_golden_commands keeps the golden
    equal to what the command prints, so the commands run once for both)."""
    doc = strict_json((ROOT / "tests" / "golden" / "commands" / f"{name}.json").read_text("utf-8"))
    assert not problems(validator, doc), f"{name}:\n{problems(validator, doc)}"


@pytest.mark.parametrize("name", ERROR_CASES)
def test_errors_follow_the_schema(name, run, validator):
    code, out, err = run(ERROR_CASES[name])
    doc = strict_json(out)
    assert not problems(validator, doc), f"{name}:\n{problems(validator, doc)}"
    assert code == 2 and "error" in doc, f"{name}: exit {code}, {sorted(doc)}"
    assert doc["error"]["code"] == 2
    assert err.startswith("error: ") and f"error: {doc['error']['where']}" in err


def test_a_claim_on_a_course_file_follows_the_schema(validator):
    """The course's students' claims: every verdict family (wrong, mistakes, fair readings), as
    the course golden holds them (test_course_claims keeps it equal to check's output)."""
    golden = ROOT / "tests" / "golden" / "check" / "course_claims.json"
    doc = strict_json(golden.read_text("utf-8"))
    assert not problems(validator, doc), problems(validator, doc)


# ------------------------------------------------------------- the schema refuses


def claim(**changes):
    base = {
        "key": "total_params",
        "claimed": 4608,
        "claimed_text": "4,608",
        "expected": 4640,
        "verdict": "wrong",
        "rule": "integer: exact",
        "hint": None,
        "mistakes": [{"id": "bias_forgotten", "name": "bias forgotten", "value": 4608}],
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not DROP}


DROP = object()


def conv_cost(**claim_changes):
    doc = {
        "hwcheck": "1.0",
        "command": "conv-cost",
        "size": 2,
        "kernel": 2,
        "output_size": 3,
        "fft_size": 4,
        "direct_multiplications": 16,
        "direct_additions": 9,
        "fft_multiplications": 100,
        "fft_additions": 200,
        "winner": "direct",
        "crossover_size": 8,
    }
    doc["claims"] = [claim(**claim_changes)]
    return doc


def test_the_target_claim_is_valid(validator):
    assert not problems(validator, conv_cost())
    assert not problems(validator, conv_cost(hint="bias forgotten in layers[0]", mistakes=[]))


@pytest.mark.parametrize(
    "changes",
    [
        {"claimed_text": DROP},
        {"hint": DROP},
        {"mistakes": DROP},
        {"extra": 1},
        {"verdict": "missing"},
        {"verdict": "maybe"},
        {"hint": ""},
        {"hint": 3},
        {"mistakes": None},
        {"mistakes": [{"id": "Bias Forgotten", "name": "x", "value": 1}]},
        {"mistakes": [{"id": "bias_forgotten", "name": "x"}]},
    ],
    ids=lambda c: ",".join(f"{k}={'drop' if v is DROP else v}" for k, v in c.items()),
)
def test_a_claim_off_the_target_is_refused(validator, changes):
    assert problems(validator, conv_cost(**changes))


def test_missing_result_keys_and_max_score_are_refused(validator):
    doc = conv_cost()
    del doc["direct_multiplications"]
    assert problems(validator, doc)
    check = {
        "hwcheck": "1.0",
        "command": "check",
        "exercises": [],
        "passed": 0,
        "failed": 0,
        "score": 0,
        "max": 0,
    }
    assert not problems(validator, check)
    assert problems(validator, {**check, "max_score": 0})
    assert problems(validator, {k: v for k, v in check.items() if k != "max"})


def test_grade_claims_add_exercise_points_awarded(validator):
    graded = claim(exercise="B", points=1.0, awarded=0.0)
    missing = claim(
        exercise="B",
        points=1.0,
        awarded=0.0,
        claimed=None,
        claimed_text=None,
        verdict="missing",
        mistakes=[],
        rule="no answer",
    )
    doc = {
        "hwcheck": "1.0",
        "command": "grade",
        "max": 1.0,
        "students": [
            {"student": "alice", "score": 0.0, "max": 1.0, "claims": [graded, missing]},
            {"student": "erin", "score": 0.0, "max": 1.0, "error": "2 cells, 9 columns"},
        ],
        "summary": [
            {
                "exercise": "B",
                "key": "total_params",
                "correct_share": 0.0,
                "wrong_values": [{"value": 4608, "count": 1}],
                "mistakes": [{"id": "bias_forgotten", "name": "bias forgotten", "count": 1}],
            }
        ],
    }
    assert not problems(validator, doc)
    no_awarded = {k: v for k, v in graded.items() if k != "awarded"}
    doc["students"][0]["claims"] = [no_awarded]
    assert problems(validator, doc)


def test_an_error_document_has_nothing_else(validator):
    error = {"code": 2, "where": "--spec", "message": "bad"}
    assert not problems(validator, {"hwcheck": "1.0", "command": "params", "error": error})
    assert problems(
        validator, {"hwcheck": "1.0", "command": "params", "error": error, "total_params": 1}
    )
    assert problems(
        validator, {"hwcheck": "1.0", "command": "params", "error": {**error, "code": 1}}
    )
    assert problems(validator, {"hwcheck": "1.0", "command": "nope", "error": error})


def test_the_schema_names_every_command_the_registry_declares():
    """A new command is declared once (its spec); the schema follows or this fails."""
    from hwcheck.core.registry import COMMANDS, optimizers

    defs = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))["$defs"]
    assert set(defs["command_name"]["enum"]) == {"hwcheck", *COMMANDS}
    optimizer_enum = defs["is"]["optimizer"]["properties"]["command"]["enum"]
    assert set(optimizer_enum) == set(optimizers())
