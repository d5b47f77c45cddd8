"""Reading answers files: untrusted TOML, bounded in size and count, checked key by key.

A file that cannot be read at all is an error for the whole file; a problem inside one
exercise (unknown command, unknown option, missing claims) belongs to that exercise only.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hwcheck.core.errors import HwcheckError, did_you_mean
from hwcheck.core.inputs import read_text_file
from hwcheck.core.numbers import check_plain, parse_float

MAX_FILE_BYTES = 1024 * 1024
MAX_EXERCISES = 5000
MAX_POINTS = 10_000  # points of one exercise (or claim)
MAX_LABEL = 200  # characters of an id or a claim key
#: characters that could forge output: C0/C1 controls (newline, ANSI ESC), line and paragraph
#: separators, bidirectional overrides
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
FILE_KEYS = ("exercise", "defaults", "title", "course", "student", "author")
DEFAULT_KEYS = ("rtol", "atol", "layout", "framework")
#: keys of an exercise that are not command options
EXERCISE_KEYS = (
    "id",
    "title",
    "command",
    "claims",
    "points",
    "rtol",
    "atol",
    "tolerances",
    "notes",
    "partial",
    "text",  # a template's question (CONVENTIONS §6c), shown in handouts
    "vary",  # a template's parameters (hwcheck.answers.variants.template)
)


@dataclass(frozen=True)
class Exercise:
    """One ``[[exercise]]`` as read; ``problem`` is set when it cannot run."""

    id: str
    title: str
    command: str
    options: dict[str, Any]
    claims: dict[str, Any]
    points: float
    rtol: float
    atol: float
    tolerances: dict[str, dict[str, float]] = field(default_factory=dict)
    problem: str | None = None
    #: points of each claim key: ``points`` split evenly, or the ``[exercise.points]`` table
    claim_points: dict[str, float] = field(default_factory=dict)
    #: ``[exercise.partial]``: mistake id → credit in [0, 1] (grading metadata; check ignores it)
    partial: dict[str, float] = field(default_factory=dict)
    #: a template's question as filled (``text``, CONVENTIONS §6c): handouts and feedback show it
    text: str = ""


@dataclass(frozen=True)
class AnswersFile:
    name: str
    folder: Path
    exercises: tuple[Exercise, ...]


def read_text(name: str) -> tuple[str, Path]:
    """The file's text and its folder (``-`` reads standard input)."""
    text = read_text_file(name, name, MAX_FILE_BYTES)
    return text, Path.cwd() if name == "-" else Path(name).resolve().parent


def load(name: str) -> AnswersFile:
    from hwcheck.answers.toml import load_toml
    from hwcheck.answers.variants.template import first_variant

    text, folder = read_text(name)
    return load_document(first_variant(load_toml(text, name), name), name, folder)


def load_document(document: dict[str, Any], name: str, folder: Path) -> AnswersFile:
    """An answers file already parsed (``grade`` strips the key's own tables first)."""
    for key in document:
        if key not in FILE_KEYS:
            raise HwcheckError(name, f"unknown top-level key '{key}'{did_you_mean(key, FILE_KEYS)}")
    defaults = _table(document.get("defaults", {}), name, "[defaults]")
    for key in defaults:
        if key not in DEFAULT_KEYS:
            raise HwcheckError(
                f"{name}: [defaults]", f"unknown key '{key}'{did_you_mean(key, DEFAULT_KEYS)}"
            )
        if key in ("rtol", "atol"):
            parse_float(defaults[key], f"{name}: [defaults] {key}", nonnegative=True)
    raw = document.get("exercise", [])
    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        raise HwcheckError(name, "'exercise' must be an array of tables: [[exercise]]")
    if not raw:
        raise HwcheckError(name, "no [[exercise]] tables")
    if len(raw) > MAX_EXERCISES:
        raise HwcheckError(name, f"more than {MAX_EXERCISES:,} exercises")
    for i, entry in enumerate(raw):
        _check_labels(entry, f"{name}: exercise #{i + 1}")
    for key in ("title", "course", "student", "author"):
        _check_text(document.get(key), f"{name}: {key}", 1000)
    exercises = tuple(_exercise(entry, i, defaults) for i, entry in enumerate(raw))
    _check_unique_ids(exercises, name)
    return AnswersFile(name, folder, exercises)


def _check_labels(entry: dict[str, Any], where: str) -> None:
    """Ids, titles and claim keys are one line of printable text (refused otherwise, so that
    a newline or an ANSI escape in them cannot forge a row of the report)."""
    ident = entry.get("id")
    if isinstance(ident, int) and ident.bit_length() > 3 * MAX_LABEL:  # > 200 digits
        raise HwcheckError(f"{where}: id", f"is longer than {MAX_LABEL} characters")
    _check_text(ident, f"{where}: id", MAX_LABEL)
    _check_text(entry.get("title"), f"{where}: title", 1000)
    for key in entry:
        _check_text(key, f"{where}: key", MAX_LABEL)
    for table in ("claims", "tolerances", "points", "partial"):  # a long key fails its row
        if isinstance(entry.get(table), dict):
            for key in entry[table]:
                _check_text(key, f"{where}: [exercise.{table}]", None)


def _check_text(value: Any, where: str, limit: int | None) -> None:
    if not isinstance(value, str):
        return
    bad = CONTROL.search(value)
    if bad:
        raise HwcheckError(
            where,
            f"holds the control character U+{ord(bad.group()):04X} at position {bad.start() + 1}",
            hint="ids, titles and claim keys are one line of printable text",
        )
    if limit is not None and len(value) > limit:
        raise HwcheckError(where, f"is longer than {limit} characters")


def _table(value: Any, name: str, label: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise HwcheckError(name, f"{label} must be a table")
    return value


def _exercise(entry: dict[str, Any], index: int, defaults: dict[str, Any]) -> Exercise:
    ident = entry.get("id")
    ident = (
        str(ident)
        if isinstance(ident, (str, int)) and not isinstance(ident, bool)
        else f"#{index + 1}"
    )
    title = entry.get("title") if isinstance(entry.get("title"), str) else ""
    command = entry.get("command")
    options = {k: v for k, v in entry.items() if k not in EXERCISE_KEYS}
    problem = _problem(entry, command)
    claims = entry.get("claims") if isinstance(entry.get("claims"), dict) else {}
    tolerances = entry.get("tolerances") if isinstance(entry.get("tolerances"), dict) else {}
    rtol = _first_number((entry, defaults), "rtol", 1e-3)
    atol = _first_number((entry, defaults), "atol", 1e-9)
    points, claim_points, partial = _first_number((entry,), "points", 1.0), {}, {}
    if problem is None:
        options = _with_defaults(command, options, defaults)
        claim_points, partial = grading(entry)
        points = round(sum(claim_points.values()), 6)
    return Exercise(
        ident,
        title,
        str(command),
        options,
        claims,
        points,
        rtol,
        atol,
        tolerances,
        problem,
        claim_points,
        partial,
        entry["text"] if isinstance(entry.get("text"), str) else "",
    )


def _with_defaults(
    command: str, options: dict[str, Any], defaults: dict[str, Any]
) -> dict[str, Any]:
    """``[defaults]`` layout/framework for every command that has those options."""
    from hwcheck.core.options import request_fields
    from hwcheck.core.registry import get

    accepted = {f.name for f in request_fields(get(command).request_type())}
    extra = {
        k: v
        for k, v in defaults.items()
        if k in ("layout", "framework") and k in accepted and k not in options
    }
    return {**options, **extra}


def _problem(entry: dict[str, Any], command: Any) -> str | None:
    from hwcheck.core.registry import COMMANDS

    if "id" not in entry:
        return "missing 'id'"
    if not isinstance(command, str):
        return "missing 'command'" if command is None else "'command' must be text"
    if command not in COMMANDS or command == "check":
        return f"unknown command '{command}'{did_you_mean(command, [c for c in COMMANDS if c != 'check'])}"
    if "claims" not in entry:
        return "no [exercise.claims]: nothing to check"
    if not isinstance(entry["claims"], dict) or not entry["claims"]:
        return "[exercise.claims] must be a non-empty table of KEY = VALUE"
    try:
        check_plain(entry["claims"], "claims")
    except HwcheckError as exc:
        return f"{exc.where}: {exc.message}"
    for key in ("rtol", "atol", "points"):
        if key == "points" and isinstance(entry.get(key), dict):
            continue  # a key's [exercise.points] table: checked by grading()
        if entry.get(key) is not None:
            limit = MAX_POINTS if key == "points" else 1e6
            try:
                value = parse_float(entry[key], key, nonnegative=True)
            except HwcheckError as exc:
                return f"'{key}' must be a non-negative number: {exc.message}"
            if value > limit:
                return f"'{key}' must be a number from 0 to {limit:,g}"
    foreign = _dated(entry)
    if foreign:
        return f"'{foreign}' holds a date or time, which is not a value hwcheck reads"
    tolerances = entry.get("tolerances", {})
    if not isinstance(tolerances, dict) or not all(
        isinstance(t, dict)
        and set(t) <= {"rtol", "atol"}
        and all(_bounded(x, 1e6) for x in t.values())
        for t in tolerances.values()
    ):
        return "[exercise.tolerances] maps a claim key to {rtol = …, atol = …}"
    try:
        grading(entry)
    except HwcheckError as exc:
        return f"{exc.where}: {exc.message}"
    return None


# ------------------------------------------------------------------------ grading metadata


def grading(entry: dict[str, Any]) -> tuple[dict[str, float], dict[str, float]]:
    """The points of each claim key and the partial credit of each mistake id, checked: what a
    key adds to an answers file (CONVENTIONS §6b). ``check`` accepts both and scores by the
    points; only ``grade`` gives partial credit. Raises HwcheckError naming the table."""
    return _claim_points(entry), _partial(entry.get("partial"))


def _claim_points(entry: dict[str, Any]) -> dict[str, float]:
    """``points`` split evenly over the claims, or the ``[exercise.points]`` table's own."""
    keys = list(entry["claims"])
    table = entry.get("points")
    if not isinstance(table, dict):
        total = _first_number((entry,), "points", 1.0)
        return {k: total / len(keys) for k in keys}
    where = "[exercise.points]"
    for k in table:
        if k not in entry["claims"]:
            raise HwcheckError(
                where, f"'{k}' is not a claim of this exercise{did_you_mean(k, keys)}"
            )
    missing = [k for k in keys if k not in table]
    if missing:
        raise HwcheckError(where, f"no points for claim(s) {', '.join(missing)}")
    return {k: _grading_number(table[k], where, f"'{k}'", MAX_POINTS) for k in keys}


def _partial(table: Any) -> dict[str, float]:
    if table is None:
        return {}
    if not isinstance(table, dict):
        raise HwcheckError("partial", "must be a table of mistake id = credit")
    from hwcheck.claims.diagnose import ids

    known = ids()
    credits = {}
    for ident, credit in table.items():
        if ident not in known:
            raise HwcheckError(
                "[exercise.partial]", f"unknown mistake id '{ident}'{did_you_mean(ident, known)}"
            )
        credits[ident] = _grading_number(credit, "[exercise.partial]", f"'{ident}'", 1)
    return credits


def _grading_number(value: Any, where: str, what: str, maximum: float) -> float:
    if not _bounded(value, maximum):
        shown = value if isinstance(value, (int, float, str)) else type(value).__name__
        raise HwcheckError(where, f"{what} must be a number from 0 to {maximum:g}, got {shown!r}")
    return float(value)


def _dated(value: Any, path: str = "") -> str | None:
    """The dotted key of the first TOML date, time or datetime inside ``value`` (or None)."""
    import datetime

    if isinstance(value, (datetime.date, datetime.time)):
        return path or "value"
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, item in items:
        found = _dated(item, f"{path}.{key}" if path else str(key))
        if found:
            return found
    return None


def _bounded(value: Any, limit: float) -> bool:
    """A finite number in [0, limit] (TOML's inf, nan and 5,000-digit integers are not)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return 0 <= value <= limit and math.isfinite(value)


def _first_number(sources: tuple[dict, ...], key: str, fallback: float) -> float:
    limit = MAX_POINTS if key == "points" else 1e6
    for source in sources:
        if source.get(key) is not None:
            try:
                value = parse_float(source[key], key, nonnegative=True)
            except HwcheckError:
                return fallback  # reported by _problem
            if value <= limit:
                return value
    return fallback


def _check_unique_ids(exercises: tuple[Exercise, ...], name: str) -> None:
    seen: set[str] = set()
    for exercise in exercises:
        if exercise.id in seen:
            raise HwcheckError(name, f"exercise id '{exercise.id}' is used twice")
        seen.add(exercise.id)
