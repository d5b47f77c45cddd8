"""Hostile input through every text entry point of the CLI (issue: hardening).

The only outcomes allowed: exit 0, 1 or 2; on 2 a one-line ``error:`` message (plus at most a
hint line); never a traceback or an internal error (exit 3), never a hang, never a file
written. ``HWCHECK_FUZZ=long`` runs many more examples (for local use; CI runs the short set
with a fixed seed).
"""

from __future__ import annotations

import json
import math
import os
import signal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from tests.conftest import DATA

LONG = os.environ.get("HWCHECK_FUZZ") == "long"
EXAMPLES = 400 if LONG else 12
HANG_SECONDS = 60

#: classic injection and resource payloads, tried in every entry point
PAYLOADS = [
    "__import__('os').system('touch pwned')",
    "().__class__.__bases__[0].__subclasses__()",
    "x.__class__",
    "lambda: 1",
    "(lambda x: x)(1)",
    "f'{1}'",
    "import os",
    "open('pwned', 'w')",
    "9**9**9**9",
    "x**(10**10)",
    "10**10**10",
    "2^2^2^2^2^2",
    "(" * 5000 + "x" + ")" * 5000,
    "[" * 100000 + "]" * 100000,
    "1" * 1_000_000,
    "x" * 1_000_000,
    "nan",
    "inf",
    "-inf",
    "NaN; inf",
    "1e308 1e308; 1e308 1e308",
    "1e-400",
    "1000000000000000000x1000000000000000000",
    "1000000000000000000",
    "-1",
    "0",
    "",
    " ",
    ";",
    ";;",
    ",",
    "1 2; 3",
    "[[1,2],[3]]",
    "[]",
    "[[]]",
    "{}",
    "@/etc/passwd",
    "@/dev/zero",
    "@../../../../etc/shadow",
    "w=__import__",
    "=1",
    "a==b",
    "\x00",
    "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
    "σ(λ)",
    "ÿ" * 100,
    "sigmoid(" * 3000,
    "exp(exp(exp(exp(exp(exp(x))))))",
    "x/0",
    "log(0)",
    "1/0",
    "0/0",
]

#: (command argv prefix, option that takes the payload, rest of a valid command line)
ENTRY_POINTS = [
    (["params", "--spec"], []),
    (["rf", "--spec"], []),
    (["params", "--spec", "8x8x1 | conv2d filters=1 kernel=3", "--claim"], []),
    (["conv-matrix", "--input"], ["--kernel", "2x2"]),
    (["conv-matrix", "--input", "3x3", "--kernel"], []),
    (["conv-matrix", "--input", "3x3", "--kernel", "2x2", "--padding"], []),
    (["conv-matrix", "--input", "3x3", "--kernel", "2x2", "--f"], []),
    (["conv-backprop", "--f", "1 0; 0 1", "--x"], []),
    (["conv-backprop", "--x", "1 2; 3 4", "--f"], []),
    (["conv-backprop", "--x", "1 2 3; 4 5 6; 7 8 9", "--f", "1 0; 0 1", "--upstream"], []),
    (
        [
            "conv-backprop",
            "--x",
            "1 2 3; 4 5 6; 7 8 9",
            "--f",
            "1 0; 0 1",
            "--loss",
            "mse",
            "--target",
        ],
        [],
    ),
    (["conv-cost", "--size"], []),
    (["backprop", "--layer"], ["--x", "1", "--target", "1"]),
    (["backprop", "--layer", "relu | 1", "--x"], ["--target", "1"]),
    (["backprop", "--layer", "sigmoid | 1", "--x", "1", "--loss", "bce", "--target"], []),
    (["backprop", "--rnn"], ["--x", "1", "--target", "1"]),
    (["backprop", "--at", "x=1", "--expr"], []),
    (["backprop", "x*y", "--at"], []),
    (["separable", "--f"], []),
    (["derive", "--wrt", "x", "--expr"], []),
    (["derive", "x**2", "--wrt"], []),
    (["derive", "x**2", "--wrt", "x", "--at"], []),
    (["derive", "x**2", "--wrt", "x", "--claim"], []),
    (["derive", "x**2", "--wrt", "x", "--claim", "derivatives.x="], []),
    (["equiv", "x"], []),
    (["sgd", "--init"], []),
    (["sgd", "--data"], []),
    (["sgd", "--lr"], []),
    (["sgd", "--steps"], []),
    (["adam", "--beta1"], []),
    (["adam", "--claim"], []),
    (["rmsprop", "--alpha"], []),
    (["sgd", "--problem", "quadratic", "--H"], []),
    (["sgd", "--problem", "expr", "--init", "x=1", "--objective"], []),
    (["gd-quadratic", "--H"], []),
    (["gd-quadratic", "--H", "2 0; 0 1", "--w0"], []),
    (["check", str(DATA / "hostile" / "tiny.toml"), "--file-budget"], []),
    (["check", str(DATA / "hostile" / "tiny.toml"), "--run-budget"], []),
    (["check", str(DATA / "hostile" / "tiny.toml"), "--jobs"], []),
    (["check", str(DATA / "hostile" / "tiny.toml"), "--only"], []),
]


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang()


#: per class of hostile input: cases tried and failures (exit 3, hang, escape, forged line),
#: added up in the JSON file $HWCHECK_FUZZ_REPORT when that is set (for the closing figures)
FAILURES = ("exit3", "hang", "escape", "forged")


def tally(kind: str, failure: str | None = None, *, tried: int = 1) -> None:
    target = os.environ.get("HWCHECK_FUZZ_REPORT")
    if not target:
        return
    path = Path(target)
    counts = json.loads(path.read_text()) if path.exists() else {}
    entry = counts.setdefault(kind, {"tried": 0, **dict.fromkeys(FAILURES, 0)})
    entry["tried"] += tried
    if failure:
        entry[failure] += 1
    path.write_text(json.dumps(counts, indent=1, sort_keys=True))


def run_guarded(cli, argv, stdin=None, seconds=HANG_SECONDS, kind="entry points"):
    """Run ``hwcheck ARGV`` in-process with an alarm that only catches hangs (not a speed test)."""
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    try:
        result = cli(*argv, stdin=stdin)
    except Hang:
        tally(kind, "hang")
        pytest.fail(f"hang (> {seconds} s): {[a[:60] for a in argv]}")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    code, _, err = result
    escaped = "\x1b" in err or any(c in err for c in "\r\x00\u202e")
    tally(kind, "exit3" if code == 3 else "escape" if escaped else None)
    return result


def children() -> list[int]:
    """Live (not yet reaped) child processes of this process, read from /proc."""
    me, out = str(os.getpid()), []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[1] == me and fields[0] != "Z":
                out.append(int(entry.name))
    return out


def tree(folder: Path) -> list[str]:
    """Every path under ``folder`` with its size and modification time (to see a file written)."""
    return sorted(
        f"{p.relative_to(folder)} {p.lstat().st_size} {p.lstat().st_mtime_ns}"
        for p in folder.rglob("*")
    )


def assert_clean(argv, code, out, err):
    shown = [a[:60] for a in argv]
    assert code in (0, 1, 2), f"exit {code} for {shown}: {err[:500]}"
    assert "Traceback" not in err and "Traceback" not in out, shown
    assert "\x1b" not in err, ("an escape sequence reached stderr", shown)
    if code == 2:
        lines = err.strip().splitlines()
        # one error line, a hint line, and for --spec a caret line under the hint
        assert lines and lines[0].startswith("error: ") and len(lines) <= 3, (shown, err[:500])
        assert all(not line.startswith("error: ") for line in lines[1:]), (shown, err[:500])


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "a file was written"


@pytest.mark.parametrize(
    "prefix, rest", ENTRY_POINTS, ids=lambda v: " ".join(v)[:40] if isinstance(v, list) else ""
)
def test_payloads_in_every_entry_point(cli, sandbox, prefix, rest):
    for payload in PAYLOADS:
        argv = prefix + [payload] + rest
        code, out, err = run_guarded(cli, argv, kind="payloads")
        assert_clean(argv, code, out, err)


def test_regression_corpus(cli, sandbox):
    corpus = json.loads((DATA / "hostile" / "corpus.json").read_text(encoding="utf-8"))
    for case in corpus:
        argv = case["args"]
        code, out, err = run_guarded(cli, argv, stdin=case.get("stdin"), kind="corpus")
        assert_clean(argv, code, out, err)
        if "exit" in case:
            assert code == case["exit"], (argv, err)


TEXT = st.one_of(
    st.text(max_size=60),
    st.text(alphabet="0123456789 .,;-+/eE[]x×()", max_size=40),
    st.text(alphabet="wxbt()*+-/^ sigmodexplgn_.,0123456789σλ", max_size=60),
    st.sampled_from(PAYLOADS[:20]),
)


@seed(20261122)
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(entry=st.sampled_from(ENTRY_POINTS), payload=TEXT)
def test_random_text_in_random_entry_points(cli, tmp_path, entry, payload):
    prefix, rest = entry
    argv = prefix + [payload] + rest
    code, out, err = run_guarded(cli, argv, kind="random text")
    assert_clean(argv, code, out, err)


MODEL_KEYS = st.sampled_from(
    [
        "type",
        "filters",
        "kernel",
        "stride",
        "padding",
        "dilation",
        "groups",
        "units",
        "rate",
        "bias",
        "filter",
        "input",
        "layout",
        "ceil_mode",
    ]
)
TOML_VALUE = st.one_of(
    st.integers(-3, 10**19),
    st.text(max_size=10),
    st.booleans(),
    st.floats(allow_nan=True),
    st.lists(st.integers(-2, 300), max_size=4),
)


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return (
            "nan"
            if math.isnan(value)
            else (
                "inf"
                if value == float("inf")
                else ("-inf" if value == float("-inf") else repr(value))
            )
        )
    if isinstance(value, str):
        return json.dumps(value)
    return json.dumps(value)


@seed(20261122)
@settings(max_examples=EXAMPLES * 2, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    input_shape=st.lists(st.integers(-1, 300), max_size=4),
    layers=st.lists(st.dictionaries(MODEL_KEYS, TOML_VALUE, max_size=5), max_size=5),
    types=st.lists(
        st.sampled_from(
            [
                "conv2d",
                "conv1d",
                "maxpool2d",
                "dense",
                "flatten",
                "lstm",
                "conv_transpose2d",
                "batchnorm",
                "nope",
                "global_avgpool",
            ]
        ),
        max_size=5,
    ),
    command=st.sampled_from(["params", "rf"]),
)
def test_random_model_files(cli, tmp_path, input_shape, layers, types, command):
    lines = [f"input = {json.dumps(input_shape)}"]
    for layer, kind in zip(layers, types):
        layer.setdefault("type", kind)
        lines.append("[[layers]]")
        lines.extend(f"{k} = {_toml(v)}" for k, v in layer.items())
    text = "\n".join(lines) + "\n"
    code, out, err = run_guarded(cli, [command, "-"], stdin=text, kind="model files")
    assert_clean([command, text], code, out, err)


@seed(20261122)
@settings(max_examples=EXAMPLES * 2, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.binary(max_size=300))
def test_random_bytes_as_answers_and_model_files(cli, tmp_path, data):
    for argv in (["check"], ["params"], ["rf"]):
        path = Path(tmp_path) / "input.toml"
        path.write_bytes(data)
        code, out, err = run_guarded(cli, argv + [str(path)], kind="random bytes")
        assert_clean(argv, code, out, err)


# ----------------------------------------- TOML with every value type (answers, model files)


#: a TOML document is generated as (key, value) pairs and serialised here, so that every value
#: type TOML has reaches every key: dates, datetimes, times, arrays of tables, inline tables,
#: integers past any bound (5,000 digits: past Python's 4,300-digit conversion limit), floats
#: with inf and nan, strings with control characters and escapes
class Huge(int):
    """An integer literal of this many digits (generated as text: past Python's int↔str limit)."""


HUGE_INTS = st.sampled_from([Huge(20), Huge(-20), Huge(401), Huge(-4000), Huge(5000)])
STRINGS = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=20),
    st.sampled_from(["\x1b[31mred", "a\nb", "\u202eevil", "-", "@-", "@../x", "@/dev/zero"]),
    st.sampled_from(["3x3", "1 2; 3 4", "x**2", "w*x+b", "8x8x1 | conv2d 4 3", "0.1"]),
)
SCALARS = st.one_of(
    st.integers(-(10**6), 10**6),
    HUGE_INTS,
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    STRINGS,
    st.dates(),
    st.datetimes(timezones=st.sampled_from([None, __import__("datetime").timezone.utc])),
    st.times(),
)
KEYS = st.one_of(
    st.sampled_from(["id", "title", "command", "points", "rtol", "atol", "model", "spec", "expr"]),
    st.sampled_from(["H", "x", "f", "lr", "steps", "wrt", "a", "b", "seed", "timeout", "input"]),
    st.sampled_from(["kernel", "w0", "init", "objective", "claims", "tolerances", "notes"]),
    st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=8),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=6,
)


def toml_value(value) -> str:
    """One TOML value (inline form), of any type the strategies above produce."""
    import datetime

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Huge):
        return ("-" if value < 0 else "") + "9" * abs(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(repr(value), repr(value))
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def toml_table(header: str, pairs: dict) -> list[str]:
    lines = [header] if header else []
    lines += [f"{json.dumps(k, ensure_ascii=False)} = {toml_value(v)}" for k, v in pairs.items()]
    return lines


COMMANDS = st.sampled_from(
    ["params", "rf", "conv-matrix", "conv-backprop", "derive", "equiv", "sgd", "adam"]
    + ["gd-quadratic", "separable", "conv-cost", "check", "nope"]
)


@st.composite
def answers_documents(draw) -> str:
    lines: list[str] = []
    if draw(st.booleans()):
        lines += toml_table("[defaults]", draw(st.dictionaries(KEYS, VALUES, max_size=3)))
    for i in range(draw(st.integers(1, 3))):
        base = {"id": draw(st.one_of(st.just(f"e{i}"), SCALARS)), "command": draw(COMMANDS)}
        lines += toml_table(
            "[[exercise]]", {**base, **draw(st.dictionaries(KEYS, VALUES, max_size=4))}
        )
        claims = draw(st.dictionaries(STRINGS | st.just("final.w"), VALUES, max_size=3))
        kind = draw(st.sampled_from(["table", "array of tables", "none"]))
        if kind == "table":
            lines += toml_table("[exercise.claims]", claims)
        elif kind == "array of tables":
            lines += toml_table("[[exercise.claims]]", claims)
    return "\n".join(lines) + "\n"


@st.composite
def model_documents(draw) -> str:
    lines = toml_table("", {"input": draw(VALUES | st.lists(st.integers(-1, 64), max_size=4))})
    lines += toml_table("", draw(st.dictionaries(KEYS, VALUES, max_size=2)))
    for _ in range(draw(st.integers(0, 3))):
        layer = {"type": draw(st.sampled_from(["conv2d", "dense", "flatten", "maxpool2d", "x"]))}
        lines += toml_table(
            "[[layers]]", {**layer, **draw(st.dictionaries(KEYS, VALUES, max_size=3))}
        )
    return "\n".join(lines) + "\n"


def _fuzz_file(cli, folder: Path, text: str, argv: list[str], kind: str) -> None:
    """One generated file through the CLI: the allowed outcomes only, nothing left behind."""
    path = folder / "input.toml"
    path.write_text(text, encoding="utf-8")
    before = tree(folder)
    code, out, err = run_guarded(cli, [*argv, str(path)], seconds=15, kind=kind)
    assert_clean([*argv, text[:300]], code, out, err)
    assert tree(folder) == before, "a file was created or changed"
    assert children() == [], "a child process outlived the command"
    if code == 0 and argv[0] == "check":
        assert "\x1b" not in out, text[:300]
    path.unlink()


@seed(20261206)
@settings(max_examples=EXAMPLES * 3, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=answers_documents(), fmt=st.sampled_from(["table", "json"]))
def test_toml_of_every_type_as_answers_files(cli, tmp_path_factory, text, fmt):
    folder = tmp_path_factory.mktemp("answers")
    _fuzz_file(cli, folder, text, ["check", "--format", fmt], "toml answers files")


@seed(20261206)
@settings(max_examples=EXAMPLES * 2, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=model_documents(), command=st.sampled_from(["params", "rf"]))
def test_toml_of_every_type_as_model_files(cli, tmp_path_factory, text, command):
    folder = tmp_path_factory.mktemp("model")
    _fuzz_file(cli, folder, text, [command, "--json"], "toml model files")
