"""What ``variants`` writes for one student: the concrete key (TOML), the handout and the
solution sheet (as sections, rendered to Markdown and LaTeX by hwcheck.render), the manifest.

A handout holds the questions only: no computed value, no verdict, no score. The solution sheet
is the worked solution of the student's variant: each exercise's own view (as ``check
--show-all`` prints it) and its answers.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

from hwcheck.answers.variants.build import Variant
from hwcheck.core.views import Heading, Section, Table, Text

MANIFEST_HEADER = ("student", "exercise", "parameters")
#: exercise keys written before the options, in this order; tables after them
LEAD_KEYS = ("id", "title", "text", "command")
TABLES = ("points", "tolerances", "partial", "claims")
MAX_MODEL_BYTES = 1024 * 1024
BARE = re.compile(r"[A-Za-z0-9_-]+")


# ------------------------------------------------------------------------------ the key


def toml_key(name: str) -> str:
    return name if BARE.fullmatch(name) else json.dumps(name, ensure_ascii=False)


def toml_literal(value: Any) -> str:
    """A value as TOML: a float keeps the text it was written with."""
    from hwcheck.answers.grade.draft import toml_value

    text = getattr(value, "text", None)
    if isinstance(value, float) and isinstance(text, str):
        return text
    if isinstance(value, list) and any(hasattr(v, "text") for v in value):
        return "[" + ", ".join(toml_literal(v) for v in value) + "]"
    return toml_value(value)


def key_toml(document: dict[str, Any], variants: list[Variant], header: list[str]) -> str:
    """The concrete key of one student: ``[defaults]`` as the key's, every exercise filled, every
    claim the computed value (a valid key and answers file: ``hwcheck check`` passes it)."""
    from hwcheck.answers.grade.draft import _claim_value

    lines = [f"# {line}" for line in header]
    for top in ("title", "course", "author"):
        if isinstance(document.get(top), str):
            lines.append(f"{top} = {toml_literal(document[top])}")
    defaults = document.get("defaults")
    if isinstance(defaults, dict) and defaults:
        lines += ["", "[defaults]"] + [
            f"{toml_key(k)} = {toml_literal(v)}" for k, v in defaults.items()
        ]
    for v in variants:
        entry = dict(v.entry)
        entry["claims"] = {c.key: _claim_value(c.expected) for c in v.computed.claims}
        lines += ["", *exercise_toml(entry)]
    return "\n".join(lines) + "\n"


def exercise_toml(entry: dict[str, Any]) -> list[str]:
    lines = ["[[exercise]]"]
    order = [k for k in LEAD_KEYS if k in entry]
    order += [k for k in entry if k not in LEAD_KEYS and k not in TABLES]
    order += ["points"] if "points" in entry and not isinstance(entry["points"], dict) else []
    for k in order:
        lines.append(f"{toml_key(k)} = {toml_literal(entry[k])}")
    for table in TABLES:
        value = entry.get(table)
        if isinstance(value, dict) and value:
            lines += ["", f"[exercise.{table}]"]
            lines += [f"{toml_key(str(k))} = {toml_literal(x)}" for k, x in value.items()]
    return lines


def inlined(entry: dict[str, Any], key_folder: Path) -> dict[str, Any]:
    """A model file the key names by a path (``model = "net.toml"``) written into the concrete
    key as its table, so the key reads alone wherever it lies (an answers file may not name a
    path outside its folder). ``@file`` arrays stay as written."""
    model = entry.get("model")
    if not isinstance(model, str) or not model.endswith(".toml"):
        return entry
    from hwcheck.core.inputs import FILE_ROOT, read_toml_table

    token = FILE_ROOT.set(key_folder)
    try:
        _, table = read_toml_table(model, "model", MAX_MODEL_BYTES)
    finally:
        FILE_ROOT.reset(token)
    return {**entry, "model": table}


# ------------------------------------------------------------------------------ sheets


def question(v: Variant) -> tuple[str, ...]:
    """The exercise's question: its ``text`` (filled), else its command and options."""
    text = v.entry.get("text")
    if isinstance(text, str) and text.strip():
        return tuple(line for line in text.strip().splitlines())
    options = v.computed.exercise.options
    given = "; ".join(f"{k} = {_shown(x)}" for k, x in options.items())
    return (f"Compute with hwcheck {v.computed.exercise.command}: {given}.",)


def _shown(value: Any) -> str:
    from hwcheck.answers.toml import written_text

    return written_text(value) or ""


def heading(v: Variant) -> Heading:
    title = v.computed.exercise.title
    return Heading(f"Exercise {v.exercise}" + (f": {title}" if title else ""))


def handout_head(student: str, title: str) -> list[Section]:
    return [Heading(f"{title} ({student})" if title else student, level=1)]


def handout_exercise(v: Variant) -> list[Section]:
    """One question: its heading, its text, the claims to give and their points."""
    points = v.computed.exercise.points
    keys = ", ".join(c.key for c in v.computed.claims)
    give = f"Give: {keys} ({points:g} point{'s' * (points != 1)})."
    return [heading(v), Text(question(v)), Text((give,))]


def handout_tail(student: str, variants: list[Variant]) -> list[Section]:
    """How to hand in: the answers file with every claim's line."""
    skeleton = [f'student = "{student}"', "", "[answers]"]
    skeleton += [f'"{v.exercise}.{c.key}" = ' for v in variants for c in v.computed.claims]
    return [
        Heading("How to hand in"),
        Text(("A TOML file with your answers, one line per claim:",)),
        Text(tuple(skeleton), preformatted=True),
    ]


def solution_head(student: str, title: str) -> list[Section]:
    head = f"Solutions: {title} ({student})" if title else f"Solutions ({student})"
    return [Heading(head, level=1)]


def solution_exercise(v: Variant, digits: int = 6) -> list[Section]:
    """The worked solution of one variant: the question, the command's view, the answers."""
    from hwcheck.answers.grade.draft import _claim_value
    from hwcheck.claims.verdict import describe_value

    rows = tuple(
        (c.key, describe_value(_claim_value(c.expected), digits)) for c in v.computed.claims
    )
    return [
        heading(v),
        Text(question(v)),
        *v.computed.result.view(digits),
        Table(("claim", "answer"), rows, title="Answers", nowrap=(0,)),
    ]


def manifest_csv(rows: list[tuple[str, str, dict[str, Any]]]) -> str:
    """``student,exercise,parameters``: ``name=value`` pairs joined by ``; ``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(MANIFEST_HEADER)
    for student, exercise, parameters in rows:
        pairs = "; ".join(f"{k}={_shown_value(x)}" for k, x in parameters.items())
        writer.writerow([student, exercise, pairs])
    return buffer.getvalue()


def _shown_value(value: Any) -> str:
    from hwcheck.answers.variants.template import written

    return written(value)
