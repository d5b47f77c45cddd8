"""Bounded exact arithmetic (issue 20, item 4): every exact computation has a size gate before
the work, draws on the time budget, and is interruptible (Ctrl-C exits 130, SIGTERM 143, never
3, one line on stderr, no child left).

Each case found in review is here: ``net`` with non-dyadic weights, ``lstsq`` of one wide row
and of a 64×64 matrix of 39-digit integers, ``derive --hessian`` of a 60-variable σ, a
submission of many slow claims, and signals. Results are cross-checked against values computed
another way (brute force in fractions, sympy's own row reduction and Hessian, X·w = y exactly).
No assertion is about speed: a call that should return promptly runs under a generous hang
alarm (:data:`HANG`), which only turns a hang into a failure.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import signal
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_net import brute_forward

HANG = 60  # seconds: a hang guard, never a speed requirement


def hwcheck(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    """A real ``python -m hwcheck`` process, ended after :data:`HANG` seconds (a hang)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "hwcheck", *args],
        input=stdin,
        capture_output=True,
        timeout=HANG,
        cwd=ROOT,
        env=env,
        check=False,
    )


def error_line(done: subprocess.CompletedProcess) -> str:
    """The one error line (a hint line may follow it), never a traceback."""
    lines = done.stderr.decode().splitlines()
    assert lines and lines[0].startswith("error: "), lines
    assert len(lines) <= 2 and (len(lines) == 1 or lines[1].startswith("hint: ")), lines
    assert "Traceback" not in done.stderr.decode()
    return lines[0]


# ------------------------------------------------------------------------------------- net


def _net_toml(inputs: int, units: int, bias: str, seed: int = 1) -> str:
    rng = random.Random(seed)
    weights = [[rng.choice([-2, -1, 1, 2, 3]) for _ in range(units)] for _ in range(inputs)]
    return "\n".join(
        [
            "[[layer]]",
            "activation = 'relu'",
            f"weights = {weights}",
            "bias = [" + ", ".join(f'"{bias}"' for _ in range(units)) + "]",
            "[[layer]]",
            "activation = 'linear'",
            f"weights = {[[1] for _ in range(units)]}",
        ]
    )


def test_net_16_inputs_64_relu_units_biases_one_third_is_exact_and_prompt(tmp_path):
    path = tmp_path / "net.toml"
    path.write_text(_net_toml(16, 64, "1/3"))
    done = hwcheck("net", str(path), "--target", "x1", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["rows"] == 2**16 and data["failing_count"] > 0
    for x, shown in zip(data["failing_rows"], data["failing_outputs"], strict=True):
        assert shown["y"] == [
            float(v) for v in brute_forward(data["layers"], x)
        ]  # against fractions


def test_net_exact_evaluation_matches_fractions_on_random_networks():
    """int64 and big-integer paths, step/sign deciding z = 0 exactly, against brute force."""
    import numpy as np

    from hwcheck.families.net.network import NetLayer, forward

    rng = random.Random(7)
    for trial in range(40):
        sizes = [rng.randint(1, 3)] + [rng.randint(1, 4) for _ in range(rng.randint(1, 3))]
        big = trial % 2 == 0  # numerators of up to 40 digits: past int64, Python integers

        def weight(big=big):
            top = rng.randint(-5, 5) * (10 ** rng.randint(0, 40) if big else 1)
            return Fraction(top, rng.choice([1, 3, 7, 10**20 + 1 if big else 9]))

        layers = [
            NetLayer(
                rng.choice(["relu", "step", "sign", "linear"]),
                tuple(tuple(weight() for _ in range(b)) for _ in range(a)),
                tuple(weight() for _ in range(b)),
            )
            for a, b in itertools.pairwise(sizes)
        ]
        x = np.array(list(itertools.product(range(-2, 3), repeat=sizes[0])), dtype=float)
        got = forward(layers, x)
        plain = [
            {"weights": ly.weights, "bias": ly.bias, "activation": ly.activation} for ly in layers
        ]
        for row, out in zip(x, got, strict=True):
            assert list(out) == [float(v) for v in brute_forward(plain, row)]


def test_net_points_are_evaluated_as_written_not_as_floats():
    """−0.1 − 0.2 + 3/10 is 0 exactly (step gives 1); in floats it is −5.6e-17 (step gives 0)."""
    import numpy as np

    from hwcheck.families.net.network import forward, parse_layer_text

    layer = parse_layer_text("step | -1; -1 | 3/10", "--layer")
    points = [[Fraction(1, 10), Fraction(2, 10)]]
    assert forward([layer], np.array([[0.1, 0.2]]), points).tolist() == [[1.0]]


def test_net_past_the_work_bound_is_refused_before_the_work(tmp_path):
    big = "1" + "0" * 300 + "/3"  # numerators of 1,000 bits: big integers on every row
    path = tmp_path / "net.toml"
    path.write_text(_net_toml(16, 64, big))
    done = hwcheck("net", str(path))
    assert done.returncode == 2
    line = error_line(done)
    assert line.startswith("error: <net>:") and "at most" in line
    assert "--points" in done.stderr.decode()  # the hint names the option that bounds it


# ----------------------------------------------------------------------------------- lstsq


def _matrix_text(rows) -> str:
    return "; ".join(" ".join(str(v) for v in row) for row in rows)


def test_lstsq_of_one_4096_column_row_is_refused_before_the_work(tmp_path):
    row = tmp_path / "row.txt"
    row.write_text(" ".join(str((i % 17) - 8) for i in range(4096)))
    done = hwcheck("lstsq", "--X", f"@{row}", "--y", "1")
    assert done.returncode == 2
    line = error_line(done)
    assert line.startswith("error: --X:") and "null space" in line and "at most" in line


def test_lstsq_of_64x64_39_digit_integers_is_exact_and_prompt(tmp_path):
    rng = random.Random(3)
    x = [[rng.randint(10**38, 10**39) for _ in range(64)] for _ in range(64)]
    y = list(range(64))
    (tmp_path / "x.txt").write_text(_matrix_text(x))
    done = hwcheck("lstsq", "--X", f"@{tmp_path / 'x.txt'}", "--y", " ".join(map(str, y)), "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["rank_X"] == 64 and data["solutions"] == "exactly one"
    w = [Fraction(v) for v in data["min_norm_solution"]]
    assert [sum(a * b for a, b in zip(row, w, strict=True)) for row in x] == y  # X·w = y exactly


def test_lstsq_of_a_rank_63_matrix_of_39_digit_integers_is_the_minimum_norm_solution(tmp_path):
    """One free column: w is w₀ less its projection on the null space (a 1×1 system, not the
    63×63 RRᵀ of 16,000-bit entries): Xw = y exactly and w ⟂ the null space."""
    rng = random.Random(8)
    x = [[rng.randint(10**38, 10**39) for _ in range(64)] for _ in range(63)]
    x.append([a + b for a, b in zip(x[0], x[1], strict=True)])
    y = [sum(a * rng.randint(-5, 5) for a in row) for row in x[:63]]
    y.append(y[0] + y[1])
    (tmp_path / "x.txt").write_text(_matrix_text(x))
    (tmp_path / "y.txt").write_text(" ".join(map(str, y)))
    done = hwcheck(
        "lstsq", "--X", f"@{tmp_path / 'x.txt'}", "--y", f"@{tmp_path / 'y.txt'}", "--json"
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["rank_X"] == 63 and data["solution_dimension"] == 1
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)  # the exact answer has numbers of about 5,000 digits
    try:
        _rank_63_answer(data, x, y)
    finally:
        sys.set_int_max_str_digits(limit)


def _rank_63_answer(data, x, y):
    w = [Fraction(v) for v in data["min_norm_solution"]]
    assert [sum(a * b for a, b in zip(row, w, strict=True)) for row in x] == y
    (null,) = [[Fraction(v) for v in vec] for vec in data["null_space"]]
    assert sum(a * b for a, b in zip(null, w, strict=True)) == 0


def test_lstsq_past_the_reduction_bound_is_refused_before_the_work(tmp_path):
    rng = random.Random(4)
    x = [[rng.randint(10**98, 10**99) for _ in range(64)] for _ in range(64)]
    (tmp_path / "x.txt").write_text(_matrix_text(x))
    done = hwcheck("lstsq", "--X", f"@{tmp_path / 'x.txt'}", "--y", " ".join("1" * 64))
    assert done.returncode == 2
    line = error_line(done)
    assert (
        line.startswith("error: --X: exact row reduction of a 64×65 matrix") and "at most" in line
    )


def test_fraction_free_reduction_matches_sympy_rref():
    sympy = pytest.importorskip("sympy")
    from hwcheck.families.linalg.exact import rref

    rng = random.Random(11)
    for trial in range(60):
        n, d = rng.randint(1, 6), rng.randint(1, 6)
        a = [
            [Fraction(rng.randint(-4, 4), rng.choice([1, 2, 3, 7])) for _ in range(d)]
            for _ in range(n)
        ]
        if trial % 2:  # rank-deficient: rows combined from the first few
            base = a[: rng.randint(1, n)]
            a = [[sum(rng.randint(-2, 2) * r[c] for r in base) for c in range(d)] for _ in range(n)]
        red, pivots = rref(a)
        expected, expected_pivots = sympy.Matrix(a).rref()
        assert pivots == list(expected_pivots)
        assert red == [[Fraction(str(v)) for v in expected.row(i)] for i in range(n)]


def test_lstsq_minimum_norm_solution_matches_sympy_pinv_when_rank_deficient(cli):
    sympy = pytest.importorskip("sympy")
    rng = random.Random(5)
    for _ in range(12):
        n, d = rng.randint(2, 5), rng.randint(2, 5)
        base = [[rng.randint(-3, 3) for _ in range(d)] for _ in range(rng.randint(1, min(n, d)))]
        x = [[sum(rng.randint(-2, 2) * r[c] for r in base) for c in range(d)] for _ in range(n)]
        if not any(any(r) for r in x):
            continue
        y = [rng.randint(-3, 3) for _ in range(n)]
        code, out, err = cli(
            "lstsq", "--X", _matrix_text(x), "--y", " ".join(map(str, y)), "--json"
        )
        assert code == 0, err
        w = sympy.Matrix(x).pinv() * sympy.Matrix(y)
        assert [Fraction(v) for v in json.loads(out)["min_norm_solution"]] == [
            Fraction(str(v)) for v in w
        ]


# ---------------------------------------------------------------------------------- derive


def _sigmoid(n: int) -> tuple[str, str]:
    expr = "sigmoid(" + " + ".join(f"w{i}*x{i}" for i in range(1, n + 1)) + ")"
    return expr, ",".join(f"w{i}" for i in range(1, n + 1))


def test_derive_of_a_60_variable_sigmoid_with_hessian_is_refused_before_the_work():
    expr, wrt = _sigmoid(60)
    done = hwcheck("derive", expr, "--wrt", wrt, "--hessian")
    assert done.returncode == 2
    line = error_line(done)
    assert line.startswith("error: --wrt: 60 variables") and "2,000" in line


def test_a_hessian_past_its_own_bound_names_hessian(cli):
    expr, wrt = _sigmoid(11)  # the gradient is within its bound, the 66 entries are not
    code, _out, err = cli("derive", expr, "--wrt", wrt, "--hessian")
    assert code == 2 and err.startswith("error: --hessian: 11 variables give 66 distinct")


def test_hessian_from_the_gradient_rows_matches_sympy_hessian():
    sympy = pytest.importorskip("sympy")
    from hwcheck.families.symbolic.derive import second_derivatives

    w1, w2, w3, x = sympy.symbols("w1 w2 w3 x", real=True)
    for f in (
        sympy.exp(w1 * w2) / (1 + w3**2) + sympy.log(1 + w1**2 * x),
        (w1 * x + w2 - w3) ** 3 * sympy.sin(w2),
    ):
        got = second_derivatives(f, [w1, w2, w3])
        expected = sympy.hessian(f, (w1, w2, w3))
        for i, j in itertools.product(range(3), repeat=2):
            assert sympy.simplify(got[i][j] - expected[i, j]) == 0


# -------------------------------------------------------------------- a share per claim


def _slow_claims(monkeypatch):
    """A claim written ``slow`` takes as long as it is allowed (a bounded worker that sleeps);
    every other claim is judged as usual. What is tested is who pays for the slow ones."""
    from hwcheck.answers import run
    from hwcheck.claims.verdict import Verdict
    from hwcheck.families.symbolic.worker import bounded

    judged = run.judge_claim

    def judge_claim(result, data, exercise, key, raw, claims, rtol=None, atol=None):
        if raw == "slow":
            outcome = bounded(time.sleep, (3 * HANG,), 3 * HANG)
            assert outcome.timed_out
            return Verdict(key, raw, None, "inconclusive", outcome.stopped.describe(), None)
        return judged(result, data, exercise, key, raw, claims, rtol, atol)

    monkeypatch.setattr(run, "judge_claim", judge_claim)


KEY = "\n".join(
    f'[[exercise]]\nid = "D{i}"\ncommand = "derive"\nexpr = "w**{i + 2}*x"\nwrt = ["w"]\n'
    f'points = 1\n[exercise.claims]\n"derivatives.w" = "{i + 2}*w**{i + 1}*x"\n'
    for i in range(8)
)


def test_each_claim_has_a_share_of_the_students_budget(cli, tmp_path, monkeypatch):
    """Four slow answers first, four right ones after: the slow ones are inconclusive one by one
    (each naming its share), and the right ones are still judged right — without a share, the
    first slow claim would spend the student's whole budget."""
    _slow_claims(monkeypatch)
    (tmp_path / "key.toml").write_text(KEY)
    answers = ["slow"] * 4 + [f"{i + 2}*w**{i + 1}*x" for i in range(4, 8)]
    header = "student," + ",".join(f"D{i}.derivatives.w" for i in range(8))
    (tmp_path / "class.csv").write_text(header + "\nann," + ",".join(answers) + "\n")
    code, out, err = cli(
        "grade",
        str(tmp_path / "key.toml"),
        str(tmp_path / "class.csv"),
        "--file-budget",
        "4",
        "--json",
    )
    assert code == 0, err
    (student,) = json.loads(out)["students"]
    verdicts = [c["verdict"] for c in student["claims"]]
    assert verdicts == ["inconclusive"] * 4 + ["correct"] * 4
    assert "--file-budget share" in student["claims"][0]["rule"]
    assert student["score"] == 4


def test_each_claim_has_a_share_of_the_files_budget_in_check(cli, tmp_path, monkeypatch):
    _slow_claims(monkeypatch)
    lines = KEY.splitlines()
    text = "\n".join(
        line.replace(line.split(" = ")[1], '"slow"') if "derivatives.w" in line and n < 4 else line
        for n, line in _numbered_claims(lines)
    )
    (tmp_path / "mine.toml").write_text(text)
    _code, out, err = cli("check", str(tmp_path / "mine.toml"), "--file-budget", "4", "--json")
    claims = [c for e in json.loads(out)["exercises"] for c in e["claims"]]
    assert [c["verdict"] for c in claims] == ["inconclusive"] * 4 + ["correct"] * 4, err
    assert "the --file-budget share of" in claims[0]["rule"]  # a claim's share of its exercise's


def _numbered_claims(lines):
    n = -1
    for line in lines:
        if "derivatives.w" in line:
            n += 1
        yield n, line


def test_a_share_is_the_fraction_of_what_is_left_and_keeps_the_name():
    from hwcheck.core.budget import budget, limit, share

    with budget(86_400, "--file-budget"):
        with share(1, 4):
            seconds, name = limit(10**9)
            assert name == "--file-budget share" and 21_000 < seconds <= 21_600
        with share(4, 4):  # the last piece: the whole budget left, under its own name
            assert limit(10**9)[1] == "--file-budget"
    with share(1, 4):  # no budget: nothing changes
        assert limit(5.0) == (5.0, None)


def test_a_spent_budget_stops_exact_work_between_two_slices(cli, tmp_path):
    """lstsq in check: the exercise is an error row naming the budget; the run goes on."""
    from hwcheck.core.budget import OutOfTime, budget, checkpoint

    with budget(0.0, "--file-budget"), pytest.raises(OutOfTime) as stopped:
        checkpoint("--X")
    assert "the --file-budget of 0 s ran out" in str(stopped.value)
    (tmp_path / "mine.toml").write_text(
        '[[exercise]]\nid = "N"\ncommand = "lstsq"\nX = "1 2; 3 4"\ny = "1 1"\n'
        "[exercise.claims]\nrank_X = 2\n"
        '[[exercise]]\nid = "C"\ncommand = "params"\nspec = "8x8x3 | dense units=2"\n'
        "[exercise.claims]\ntotal_params = 8\n"
    )
    code, out, _err = cli("check", str(tmp_path / "mine.toml"), "--file-budget", "1e-9", "--json")
    rows = {e["id"]: e for e in json.loads(out)["exercises"]}
    assert "--file-budget" in rows["N"]["error"] and "ran out" in rows["N"]["error"]
    assert rows["C"]["ok"] and code == 1  # the numeric exercise is judged as ever


# -------------------------------------------------------------------------------- signals


def _children(pid: int) -> set[int]:
    """Processes whose parent is ``pid`` (from /proc: no psutil)."""
    out = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.add(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _slow_lstsq_toml(padding: int = 0, copies: int = 1) -> str:
    """An answers file whose exercises are long exact reductions (64×64, 50 digits: within
    the bound, seconds of work each), padded with a comment so that writing it to a pipe only
    returns once hwcheck is reading it (past its start-up, in its own signal handling)."""
    rng = random.Random(9)
    text = "# " + "x" * padding + "\n"
    for i in range(copies):
        x = [[rng.randint(10**49, 10**50) for _ in range(64)] for _ in range(64)]
        text += (
            f'[[exercise]]\nid = "N{i}"\ncommand = "lstsq"\n'
            f'X = "{_matrix_text(x)}"\ny = "{" ".join("1" * 64)}"\n'
            "[exercise.claims]\nrank_X = 64\n"
        )
    return text


def _start(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "hwcheck", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )


def _slow_derive_toml(padding: int = 0, copies: int = 1) -> str:
    """An answers file whose exercises are seconds of sympy each: the 10-variable Hessian of
    σ(w·x + i), within its bound (each derivative tidied in a time-bounded child process)."""
    expr, wrt = _sigmoid(10)
    names = ", ".join(f'"{v}"' for v in wrt.split(","))
    text = "# " + "x" * padding + "\n"
    for i in range(copies):
        text += (
            f'[[exercise]]\nid = "H{i}"\ncommand = "derive"\nexpr = "{expr[:-1]} + {i})"\n'
            f'wrt = [{names}]\nhessian = true\n[exercise.claims]\n"hessian.matrix.0.0" = "x1**2"\n'
        )
    return text


#: work that lasts far past the signal on any machine: a minute of it here, signalled at 0.5 s
SLOW = {
    "lstsq": lambda: _slow_lstsq_toml(copies=4),
    "derive": lambda: _slow_derive_toml(padding=512 * 1024, copies=30),
}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")
@pytest.mark.parametrize("work", sorted(SLOW))
@pytest.mark.parametrize(
    ("signum", "code", "line"),
    [
        (signal.SIGINT, 130, "error: interrupted"),
        (signal.SIGTERM, 143, "error: terminated"),
    ],
)
def test_a_signal_during_exact_arithmetic_exits_130_or_143(work, signum, code, line):
    """In big-integer arithmetic (lstsq) and in sympy (derive, with its bounded children):
    several exercises of seconds each, so the signal lands mid-work however fast the machine."""
    proc = _start("check", "-", "--json")
    children: set[int] = set()
    try:
        proc.stdin.write(SLOW[work]().encode())  # returns once read
        proc.stdin.close()
        for _ in range(10):
            time.sleep(0.05)
            children |= _children(proc.pid)
        proc.send_signal(signum)
        proc.wait(timeout=HANG)
        out, err = proc.stdout.read(), proc.stderr.read()
    finally:
        proc.kill()
    assert proc.returncode == code, err
    assert err.decode().splitlines() == [line]
    assert out == b""  # no partial JSON
    assert not any(_alive(pid) for pid in children)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_ends_and_reaps_every_worker(tmp_path, signum, code):
    files = []
    for name in ("a", "b"):
        (tmp_path / f"{name}.toml").write_text(_slow_lstsq_toml())
        files.append(str(tmp_path / f"{name}.toml"))
    proc = _start("check", *files, "--jobs", "2")
    try:
        deadline = time.monotonic() + HANG
        workers: set[int] = set()
        while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
            workers |= _children(proc.pid)
            time.sleep(0.05)
        assert len(workers) >= 2, "the workers never started"
        time.sleep(0.5)
        proc.send_signal(signum)
        _out, err = proc.communicate(timeout=HANG)
    finally:
        proc.kill()
    assert proc.returncode == code, err
    assert len(err.decode().splitlines()) == 1 and "Traceback" not in err.decode()
    assert not any(_alive(pid) for pid in workers)


def _disguised(kind):
    """What CPython raises when a signal handler's exception lands inside C code that then
    returns a value: a SystemError whose cause is the KeyboardInterrupt (or Terminated)."""

    def runner(request):
        error = SystemError("<function Fraction.numerator> returned a result with an exception set")
        raise error from kind()

    return runner


@pytest.mark.parametrize(
    ("kind", "code", "line"),
    [
        ("KeyboardInterrupt", 130, "error: interrupted"),
        ("Terminated", 143, "error: terminated"),
    ],
)
def test_a_signal_in_disguise_is_still_the_signal(cli, monkeypatch, tmp_path, kind, code, line):
    from hwcheck.core.interrupt import Terminated
    from hwcheck.families.linalg import lstsq

    cause = {"KeyboardInterrupt": KeyboardInterrupt, "Terminated": Terminated}[kind]
    monkeypatch.setattr(lstsq, "lstsq", _disguised(cause))
    got = cli("lstsq", "--X", "1 2", "--y", "1", "--json")
    assert got == (code, "", line + "\n")  # no JSON, no report request, no traceback
    (tmp_path / "mine.toml").write_text(  # check's per-exercise catch-all lets it through
        '[[exercise]]\nid = "N"\ncommand = "lstsq"\nX = "1 2"\ny = "1"\n'
        "[exercise.claims]\nrank_X = 1\n"
    )
    assert cli("check", str(tmp_path / "mine.toml"))[::2] == (code, line + "\n")


def test_lstsq_a_solution_past_the_float_range_is_inf_in_its_float_form(cli):
    """X = 10⁻³⁰⁰, y = 10³⁰⁰: w = 10⁶⁰⁰ exactly; its float form is "inf", never exit 3."""
    big = "1" + "0" * 300
    code, out, err = cli("lstsq", "--X", f"1/{big}", "--y", big, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["min_norm_solution"] == [10**600] and data["min_norm_solution_float"] == ["inf"]


@pytest.mark.parametrize("weight", ["1" + "0" * 300, "1" + "0" * 300 + "/3"])
def test_net_outputs_past_the_float_range_are_inf_exact_or_not(cli, weight):
    """Two layers of 10³⁰⁰ (floats) or 10³⁰⁰/3 (exact): y = inf, no warning, never exit 3."""
    code, out, err = cli(
        "net",
        "--layer",
        f"relu | {weight} | 0",
        "--layer",
        f"linear | {'1' + '0' * 300} | 0",
        "--target",
        "max",
        "--json",
    )
    assert code == 0 and err == "", err
    assert json.loads(out)["failing_outputs"][0]["y"] == ["inf"]
