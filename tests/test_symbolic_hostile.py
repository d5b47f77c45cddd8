"""Runaway symbolic work is bounded before sympy sees it (issue 12.2), and the time-bounded worker
never outlives its parent nor prints on Ctrl-C (issue 12.6). Hang guards are generous and only
catch hangs; nothing here asserts a speed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
HANG = 90  # seconds: a hang guard, not a speed requirement

DOUBLING = ["a1=x*y + x"] + [f"a{i}=a{i - 1}*y + a{i - 1}" for i in range(2, 16)]
DEFINES = [arg for d in DOUBLING for arg in ("--define", d)]
LONG_SUM = " + ".join(f"x{i}" for i in range(100_000))

HOSTILE = {
    "tower": ("derive", "2**2**2**20"),
    "tower through a definition": ("derive", "2**2**n*x", "--define", "n=2**20", "--wrt", "x"),
    "ten to ten to forty": ("derive", "10**10**40*x"),
    "huge coefficient": ("derive", "(10**1000)**1000*x"),
    "doubling definitions": ("derive", "a15", *DEFINES, "--wrt", "x"),
    "sum of 1e5 terms": ("derive", LONG_SUM),
    "equiv tower": ("equiv", "x**(2**2**9)", "x"),
    "equiv through a definition": ("equiv", "2**2**n", "x", "--define", "n=2**9"),
    "equiv doubling": ("equiv", "a15", "x", *DEFINES),
    "objective tower": ("sgd", "--problem", "expr", "--objective", "x**1000**1000"),
    "claim tower": ("derive", "x**2", "--claim", "derivatives.x=2**2**2**20*x"),
    "claim doubling": ("derive", "x*y", "--wrt", "x", "--claim", f"derivatives.x={LONG_SUM}"),
}


@pytest.mark.parametrize("args", HOSTILE.values(), ids=HOSTILE.keys())
def test_runaway_input_is_refused_before_the_work(cli, args):
    start = time.monotonic()
    code, out, err = cli(*args, "--json")
    assert time.monotonic() - start < HANG
    assert code == 2, err
    assert err.startswith("error: ") and "Traceback" not in err
    assert all(line.startswith(("error: ", "hint: ", " ")) for line in err.splitlines())
    assert json.loads(out)["error"]["code"] == 2


SLOW_BUT_SMALL = ("(x+y)**200*(x-y)**200", "(x**2-y**2)**200")


def test_slow_symbolic_work_ends_at_its_bound_as_inconclusive_or_decided():
    import hwcheck

    start = time.monotonic()
    r = hwcheck.equiv(*SLOW_BUT_SMALL, timeout=0.5)
    assert time.monotonic() - start < HANG
    # probes agree; the proof may or may not finish in time: never a wrong verdict
    assert r.verdict == "equivalent" or (r.verdict, r.reason) == ("inconclusive", "timeout")


def _answers(tmp_path: Path, name: str, exercises: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(exercises), encoding="utf-8")
    return path


HOSTILE_FILE = [
    '[[exercise]]\nid = "tower"\ncommand = "derive"\nexpr = "2**2**2**20"\n'
    + '[exercise.claims]\n"derivatives.x" = "0"\n',
    '[[exercise]]\nid = "doubling"\ncommand = "equiv"\na = "a15"\nb = "x"\ndefine = '
    + json.dumps(DOUBLING)
    + '\n[exercise.claims]\nverdict = "equivalent"\n',
    '[[exercise]]\nid = "slow"\ncommand = "equiv"\na = "'
    + SLOW_BUT_SMALL[0]
    + '"\nb = "'
    + SLOW_BUT_SMALL[1]
    + '"\ntimeout = 120\n[exercise.claims]\nverdict = "equivalent"\n',
    '[[exercise]]\nid = "claim"\ncommand = "derive"\nexpr = "x**2"\n'
    + '[exercise.claims]\n"derivatives.x" = "2*x"\n',
]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_check_with_hostile_exercises_ends(cli, tmp_path, jobs):
    first = _answers(tmp_path, "a.toml", HOSTILE_FILE)
    second = _answers(tmp_path, "b.toml", HOSTILE_FILE[-1:])
    start = time.monotonic()
    code, out, err = cli("check", str(first), str(second), "--jobs", jobs, "--json")
    assert time.monotonic() - start < 3 * HANG
    data = json.loads(out)
    rows = {e["id"]: e for e in data["exercises"]}
    assert not rows["tower"]["ok"] and not rows["doubling"]["ok"]
    assert not rows["slow"]["ok"]  # timeout = 120 in a file is refused
    assert "not raise it above 5" in json.dumps(rows["slow"])
    assert rows["claim"]["ok"]
    assert code in (1, 2) and "Traceback" not in err


# ----------------------------------------------------------------------------- the worker

LINUX = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux process checks")


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as f:
            state = next((line for line in f if line.startswith("State:")), "")
    except (FileNotFoundError, ProcessLookupError):
        return True
    return "Z" in state.split(":", 1)[1][:3]


def _wait_for(predicate, seconds: float = HANG) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


WORKER_SCRIPT = """
import os, sys, time
sys.path.insert(0, sys.argv[2])
from hwcheck.families.symbolic.worker import bounded

def work(path):
    with open(path, "w") as f:
        f.write(str(os.getpid()))
    time.sleep(600)

bounded(work, (sys.argv[1],), 600)
"""


@LINUX
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_the_worker_dies_with_its_parent(tmp_path, sig):
    marker = tmp_path / "child.pid"
    parent = subprocess.Popen([sys.executable, "-c", WORKER_SCRIPT, str(marker), str(ROOT)])
    try:
        assert _wait_for(lambda: marker.exists() and marker.read_text().strip())
        child = int(marker.read_text())
        parent.send_signal(sig)
        parent.wait(timeout=HANG)
        assert _wait_for(lambda: _gone(child)), "the worker outlived its parent"
    finally:
        if parent.poll() is None:
            parent.kill()


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


#: hwcheck as a terminal starts it: Ctrl-C raises KeyboardInterrupt (a test process may have
#: SIGINT ignored while some library runs system(), and a child inherits that)
INTERACTIVE = (
    "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from hwcheck.cli import main; main()"
)
NEVER_ENDING = ("(x+y+z)**300*(x-y-z)**300", "(x**2-(y+z)**2)**300")  # simplify expands it


@LINUX
def test_ctrl_c_ends_the_worker_with_one_line(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-c", INTERACTIVE, "equiv", *NEVER_ENDING, "--timeout", "120"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        assert _wait_for(lambda: _children(process.pid)), "no worker started"
        workers = _children(process.pid)
        status = Path(f"/proc/{process.pid}/status").read_text()
        masks = [line for line in status.splitlines() if line.startswith(("SigBlk", "SigIgn"))]
        os.killpg(process.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
        try:
            out, err = process.communicate(timeout=HANG)
        except subprocess.TimeoutExpired:
            pytest.fail(f"not interrupted; signal masks of hwcheck: {masks}")
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130 and out == ""
    # nothing from the worker; at most the parent's one line (typer ends an interrupted command
    # with a silent exit 130 before cli.main can print it: the CLI's part, not the worker's)
    assert err in ("", "error: interrupted\n")
    assert all(_wait_for(lambda p=p: _gone(p)) for p in workers)
