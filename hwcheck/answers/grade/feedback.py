"""``grade --feedback DIR``: one page per student, ``DIR/<student>.md`` and ``DIR/<student>.html``.

Each page holds the student's score, then per exercise each claim with what they wrote, the
verdict, the points, the named mistakes with their work, and the worked solution of the
student's own exercise (their variant's with ``--variants``): its view, as ``check
--show-all`` prints it, and the right answers. Nothing on a page names another student: the
``other_variant`` mistake says only that the answer belongs to another variant.

The HTML is self-contained like the class report: inline CSS, no script, a
Content-Security-Policy that forbids every request, every text escaped.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from hwcheck.core.views import Heading, Matrix, Section, Table, Text

OTHER_VARIANT_WORDS = (
    "this is the right answer of another variant of this exercise: "
    "work with the numbers of your own handout"
)
STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 60em; color: #1a202c; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 32px; } h3 { font-size: 15px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border-bottom: 1px solid #e2e8f0; padding: 3px 10px; text-align: left; vertical-align: top; }
pre { background: #f7fafc; padding: 8px; overflow-x: auto; }
.correct { color: #2f855a; } .wrong { color: #c53030; }
"""


INDEX = "index.csv"  # student → page: the TA's map, and the mark of a folder we wrote
INDEX_HEADER = "student,page\n"


def is_ours(path: Path) -> bool:
    """A folder ``--feedback`` wrote before (its ``index.csv``, then pages only): replaced
    whole. A folder of someone's own ``.md`` or ``.html`` files is not."""
    index = path / INDEX
    try:
        if not index.is_file() or not index.read_text(encoding="utf-8").startswith(INDEX_HEADER):
            return False
    except (OSError, UnicodeDecodeError):
        return False
    return all(f.is_file() and f.suffix in (".md", ".html") for f in path.iterdir() if f != index)


def page_names(students: list[dict[str, Any]]) -> list[str]:
    """Each row's page name (:func:`page_name`), the second of two that differ only in case
    tagged with its id's digest (Ann and ann: one file on a case-insensitive system)."""
    names, taken = [], set()
    for student in students:
        name = page_name(student["student"])
        if name.casefold() in taken:
            name = f"{name}~{_digest(student['student'])}"
        taken.add(name.casefold())
        names.append(name)
    return names


def write_feedback(result, key, variants, target: Path) -> None:
    """Every student's two pages and the index, into ``target`` whole or not at all."""
    from hwcheck.answers.grade.gradebook import write
    from hwcheck.answers.variants.folder import write_folder

    names = page_names(result.students)
    files: dict[str, bytes] = {}
    for student, name in zip(result.students, names):
        own = _own_key(student, key, variants)
        sections = student_sections(student, own, result.key)
        files[f"{name}.md"] = _markdown(sections).encode()
        files[f"{name}.html"] = html_page(student["student"], sections).encode()
    rows = [[s["student"], f"{name}.html"] for s, name in zip(result.students, names)]
    files[INDEX] = write([["student", "page"], *rows]).encode()
    write_folder(target, files, "--feedback", ours=is_ours)


def page_name(student: str) -> str:
    """The file name of a student's pages: the id itself where it can name a file on Linux,
    macOS and Windows alike; otherwise with each character that cannot (``/ \\ : * ? " < > |``,
    a control character, a leading dot, a trailing dot or space, the first of a name Windows
    keeps for a device such as ``con``) and every ``%`` written as ``%XX``, its UTF-8 bytes,
    as in a URL, so that two ids never share a page. A name longer
    than ``MAX_NAME_BYTES`` (200) bytes is cut, and ``~`` and 12 hex digits of the id's SHA-256
    added (as is, by :func:`write_feedback`, to the second of two names that differ only in
    case)."""
    from hwcheck.answers.variants.folder import MAX_NAME_BYTES, UNSAFE, reserved

    device = reserved(student)

    def unsafe(i: int, c: str) -> bool:
        edge = (i == 0 and (c == "." or device)) or (i == len(student) - 1 and c in ". ")
        return edge or c == "%" or ord(c) < 32 or bool(UNSAFE.match(c))

    name = "".join(
        "".join(f"%{b:02X}" for b in c.encode()) if unsafe(i, c) else c
        for i, c in enumerate(student)
    )
    if len(name.encode()) <= MAX_NAME_BYTES:
        return name
    while len(name.encode()) > MAX_NAME_BYTES - 13:  # a file name holds 255 bytes at most
        name = name[:-1]
    return f"{name.rstrip('. ')}~{_digest(student)}"


def _digest(student: str) -> str:
    import hashlib

    return hashlib.sha256(student.encode()).hexdigest()[:12]


def _own_key(student: dict[str, Any], key, variants):
    if variants is None:
        return key
    own = variants.loaded.get(student["student"])
    return own[0] if isinstance(own, tuple) else None


def _markdown(sections: list[Section]) -> str:
    from hwcheck.render.text import to_markdown

    return to_markdown(sections)


# ------------------------------------------------------------------------------ content


def student_sections(student: dict[str, Any], key, key_name: str) -> list[Section]:
    from hwcheck.answers.grade.report import score_text

    score = f"{score_text(student['score'])} / {score_text(student['max'])}"
    sections: list[Section] = [
        Heading(f"Feedback for {student['student']}", level=1),
        Text((f"Score {score} ({Path(key_name).name}).",)),
    ]
    if student.get("error"):
        return [*sections, Text((f"Your submission could not be graded: {student['error']}",))]
    by_exercise: dict[str, list[dict[str, Any]]] = {}
    for c in student["claims"]:
        by_exercise.setdefault(c["exercise"], []).append(c)
    for ex in key.exercises if key is not None else ():
        sections += exercise_sections(ex, by_exercise.get(ex.exercise.id, []))
    for note in student.get("notes", ()):
        sections.append(Text((f"Ignored in your submission: {note}",)))
    return sections


def exercise_sections(ex, claims: list[dict[str, Any]]) -> list[Section]:
    """One exercise: the claims as judged, then the worked solution of this variant."""
    title = ex.exercise.title
    out: list[Section] = [Heading(f"Exercise {ex.exercise.id}" + (f": {title}" if title else ""))]
    if ex.exercise.text.strip():
        out.append(Text(tuple(ex.exercise.text.strip().splitlines())))
    out.append(
        Table(("claim", "you wrote", "verdict", "points"), _rows(claims), title="Your answers")
    )
    said = [line for c in claims for line in claim_lines(c)]
    if said:
        out.append(Text(tuple(said), title="Why"))
    out += [Heading("Worked solution", level=3), *ex.result.view(6)]
    out.append(_answers(ex))
    return out


def _rows(claims: list[dict[str, Any]]) -> tuple[tuple[str, ...], ...]:
    from hwcheck.answers.grade.report import score_text

    return tuple(
        (
            c["key"],
            "—" if c["claimed_text"] is None else str(c["claimed_text"]),
            c["verdict"],
            f"{score_text(c['awarded'])} / {score_text(c['points'])}",
        )
        for c in claims
    )


def claim_lines(c: dict[str, Any]) -> list[str]:
    """What a verdict that is not ``correct`` says: the rule, the hint, each named mistake
    (``other_variant`` without the other student)."""
    if c["verdict"] in ("correct", "missing"):
        return []
    lines = [f"{c['key']}: {c['verdict']} ({c['rule']})" + (f"; {c['hint']}" if c["hint"] else "")]
    for m in c.get("mistakes", ()):
        if m["id"] == "other_variant":
            lines.append(f"{c['key']}: {m['name']}: {OTHER_VARIANT_WORDS}")
    return lines


def _answers(ex) -> Table:
    from hwcheck.answers.grade.draft import _claim_value
    from hwcheck.claims.verdict import describe_value

    rows = tuple((c.key, describe_value(_claim_value(c.expected))) for c in ex.claims)
    return Table(("claim", "right answer"), rows, title="Right answers")


def exercise_markdown(ex, claims: list[dict[str, Any]]) -> str:
    """One exercise's feedback as Markdown (Gradescope's test ``output``)."""
    return _markdown(exercise_sections(ex, claims))


# ------------------------------------------------------------------------------ HTML


def e(text: Any) -> str:
    from hwcheck.answers.grade.submissions import safe_text

    return html.escape(safe_text(str(text), 100_000), quote=True)


def html_page(student: str, sections: list[Section]) -> str:
    body = "\n".join(html_section(s) for s in sections)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">\n'
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        f"<title>Feedback for {e(student)}</title>\n"
        f"<style>{STYLE}</style></head><body>\n{body}\n</body></html>\n"
    )


def html_section(section: Section) -> str:
    if isinstance(section, Heading):
        level = min(max(section.level, 1), 3)
        return f"<h{level}>{e(section.text)}</h{level}>"
    title = f"<p><strong>{e(section.title)}</strong></p>" if section.title else ""
    if isinstance(section, Table):
        return title + _html_table(section.columns, (*section.rows, *section.footer))
    if isinstance(section, Matrix):
        return title + _html_table((), section.entries)
    if section.preformatted or section.math:
        return title + "<pre>" + e("\n".join(section.lines)) + "</pre>"
    return title + "".join(f"<p>{e(line)}</p>" for line in section.lines if line.strip())


def _html_table(columns, rows) -> str:
    head = "<tr>" + "".join(f"<th>{e(c)}</th>" for c in columns) + "</tr>" if columns else ""
    body = "".join(
        "<tr>" + "".join(f"<td{_verdict_class(x)}>{e(x)}</td>" for x in row) + "</tr>"
        for row in rows
    )
    return f"<table>{head}{body}</table>"


def _verdict_class(cell: Any) -> str:
    if cell == "correct":
        return ' class="correct"'
    if cell in ("wrong", "imprecise", "error", "missing"):
        return ' class="wrong"'
    return ""
