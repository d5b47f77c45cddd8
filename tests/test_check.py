"""`hwcheck check`: answers files are untrusted, every exercise reports on its own row."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT

GOOD = """
[defaults]
rtol = 1e-3

[[exercise]]
id = "sgd-1"
title = "SGD on the neuron"
command = "sgd"
steps = 1
[exercise.claims]
"steps.0.params.w" = 0.0727814
"final.b" = -0.0136093

[[exercise]]
id = "cm"
command = "conv-matrix"
input = "3x3"
kernel = "2x2"
op = "conv"
[exercise.claims]
"matrix.0" = "W11 W10 0 W01 W00 0 0 0 0"
"""


def test_the_numbers_above_are_one_sgd_step_worked_by_hand():
    """w₁ = w₀ − lr·(σ(z) − t)·σ(z)(1 − σ(z))·x, b₁ = b₀ − lr·(σ(z) − t)·σ(z)(1 − σ(z)), z = 0.1·2 + 0."""
    import math

    s = 1 / (1 + math.exp(-0.2))
    delta = (s - 0) * s * (1 - s)
    assert abs((0.1 - 0.1 * delta * 2) - 0.0727814) < 1e-7
    assert abs((0 - 0.1 * delta) - (-0.0136093)) < 1e-7


def write(tmp_path, text, name="answers.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_all_correct_exits_0(cli, tmp_path):
    code, out, err = cli("check", write(tmp_path, GOOD))
    assert code == 0, out + err
    assert "2 exercises: 2 passed, 0 failed; 3 of 3 claims correct" in out


def test_json_summary(cli, tmp_path):
    code, out, _ = cli("check", write(tmp_path, GOOD), "--json")
    doc = json.loads(out)
    assert (doc["passed"], doc["failed"], code) == (2, 0, 0)
    assert [e["id"] for e in doc["exercises"]] == ["sgd-1", "cm"]
    assert all(c["verdict"] == "correct" for e in doc["exercises"] for c in e["claims"])


def test_wrong_claim_exits_1_and_show_prints_the_solution(cli, tmp_path):
    text = GOOD.replace('"final.b" = -0.0136093', '"final.b" = 0.0136093')
    path = write(tmp_path, text)
    code, out, _ = cli("check", path)
    assert code == 1 and "✗ wrong" in out
    code, out, _ = cli("check", path, "--show")
    assert "Worked solution of exercise sgd-1" in out


@pytest.mark.parametrize(
    "exercise, reason",
    [
        (
            'id = "a"\ncommand = "paramz"\n[exercise.claims]\nx = 1',
            "unknown command 'paramz' — did you mean 'params'",
        ),
        (
            'id = "a"\ncommand = "sgd"\nstepz = 2\n[exercise.claims]\n"final.w" = 1',
            "unknown option 'stepz' — did you mean 'steps'",
        ),
        ('id = "a"\ncommand = "sgd"', "no [exercise.claims]"),
        (
            'id = "a"\ncommand = "sgd"\n[exercise.claims]\n"finl.w" = 1',
            "no key 'finl.w' in the result; nearest: final.w",
        ),
        ('command = "sgd"\n[exercise.claims]\nx = 1', "missing 'id'"),
        (
            'id = "a"\ncommand = "sgd"\nsteps = 0\n[exercise.claims]\n"final.w" = 1',
            "steps: must be at least 1",
        ),
        ('id = "a"\ncommand = "sgd"\nlr = -1\n[exercise.claims]\n"final.w" = 1', "lr: "),
        (
            'id = "a"\ncommand = "adam"\nweight_decay = -1\n[exercise.claims]\n"final.w" = 1',
            "weight_decay",
        ),
    ],
)
def test_a_bad_exercise_fails_its_own_row_and_the_run_goes_on(cli, tmp_path, exercise, reason):
    text = GOOD + "\n[[exercise]]\n" + exercise + "\n"
    code, out, _ = cli("check", write(tmp_path, text), "--json")
    doc = json.loads(out)
    bad = doc["exercises"][-1]
    assert code == 1 and not bad["ok"] and doc["passed"] == 2
    text_of_row = bad.get("error", "") + " ".join(c.get("hint", "") or "" for c in bad["claims"])
    assert reason in text_of_row


@pytest.mark.parametrize(
    "text, message",
    [
        ("[[exercise]\nid = 1", "malformed TOML"),
        ("exercises = 1", "unknown top-level key 'exercises' — did you mean 'exercise'"),
        ("[defaults]\nrtol = 1e-3", "no [[exercise]] tables"),
        ("[defaults]\nrtool = 1\n[[exercise]]\nid='a'", "unknown key 'rtool'"),
        ("\x00\xff", "not UTF-8"),
    ],
)
def test_an_unreadable_file_is_exit_2(cli, tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_bytes(text.encode("utf-8", "surrogateescape") if "\xff" not in text else b"\x00\xff")
    code, _out, err = cli("check", str(path))
    assert code == 2 and message in err and len(err.strip().splitlines()) <= 2


def test_malformed_toml_names_line_and_column(cli, tmp_path):
    code, _, err = cli("check", write(tmp_path, '[[exercise]]\nid = "a"\ncommand = sgd\n'))
    assert code == 2 and "line 3" in err and "column" in err


def test_many_files_one_unreadable(cli, tmp_path):
    good = write(tmp_path, GOOD, "good.toml")
    bad = write(tmp_path, "[[", "bad.toml")
    code, out, _err = cli("check", good, bad, "--json")
    doc = json.loads(out)
    assert code == 2 and doc["passed"] == 2 and doc["unreadable"][0]["file"] == bad


def test_model_paths_stay_inside_the_answers_folder(cli, tmp_path):
    (tmp_path / "sub").mkdir()
    text = '[[exercise]]\nid = "a"\ncommand = "conv-matrix"\ninput = "3x3"\nkernel = "2x2"\nf = "@../../../../etc/passwd"\n[exercise.claims]\n"shape" = [4, 9]\n'
    _code, out, _ = cli("check", write(tmp_path / "sub", text), "--json")
    doc = json.loads(out)
    assert "leaves the answers file's folder" in doc["exercises"][0]["error"]


def test_stdin(cli):
    code, out, _ = cli("check", "-", stdin=GOOD)
    assert code == 0 and "2 passed" in out


def test_only(cli, tmp_path):
    _code, out, _ = cli("check", write(tmp_path, GOOD), "--only", "cm", "--json")
    assert [e["id"] for e in json.loads(out)["exercises"]] == ["cm"]


def test_per_claim_tolerances_and_points(cli, tmp_path):
    first = GOOD.split("[[exercise]]")[1]
    loose = first.replace('"final.b" = -0.0136093', '"final.b" = -0.0137')
    strict = "[[exercise]]" + loose.replace(
        'title = "SGD on the neuron"', 'title = "SGD on the neuron"\npoints = 4'
    )
    code, out, _ = cli("check", write(tmp_path, strict), "--json")
    doc = json.loads(out)
    assert doc["exercises"][0]["claims"][1]["verdict"] in ("wrong", "imprecise")
    tolerant = strict + '[exercise.tolerances]\n"final.b" = {rtol = 0.05}\n'
    code, out, _ = cli("check", write(tmp_path, tolerant), "--json")
    doc = json.loads(out)
    assert code == 0 and doc["exercises"][0]["ok"] and doc["exercises"][0]["score"] == 4.0


def test_gradescope_file(cli, tmp_path):
    text = GOOD.replace('"final.b" = -0.0136093', '"final.b" = 0.5')
    target = tmp_path / "results.json"
    code, _, _ = cli("check", write(tmp_path, text), "--gradescope", str(target))
    doc = json.loads(target.read_text())
    assert code == 1 and doc["score"] == 1.5 and doc["max_score"] == 2.0
    first = doc["tests"][0]
    assert set(first) >= {"name", "score", "max_score", "status", "output", "extra_data"}
    assert first["status"] == "failed" and "final.b: wrong" in first["output"]


def test_jobs_keep_the_serial_order(cli, tmp_path):
    paths = [
        write(tmp_path, GOOD.replace('id = "cm"', f'id = "cm{i}"'), f"a{i}.toml") for i in range(4)
    ]
    serial = json.loads(cli("check", *paths, "--json")[1])
    parallel = json.loads(cli("check", *paths, "--json", "--jobs", "2")[1])
    assert serial == parallel


def test_limits(cli, tmp_path):
    big = tmp_path / "big.toml"
    big.write_text("# " + "x" * (2 * 1024 * 1024))
    code, _, err = cli("check", str(big))
    assert code == 2 and "larger than" in err
    many = "".join(f'[[exercise]]\nid = "e{i}"\ncommand = "sgd"\n' for i in range(5001))
    code, _, err = cli("check", write(tmp_path, many))
    assert code == 2 and "more than 5,000 exercises" in err


@settings(max_examples=15, deadline=None)
@given(lr=st.floats(0.01, 1.0), steps=st.integers(1, 5), factor=st.sampled_from([1.01, 0.98, -1.0]))
def test_own_answer_is_correct_and_a_perturbed_one_is_not(lr, steps, factor):
    import hwcheck

    result = hwcheck.sgd(lr=lr, steps=steps)
    w = result.to_json()["final"]["w"]
    assert [v.verdict for v in result.verify({"final.w": w})] == ["correct"]
    if abs(w) > 1e-6:
        assert result.verify({"final.w": w * factor})[0].verdict != "correct"


def _leaves(node, path=()):
    """Every numeric leaf of a JSON result, with its dotted path."""
    if isinstance(node, dict):
        for key, value in node.items():
            if not path and key in ("hwcheck", "command"):
                continue
            yield from _leaves(value, path + (str(key),))
    elif isinstance(node, list):
        for i, value in enumerate(node[:20]):
            yield from _leaves(value, path + (str(i),))
    elif isinstance(node, (int, float)) and not isinstance(node, bool):
        yield ".".join(path), node


def _example_results():
    import tomllib

    from hwcheck.core.inputs import FILE_ROOT
    from hwcheck.core.options import build_request
    from hwcheck.core.registry import get

    exercises = tomllib.loads((ROOT / "examples.toml").read_text(encoding="utf-8"))["exercise"]
    results = []
    token = FILE_ROOT.set(ROOT)
    try:
        for ex in exercises:
            options = {
                k: v
                for k, v in ex.items()
                if k not in ("id", "title", "command", "claims", "tolerances")
            }
            spec = get(ex["command"])
            results.append((ex["id"], spec.run(build_request(spec.request_type(), options))))
    finally:
        FILE_ROOT.reset(token)
    return results


EXAMPLE_RESULTS = []


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_exercise_own_numbers_are_correct_and_perturbed_ones_are_not(data):
    """For random exercises of every command: a claim made from hwcheck's own answer is
    correct; the same claim off by 1% (or by one, for integers) never is."""
    if not EXAMPLE_RESULTS:
        EXAMPLE_RESULTS.extend(_example_results())
    ident, result = data.draw(st.sampled_from(EXAMPLE_RESULTS))
    leaves = list(_leaves(result.to_json()))
    if not leaves:
        return
    key, value = data.draw(st.sampled_from(leaves))
    assert result.verify({key: value})[0].verdict == "correct", (ident, key)
    if isinstance(value, int):
        wrong = value + 1
    elif isinstance(value, float) and value != 0 and abs(value) > 1e-6:
        wrong = value * 1.01
    else:
        return
    assert result.verify({key: wrong})[0].verdict != "correct", (ident, key, value)


def test_defaults_layout_and_framework_reach_the_model_commands(cli, tmp_path):
    text = (
        '[defaults]\nframework = "pytorch"\n[[exercise]]\nid = "bn"\ncommand = "params"\n'
        'spec = "4x8x8 | batchnorm"\n[exercise.claims]\ntotal_params = 8\n'
        '[[exercise]]\nid = "sgd"\ncommand = "sgd"\nsteps = 1\n[exercise.claims]\n"final.w" = 0.0727814\n'
    )
    code, out, err = cli("check", write(tmp_path, text), "--json")
    doc = json.loads(out)
    assert code == 0 and doc["passed"] == 2, (
        out + err
    )  # pytorch counts BatchNorm as 2·C (keras: 4·C)


@pytest.mark.parametrize("option", ["--rtol", "--atol"])
def test_tolerances_have_one_rule_in_check_and_in_a_calculator(cli, monkeypatch, option):
    """A negative tolerance is the same error whether check or a calculator reads it."""
    monkeypatch.chdir(ROOT)
    errors = [
        cli(*args, option, "-1")[2]
        for args in (("check", "examples.toml", "--only", "B"), ("sgd",))
    ]
    assert errors[0] == errors[1] == f"error: {option}: must not be negative, got -1\n"


def test_a_link_swapped_in_after_the_path_was_resolved_is_refused(cli, tmp_path, monkeypatch):
    """``f = "@k.txt"`` resolves inside the folder; if a link out of it takes k.txt's place
    before the file is opened, the file opened is outside: refused (Linux, by /proc)."""
    import sys

    if not sys.platform.startswith("linux"):
        pytest.skip("the check after opening reads /proc/self/fd")
    from hwcheck.core import inputs

    folder = tmp_path / "sub"
    folder.mkdir()
    (tmp_path / "secret.txt").write_text("9 9; 9 9\n", encoding="utf-8")
    kernel = folder / "k.txt"
    kernel.write_text("1 0; 0 -1\n", encoding="utf-8")
    real = inputs.resolve_path

    def resolve_then_swap(name, where):
        path = real(name, where)
        if name == "k.txt":
            kernel.unlink()
            kernel.symlink_to(tmp_path / "secret.txt")
        return path

    monkeypatch.setattr(inputs, "resolve_path", resolve_then_swap)
    text = (
        '[[exercise]]\nid = "a"\ncommand = "conv-matrix"\ninput = "3x3"\nf = "@k.txt"\n'
        '[exercise.claims]\n"shape" = [4, 9]\n'
    )
    _code, out, _ = cli("check", write(folder, text), "--json")
    doc = json.loads(out)
    assert "leaves the answers file's folder" in doc["exercises"][0]["error"]
