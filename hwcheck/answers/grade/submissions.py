"""Students' submissions: untrusted, read one by one, each failure confined to its own student.

A submission holds answers only (CONVENTIONS §6b): a TOML file with an optional
``student = "id"`` and a table ``[answers]`` of ``"EXERCISE.CLAIM" = value``; a CSV file with a
``student`` column and one column per ``EXERCISE.CLAIM``; or a folder of such files. Everything
else (inputs, points, tolerances, paths, ``-``) is refused with a note and changes no score.
"""

from __future__ import annotations

import csv
import datetime
import io
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from hwcheck.answers.files import CONTROL  # one rule for what a file may not hold
from hwcheck.answers.roster import MAX_ID_CHARS, normal_id
from hwcheck.answers.roster import id_problem as roster_id_problem
from hwcheck.core.errors import HwcheckError
from hwcheck.core.inputs import read_text_file

MAX_TOML_BYTES = 1024 * 1024
MAX_CSV_BYTES = 16 * 1024 * 1024
MAX_FILES = 100_000  # files found in folders
MAX_ROWS = 100_000  # students in one CSV
MAX_VALUE_CHARS = 100_000
MAX_DEPTH = 32  # folders searched below a submissions folder
#: control characters and the bidirectional overrides that could forge a line of a report
_KEY_TABLES = ("points", "rtol", "atol", "tolerances", "partial", "defaults")


@dataclass
class Submission:
    """One student's answers (``answers``: label ``EXERCISE.CLAIM`` → raw value)."""

    student: str
    source: str
    answers: dict[str, Any] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)  # label → why (scored 0)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    files: tuple[Path, ...] = ()
    #: the id was read and is valid, so it takes part in the identity rule (one id, one row)
    identified: bool = True
    #: a roster student with no submission
    missing: bool = False
    #: an id claimed by several submissions (the instructor decides)
    flagged: bool = False


def _canonical(result_json: dict[str, Any], key: str) -> str | None:
    """The canonical dotted path of a claim key in a result — ``w(3)`` and
    ``steps.2.params.w`` are one claim, as ``check`` reads them — or None when the result
    has no such key. (One place to point at the claims layer's own canonical key.)"""
    from hwcheck.claims.lookup import lookup

    try:
        path, _ = lookup(result_json, key)
    except (HwcheckError, RecursionError, ValueError):
        return None
    return ".".join(map(str, path))


@dataclass(frozen=True)
class Catalogue:
    """What the key asks: claim labels, exercise ids and their input names (to name refusals),
    and each key exercise's result, so that a student's claim key is matched to the key's
    through the same aliases ``check`` accepts."""

    labels: frozenset[str]
    prefixes: frozenset[str]  # every dotted prefix of a label
    inputs: dict[str, frozenset[str]]  # exercise id → its option names
    results: dict[str, dict[str, Any]] = field(default_factory=dict)  # exercise id → its JSON
    canonical: dict[str, dict[str, str]] = field(default_factory=dict)  # id → path → label

    @classmethod
    def of(cls, key) -> Catalogue:
        labels = frozenset(c.label for c in key.claims)
        prefixes = set()
        for label in labels:
            parts = label.split(".")
            prefixes.update(".".join(parts[:i]) for i in range(1, len(parts)))
        inputs = {
            ex.exercise.id: frozenset(key.option_names(ex.exercise.id)) for ex in key.exercises
        }
        results = {ex.exercise.id: ex.data for ex in key.exercises}
        canonical = {
            ex.exercise.id: {_canonical(ex.data, c.key) or c.key: c.label for c in ex.claims}
            for ex in key.exercises
        }
        return cls(labels, frozenset(prefixes), inputs, results, canonical)

    def resolve(self, label: str) -> str | None:
        """The key's label for a student's ``EXERCISE.CLAIM`` (itself, or the key's spelling
        of the same claim: ``adam.steps.2.params.w`` → ``adam.w(3)``), or None."""
        if label in self.labels:
            return label
        exercise, _, claim = label.partition(".")
        if not _may_name(self.results.get(exercise), claim):
            return None
        path = _canonical(self.results[exercise], claim)
        return self.canonical[exercise].get(path) if path is not None else None

    def leads_on(self, label: str) -> bool:
        """Whether a table at ``label`` may hold answers deeper down (a prefix of a key's label,
        or a path that exists in the exercise's result: ``adam.steps`` → ``adam.steps.2.params.w``)."""
        if label in self.prefixes:
            return True
        exercise, _, rest = label.partition(".")
        data = self.results.get(exercise)
        return _may_name(data, rest) and _canonical(data, rest) is not None

    def why_not(self, label: str) -> str:
        """Why ``label`` is not an answer: the note's reason."""
        exercise, _, rest = label.partition(".")
        head = rest.split(".")[0]
        if exercise in self.inputs:
            if head in _KEY_TABLES:
                return "points and tolerances are the key's"
            if head in self.inputs[exercise]:
                return "inputs are the key's"
            return f"not a claim of exercise {exercise}"
        if label in _KEY_TABLES or head in _KEY_TABLES:
            return "points and tolerances are the key's"
        return "not a claim of the key (answers are named EXERCISE.CLAIM)"


def _may_name(data: dict[str, Any] | None, claim: str) -> bool:
    """A cheap first test (a failed lookup ranks every key of the result for its suggestion):
    the claim starts with a top-level key of the result, or is in the trace notation."""
    if data is None or not claim:
        return False
    return claim.partition(".")[0] in data or "(" in claim


# ------------------------------------------------------------------------------ finding


class Found(NamedTuple):
    """One place a submission may be: its display name, its path (None: a folder with no
    answers file), the student id it defaults to, and why it is refused unread (a symbolic
    link, a FIFO, a folder nested too deeply), or None."""

    display: str
    path: Path | None
    default_id: str
    refused: str | None = None
    inside: bool = False  # found by walking a folder (then never read through a link)


def expand(names: list[str]) -> Iterator[Found]:
    """Every submission file of ``names``, in the order given; folders are searched in sorted
    order without following symbolic links (:func:`discover`)."""
    count = 0
    for name in names:
        path = Path(name)
        if path.is_dir():
            found = discover(path)
            if not found:
                yield Found(name, None, path.name or name)
            for item in found:
                count += 1
                if count > MAX_FILES:
                    yield Found(name, None, path.name or name, f"more than {MAX_FILES:,} files")
                    return
                yield item
        else:
            count += 1
            yield Found(name, path, path.stem or name)


def discover(folder: Path) -> list[Found]:
    """The answers files (``.toml``, ``.csv``) under ``folder`` in path order; hidden entries
    skipped. Walked depth-first with a stack, not recursion, down to ``MAX_DEPTH`` folders: a
    deeper folder, a symbolic link named like an answers file, a FIFO, socket or device, and a
    folder that cannot be listed are each one refused entry, and nothing behind them is read.
    (Names sorted in each folder and walked depth-first: the order of sorted paths.)"""
    found: list[Found] = []
    stack: list[tuple[Path, str, int, Found | None]] = [(folder, "", 0, None)]
    while stack and len(found) <= MAX_FILES:
        path, rel, depth, item = stack.pop()
        if item is not None:
            found.append(item)
        elif depth > MAX_DEPTH:
            found.append(_entry(path, rel, f"a folder nested deeper than {MAX_DEPTH} levels"))
        else:
            stack.extend(reversed(_listing(path, rel or folder.name, rel, depth)))
    return found


def _listing(path: Path, name: str, rel: str, depth: int) -> list[tuple]:
    """The stack entries of one folder's children, in name order."""
    try:
        with os.scandir(path) as entries:
            listed = sorted((e for e in entries if not e.name.startswith(".")), key=_name)
    except OSError as exc:
        return [(path, name, depth, _entry(path, name, f"cannot list the folder: {exc.strerror}"))]
    children = []
    for entry in listed:
        child = f"{rel}/{entry.name}" if rel else entry.name
        children.append(_child(entry, path / entry.name, child, depth))
    return [c for c in children if c is not None]


def _name(entry: os.DirEntry) -> str:
    return entry.name


def _child(entry: os.DirEntry, path: Path, rel: str, depth: int) -> tuple | None:
    """A folder to list, a found entry, or None (not an answers file)."""
    answers = entry.name.lower().endswith((".toml", ".csv"))
    try:
        if entry.is_symlink():
            return (path, rel, depth, _entry(path, rel, LINK)) if answers else None
        if entry.is_dir(follow_symlinks=False):
            return (path, rel, depth + 1, None)
        if not answers:
            return None
        regular = entry.is_file(follow_symlinks=False)
        return (path, rel, depth, _entry(path, rel, None if regular else NOT_REGULAR))
    except OSError as exc:  # the entry vanished or cannot be examined
        return (path, rel, depth, _entry(path, rel, f"cannot be examined: {exc.strerror}"))


LINK = "a symbolic link: submissions are read only inside their folder (not followed)"
NOT_REGULAR = "not a regular file (a folder, FIFO, socket or device)"


def _entry(path: Path, rel: str, why: str | None) -> Found:
    """A found entry; its default id is its path in the folder without the extension."""
    stem, dot, suffix = rel.rpartition(".")
    student = stem if dot and suffix.lower() in ("toml", "csv") and "/" not in suffix else rel
    return Found(str(path), path, student, why, True)


def walk(folder: Path) -> Iterator[Path]:
    """The regular answers files under ``folder`` (refused entries left out)."""
    return (Path(f.display) for f in discover(folder) if f.refused is None)


def read(
    display: str,
    path: Path | None,
    default_id: str,
    catalogue: Catalogue,
    refused: str | None = None,
    inside: bool = False,
) -> list[Submission]:
    """The submissions of one file (a CSV has many); a file that cannot be read, or that was
    refused unread (``refused``), is one error row. A file found in a folder (``inside``) is
    read only while it is that same file, not a link."""
    if refused is not None:
        return [_failed(default_id, display, refused, path)]
    if path is None:
        return [_failed(default_id, display, "the folder holds no .toml or .csv file")]
    try:
        if display != "-" and path.exists() and not path.is_file():
            raise HwcheckError(display, NOT_REGULAR)
        if path.suffix.lower() == ".csv":
            text = _read_text(display, path, MAX_CSV_BYTES, inside)
            return _from_csv(text, display, path, catalogue)
        text = _read_text(display, path, MAX_TOML_BYTES, inside)
        return [_from_toml(text, display, path, default_id, catalogue)]
    except HwcheckError as exc:
        return [_failed(default_id, display, exc.message, path)]
    except (RecursionError, MemoryError):
        return [_failed(default_id, display, "nested too deeply or too large", path)]
    except OSError as exc:  # a file that vanished or changed while it was examined
        return [_failed(default_id, display, f"cannot be read: {exc.strerror or exc}", path)]
    except Exception as exc:  # noqa: BLE001 - one submission never stops the class
        why = f"cannot be read ({type(exc).__name__}: {safe_text(str(exc), 80)})"
        return [_failed(default_id, display, why, path)]


def _read_text(display: str, path: Path, max_bytes: int, inside: bool) -> str:
    """The text of a submission file; one found in a folder must not be a symbolic link, and
    the file opened must be the very file looked at (opened without following a link, its
    device and inode compared): a link or file swapped in after the walk is refused."""
    if not inside:
        return read_text_file(display, display, max_bytes)
    return read_text_file(display, display, max_bytes, same_as=_not_a_link(path, display))


def _not_a_link(path: Path, display: str) -> tuple[int, int]:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise HwcheckError(display, f"no such file: {safe_text(display)}") from None
    if stat.S_ISLNK(info.st_mode):
        raise HwcheckError(display, LINK)
    return info.st_dev, info.st_ino


def _failed(
    student: str,
    source: str,
    message: str,
    path: Path | None = None,
    identified: bool | None = None,
) -> Submission:
    """An error row. Its id takes part in the identity rule only when it is a valid id
    (``identified``, by default: whether it is); otherwise it is a visible label."""
    if identified is None:
        identified = id_problem(student) is None
    label = normal_id(student) if identified else safe_text(student, MAX_ID_CHARS)
    files = (path,) if path else ()
    return Submission(label, source, error=message, files=files, identified=identified)


# ------------------------------------------------------------------------------- TOML


def _from_toml(text: str, display: str, path: Path, default_id: str, cat: Catalogue) -> Submission:
    from hwcheck.answers.toml import load_toml

    document = load_toml(text.removeprefix("\ufeff"), display)
    student = document.get("student", default_id)
    if not isinstance(student, str) or not student.strip():
        raise HwcheckError(display, "'student' must be a non-empty text")
    problem = id_problem(student)
    if problem:
        raise HwcheckError(display, f"student id '{safe_text(student, 60)}' {problem}")
    sub = Submission(normal_id(student), display, files=(path,))
    for key in document:
        if key not in ("student", "answers"):
            sub.notes.append(f"ignored '{safe_text(key)}': a submission holds only answers")
    answers = document.get("answers", {})
    if not isinstance(answers, dict):
        raise HwcheckError(display, '[answers] must be a table of "EXERCISE.CLAIM" = value')
    if "answers" not in document:
        sub.notes.append("no [answers] table: every answer is missing")
    _collect(sub, answers, "", cat)
    return sub


def _collect(sub: Submission, table: dict[str, Any], prefix: str, cat: Catalogue) -> None:
    """Dotted keys or nested tables (``C.total_params = …`` is a table in TOML) → labels."""
    for key, value in table.items():
        label = f"{prefix}.{key}" if prefix else key
        known = cat.resolve(label)
        if known is not None:
            _accept(sub, known, value, label)
        elif isinstance(value, dict) and cat.leads_on(label):
            _collect(sub, value, label, cat)
        else:
            sub.notes.append(f"ignored '{safe_text(label)}': {cat.why_not(label)}")


def _accept(sub: Submission, label: str, value: Any, written: str | None = None) -> None:
    """The answer to the key's ``label`` (``written``: the student's spelling of it)."""
    written = written or label
    if label in sub.answers or label in sub.refused:
        sub.notes.append(f"ignored '{safe_text(written)}': a second answer to {label}")
        return
    problem = value_problem(value)
    if problem:
        sub.refused[label] = problem
        sub.notes.append(f"refused {label}: {problem}")
    else:
        sub.answers[label] = value


def value_problem(value: Any, depth: int = 0) -> str | None:
    """Why a raw answer cannot be judged (None when it can)."""
    if isinstance(value, (datetime.date, datetime.time)):
        return "a TOML date or time is not an answer"
    if isinstance(value, str):
        if len(value) > MAX_VALUE_CHARS:
            return f"longer than {MAX_VALUE_CHARS:,} characters"
        if CONTROL.search(value):
            return "contains control characters"
        text = value.strip()
        if text.startswith("@"):
            return "a path (@file) is not an answer"
        if text == "-":
            return "'-' (standard input) is not an answer"
        return None
    if isinstance(value, list):
        return next(filter(None, (value_problem(v, depth + 1) for v in value)), None)
    if isinstance(value, dict):
        for k, v in value.items():
            problem = value_problem(k, depth + 1) or value_problem(v, depth + 1)
            if problem:
                return problem
    return None


def id_problem(student: str) -> str | None:
    """Why ``student`` cannot be an id: the roster's rule (hwcheck.answers.roster), one rule
    for ids wherever they come from."""
    return roster_id_problem(normal_id(student))


def shown(claim: dict[str, Any]) -> dict[str, Any]:
    """A judged claim as every output of grade shows it: the student's text (``claimed``,
    ``claimed_text``, ``hint``) with invisible, bidi and control characters written as escapes
    (hwcheck.core.escape.visible), in the JSON as in the table, HTML and Markdown. The verdict
    was given on the text as written."""
    return {k: _visible(v) if k in _STUDENT_TEXT else v for k, v in claim.items()}


_STUDENT_TEXT = ("claimed", "claimed_text", "hint")


def _visible(value: Any) -> Any:
    from hwcheck.core.escape import visible

    if isinstance(value, str):
        return visible(value)
    if isinstance(value, list):
        return [_visible(v) for v in value]
    if isinstance(value, dict):
        return {_visible(k): _visible(v) for k, v in value.items()}
    return value


def safe_text(text: str, limit: int = 80) -> str:
    """Text from a submission as it may appear in a report: control characters escaped."""
    from hwcheck.core.escape import visible  # the one rule for what a report may show raw

    shown = visible(text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


# -------------------------------------------------------------------------------- CSV


def _from_csv(text: str, display: str, path: Path, cat: Catalogue) -> list[Submission]:
    try:
        rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    except csv.Error as exc:
        raise HwcheckError(display, f"malformed CSV: {exc}") from None
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise HwcheckError(display, "empty CSV")
    header = [cell.strip() for cell in rows[0]]
    if not header or header[0].lower() != "student":
        raise HwcheckError(display, "the first column of the header must be 'student'")
    if len(set(header)) != len(header):
        twice = sorted({h for h in header if header.count(h) > 1})
        raise HwcheckError(display, f"column(s) named twice: {', '.join(map(safe_text, twice))}")
    if len(rows) - 1 > MAX_ROWS:
        raise HwcheckError(display, f"more than {MAX_ROWS:,} students")
    columns = header[1:]
    labels = [cat.resolve(c) for c in columns]  # the key's label of each column, or None
    if not any(labels):
        raise HwcheckError(display, "no column names a claim of the key (EXERCISE.CLAIM)")
    notes = []
    for column, label in zip(columns, labels):
        if label is None:
            notes.append(f"ignored column '{safe_text(column)}': {cat.why_not(column)}")
    # two columns may name one claim (`B.b(1)` and `B.steps.0.params.b`, aliases): per row the
    # filled one is the answer, as in a TOML file; a row filling both gets a note on the second
    return [
        _csv_row(row, i + 2, header, labels, display, path, notes) for i, row in enumerate(rows[1:])
    ]


def _csv_row(row, line, header, labels, display, path, notes) -> Submission:
    source = f"{display}: row {line}"
    name = normal_id(row[0]) if row else ""
    label = f"{Path(display).stem}: row {line}"
    if not name:
        return _failed(label, source, "no student id", path, identified=False)
    problem = id_problem(name)
    if problem:
        why = f"student id '{safe_text(name, 60)}' {problem}"
        return _failed(label, source, why, path, identified=False)
    if len(row) != len(header):
        return _failed(
            name, source, f"{len(row)} cells, the header has {len(header)} columns", path
        )
    sub = Submission(name, source, notes=list(notes), files=(path,))
    for label, column, cell in zip(labels, header[1:], row[1:]):
        if label is not None and cell.strip():
            _accept(sub, label, cell.strip(), column)
    return sub
