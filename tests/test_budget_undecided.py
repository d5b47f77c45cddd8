"""Budgets and timeouts never decide a value (issue 19): a decision a time bound stopped is an
``Undecided`` — JSON ``"inconclusive"`` — and a claim on it is ``inconclusive`` with a rule that
names the bound that ran out; never ``wrong``, never an ``error`` of the whole exercise.

The budgets here are 1 ns (spent before any symbolic step can start, on any machine) or a day
(never spent): no outcome depends on the machine's speed.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from hwcheck.core.budget import budget, current, limit, restored
from hwcheck.core.result import Undecided
from tests.conftest import ROOT

SPENT = "1e-9"  # seconds: spent before the first symbolic step, whatever the machine
HANG = 90  # seconds: a hang guard, not a speed requirement


@pytest.fixture
def hang_guard():
    """Fail (instead of hanging the run) if the test has not ended after HANG seconds."""

    def alarm(signum, frame):
        raise TimeoutError(f"still running after {HANG} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(HANG)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def _claims(out: str) -> dict:
    doc = json.loads(out)
    return {(e["id"], c["key"]): c for e in doc["exercises"] for c in e["claims"]}


# ------------------------------------------------------------------------------ the marker


def test_undecided_is_inconclusive_in_json_and_names_its_bound():
    from hwcheck.core.jsonout import to_jsonable

    stopped = Undecided("timeout", 0.01, "--file-budget")
    assert to_jsonable({"verdict": stopped}) == {"verdict": "inconclusive"}
    assert stopped == "inconclusive" and stopped != "equivalent"
    assert stopped.describe() == "not decided: the --file-budget of 0.01 s ran out"
    assert Undecided("timeout", 5.0).describe() == "not decided: the time bound of 5 s ran out"


def test_the_budget_in_force_is_named_or_the_step_keeps_its_own_bound():
    assert limit(5.0) == (5.0, None)  # no budget: the step's own bound
    with budget(86_400, "--run-budget"):
        assert limit(5.0) == (5.0, None)  # a day left: the step's own bound still stops first
        with budget(0.0, "--file-budget"):
            assert limit(5.0) == (0.0, "--file-budget")
    with budget(0.0, "--run-budget"), budget(10.0, "--file-budget"):
        assert limit(5.0) == (0.0, "--run-budget")  # the outer one ends first: it is in force


def test_a_budget_carried_to_a_worker_keeps_its_name():
    with budget(0.0, "--file-budget"):
        state = current()
    with restored(state):
        assert limit(3.0) == (0.0, "--file-budget")


# ------------------------------------------------------------------- check: exercise L


def test_a_spent_budget_makes_the_right_equiv_claim_inconclusive_not_wrong(cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    args = ("check", "tests/data/course_claims.toml", "--only", "L", "--json")
    code, out, _ = cli(*args, "--file-budget", SPENT)
    claim = _claims(out)[("L", "verdict")]
    assert claim["verdict"] == "inconclusive" and claim["expected"] == "inconclusive"
    assert claim["rule"] == "timeout (not decided: the --file-budget of 1e-09 s ran out)"
    assert code == 1  # not correct, and said so


def test_the_run_budget_is_named_in_parallel_workers_too(cli, tmp_path):
    source = (ROOT / "tests/data/course_claims.toml").read_text(encoding="utf-8")
    files = [tmp_path / "a.toml", tmp_path / "b.toml"]
    for f in files:
        f.write_text(source, encoding="utf-8")
    _code, out, _ = cli(
        "check", *map(str, files), "--only", "L", "--jobs", "2", "--run-budget", SPENT, "--json"
    )
    rules = {c["rule"] for c in _claims(out).values()}
    assert rules == {"timeout (not decided: the --run-budget of 1e-09 s ran out)"}


# ---------------------------------------------------------------------- derive --at


DERIVE = """
[[exercise]]
id = "D"
command = "derive"
expr = "log(1 - sigmoid(w*x))"
wrt = ["w"]
at = "w=0.5,x=2"
[exercise.claims]
"derivatives.w.value" = -1.46212
value = -1.31326
"derivatives.w.expr" = "-x*sigmoid(w*x)"
"""


def test_derive_values_stopped_by_a_budget_are_inconclusive_claims(cli, tmp_path):
    path = tmp_path / "d.toml"
    path.write_text(DERIVE, encoding="utf-8")
    code, out, _ = cli("check", str(path), "--json", "--file-budget", SPENT)
    doc = json.loads(out)
    (exercise,) = doc["exercises"]
    assert "error" not in exercise  # the exercise ran: only its values are undecided
    claims = _claims(out)
    for key in ("derivatives.w.value", "value"):
        assert claims[("D", key)]["verdict"] == "inconclusive"
        assert "the --file-budget of 1e-09 s ran out" in claims[("D", key)]["rule"]
    assert claims[("D", "derivatives.w.expr")]["verdict"] == "correct"  # structural: no clock
    assert code == 1
    # with time to spare the same claims are decided, against values checked by hand:
    # d/dw log(1 − σ(wx)) = −x·σ(wx) = −2·σ(1) = −1.462117…, log(1 − σ(1)) = −1.313261…
    code, out, _ = cli("check", str(path), "--json", "--file-budget", "86400")
    assert {c["verdict"] for c in _claims(out).values()} == {"correct"} and code == 0


def test_derive_notes_name_the_budget_that_ran_out():
    import hwcheck

    with budget(0.0, "--file-budget"):
        r = hwcheck.derive("log(1 - sigmoid(z))", at="z=3")
    assert r.value == "inconclusive"
    assert (
        "the values at the point: inconclusive (timeout): not decided: the --file-budget of 0 s ran out"
        in r.notes
    )


# ------------------------------------------------------------------- runaway constants


@pytest.mark.parametrize(
    "args",
    [
        ("equiv", "exp(exp(exp(exp(exp(100)))))", "x"),
        ("equiv", "x**exp(100)", "x"),
        ("derive", "exp(exp(exp(exp(exp(100)))))*x", "--at", "x=1"),
        ("derive", "2**exp(100)*x"),
    ],
)
def test_runaway_constants_are_refused_before_sympy_evaluates_them(cli, hang_guard, args):
    code, out, err = cli(*args, "--json")
    assert code == 2 and err.startswith("error: ") and "too large" in err
    assert json.loads(out)["error"]["code"] == 2


def test_large_but_bounded_constants_still_work(cli, hang_guard):
    import mpmath

    code, out, _ = cli("derive", "exp(1000)*x", "--at", "x=1", "--json")
    value = json.loads(out)["value"]
    assert code == 0 and mpmath.mpf(value) == pytest.approx(mpmath.exp(1000), rel=1e-12)


def test_no_test_of_the_budget_depends_on_sleeping():
    """The budget tests use spent (1 ns) or day-long budgets, never a sleep racing the work."""
    text = Path(__file__).read_text(encoding="utf-8")
    assert "time." + "sleep" not in text
