"""``hwcheck variants KEY --roster ROSTER.csv --seed N --out DIR``: a variant per student.

Writes ``DIR/manifest.csv`` and, per student, ``DIR/<student>/key.toml`` (a concrete key),
``handout.md``/``handout.tex`` (the questions) and ``solution.md``/``solution.tex`` (the worked
solution), all or nothing (:mod:`hwcheck.answers.variants.folder`).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from hwcheck.answers.variants.build import Drawer, Variant
from hwcheck.answers.variants.sheets import MANIFEST_HEADER
from hwcheck.core.errors import HwcheckError
from hwcheck.core.result import Result, Table, Text, view_only

#: the files a student's folder holds (and the PDFs of --pdf): what makes a folder ours
STUDENT_FILES = (
    "key.toml",
    "handout.md",
    "handout.tex",
    "solution.md",
    "solution.tex",
    "handout.pdf",
    "solution.pdf",
)
PDFLATEX_SECONDS = 120


@dataclass(frozen=True)
class VariantsResult(Result):
    command: ClassVar[str] = "variants"
    out: str
    seed: int
    students: int
    variants: list[dict[str, Any]]
    collisions: int  # students whose every answer is another student's too
    same_parameters: int  # students whose every parameter is another student's too
    exercises: list[dict[str, Any]] = view_only(None)

    def view(self, digits: int = 6) -> list:
        rows = tuple(
            (e["exercise"], e["parameters"] or "—", f"{e['space']:,}", f"{e['drawn']:,}")
            for e in self.exercises
        )
        return [
            Table(
                ("exercise", "parameters", "possible variants", "different variants drawn"),
                rows,
                title=f"Variants of {self.students} students (seed {self.seed})",
                align="llrr",
            ),
            Text((self.headline(),)),
        ]

    def headline(self) -> str:
        return (
            f"Wrote {self.out}: {self.students} students; {self.collisions} share every answer "
            f"with another student, {self.same_parameters} every parameter."
        )


def variants(request) -> VariantsResult:
    from hwcheck.answers.grade.key import read_document
    from hwcheck.answers.roster import read_roster
    from hwcheck.answers.variants import folder

    key, roster_name = str(request.key), str(request.roster)
    pdflatex = _pdflatex() if request.pdf else None
    target = folder.check_target(str(request.out), "--out", is_ours, [key, roster_name])
    roster = read_roster(roster_name)
    if not roster.ids:
        raise HwcheckError(roster_name, "no students in the roster")
    for student in roster.ids:
        folder.file_name(student, f"{roster_name}: student")
    folder.check_unique(list(roster.ids), roster_name)
    document, key_folder = read_document(key, templates=True)
    drawer = Drawer(document, key, key_folder, request.seed)
    drawn = {student: drawer.student(student) for student in roster.ids}
    files = _files(document, drawn, key, key_folder, request.seed)
    after = (lambda temp: _compile(temp, list(drawn), pdflatex)) if pdflatex else None
    folder.write_folder(target, files, "--out", after, ours=is_ours)
    return _result(str(request.out), request.seed, drawn, drawer)


def is_ours(path: Path) -> bool:
    """A folder ``variants`` wrote: its manifest, and student folders of its files only."""
    manifest = path / "manifest.csv"
    try:
        first = manifest.read_text(encoding="utf-8").split("\n", 1)[0]
    except (OSError, UnicodeDecodeError):
        return False
    if first != ",".join(MANIFEST_HEADER):
        return False
    for entry in path.iterdir():
        if entry.name == "manifest.csv":
            continue
        if entry.is_symlink() or not entry.is_dir():
            return False
        if any(f.name not in STUDENT_FILES or not f.is_file() for f in entry.iterdir()):
            return False
    return True


def _files(document, drawn, key: str, key_folder: Path, seed: int):
    from hwcheck.answers.variants import sheets

    title = document.get("title") if isinstance(document.get("title"), str) else ""
    files: dict[str, bytes] = {}
    rows = []
    pages = Pages()
    for student, variants in drawn.items():
        here = [_inlined(v, sheets.inlined(v.entry, key_folder)) for v in variants]
        header = [
            f"The variant of {Path(key).name} for student {student} (hwcheck variants, seed {seed}).",
            "A concrete key: no parameters, every claim the computed value.",
        ]
        handout = [
            pages.render(sheets.handout_head(student, title)),
            *(pages.exercise("handout", v, sheets.handout_exercise) for v in here),
            pages.render(sheets.handout_tail(student, here)),
        ]
        solution = [
            pages.render(sheets.solution_head(student, title)),
            *(pages.exercise("solution", v, sheets.solution_exercise) for v in here),
        ]
        files[f"{student}/key.toml"] = sheets.key_toml(document, here, header).encode()
        for name, parts in (("handout", handout), ("solution", solution)):
            files[f"{student}/{name}.md"] = "\n".join(md for md, _ in parts).encode()
            files[f"{student}/{name}.tex"] = pages.document([tex for _, tex in parts]).encode()
        rows += [(student, v.exercise, v.parameters) for v in variants if v.parameters]
    files["manifest.csv"] = sheets.manifest_csv(rows).encode()
    return files


class Pages:
    """Markdown and LaTeX of sheet parts, each exercise variant rendered once for the class
    (students who drew the same values share its text)."""

    def __init__(self):
        self.done: dict[tuple[str, str, str], tuple[str, str]] = {}

    @staticmethod
    def render(sections) -> tuple[str, str]:
        from hwcheck.render.latex import to_latex
        from hwcheck.render.text import to_markdown

        return to_markdown(sections), to_latex(sections)

    def exercise(self, kind: str, v: Variant, build) -> tuple[str, str]:
        memo = (kind, v.exercise, json.dumps(v.parameters, sort_keys=True, default=str))
        if memo not in self.done:
            self.done[memo] = self.render(build(v))
        return self.done[memo]

    @staticmethod
    def document(parts: list[str]) -> str:
        from hwcheck.render.latex import wrap_document

        return wrap_document("\n".join(parts))


def _inlined(v: Variant, entry: dict[str, Any]) -> Variant:
    from dataclasses import replace

    return v if entry is v.entry else replace(v, entry=entry)


def _tokens(variants: list[Variant]) -> tuple[str, str]:
    answers = [[c.expected for c in v.computed.claims] for v in variants]
    parameters = [sorted((k, str(x)) for k, x in v.parameters.items()) for v in variants]
    dump = lambda x: json.dumps(x, sort_keys=True, default=str)
    return dump(answers), dump(parameters)


def _result(out: str, seed: int, drawn: dict[str, list[Variant]], drawer) -> VariantsResult:
    tokens = {s: _tokens(v) for s, v in drawn.items()}
    answers = Counter(a for a, _ in tokens.values())
    parameters = Counter(p for _, p in tokens.values())
    listed = [
        {"student": v.student, "exercise": v.exercise, "parameters": _json_parameters(v)}
        for variants in drawn.values()
        for v in variants
        if v.parameters
    ]
    return VariantsResult(
        out,
        seed,
        len(drawn),
        listed,
        sum(n for n in answers.values() if n > 1),
        sum(n for n in parameters.values() if n > 1),
        _per_exercise(drawn, drawer),
    )


def _json_parameters(v: Variant) -> dict[str, Any]:
    """A range's decimal (its text in the manifest) is a number in the JSON."""
    return dict(v.numbers or v.parameters)


def _per_exercise(drawn: dict[str, list[Variant]], drawer) -> list[dict[str, Any]]:
    out = []
    for i, template in enumerate(drawer.templates):
        ident = template.id if template else str(drawer.entries[i].get("id", "?"))
        seen = {json.dumps(v[i].parameters, sort_keys=True, default=str) for v in drawn.values()}
        out.append(
            {
                "exercise": ident,
                "parameters": ", ".join(p.name for p in template.parameters) if template else "",
                "space": template.space if template else 1,
                "drawn": len(seen),
            }
        )
    return out


# ------------------------------------------------------------------------------ --pdf


def _pdflatex() -> str:
    from shutil import which

    found = which("pdflatex")
    if not found:
        raise HwcheckError("--pdf", "pdflatex is not installed (or not on PATH)")
    return found


def _compile(temp: Path, students: list[str], pdflatex: str) -> None:
    """Each handout and solution sheet to PDF, in the student's folder, its log removed."""
    for student in students:
        for name in ("handout", "solution"):
            _pdf(pdflatex, temp / student, name, f"{student}/{name}.tex")


def _reproducible() -> dict[str, str]:
    """pdfTeX writes no clock time or random id: the same .tex gives the same PDF."""
    import os

    return {**os.environ, "SOURCE_DATE_EPOCH": "0", "FORCE_SOURCE_DATE": "1"}


def _pdf(pdflatex: str, where: Path, name: str, label: str) -> None:
    import subprocess

    command = [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape"]
    try:
        done = subprocess.run(
            [*command, f"{name}.tex"],
            check=False,
            cwd=where,
            capture_output=True,
            timeout=PDFLATEX_SECONDS,
            stdin=subprocess.DEVNULL,
            env=_reproducible(),
        )
    except subprocess.TimeoutExpired:
        raise HwcheckError(f"--pdf: {label}", f"pdflatex ran over {PDFLATEX_SECONDS} s") from None
    except OSError as exc:
        raise HwcheckError("--pdf", f"cannot run pdflatex: {exc.strerror or exc}") from None
    log = done.stdout.decode("utf-8", "replace")
    for extra in (".aux", ".log", ".out"):
        (where / f"{name}{extra}").unlink(missing_ok=True)
    if done.returncode != 0:
        first = next((line for line in log.splitlines() if line.startswith("!")), "failed")
        raise HwcheckError(f"--pdf: {label}", f"pdflatex: {first[:200]}")
