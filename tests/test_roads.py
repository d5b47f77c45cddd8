"""Every road gives an answer the same verdict (issue 19, "one core, one claim path").

A student's answer reaches a verdict by several roads: ``--claim KEY=VALUE`` on the calculator,
``check`` on a TOML file (the value typed, or as a string), ``grade`` with a TOML or a CSV
submission against an instructor's key, and the Python API (``hwcheck.<command>(…).verify``).
The same answer must get the same verdict and the same named mistakes by all of them, whatever
else is claimed beside it, in whatever order, and whether the file is graded alone or in a class.

The exercises and answers below are written as TOML literals, exactly as a student types them
(``0.70`` keeps its two figures, ``4_640`` its underscore); each literal is delivered by every
road. The tests compare only what the roads must agree on: the verdict, the sorted mistake ids and
(one test) the normalised ``claimed`` value. No verdict is asserted here; that is the job of the
command's own tests. Answers within one ``Group`` are the same value in other notations
(CONVENTIONS §4: a number means what its ASCII normal form means), so they must also agree.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import json
import os
import random
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

LONG = os.environ.get("HWCHECK_FUZZ") == "long"
THIN = "\u2009"  # a thin space, the typographer's thousands separator


# ---------------------------------------------------------------------------- the exercises


@dataclass(frozen=True)
class Claim:
    """A claim key, its other spellings, and answers grouped by meaning (TOML literals)."""

    key: str
    groups: tuple[tuple[str, ...], ...]  # each group: one value in several notations
    aliases: tuple[str, ...] = ()

    @property
    def right(self) -> str:
        """The instructor's answer for the key: the first literal of the first group."""
        return self.groups[0][0]

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.key, *self.aliases)


@dataclass(frozen=True)
class Exercise:
    id: str
    command: str
    options: str  # the options as TOML lines of an answers file
    cli: tuple[str, ...]  # the same options on the command line
    api: dict = field(hash=False, compare=False)  # the same options for the Python API
    claims: tuple[Claim, ...] = ()

    def claim(self, key: str) -> Claim:
        return next(c for c in self.claims if c.key == key)


def _persian(text: str) -> str:
    return text.translate(str.maketrans("0123456789.", "۰۱۲۳۴۵۶۷۸۹٫"))


def _arabic(text: str) -> str:
    return text.translate(str.maketrans("0123456789.", "٠١٢٣٤٥٦٧٨٩٫"))


def q(text: str) -> str:
    """``text`` as a TOML string literal."""
    return json.dumps(text, ensure_ascii=False)


SPEC_B = "35x35x16 | conv2d filters=32 kernel=3 stride=1 padding=same"
SPEC_C = (
    "227x227x3 | conv2d filters=128 kernel=5 padding=same | conv2d filters=256 kernel=5"
    " padding=same | maxpool2d kernel=7 stride=5 | flatten | dense units=512 | dense units=100"
)
SPEC_A = "32x32x1 | conv2d 1 3 | conv2d 1 3 | conv2d 1 3 | conv2d 1 3"
H_EXPR = "1/2*(sigmoid(w*x + b) - t)**2 + lam/2*w**2"
H_AT = "w=0.1,b=0,x=2,t=0,lam=0.01"
NEURON = {"steps": 4, "lr": 0.1, "init": "w=0.1,b=0", "data": ["x=2,1,2,1", "t=0,1,0,1"]}
NEURON_TOML = 'steps = 4\nlr = 0.1\ninit = "w=0.1,b=0"\ndata = ["x=2,1,2,1", "t=0,1,0,1"]'
NEURON_CLI = ("--steps", "4", "--lr", "0.1", "--init", "w=0.1,b=0")
NEURON_CLI += ("--data", "x=2,1,2,1", "--data", "t=0,1,0,1")
SIG = "sigmoid(w*x + b)"

EXERCISES = (
    Exercise(
        "B",
        "params",
        f"spec = {q(SPEC_B)}",
        ("--spec", SPEC_B),
        {"spec": SPEC_B},
        (
            Claim(
                "output_shape",
                (
                    (
                        "[35, 35, 32]",
                        q("[35, 35, 32]"),
                        q("(35, 35, 32)"),
                        q("35x35x32"),
                        q("35×35×32"),
                        q("(None, 35, 35, 32)"),
                        q("[None, 35, 35, 32]"),
                        q("(۳۵, ۳۵, ۳۲)"),
                        q("[۳۵, ۳۵, ۳۲]"),
                        q("۳۵x۳۵x۳۲"),
                        q("(None, ۳۵, ۳۵, ۳۲)"),
                    ),
                    ("[33, 33, 32]", q("33x33x32"), q("(None, 33, 33, 32)"), q("[۳۳, ۳۳, ۳۲]")),
                    ("[35, 35, 16]", q("35×35×16"), q("(35, 35, 16)")),
                ),
            ),
            Claim(
                "total_params",
                (
                    (
                        "4640",
                        "4_640",
                        "4640.0",
                        q("4640"),
                        q("4,640"),
                        q(f"4{THIN}640"),
                        q("4 640"),
                        q("۴۶۴۰"),
                        q("۴٬۶۴۰"),
                        q("٤٦٤٠"),
                    ),
                    (q("4.64k"), q("~4.64k"), q("≈4.64k"), q("۴٫۶۴k")),
                    (q("4.6k"), q("~4.6k"), q("۴٫۶k")),
                    ("4608", q("4,608"), q("۴۶۰۸"), q("4.608e3")),
                    ("4641", q("4,641")),
                ),
            ),
        ),
    ),
    Exercise(
        "C",
        "params",
        f"spec = {q(SPEC_C)}",
        ("--spec", SPEC_C),
        {"spec": SPEC_C},
        (
            Claim(
                "total_params",
                (
                    (
                        "266301796",
                        "266_301_796",
                        q("266,301,796"),
                        q(f"266{THIN}301{THIN}796"),
                        q("266 301 796"),
                        q("۲۶۶٬۳۰۱٬۷۹۶"),
                    ),
                    ("2.663e8", q("2.663e8"), q("~266.3M"), q("2.663·10^8"), q("2.663×10^8")),
                    ("2.7e8", q("2.7e8"), q("2.7·10^8")),
                    ("267465316", q("267,465,316")),
                ),
            ),
            Claim(
                "layers.3.output_shape",
                (("[518400]", q("[518400]"), q("(518400,)")),),
            ),
        ),
    ),
    Exercise(
        "A",
        "rf",
        f"spec = {q(SPEC_A)}",
        ("--spec", SPEC_A),
        {"spec": SPEC_A},
        (
            Claim(
                "rf",
                (
                    ("[9, 9]", q("9x9"), q("9×9"), q("(9, 9)"), q("۹×۹"), q("[۹, ۹]")),
                    ("9", q("9"), q("۹")),
                    ("[7, 7]", q("7x7"), "7"),
                ),
            ),
            Claim("rf_area", (("81", "81.0", q("81"), q("۸۱")), ("9", q("9")))),
            Claim("field_in_layer.1", (("[7, 7]", q("7×7")), ("[5, 5]", q("5x5")))),
        ),
    ),
    Exercise(
        "F",
        "conv-backprop",
        'x = "1 2 3; 4 5 6; 7 8 9"\nf = "1 0; 0 -1"\nloss = "gap"\nexact = true',
        ("--x", "1 2 3; 4 5 6; 7 8 9", "--f", "1 0; 0 -1", "--loss", "gap", "--exact"),
        {"x": "1 2 3; 4 5 6; 7 8 9", "f": "1 0; 0 -1", "loss": "gap", "exact": True},
        (
            Claim(
                "dL_dF",
                (
                    (
                        "[[3, 4], [6, 7]]",
                        q("3 4; 6 7"),
                        q("[[3, 4], [6, 7]]"),
                        q("[[3.0, 4.0], [6.0, 7.0]]"),
                        q("۳ ۴; ۶ ۷"),
                    ),
                    ("[[7, 6], [4, 3]]", q("7 6; 4 3")),
                    ("[[3, 4], [6, 8]]", q("3, 4; 6, 8")),
                ),
            ),
            Claim(
                "dL_dO",
                (
                    (
                        '[["1/4", "1/4"], ["1/4", "1/4"]]',
                        "[[0.25, 0.25], [0.25, 0.25]]",
                        q("0.25 0.25; 0.25 0.25"),
                        q("1/4 1/4; 1/4 1/4"),
                        q("۰/۲۵ ۰/۲۵; ۰/۲۵ ۰/۲۵"),
                        q("٠٫٢٥ ٠٫٢٥; ٠٫٢٥ ٠٫٢٥"),
                    ),
                    ("[[1, 1], [1, 1]]", q("1 1; 1 1")),
                ),
            ),
            Claim("dL_db", (("1", "1.0", q("1"), q("۱")), ("4", q("4")))),
            Claim("loss", (("-4", q("-4"), q("−4"), q("-۴")), ("4", q("4")))),
        ),
    ),
    Exercise(
        "Hx",
        "derive",
        f'expr = {q(H_EXPR)}\nwrt = ["w", "x", "b", "lam", "t"]\nat = {q(H_AT)}',
        ("--expr", H_EXPR, "--wrt", "w,x,b,lam,t", "--at", H_AT),
        {"expr": H_EXPR, "wrt": ["w", "x", "b", "lam", "t"], "at": H_AT},
        (
            Claim(
                "derivatives.w",
                (
                    (
                        q(f"({SIG} - t)*{SIG}*(1 - {SIG})*x + lam*w"),
                        q(
                            "x*sigmoid(b + w*x)*(1 - sigmoid(b + w*x))*(sigmoid(b + w*x) - t) + w*lam"
                        ),
                        q("lam*w + x*(sigmoid(w*x+b)-t)*exp(-(w*x+b))/(1+exp(-(w*x+b)))**2"),
                    ),
                    (q(f"{SIG}**2*(1 - {SIG})*({SIG} - t)*x + lam*w"),),
                ),
            ),
            Claim(
                "derivatives.w.value",
                (
                    (
                        "0.273186",
                        "2.73186e-1",
                        q("0.273186"),
                        q("2.73186·10^-1"),
                        q(_persian("0.273186")),
                        q(_arabic("0.273186")),
                    ),
                    ("0.27", q("0.27"), q(_persian("0.27")), q("٠,٢٧")),
                    ("0.136093", q("0.136093")),
                ),
            ),
            Claim("value", (("0.151209", q("0.151209"), q(_persian("0.151209"))),)),
        ),
    ),
    Exercise(
        "H",
        "derive",
        'preset = "sigmoid-mse-l2"',
        ("--preset", "sigmoid-mse-l2"),
        {"preset": "sigmoid-mse-l2"},
        (
            Claim(
                "derivatives.w",
                (
                    (
                        q("(y - t)*y*(1 - y)*x + λ*w"),
                        q("(y - t)*y*(1 - y)*x + lam*w"),
                        q("x*y*(1-y)*(y-t) + w*lam"),
                    ),
                    (q("sigmoid(w*x+b)**2*(1 - sigmoid(w*x+b))*(y - t)*x"),),
                ),
            ),
            Claim(
                "derivatives.b",
                (
                    (q("(y - t)*y*(1 - y)"), q("y*(1-y)*(y-t)"), q("(y*y - y)*(t - y)")),
                    (q("(y - t)*y**2*(1 - y)"),),
                ),
            ),
        ),
    ),
    Exercise(
        "L",
        "equiv",
        'a = "exp(z1)/(exp(z1) + exp(z2))"\nb = "sigmoid(z1 - z2)"',
        ("exp(z1)/(exp(z1) + exp(z2))", "sigmoid(z1 - z2)"),
        {"a": "exp(z1)/(exp(z1) + exp(z2))", "b": "sigmoid(z1 - z2)"},
        (Claim("verdict", ((q("equivalent"), q("Equivalent")), (q("not_equivalent"),))),),
    ),
    Exercise(
        "I",
        "sgd",
        NEURON_TOML,
        NEURON_CLI,
        NEURON,
        (
            Claim(
                "steps.0.params.w",
                (
                    (
                        "0.0727814",
                        "7.27814e-2",
                        q("0.0727814"),
                        q("7.27814e-2"),
                        q("7.27814·10^-2"),
                        q("7.27814×10⁻²"),
                        q(_persian("0.0727814")),
                        q(_arabic("0.0727814")),
                        q("۰/۰۷۲۷۸۱۴"),
                    ),
                    ("0.0728", q("0.0728")),
                    ("0.073", q("0.073"), q(_persian("0.073"))),
                    ("0.1372", q("0.1372")),
                ),
                aliases=("w(1)",),
            ),
            Claim(
                "steps.0.params.b",
                (
                    ("-0.0136093", q("−0.0136093"), q("-1.36093e-2"), q("−1.36093·10^-2")),
                    ("-0.014", q("-0.014")),
                ),
                aliases=("b(1)",),
            ),
            Claim(
                "steps.2.params.w",
                (
                    ("0.0579931", q("0.0579931")),
                    ("0.70", q("0.70"), q(_persian("0.70"))),
                    ("0.058", q("0.058")),
                ),
                aliases=("w(3)",),
            ),
        ),
    ),
    Exercise(
        "J",
        "adam",
        "steps = 4",
        ("--steps", "4"),
        {"steps": 4},
        (
            Claim(
                "steps.1.params.w",
                (
                    ("-0.0281106", q("-0.0281106"), q("−0.0281106")),
                    ("-0.028", q("-0.028"), q("-۰٫۰۲۸")),
                ),
                aliases=("w(2)",),
            ),
            Claim(
                "steps.0.state.exp_avg_sq.w",
                (
                    (
                        "7.40852e-5",
                        q("7.40852e-5"),
                        q("7.40852·10^-5"),
                        q("7.40852×10⁻⁵"),
                        "0.0000740852",
                    ),
                    ("7.4e-5", q("7.4e-5")),
                ),
            ),
            Claim("final.w", (("-0.107503", q("-0.1075")),)),
        ),
    ),
    Exercise(
        "K",
        "gd-quadratic",
        'H = "2 0; 0 1"\nlr = 0.5\nsteps = 3\nw0 = "1 1"',
        ("--H", "2 0; 0 1", "--lr", "0.5", "--steps", "3", "--w0", "1 1"),
        {"H": "2 0; 0 1", "lr": 0.5, "steps": 3, "w0": "1 1"},
        (
            Claim(
                "lr_max",
                (
                    ("1", "1.0", q("1"), q("1.0"), q("۱")),
                    ("0.5", q("0.5"), q("1/2"), q(_persian("0.5")), q("۰/۵")),
                ),
            ),
            Claim(
                "lr_opt",
                (
                    ("0.666667", q("2/3"), q("0.666667"), q(_persian("0.666667"))),
                    ("0.67", q("0.67"), q(_persian("0.67"))),
                ),
            ),
            Claim(
                "eigenvalues",
                (
                    ("[1, 2]", "[1.0, 2.0]", q("[1, 2]"), q("(1, 2)"), q("[۱, ۲]")),
                    ("[1, 4]", q("[1, 4]")),
                ),
            ),
            Claim(
                "steps.2.w",
                (("[0, 0.125]", q("[0, 1/8]"), q("[0, 0.125]"), q("[۰, ۰٫۱۲۵]")),),
            ),
            Claim("converges", (("true", q("true")), ("false", q("false")))),
        ),
    ),
    Exercise(
        "E",
        "separable",
        "f = [[3, 6, 9], [4, 8, 12], [5, 10, 15]]",
        ("--f", "3 6 9; 4 8 12; 5 10 15"),
        {"f": [[3, 6, 9], [4, 8, 12], [5, 10, 15]]},
        (
            Claim("separable", (("true", q("true")), ("false", q("false")))),
            Claim("rank", (("1", q("1"), q("۱")), ("3", q("3")))),
            Claim("multiplications_separable", (("6", q("6"), q("۶")), ("9", q("9")))),
            Claim(
                "u",
                (
                    ("[3, 4, 5]", q("[3, 4, 5]"), q("(3, 4, 5)"), q("[۳, ۴, ۵]")),
                    ("[3, 4, 6]", q("[3, 4, 6]")),
                ),
            ),
        ),
    ),
    Exercise(
        "N",
        "lstsq",
        'X = "1 2 0; 0 1 1"\ny = "1 2"',
        ("--X", "1 2 0; 0 1 1", "--y", "1 2"),
        {"X": "1 2 0; 0 1 1", "y": "1 2"},
        (
            Claim(
                "min_norm_solution",
                (
                    (
                        '["-1/3", "2/3", "4/3"]',
                        "[-0.333333, 0.666667, 1.33333]",
                        q("[-1/3, 2/3, 4/3]"),
                        q("(-1/3, 2/3, 4/3)"),
                    ),
                    ("[1, 0, 2]", q("[1, 0, 2]"), q("[۱, ۰, ۲]")),
                ),
            ),
            Claim("rank_X", (("2", q("2"), q("۲")), ("3", q("3")))),
            Claim("solutions", ((q("infinitely many"),), (q("exactly one"),))),
        ),
    ),
    Exercise(
        "S",
        "net",
        'layer = ["relu | 1 -1; -1 1 | 0 0", "linear | 1; 1 | 0"]\ntarget = "xor(x1, x2)"',
        ("--layer", "relu | 1 -1; -1 1 | 0 0", "--layer", "linear | 1; 1 | 0")
        + ("--target", "xor(x1, x2)"),
        {"layer": ["relu | 1 -1; -1 1 | 0 0", "linear | 1; 1 | 0"], "target": "xor(x1, x2)"},
        (
            Claim("params", (("9", q("9"), q("۹")), ("6", q("6")))),
            Claim("failing_count", (("0", q("0"), q("۰")), ("1", q("1")))),
        ),
    ),
)
BY_ID = {e.id: e for e in EXERCISES}


# ---------------------------------------------------------------------------- answers


@dataclass(frozen=True)
class Answer:
    """One claim as a student wrote it: the key as spelt, the TOML literal."""

    exercise: str
    key: str  # the canonical key
    spelling: str  # the key as the student wrote it (an alias or the key)
    literal: str

    @property
    def value(self):
        """The literal as TOML reads it (typed)."""
        return tomllib.loads(f"v = {self.literal}")["v"]

    @property
    def text(self) -> str:
        """The text as written: a string's content, else the literal itself."""
        return self.value if isinstance(self.value, str) else self.literal

    @property
    def typed(self) -> bool:
        return not isinstance(self.value, str)

    @property
    def python_keeps_it(self) -> bool:
        """Python's value writes back to the same literal (nothing the student wrote is lost),
        so the API may be given the typed value as well as the text."""
        if not self.typed:
            return False
        return json.dumps(self.value) == self.literal

    def __str__(self) -> str:
        return f"{self.exercise}.{self.spelling} = {self.literal}"


def every_answer(exercise: Exercise) -> list[Answer]:
    return [
        Answer(exercise.id, c.key, spelling, literal)
        for c in exercise.claims
        for spelling in c.spellings
        for group in c.groups
        for literal in group
    ]


# ---------------------------------------------------------------------------- the roads

#: a road's judgement of one claim: (verdict, sorted mistake ids); claimed value kept apart
Outcome = tuple[str, tuple[str, ...]]
#: one exercise as delivered: (exercise id as written in the file, exercise, answers); a batch
#: holds copies of one exercise under other ids, each with its own claims, judged independently
Item = tuple[str, Exercise, list[Answer]]


def run_cli(*args: str) -> tuple[int, str, str]:
    """``hwcheck ARGS`` in-process (as tests/conftest.py's ``cli`` fixture does)."""
    from hwcheck.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0
    return code, out.getvalue(), err.getvalue()


def _mistake_ids(mistakes) -> tuple[str, ...]:
    ids = (m.get("id") if isinstance(m, dict) else getattr(m, "id", m) for m in mistakes or ())
    return tuple(sorted(str(i) for i in ids))


def _outcome(claim: dict | None) -> Outcome:
    if claim is None:
        return ("absent", ())
    return (claim.get("verdict", "?"), _mistake_ids(claim.get("mistakes")))


def _failed(answers, why: str):
    return [((why[:200], ()), None)] * len(answers)


def _failed_run(answers, code: int, out: str, err: str):
    lines = err.strip().splitlines() or out.strip().splitlines() or ["(nothing)"]
    return _failed(answers, f"exit {code}: {lines[0]}")


def _match(claims: list[dict], answers: list[Answer], label=lambda a: a.spelling):
    """Each answer's claim in a claims list: by position when the keys line up, else by key."""
    if len(claims) == len(answers) and all(
        c.get("key") in (label(a), a.key, a.spelling) for c, a in zip(claims, answers)
    ):
        found = claims
    else:
        by_key = {c.get("key"): c for c in claims}
        found = [by_key.get(label(a), by_key.get(a.key)) for a in answers]
    return [(_outcome(c), None if c is None else c.get("claimed")) for c in found]


def road_claim(exercise: Exercise, answers: list[Answer]):
    """``hwcheck COMMAND … --claim KEY=VALUE …`` with the text as written."""
    args = [exercise.command, *exercise.cli, "--json"]
    for a in answers:
        args += ["--claim", f"{a.spelling}={a.text}"]
    code, out, err = run_cli(*args)
    if code not in (0, 1):
        return _failed_run(answers, code, out, err)
    return _match(json.loads(out).get("claims", []), answers)


def _exercise_lines(ex_id: str, exercise: Exercise) -> list[str]:
    return [
        "[[exercise]]",
        f"id = {q(ex_id)}",
        f"command = {q(exercise.command)}",
        exercise.options,
    ]


def _check_file(path: Path, items: list[Item], as_string: bool) -> Path:
    lines = []
    for ex_id, exercise, answers in items:
        lines += [*_exercise_lines(ex_id, exercise), "[exercise.claims]"]
        lines += [f"{q(a.spelling)} = {q(a.text) if as_string else a.literal}" for a in answers]
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def road_check(items: list[Item], folder: Path, *, as_string=False, beside: Path | None = None):
    """``hwcheck check FILE --json``: the claims typed (or as strings) in an answers file;
    ``beside``: another student's file checked in the same run. → {exercise id: results}"""
    path = _check_file(folder / "answers.toml", items, as_string)
    files = [str(path)] if beside is None else [str(beside), str(path)]
    code, out, err = run_cli("check", *files, "--json")
    if code not in (0, 1):
        return {ex_id: _failed_run(answers, code, out, err) for ex_id, _, answers in items}
    mine = {
        e.get("id"): e for e in json.loads(out).get("exercises", []) if e.get("file") == str(path)
    }
    return {
        ex_id: _match(mine[ex_id].get("claims", []), answers)
        if ex_id in mine
        else _failed(answers, "absent: no such exercise in check's output")
        for ex_id, _, answers in items
    }


def _key_file(path: Path, items: list[Item]) -> Path:
    """The instructor's key: each exercise with the right answer for each claim key."""
    lines = []
    for ex_id, exercise, answers in items:
        lines += [*_exercise_lines(ex_id, exercise), "points = 1", "[exercise.claims]"]
        lines += [f"{q(a.key)} = {exercise.claim(a.key).right}" for a in answers]
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _label(ex_id: str, a: Answer) -> str:
    return f"{ex_id}.{a.spelling}"


def _submission(folder: Path, student: str, items: list[Item], as_string: bool) -> Path:
    lines = [f"student = {q(student)}", "", "[answers]"]
    for ex_id, _, answers in items:
        for a in answers:
            value = q(a.text) if as_string else a.literal
            lines.append(f"{q(_label(ex_id, a))} = {value}")
    path = folder / f"{student}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _csv(folder: Path, rows: dict[str, list[Item]]) -> Path:
    cells = {
        student: {_label(ex_id, a): a.text for ex_id, _, answers in items for a in answers}
        for student, items in rows.items()
    }
    labels = sorted({label for row in cells.values() for label in row})
    path = folder / "class.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", *labels])
        for student, row in cells.items():
            writer.writerow([student, *(row.get(label, "") for label in labels)])
    return path


def road_grade(items: list[Item], folder: Path, *, how="toml", others=()):
    """``hwcheck grade KEY SUBMISSION… --json``: the answers as the submission of student
    ``me`` (TOML typed, TOML strings, or a CSV row); ``others`` (lists of items) graded in the
    same class. → {exercise id: results}"""
    key = _key_file(folder / "key.toml", items)
    if how == "csv":
        rows = {"me": items, **{f"other{i}": o for i, o in enumerate(others)}}
        subs = [_csv(folder, rows)]
    else:
        subs = [_submission(folder, "me", items, how == "toml-string")]
        subs += [_submission(folder, f"other{i}", o, i % 2 == 1) for i, o in enumerate(others)]
    code, out, err = run_cli("grade", str(key), *map(str, subs), "--json")
    if code != 0:
        return {ex_id: _failed_run(answers, code, out, err) for ex_id, _, answers in items}
    student = next((s for s in json.loads(out)["students"] if s["student"] == "me"), None)
    if student is None or student.get("error"):
        why = "no student 'me'" if student is None else student["error"]
        return {ex_id: _failed(answers, f"student error: {why}") for ex_id, _, answers in items}
    results = {}
    for ex_id, _, answers in items:
        claims = [c for c in student.get("claims", []) if c.get("exercise") == ex_id]
        results[ex_id] = _match(claims, answers, label=lambda a: a.key)
    return results


@functools.cache
def api_result(exercise_id: str):
    import hwcheck

    exercise = BY_ID[exercise_id]
    return getattr(hwcheck, exercise.command.replace("-", "_"))(**exercise.api)


def road_api(exercise, answers, *, typed=False):
    """``hwcheck.<command>(…).verify({key: value})``: the text, or Python's typed value."""
    claims = [(a.spelling, a.value if typed else a.text) for a in answers]
    try:
        verdicts = api_result(exercise.id).verify(claims)
    except Exception as exc:  # noqa: BLE001 - a road that raises is a finding, reported
        return _failed(answers, f"raised {type(exc).__name__}: {exc}")
    out = []
    for v in verdicts:
        doc = v.to_json()
        out.append(((doc.get("verdict"), _mistake_ids(doc.get("mistakes"))), doc.get("claimed")))
    return out


def _survey_exercise(exercise: Exercise, folder: Path) -> dict[Answer, dict[str, tuple]]:
    """Every answer of the exercise, each alone in its claim set, by every road. check and
    grade get one file holding a copy of the exercise per answer (``B-0``, ``B-1``, …: each
    judged on its own); the commands whose computation is slow get their ``--claim`` answers in
    one run (the order test below compares that with each answer alone)."""
    answers = every_answer(exercise)
    items = [(f"{exercise.id}-{n}", exercise, [a]) for n, a in enumerate(answers)]
    typed = [item for item in items if item[2][0].typed]
    roads: dict[str, dict] = {
        "check toml string": road_check(items, folder, as_string=True),
        "check toml typed": road_check(typed, folder),
        "grade toml string": road_grade(items, folder, how="toml-string"),
        "grade toml typed": road_grade(typed, folder, how="toml"),
        "grade csv": road_grade(items, folder, how="csv"),
    }
    if exercise.command in SLOW:
        together = _claim_runs(exercise, answers)
    out = {}
    for ex_id, _, (a,) in items:
        by_road = {
            "--claim": together[a] if exercise.command in SLOW else road_claim(exercise, [a])[0],
            "api text": road_api(exercise, [a])[0],
        }
        if a.python_keeps_it:
            by_road["api typed"] = road_api(exercise, [a], typed=True)[0]
        for road, results in roads.items():
            if ex_id in results:
                by_road[road] = results[ex_id][0]
        out[a] = by_road
    return out


def _claim_runs(exercise: Exercise, answers: list[Answer]) -> dict[Answer, tuple]:
    """``--claim`` with many answers in one run; one unreadable answer stops a whole run
    (exit 2), so a run that stops is split in halves until each stopping answer is alone."""
    results = road_claim(exercise, answers)
    if len(answers) == 1 or not results[0][0][0].startswith("exit"):
        return dict(zip(answers, results))
    half = len(answers) // 2
    return {**_claim_runs(exercise, answers[:half]), **_claim_runs(exercise, answers[half:])}


#: commands that take long enough to compute that ``--claim`` gets every answer in one run
SLOW = {"derive", "equiv"}


@functools.cache
def _survey(exercise_id: str, root: str) -> dict[Answer, dict[str, tuple]]:
    folder = Path(root) / exercise_id
    folder.mkdir(parents=True, exist_ok=True)
    return _survey_exercise(BY_ID[exercise_id], folder)


@pytest.fixture(scope="module")
def survey(tmp_path_factory):
    """Every answer of every exercise by every road, computed once for the module."""
    root = str(tmp_path_factory.mktemp("roads"))
    return lambda exercise_id: _survey(exercise_id, root)


def _disagreements(by_road: dict[str, tuple], part: int) -> str | None:
    seen = {}
    for road, result in by_road.items():
        seen.setdefault(json.dumps(result[part], ensure_ascii=False, sort_keys=True), []).append(
            road
        )
    if len(seen) < 2:
        return None
    return "; ".join(f"{', '.join(roads)} → {value}" for value, roads in seen.items())


# ---------------------------------------------------------------------------- the properties


@pytest.mark.parametrize("exercise_id", list(BY_ID))
def test_every_road_gives_an_answer_the_same_verdict_and_mistakes(survey, exercise_id):
    """``--claim``, check (typed / string), grade (TOML typed / string / CSV) and the API
    agree on the verdict and the named mistakes of each answer."""
    found = []
    for answer, by_road in survey(exercise_id).items():
        differ = _disagreements(by_road, 0)
        if differ:
            found.append(f"{answer}: {differ}")
    assert not found, f"{len(found)} answers judged differently by road:\n" + "\n".join(found)


@pytest.mark.parametrize("exercise_id", list(BY_ID))
def test_every_road_reads_the_claimed_value_the_same(survey, exercise_id):
    """``claimed`` is the value as read, normalised (CONVENTIONS §3): the same on every road."""
    found = []
    for answer, by_road in survey(exercise_id).items():
        judged = {road: r for road, r in by_road.items() if r[1] is not None}
        differ = _disagreements(judged, 1)
        if differ:
            found.append(f"{answer}: {differ}")
    assert not found, f"{len(found)} answers read differently by road:\n" + "\n".join(found)


@pytest.mark.parametrize("exercise_id", list(BY_ID))
def test_one_value_in_any_notation_gets_one_verdict(survey, exercise_id):
    """Answers of one group are one value written differently (digits, separators, Persian
    and Arabic-Indic digits, ``(a, b)`` / ``AxB`` / arrays, spellings of an expression, an alias
    of the key): on the ``--claim`` road and in ``check`` they get one verdict and one set of
    mistakes."""
    exercise = BY_ID[exercise_id]
    results = survey(exercise_id)
    found = []
    for claim in exercise.claims:
        for group in claim.groups:
            for road in ("--claim", "check toml string", "api text"):
                seen = {}
                for spelling in claim.spellings:
                    for literal in group:
                        answer = Answer(exercise.id, claim.key, spelling, literal)
                        outcome = results[answer][road][0]
                        seen.setdefault(outcome, []).append(f"{spelling} = {literal}")
                if len(seen) > 1:
                    parts = "; ".join(f"{', '.join(w)} → {o}" for o, w in seen.items())
                    found.append(f"{exercise.id} {claim.key} by {road}: {parts}")
    assert not found, "one value, several verdicts:\n" + "\n".join(found)


# ----------------------------------------------------------------- context: order and class


@st.composite
def claim_sets(draw):
    """An exercise, 2–4 of its claim keys each with an answer, in a shuffled order, and two
    other students' answers to the same keys."""
    exercise = draw(st.sampled_from(EXERCISES))
    n = min(len(exercise.claims), 4)
    claims = draw(
        st.lists(st.sampled_from(exercise.claims), min_size=min(2, n), max_size=n, unique=True)
    )

    def answer(claim):
        group = draw(st.sampled_from(claim.groups))
        return Answer(
            exercise.id,
            claim.key,
            draw(st.sampled_from(claim.spellings)),
            draw(st.sampled_from(group)),
        )

    mine = [answer(c) for c in claims]
    others = [[answer(c) for c in claims] for _ in range(2)]
    order = draw(st.permutations(range(len(mine))))
    return exercise, mine, others, list(order)


CONTEXT = settings(
    max_examples=200 if LONG else 20,
    deadline=None,
    derandomize=not LONG,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@CONTEXT
@given(case=claim_sets())
def test_a_verdict_does_not_depend_on_the_other_claims_or_the_class(case, tmp_path_factory):
    """The same claim alone and among other claims in a shuffled order; a submission graded
    alone and in a class of several students; a file checked alone and beside another."""
    exercise, mine, others, order = case
    folder = tmp_path_factory.mktemp("context")
    shuffled = [mine[i] for i in order]
    item = [(exercise.id, exercise, shuffled)]
    classmates = [[(exercise.id, exercise, o)] for o in others]
    beside = _check_file(folder / "other.toml", classmates[0], False)
    alone = {a: road_api(exercise, [a])[0][0] for a in mine}
    together = {
        "--claim together": road_claim(exercise, shuffled),
        "api together": road_api(exercise, shuffled),
        "check together": road_check(item, folder, as_string=True)[exercise.id],
        "check beside another file": road_check(item, folder, as_string=True, beside=beside)[
            exercise.id
        ],
        "grade alone": road_grade(item, folder, how="toml-string")[exercise.id],
        "grade in a class (toml)": road_grade(item, folder, how="toml-string", others=classmates)[
            exercise.id
        ],
        "grade in a class (csv)": road_grade(item, folder, how="csv", others=classmates)[
            exercise.id
        ],
    }
    found = []
    for road, results in together.items():
        for answer, (outcome, _) in zip(shuffled, results):
            if outcome != alone[answer]:
                found.append(f"{answer}: api alone → {alone[answer]}; {road} → {outcome}")
    assert not found, "a verdict changed with its company:\n" + "\n".join(found)


def test_the_catalogue_is_well_formed():
    """Every literal is valid TOML; every exercise runs; every right answer is right on the
    --claim road (so the key built from it is a valid key)."""
    for exercise in EXERCISES:
        for answer in every_answer(exercise):
            answer.value  # noqa: B018 - parses, or the test fails here
        right = [Answer(exercise.id, c.key, c.key, c.right) for c in exercise.claims]
        results = road_claim(exercise, right)
        assert [r[0][0] for r in results] == ["correct"] * len(right), (exercise.id, results)


def test_road_runner_sees_the_whole_class(tmp_path):
    """The grade road finds student ``me`` in a class given in any order (guards the helper)."""
    exercise = BY_ID["B"]
    mine = [("B", exercise, [Answer("B", "total_params", "total_params", "4640")])]
    rng = random.Random(3)
    wrong = rng.choice(["4641", "4608"])
    others = [[("B", exercise, [Answer("B", "total_params", "total_params", wrong)])]]
    result = road_grade(mine, tmp_path, how="toml", others=others)
    assert result["B"][0][0] == ("correct", ())
