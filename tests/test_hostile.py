"""Hostile input, second round (issue 12): files, answers files reaching beyond themselves,
control characters, signals and children, budgets, limits before the work, wrong without a word,
and ``check`` with several files.

Every case goes through the CLI's own entry point (in-process, the ``cli`` fixture) and asserts:
the exit code, one ``error:`` line on stderr (plus a hint), a wall time bounded only to catch
hangs, no file created or changed (a snapshot of the folder tree), no child process left.
Signals are sent to real processes (subprocesses): that is where they happen.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from tests.test_fuzz import assert_clean, children, run_guarded, tally, tree

HANG = 15  # seconds: only to catch a hang (each of these cases takes well under a second)

GOOD = """[[exercise]]
id = "sgd-1"
title = "SGD on the neuron"
command = "sgd"
steps = 1
[exercise.claims]
"final.b" = -0.0136093
"""
#: w₁, b₁ after one SGD step on the course neuron, worked by hand in tests/test_check.py


def hostile(cli, folder: Path, argv, kind: str, *, expect=2, stdin=None, contains=None):
    """One hostile case: run, then check exit code, stderr, children and the folder tree."""
    argv = [str(a) for a in argv]
    before = tree(folder)
    code, out, err = run_guarded(cli, argv, stdin=stdin, seconds=HANG, kind=kind)
    assert_clean(argv, code, out, err)
    assert code == expect, (argv, code, out[-500:], err)
    if expect == 2:
        assert len([ln for ln in err.splitlines() if ln.startswith("error:")]) == 1, err
    if contains:
        assert contains in err + out, (contains, err, out[-500:])
    assert children() == [], "a child process outlived the command"
    assert tree(folder) == before, "a file was created or changed"
    return out, err


def answers(folder: Path, text: str, name: str = "a.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def matrix_exercise(reference: str) -> str:
    return (
        '[[exercise]]\nid = "H"\ncommand = "gd-quadratic"\n'
        f'H = "{reference}"\n[exercise.claims]\nlr_max = 1\n'
    )


# ------------------------------------------------------------------------- 3. files


def test_a_byte_order_mark_is_accepted(cli, tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    out, _ = hostile(cli, tmp_path, ["check", path], "files", expect=0)
    assert "1 of 1 claims correct" in out
    model = tmp_path / "m.toml"
    model.write_bytes(b"\xef\xbb\xbfinput = [8, 8, 1]\n[[layers]]\ntype = 'flatten'\n")
    hostile(cli, tmp_path, ["params", model, "--claim", "total_params=0"], "files", expect=0)


def _special_files(folder: Path) -> dict[str, str]:
    os.mkfifo(folder / "fifo")
    (folder / "loop").symlink_to(folder / "loop")
    (folder / "dir").mkdir()
    return {
        "fifo": "FIFO",
        "loop": "symbolic links",
        "dir": "folder",
        "/dev/zero": "device",
        "/proc/self/status": "operating system",
        "x" * 5000: "too long",
        "nul\x00": "NUL",
        "missing": "no such file",
    }


def test_special_files_as_answers_model_and_matrix_files(cli, tmp_path):
    """Each names the path within a second (the alarm only catches hangs): nothing blocks in
    open() (FIFO), nothing reads forever (/dev/zero), no /proc file, no long-name crash."""
    for name, words in _special_files(tmp_path).items():
        path = name if name.startswith("/") else str(tmp_path / name)
        started = time.monotonic()
        hostile(cli, tmp_path, ["check", path], "files", contains=words)
        hostile(cli, tmp_path, ["params", path], "files", contains=words)
        hostile(cli, tmp_path, ["gd-quadratic", "--H", "@" + path], "files", contains=words)
        assert time.monotonic() - started < HANG


def test_special_files_referenced_from_an_answers_file(cli, tmp_path):
    for name in _special_files(tmp_path):
        if name.startswith("/") or "\x00" in name:
            continue  # outside the folder: refused as such (below); NUL: TOML has no such key
        text = matrix_exercise("@" + name)
        path = answers(tmp_path, text, "ans.toml")
        out, _ = hostile(cli, tmp_path, ["check", path, "--json"], "files", expect=1)
        assert "error" in json.loads(out)["exercises"][0]
        path.unlink()


def test_huge_csv_and_npy_are_refused_from_their_size_before_reading(cli, tmp_path):
    csv = tmp_path / "big.csv"
    csv.write_text(("0," * 1999 + "0\n") * 2000)  # 2000×2000: 4 M entries
    hostile(cli, tmp_path, ["gd-quadratic", "--H", f"@{csv}"], "limits", contains="2,000 rows")
    big = tmp_path / "big.json"
    big.write_text(json.dumps([[0] * 2000] * 2000))
    hostile(cli, tmp_path, ["gd-quadratic", "--H", f"@{big}"], "limits", contains="more than")
    npy = tmp_path / "big.npy"
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000), }"
    header += " " * (118 - len(header)) + "\n"
    npy.write_bytes(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode())
    hostile(cli, tmp_path, ["gd-quadratic", "--H", f"@{npy}"], "limits", contains="at most")


def test_a_small_npy_and_csv_still_work(cli, tmp_path):
    np = pytest.importorskip("numpy")
    np.save(tmp_path / "h.npy", np.array([[2.0, 0.0], [0.0, 1.0]]))
    (tmp_path / "h.csv").write_text("2, 0\n0, 1\n")
    for name in ("h.npy", "h.csv"):
        hostile(
            cli, tmp_path, ["gd-quadratic", "--H", f"@{tmp_path / name}", "--claim", "lr_max=1"],
            "files", expect=0,
        )  # fmt: skip


# ------------------------------------------------------- 4. reaching beyond the file


class Untouchable:
    """A standard input that fails the test when anything reads it."""

    def read(self, *args):
        raise AssertionError("the answers file read the grader's standard input")

    buffer = property(lambda self: self)


@pytest.mark.parametrize(
    "line",
    [
        'model = "-"',  # params' model
        'spec = "8x8x1 | flatten"\nmodel = "-"',
    ],
)
def test_dash_in_an_answers_file_never_reads_standard_input(cli, tmp_path, monkeypatch, line):
    text = (
        f'[[exercise]]\nid = "m"\ncommand = "params"\n{line}\n[exercise.claims]\ntotal_params = 0\n'
    )
    path = answers(tmp_path, text)
    monkeypatch.setattr(sys, "stdin", Untouchable())
    out, _ = hostile(cli, tmp_path, ["check", path, "--json"], "beyond", expect=1)
    assert "error" in json.loads(out)["exercises"][0]


def test_at_dash_and_paths_outside_the_folder(cli, tmp_path, monkeypatch):
    (tmp_path / "sub").mkdir()
    (tmp_path / "secret.csv").write_text("1 0; 0 1\n")
    (tmp_path / "sub" / "link.csv").symlink_to(tmp_path / "secret.csv")
    monkeypatch.setattr(sys, "stdin", Untouchable())
    for reference in ("@-", "@../secret.csv", "@link.csv", f"@{tmp_path / 'secret.csv'}"):
        path = answers(tmp_path / "sub", matrix_exercise(reference))
        out, _ = hostile(cli, tmp_path, ["check", path, "--json"], "beyond", expect=1)
        error = json.loads(out)["exercises"][0]["error"]
        assert "leaves the answers file's folder" in error or "command line" in error, error


def test_gradescope_output_is_never_an_input(cli, tmp_path):
    path = answers(tmp_path, GOOD)
    (tmp_path / "hard.toml").hardlink_to(path)
    (tmp_path / "soft.toml").symlink_to(path)
    os.mkfifo(tmp_path / "fifo.json")
    for target in (path, tmp_path / "hard.toml", tmp_path / "soft.toml", tmp_path / "fifo.json"):
        hostile(cli, tmp_path, ["check", path, "--gradescope", target], "beyond")
    hostile(cli, tmp_path, ["check", path, "--gradescope", tmp_path], "beyond")
    assert path.read_text() == GOOD


def test_gradescope_writes_the_whole_document_and_nothing_else(cli, tmp_path):
    path = answers(tmp_path, GOOD)
    code, _, _ = cli("check", str(path), "--gradescope", str(tmp_path / "results.json"))
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.toml", "results.json"]
    assert json.loads((tmp_path / "results.json").read_text())["score"] == 1.0


@pytest.mark.parametrize(
    "value",
    [
        "inf",
        "nan",
        "-1",
        "1e300",
        "10001",
        "1" + "0" * 400,
        "true",
    ],  # text "5" is a number (the one grammar)
)
def test_points_are_finite_and_bounded(cli, tmp_path, value):
    path = answers(tmp_path, GOOD.replace("steps = 1", f"steps = 1\npoints = {value}"))
    out, _ = hostile(cli, tmp_path, ["check", path, "--json"], "beyond", expect=1)
    doc = json.loads(out)
    assert "points" in doc["exercises"][0]["error"] and doc["max"] == 1.0


# ------------------------------------------------ 5. control characters (input side)


@pytest.mark.parametrize(
    "field, text",
    [
        ("id", "sgd\\n  forged    final.b   1   1   ✓ correct"),
        ("id", "sgd\\u001b[2J"),
        ("title", "SGD\\r✓ correct"),
        ("id", "sgd\\u202e"),
        ("claim", "final.b\\n  x"),
        ("claim", "final.b\\u001b[31m"),
    ],
)
def test_control_characters_in_ids_titles_and_claim_keys_are_refused(cli, tmp_path, field, text):
    if field == "claim":
        doc = GOOD.replace('"final.b" = -0.0136093', f'"{text}" = -0.0136093')
    else:
        old = 'id = "sgd-1"' if field == "id" else 'title = "SGD on the neuron"'
        doc = GOOD.replace(old, f'{field} = "{text}"')  # only the field under test
    path = answers(tmp_path, doc)
    out, err = hostile(cli, tmp_path, ["check", path], "control", contains="control character")
    assert "✓" not in out + err and "\x1b" not in out + err
    if "correct" in out + err:
        tally("control", "forged", tried=0)


def test_a_file_name_cannot_forge_a_line(cli, tmp_path):
    """(Escaping ANSI sequences in error lines is the terminal escaper's, tests/test_render_*.)"""
    _, err = hostile(cli, tmp_path, ["check", tmp_path / "a\nerror: forged.toml"], "control")
    assert len(err.strip().splitlines()) == 1
    bad = [tmp_path / "nope\n✓ correct.toml", tmp_path / "x\x1b[2J.toml"]
    code, _, err = cli("check", *map(str, bad))
    assert code == 2 and len(err.strip().splitlines()) == 2 and "\x1b" not in err


# --------------------------------------------------------- 6. signals and children


#: 5,000 distinct (uncached) SGD exercises a file: seconds of work a file on any machine; the
#: signal tests interrupt it long before the end
SLOW = "".join(
    f'[[exercise]]\nid = "e{i}"\ncommand = "sgd"\nsteps = 20\nlr = {0.01 + i * 1e-5}\n'
    '[exercise.claims]\n"final.b" = 0\n'
    for i in range(5000)
)


def _alive(pid: int) -> bool:
    """Running (a zombie has ended: only its exit status waits for a reaper)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_until(condition, what: str, limit: float = 120) -> None:
    """Poll ``condition`` until it holds; a hang guard only, the test waits for the event."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.05)


def _group_members(pgid: int) -> list[str]:
    ps = subprocess.run(
        ["ps", "-eo", "pid=,pgid=,stat="], check=False, capture_output=True, text=True
    )
    rows = [ln.split() for ln in ps.stdout.splitlines()]
    return [r[0] for r in rows if r[1] == str(pgid) and not r[2].startswith("Z")]


def _descendants(pid: int) -> list[int]:
    ps = subprocess.run(
        ["ps", "-eo", "pid=,ppid="], check=False, capture_output=True, text=True
    ).stdout
    pairs = [tuple(map(int, ln.split())) for ln in ps.splitlines()]
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        kids = [p for p, pp in pairs if pp == parent]
        found += kids
        frontier += kids
    return found


@pytest.mark.parametrize(
    "sig, jobs, code, line",
    [
        (signal.SIGINT, 2, 130, "error: interrupted"),
        (signal.SIGINT, 1, 130, "error: interrupted"),
        (signal.SIGTERM, 2, 143, "error: terminated"),
        (signal.SIGTERM, 1, 143, "error: terminated"),
    ],
)
def test_interrupt_ends_every_child_with_one_line(tmp_path, sig, jobs, code, line):
    """As a terminal does, the signal goes to the whole foreground process group."""
    files = [answers(tmp_path, SLOW, f"s{i}.toml") for i in range(8)]
    process = subprocess.Popen(
        [sys.executable, "-m", "hwcheck", "check", *map(str, files), "--jobs", str(jobs), "--json"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    if jobs > 1:  # the workers are running
        _wait_until(lambda: len(_descendants(process.pid)) >= jobs, "the workers started")
    # checking has begun: more CPU than imports and set-up take (about 0.5 s), whatever the load
    _wait_until(lambda: _cpu_seconds(process.pid) >= 1.5, "the check was under way")
    spawned = _descendants(process.pid)
    os.killpg(process.pid, sig)
    out, err = process.communicate(timeout=HANG)
    tally("signals", None if process.returncode == code else "exit3")
    assert process.returncode == code, err
    assert err.decode() == line + "\n" and out == b""
    _wait_until(lambda: not any(_alive(p) for p in spawned), "every child ended")
    assert _group_members(process.pid) == []


def test_a_worker_dies_with_its_parent(tmp_path):
    """SIGKILL cannot be handled; the kernel ends the workers (PR_SET_PDEATHSIG)."""
    files = [answers(tmp_path, SLOW, f"s{i}.toml") for i in range(3)]
    process = subprocess.Popen(
        [sys.executable, "-m", "hwcheck", "check", *map(str, files), "--jobs", "2"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    _wait_until(lambda: len(_descendants(process.pid)) >= 2, "the workers started")
    spawned = _descendants(process.pid)
    process.kill()
    process.wait()
    _wait_until(lambda: not any(_alive(p) for p in spawned), "the workers died with the parent")


# ------------------------------------------------------------------- 8. budgets


def test_budgets_are_open_around_each_file_and_in_workers(cli, tmp_path, monkeypatch):
    """The run and file budgets reach the exercises, in-process and in --jobs workers."""
    from hwcheck.answers import check as run
    from hwcheck.core.budget import remaining

    original = run.run_exercise

    def spy(answers_file, exercise, request):
        outcome = original(answers_file, exercise, request)
        return run.ExerciseOutcome(**{**outcome.__dict__, "title": f"{remaining():.3f}"})

    monkeypatch.setattr(run, "run_exercise", spy)
    paths = [str(answers(tmp_path, GOOD, f"a{i}.toml")) for i in range(3)]
    for extra in ([], ["--jobs", "2"]):
        code, out, _ = cli(
            "check", *paths, "--file-budget", "7", "--run-budget", "9", *extra, "--json"
        )
        left = [float(e["title"]) for e in json.loads(out)["exercises"]]
        assert code == 0 and all(0 < x <= 7 for x in left), left
    code, out, _ = cli("check", paths[0], "--file-budget", "50", "--run-budget", "3", "--json")
    assert 0 < float(json.loads(out)["exercises"][0]["title"]) <= 3  # the inner never outlasts


@pytest.mark.parametrize("option", ["--file-budget", "--run-budget"])
@pytest.mark.parametrize("value", ["0", "-1", "1e9", "inf", "nan"])
def test_budgets_are_bounded(cli, tmp_path, option, value):
    hostile(cli, tmp_path, ["check", answers(tmp_path, GOOD), option, value], "budgets")


def test_budgets_are_command_line_only(cli, tmp_path):
    text = GOOD.replace("steps = 1", "steps = 1\nfile_budget = 1000")
    out, _ = hostile(
        cli, tmp_path, ["check", answers(tmp_path, text), "--json"], "budgets", expect=1
    )
    assert "unknown option 'file_budget'" in json.loads(out)["exercises"][0]["error"]


# ------------------------------------------------------- 9. limits before the work


def test_conv_matrix_refuses_from_the_sizes_before_naming_entries(cli, tmp_path):
    argv = ["conv-matrix", "--input", "4096x3x3", "--kernel", "1x1"]
    argv += ["--in-channels", "4096", "--out-channels", "4096"]
    hostile(cli, tmp_path, argv, "limits", contains="non-zeros")
    hostile(cli, tmp_path, argv + ["--sparse"], "limits", contains="non-zeros")


def test_a_fifo_as_the_answers_file(cli, tmp_path):
    os.mkfifo(tmp_path / "a.toml")
    hostile(cli, tmp_path, ["check", tmp_path / "a.toml"], "limits", contains="FIFO")


# ---------------------------------------------------------- 10. wrong without a word


def test_a_huge_positive_definite_h_is_positive_definite(cli, tmp_path):
    out, _ = hostile(
        cli, tmp_path, ["gd-quadratic", "--H", "1e20 0; 0 1", "--json"], "wrong", expect=0
    )
    doc = json.loads(out)
    assert doc["definiteness"] == "positive definite"
    assert doc["lr_opt"] == pytest.approx(2 / (1e20 + 1)) and doc["converges"] is True


def _inertia_by_descartes(H) -> list[int]:
    """Reference: the characteristic polynomial's exact coefficients (sympy); the multiplicity
    of 0 is the lowest non-zero degree, and for a real-rooted polynomial (symmetric H) Descartes'
    rule of signs counts the positive roots exactly."""
    import sympy

    x = sympy.Symbol("x")
    coeffs = sympy.Matrix(H).charpoly(x).all_coeffs()[::-1]  # constant term first
    zeros = next(i for i, c in enumerate(coeffs) if c != 0)
    rest = [c for c in coeffs[zeros:] if c != 0]
    positive = sum(1 for a, b in itertools.pairwise(rest) if (a > 0) != (b > 0))
    negative = len(H) - zeros - positive
    return [-1] * negative + [0] * zeros + [1] * positive


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 5).flatmap(
        lambda n: st.lists(
            st.lists(st.fractions(-6, 6, max_denominator=4), min_size=n, max_size=n),
            min_size=n,
            max_size=n,
        )
    ),
    st.integers(0, 2),
)
def test_exact_inertia_matches_the_characteristic_polynomial(A, rank_drop):
    from hwcheck.families.optim.quadratic import inertia

    n = len(A)
    H = [[A[i][j] + A[j][i] for j in range(n)] for i in range(n)]  # symmetric
    if rank_drop and n > 1:  # repeat rows/columns: singular, with exact zero eigenvalues
        H = [row[:] for row in H]
        for k in range(min(rank_drop, n - 1)):
            H[n - 1 - k] = H[0][:]
            for row in H:
                row[n - 1 - k] = row[0]
        H = [[H[i][j] if i <= j else H[j][i] for j in range(n)] for i in range(n)]
    assert inertia(H) == _inertia_by_descartes(H)
    assert inertia([[Fraction(10) ** 20, 0], [0, 1]]) == [1, 1]


def test_several_unreadable_files_say_so_on_stderr(cli, tmp_path):
    code, _, err = cli("check", str(tmp_path / "nope1.toml"), str(tmp_path / "nope2.toml"))
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 2
    assert all(ln.startswith("error: ") and "no such file" in ln for ln in lines)


# ------------------------------------------------------------ 11.6 several files


def test_several_files_get_a_file_column_and_a_score_per_file(cli, tmp_path):
    good = answers(tmp_path, GOOD, "good.toml")
    wrong = answers(tmp_path, GOOD.replace("-0.0136093", "0.5"), "wrong.toml")
    code, out, _ = cli("check", str(good), str(wrong))
    assert code == 1
    table, per_file = out.split("Score per file")
    header = next(line for line in table.splitlines() if "exercise" in line)
    assert header.split()[0] == "file" and str(good) in table and str(wrong) in table
    rows = {ln.split()[0]: ln.split()[-3:] for ln in per_file.splitlines() if ".toml" in ln}
    assert rows == {str(good): ["1", "/", "1"], str(wrong): ["0", "/", "1"]}
    code, out, _ = cli("check", str(good), str(wrong), "--json")
    doc = json.loads(out)
    assert [e["file"] for e in doc["exercises"]] == [str(good), str(wrong)]
    assert [(f["file"], f["score"], f["max"]) for f in doc["files"]] == [
        (str(good), 1.0, 1.0),
        (str(wrong), 0.0, 1.0),
    ]


def test_one_file_keeps_its_output(cli, tmp_path):
    code, out, _ = cli("check", str(answers(tmp_path, GOOD)), "--json")
    assert code == 0 and "files" not in json.loads(out)
    code, out, _ = cli("check", str(answers(tmp_path, GOOD)))
    header = next(line for line in out.splitlines() if "exercise" in line)
    assert "Score per file" not in out and header.split()[0] == "exercise"
