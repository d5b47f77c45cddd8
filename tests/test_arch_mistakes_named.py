"""Three shape and count mistakes named, each both ways:
applied → named, right answers never named, and the same ids by every road (``--claim``, the
API, an answers file).

- ``valid_as_same``: an unpadded layer's output taken as ⌈n/s⌉ (the reverse of ``same_as_valid``);
- ``floor_ceil_swapped`` now for convolutions too: ``10x10x1 | conv2d 1 3 stride=2`` has output
  ⌊(10 − 3)/2⌋ + 1 = 4, and 5×5×1 is ⌈(10 − 3)/2⌉ + 1;
- ``input_channels_forgotten``: deeplearning.ai's CNN quiz (course 4, week 1): a 300×300 RGB
  image and 100 filters of 5×5 have (5·5·3 + 1)·100 = 7,600 parameters; 2,600 = (5·5 + 1)·100 is
  the answer with the three input channels left out, offered among the quiz's choices.
"""

from __future__ import annotations

import json

import pytest

import hwcheck


def ids(spec: str, key: str, value, **options) -> tuple[str, list[str]]:
    v = hwcheck.params(spec=spec, **options).verify({key: value})[0]
    return v.verdict, [m.id for m in v.mistakes]


# ----------------------------------------------------------------- valid_as_same


@pytest.mark.parametrize(
    "spec, key, claimed",
    [
        ("32x32x3 | conv2d 8 3", "layers.0.output_shape", "32x32x8"),
        ("32x32x3 | conv2d 8 3 | flatten | dense 10", "layers.2.params", 81930),
        ("9x9x2 | maxpool2d 2", "output_shape", "5x5x2"),
        ("32x32x3 | conv2d 8 5 padding=0", "output_shape", "32x32x8"),
    ],
)
def test_valid_as_same_named(spec, key, claimed):
    verdict, named = ids(spec, key, claimed)
    assert verdict == "wrong" and "valid_as_same" in named


@pytest.mark.parametrize(
    "spec, key, claimed",
    [
        ("32x32x3 | conv2d 8 3", "layers.0.output_shape", "30x30x8"),
        ("32x32x3 | conv2d 8 3 padding=same", "output_shape", "32x32x8"),
        ("32x32x3 | conv2d 8 3 padding=same", "output_shape", "30x30x8"),  # the reverse
    ],
)
def test_valid_as_same_not_named_otherwise(spec, key, claimed):
    assert "valid_as_same" not in ids(spec, key, claimed)[1]


# ----------------------------------------------------------------- floor and ceil


@pytest.mark.parametrize(
    "spec, claimed, options",
    [
        ("10x10x1 | conv2d 1 3 stride=2", "5x5x1", {}),
        ("1x10x10 | conv2d 1 3 stride=2", "1x5x5", {"framework": "pytorch"}),
        ("12x12x4 | conv2d 4 4 stride=3 padding=1", "5x5x4", {}),  # ⌈(12 + 2 − 4)/3⌉ + 1
        ("8x8x1 | depthwise_conv2d 3 stride=2", "4x4x1", {}),
        ("7x7x1 | maxpool2d 2", "4x4x1", {}),  # the pooling rule, as before
    ],
)
def test_ceil_rounded_output_named(spec, claimed, options):
    verdict, named = ids(spec, "output_shape", claimed, **options)
    assert verdict == "wrong" and "floor_ceil_swapped" in named, named


def test_the_textbook_example_names_floor_and_ceil_first(cli):
    code, out, _ = cli(
        "params",
        "--spec",
        "10x10x1 | conv2d 1 3 stride=2",
        "--claim",
        "output_shape=5x5x1",
        "--json",
    )
    claim = json.loads(out)["claims"][0]
    assert code == 1 and claim["expected"] == [4, 4, 1]
    assert claim["mistakes"][0]["id"] == "floor_ceil_swapped"
    assert "floor and ceil swapped" in claim["hint"]


@pytest.mark.parametrize(
    "spec, claimed",
    [
        ("10x10x1 | conv2d 1 3 stride=2", "4x4x1"),  # right
        ("11x11x1 | conv2d 1 3 stride=2", "5x5x1"),  # right, and ceil gives the same
        ("10x10x1 | conv2d 1 3 stride=2", "3x3x1"),  # wrong, but not by rounding up
        ("10x10x1 | conv2d 1 3", "9x9x1"),  # stride 1 never rounds
    ],
)
def test_ceil_not_named_otherwise(spec, claimed):
    assert "floor_ceil_swapped" not in ids(spec, "output_shape", claimed)[1]


# ----------------------------------------------------------------- input channels forgotten

QUIZ = "300x300x3 | conv2d 100 5"


def test_the_quiz_answer_is_7600():
    r = hwcheck.params(spec=QUIZ)
    assert r.total_params == (5 * 5 * 3 + 1) * 100 == 7600
    assert ids(QUIZ, "total_params", 7600) == ("correct", [])


@pytest.mark.parametrize("key", ["total_params", "layers.0.params", "trainable_params"])
def test_the_quiz_wrong_answer_is_named(key):
    verdict, named = ids(QUIZ, key, "2,600")
    assert verdict == "wrong" and named == ["input_channels_forgotten"]


def test_channels_forgotten_in_a_deeper_network():
    spec = "32x32x3 | conv2d 16 3 | conv2d 32 3"
    r = hwcheck.params(spec=spec)
    second_only = r.total_params - 3 * 3 * 15 * 32
    both = second_only - 3 * 3 * 2 * 16
    for claimed in (second_only, both, r.total_params - 3 * 3 * 2 * 16):
        assert "input_channels_forgotten" in ids(spec, "total_params", claimed)[1], claimed


def test_channels_forgotten_not_named_otherwise():
    assert ids("28x28x1 | conv2d 100 5", "total_params", 2600) == ("correct", [])  # grayscale
    assert "input_channels_forgotten" not in ids(QUIZ, "total_params", 7500)[1]  # bias forgotten
    assert "bias_forgotten" in ids(QUIZ, "total_params", 7500)[1]


def test_the_same_ids_by_every_road(cli, tmp_path):
    answers = tmp_path / "quiz.toml"
    answers.write_text(
        '[[exercise]]\nid = "q"\ncommand = "params"\nspec = "300x300x3 | conv2d 100 5"\n'
        "[exercise.claims]\ntotal_params = 2600\n\n"
        '[[exercise]]\nid = "r"\ncommand = "params"\nspec = "10x10x1 | conv2d 1 3 stride=2"\n'
        '[exercise.claims]\noutput_shape = "5x5x1"\n',
        encoding="utf-8",
    )
    code, out, _ = cli("check", str(answers), "--json")
    assert code == 1  # wrong answers: a result, not an error
    rows = {e["id"]: e["claims"][0] for e in json.loads(out)["exercises"]}
    assert [m["id"] for m in rows["q"]["mistakes"]] == ["input_channels_forgotten"]
    _, api = ids("10x10x1 | conv2d 1 3 stride=2", "output_shape", "5x5x1")
    assert [m["id"] for m in rows["r"]["mistakes"]] == api
    _, out, _ = cli("params", "--spec", QUIZ, "--claim", "total_params=2600", "--json")
    assert [m["id"] for m in json.loads(out)["claims"][0]["mistakes"]] == [
        "input_channels_forgotten"
    ]


def test_grade_names_the_quiz_answer_as_the_other_roads_do(cli, tmp_path):
    key = tmp_path / "key.toml"
    key.write_text(
        '[[exercise]]\nid = "q"\ncommand = "params"\nspec = "300x300x3 | conv2d 100 5"\n'
        "points = 1\n[exercise.claims]\ntotal_params = 7600\n",
        encoding="utf-8",
    )
    answers = tmp_path / "class.csv"
    answers.write_text('student,q.total_params\nann,"2,600"\nbob,7600\n', encoding="utf-8")
    code, out, err = cli("grade", str(key), str(answers), "--json")
    assert code == 0, err
    students = {s["student"]: s for s in json.loads(out)["students"]}
    ann, bob = students["ann"]["claims"][0], students["bob"]["claims"][0]
    assert [m["id"] for m in ann["mistakes"]] == ["input_channels_forgotten"]
    assert bob["verdict"] == "correct" and bob["mistakes"] == []
