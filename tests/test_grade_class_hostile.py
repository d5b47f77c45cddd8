"""One submission never stops the class: a hostile corpus.

Each case plants one hostile thing beside two ordinary students (alice: both claims right, 2
points; bob: one right, 1 point — worked out from the tiny key below) and checks: exit 0 with
nothing on stderr, that thing's own error row, alice's and bob's scores unchanged, the
gradebook written, nothing else in the folder tree changed (a snapshot before and after, taken
without following links or opening FIFOs), and no hang (an alarm).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import signal
import socket
import stat
from pathlib import Path

import pytest

#: one exercise, two claims (B.total_params, B.output_shape), 2 points
KEY = (Path(__file__).parent / "data/grade/one_conv_key.toml").read_text(encoding="utf-8")
RIGHT = '[answers]\n"B.total_params" = 4640\n"B.output_shape" = [33, 33, 32]\n'
HALF = '[answers]\n"B.total_params" = 4640\n"B.output_shape" = [35, 35, 32]\n'
SECRET = (
    'student = "TOP_SECRET_ID"\n[TOP_SECRET_TABLE]\nx = 1\n[answers]\n"B.total_params" = 4640\n'
)
EXPECTED = {"alice": 2, "bob": 1}
DEPTH = 1100
SCANDIR = os.scandir  # the snapshot's own, whatever a test patches


@pytest.fixture(autouse=True)
def alarm():
    """A hang fails the test instead of holding the suite."""

    def hung(signum, frame):
        raise TimeoutError("grade hung")

    old = signal.signal(signal.SIGALRM, hung)
    signal.alarm(120)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


@pytest.fixture
def world(tmp_path):
    """tmp_path/key.toml, tmp_path/class/{alice,bob}.toml, tmp_path/out/ for outputs."""
    (tmp_path / "key.toml").write_text(KEY, encoding="utf-8")
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "alice.toml").write_text(RIGHT, encoding="utf-8")
    (folder / "bob.toml").write_text(HALF, encoding="utf-8")
    (tmp_path / "out").mkdir()
    return tmp_path


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry under ``root`` (kind, size, content hash of regular files; link targets),
    found with a stack: no recursion limit, no link followed, no FIFO opened."""
    seen, stack = {}, [root]
    while stack:
        folder = stack.pop()
        for entry in SCANDIR(folder):
            info = entry.stat(follow_symlinks=False)
            rel = os.path.relpath(entry.path, root)
            if stat.S_ISLNK(info.st_mode):
                seen[rel] = ("link", os.readlink(entry.path))
            elif stat.S_ISDIR(info.st_mode):
                seen[rel] = ("dir",)
                stack.append(entry.path)
            elif stat.S_ISREG(info.st_mode):
                seen[rel] = ("file", info.st_size, _digest(entry.path, info))
            else:
                seen[rel] = ("special", stat.S_IFMT(info.st_mode))
    return seen


def _digest(path: str, info) -> str:
    if info.st_size > 4 * 1024 * 1024 or not os.access(path, os.R_OK):
        return f"mtime {info.st_mtime_ns}"
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def run_class(cli, world: Path, *extra: str):
    """Grade the class folder; check the rules every case shares; return the students."""
    before = snapshot(world)
    scores = world / "out" / "scores.csv"
    code, out, err = cli(
        "grade",
        str(world / "key.toml"),
        str(world / "class"),
        *extra,
        "--json",
        "--csv",
        str(scores),
        "--html",
        str(world / "out" / "report.html"),
    )
    assert (code, err) == (0, ""), err
    after = snapshot(world)
    written = {"out/scores.csv", "out/report.html"}
    assert {k: v for k, v in after.items() if k not in written} == before
    assert written <= set(after)
    students = json.loads(out)["students"]
    graded = {s["student"]: s["score"] for s in students if not s.get("error")}
    assert {k: graded.get(k) for k in EXPECTED} == EXPECTED, students
    rows = list(csv.DictReader(io.StringIO(scores.read_text(encoding="utf-8"))))
    assert {r["student"]: r["score"] for r in rows if r["student"] in EXPECTED} == {
        k: str(v) for k, v in EXPECTED.items()
    }
    assert len({r["student"] for r in rows}) == len(rows)
    everything = out + scores.read_text(encoding="utf-8")
    everything += (world / "out" / "report.html").read_text(encoding="utf-8")
    assert "TOP_SECRET" not in everything
    return students


def error_of(students, fragment: str) -> str:
    rows = [s for s in students if fragment in s["file"]]
    assert len(rows) == 1, [s["file"] for s in students]
    assert rows[0]["score"] == 0 and rows[0]["error"]
    return rows[0]["error"]


# ----------------------------------------------------------------------------- cases


def test_a_folder_nested_1100_levels_deep(cli, world, monkeypatch):
    deep = world / "class" / "deep"
    deep.mkdir()
    monkeypatch.chdir(deep)
    for _ in range(DEPTH):  # relative steps: no path grows past the system's limit
        os.mkdir("d")
        os.chdir("d")
    Path("x.toml").write_text(RIGHT, encoding="utf-8")
    monkeypatch.chdir(world)
    try:
        students = run_class(cli, world)
        assert "nested deeper than" in error_of(students, "deep/d/d")
    finally:
        _remove_deep(deep)


def _remove_deep(top: Path) -> None:
    """Remove the deep tree bottom-up without recursion (rmtree would recurse 1,100 times)."""
    os.chdir(top)
    depth = 0
    while os.path.isdir("d"):
        os.chdir("d")
        depth += 1
    for name in os.listdir("."):
        os.unlink(name)
    for _ in range(depth):
        os.chdir("..")
        os.rmdir("d")
    os.chdir(top.parent)


def test_a_fifo_is_an_error_row_and_never_opened(cli, world):
    os.mkfifo(world / "class" / "blocked.toml")
    assert "not a regular file" in error_of(run_class(cli, world), "blocked.toml")


def test_a_socket_is_an_error_row(cli, world, monkeypatch):
    monkeypatch.chdir(world / "class")  # a socket's path must be short
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind("sock.toml")
        monkeypatch.chdir(world)
        assert "not a regular file" in error_of(run_class(cli, world), "sock.toml")
    finally:
        server.close()


def test_a_huge_file_is_an_error_row(cli, world):
    with open(world / "class" / "huge.toml", "wb") as handle:
        handle.truncate(64 * 1024 * 1024)  # sparse: large, cheap
    assert "larger than" in error_of(run_class(cli, world), "huge.toml")


def test_an_unreadable_file_is_an_error_row(cli, world, monkeypatch):
    """Permission denied (simulated where the tests run as root, who may read anything)."""
    locked = world / "class" / "locked.toml"
    locked.write_text(RIGHT, encoding="utf-8")
    if os.geteuid() != 0:
        locked.chmod(0)
    else:
        real_open = os.open

        def refusing(path, *args, **kwargs):
            if str(path).endswith("locked.toml"):
                raise PermissionError(13, "Permission denied")
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr(os, "open", refusing)
    try:
        assert "Permission denied" in error_of(run_class(cli, world), "locked.toml")
    finally:
        locked.chmod(0o644)


def test_a_folder_that_cannot_be_listed_is_an_error_row(cli, world, monkeypatch):
    (world / "class" / "closed").mkdir()
    (world / "class" / "closed" / "carol.toml").write_text(RIGHT, encoding="utf-8")
    real = os.scandir

    def refusing(path="."):
        if str(path).endswith("closed"):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(os, "scandir", refusing)
    students = run_class(cli, world)
    monkeypatch.setattr(os, "scandir", real)
    assert "cannot list the folder" in error_of(students, "closed")


def test_a_file_that_vanishes_before_it_is_read(cli, world, monkeypatch):
    from hwcheck.answers.grade import submissions

    gone = world / "class" / "gone.toml"
    gone.write_text(RIGHT, encoding="utf-8")
    real = submissions.read_text_file

    def vanishing(name, where, max_bytes, path=None, **kw):
        if name.endswith("gone.toml"):
            Path(name).unlink(missing_ok=True)
        return real(name, where, max_bytes, path, **kw)

    monkeypatch.setattr(submissions, "read_text_file", vanishing)
    before = snapshot(world)
    gone_rel = os.path.relpath(gone, world)
    students = _run_allowing_removal(cli, world, before, gone_rel)
    assert "no such file" in error_of(students, "gone.toml")


def _run_allowing_removal(cli, world, before, removed):
    """As run_class, for the one case where the test itself removes an input mid-run."""
    code, out, err = cli(
        "grade", str(world / "key.toml"), str(world / "class"), "--json", "--csv",
        str(world / "out" / "scores.csv"),
    )  # fmt: skip
    assert (code, err) == (0, "")
    after = snapshot(world)
    expected = {k: v for k, v in before.items() if k != removed}
    assert {k: v for k, v in after.items() if k != "out/scores.csv"} == expected
    students = json.loads(out)["students"]
    assert {s["student"]: s["score"] for s in students if s["student"] in EXPECTED} == EXPECTED
    return students


def test_a_link_out_of_the_folder_is_refused_and_nothing_of_it_shown(cli, world):
    (world / "secret.toml").write_text(SECRET, encoding="utf-8")
    (world / "class" / "mallory.toml").symlink_to(Path("..") / "secret.toml")
    error = error_of(run_class(cli, world), "mallory.toml")
    assert "symbolic link" in error and "secret" not in error


def test_a_link_to_a_folder_outside_is_not_followed(cli, world):
    outside = world / "elsewhere"
    outside.mkdir()
    (outside / "carol.toml").write_text(SECRET, encoding="utf-8")
    (world / "class" / "more").symlink_to(outside, target_is_directory=True)
    students = run_class(cli, world)
    assert not any("carol" in s["file"] or "more" in s["file"] for s in students)


def test_a_link_inside_the_folder_is_refused_too(cli, world):
    """Even to a file inside: a second name for alice's file would claim her id twice."""
    (world / "class" / "copy.toml").symlink_to("alice.toml")
    assert "symbolic link" in error_of(run_class(cli, world), "copy.toml")


def test_a_dangling_link_is_an_error_row(cli, world):
    (world / "class" / "nothing.toml").symlink_to(world / "no-such.toml")
    assert "symbolic link" in error_of(run_class(cli, world), "nothing.toml")


def test_a_hard_link_to_the_key_is_refused_not_graded(cli, world):
    os.link(world / "key.toml", world / "class" / "carol.toml")
    assert "this is the key" in error_of(run_class(cli, world), "carol.toml")


def test_a_symbolic_link_to_the_key_named_on_the_command_line(cli, world):
    (world / "also-key.toml").symlink_to(world / "key.toml")
    code, out, err = cli(
        "grade",
        str(world / "key.toml"),
        str(world / "class"),
        str(world / "also-key.toml"),
        "--json",
    )
    assert code == 0, err
    row = next(s for s in json.loads(out)["students"] if s["file"].endswith("also-key.toml"))
    assert "this is the key" in row["error"] and row["score"] == 0


def test_more_answers_files_than_the_bound_is_one_error_row(cli, world, monkeypatch):
    from hwcheck.answers.grade import submissions

    monkeypatch.setattr(submissions, "MAX_FILES", 2)
    (world / "class" / "carol.toml").write_text(RIGHT, encoding="utf-8")
    code, out, err = cli("grade", str(world / "key.toml"), str(world / "class"), "--json")
    assert code == 0, err
    students = json.loads(out)["students"]
    assert [s["student"] for s in students[:2]] == ["alice", "bob"]
    assert "more than 2 files" in students[-1]["error"]


# ------------------------------------------------------------------------- Gradescope


@pytest.fixture
def autograder(tmp_path):
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    (root / "source").mkdir()
    (root / "source" / "key.toml").write_text(KEY, encoding="utf-8")
    (tmp_path / "secret.toml").write_text(SECRET, encoding="utf-8")
    return root


def gradescope(cli, root: Path) -> dict:
    before = snapshot(root.parent)
    code, out, err = cli(
        "grade", str(root / "source" / "key.toml"), "--gradescope", "--autograder-root", str(root)
    )
    assert (code, err) == (0, ""), err
    after = snapshot(root.parent)
    new = {k for k in after if k not in before}
    assert new <= {"autograder/results", "autograder/results/results.json"}
    assert {k: v for k, v in after.items() if k in before} == before
    text = (root / "results" / "results.json").read_text(encoding="utf-8")
    assert "TOP_SECRET" not in text and "TOP_SECRET" not in out
    return json.loads(text)


def test_gradescope_refuses_a_link_out_of_the_submission(cli, autograder):
    (autograder / "submission" / "a.toml").symlink_to(Path("..") / ".." / "secret.toml")
    results = gradescope(cli, autograder)
    assert results["score"] == 0 and "symbolic link" in results["output"]


def test_gradescope_refuses_a_hard_link_to_the_key(cli, autograder):
    os.link(autograder / "source" / "key.toml", autograder / "submission" / "a.toml")
    results = gradescope(cli, autograder)
    assert results["score"] == 0 and "this is the key" in results["output"]


def test_gradescope_grades_a_plain_submission(cli, autograder):
    (autograder / "submission" / "a.toml").write_text(RIGHT, encoding="utf-8")
    assert gradescope(cli, autograder)["score"] == 2


# -------------------------------------------------------------------------- forged text

FORGED = ["\u061c", "\u200b", "\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069"]
FORGED += ["\U000e0000", "\U000e0001", "\U000e0041", "\U000e007f"]


def invisible(text: str) -> list[str]:
    """Characters of ``text`` that a reader cannot see (anything but printable and newline)."""
    return sorted({f"U+{ord(c):04X}" for c in text if not c.isprintable() and c != "\n"})


@pytest.mark.parametrize("fmt", ["table", "markdown", "json"])
def test_forged_text_is_shown_visibly_in_every_output(cli, world, fmt):
    """Invisible and bidi characters in values (and in a refused id) reach no output raw:
    table, Markdown, JSON, HTML and the gradebook all show them as escapes."""
    lines = [f'"B.total_params" = "4640{c}"' for c in FORGED[:1]]
    (world / "class" / "values.toml").write_text(
        "[answers]\n" + "\n".join(lines) + f'\n"B.output_shape" = "[33, 33, 32]{FORGED[1]}"\n',
        encoding="utf-8",
    )
    rows = "".join(f'"x{c}y",4640,"[1, 2{c}]"\n' for c in FORGED)
    (world / "class" / "forged.csv").write_text(
        "student,B.total_params,B.output_shape\n" + rows + f'carol,"46{FORGED[-1]}40",\n',
        encoding="utf-8",
    )
    out_csv, html = world / "out" / "g.csv", world / "out" / "r.html"
    code, out, err = cli(
        "grade", str(world / "key.toml"), str(world / "class"), "--format", fmt,
        "--csv", str(out_csv), "--html", str(html),
    )  # fmt: skip
    assert (code, err) == (0, "")
    for text in (out, out_csv.read_text(encoding="utf-8"), html.read_text(encoding="utf-8")):
        assert invisible(text) == []
    if fmt == "json":
        students = json.loads(out)["students"]
        carol = next(s for s in students if s["student"] == "carol")
        claim = next(c for c in carol["claims"] if c["key"] == "total_params")
        assert claim["claimed_text"] == "46\\U000e007f40" and claim["verdict"] != "correct"
        refused = [s for s in students if "forged.csv" in s["file"] and s.get("error")]
        assert len(refused) == len(FORGED)
        assert {s["student"]: s["score"] for s in students if s["student"] in EXPECTED} == EXPECTED


def test_gradescope_shows_forged_values_visibly(cli, autograder):
    values = "".join(FORGED)
    (autograder / "submission" / "a.toml").write_text(
        f'[answers]\n"B.total_params" = "46{values}40"\n"B.output_shape" = [33, 33, 32]\n',
        encoding="utf-8",
    )
    results = gradescope(cli, autograder)
    assert results["score"] == 1
    assert invisible(json.dumps(results, ensure_ascii=False)) == []


def test_the_walk_gives_the_order_of_sorted_paths(tmp_path):
    """Depth-first by sorted names is the order of sorted paths (``b/`` before ``b.toml``,
    ``b-c.toml`` after ``b/``), with the ids the file names give."""
    from hwcheck.answers.grade.submissions import discover

    names = ["b.toml", "b/x.toml", "b-c.toml", "a/z/q.csv", "a.toml", "B.toml", "c/d/e/f.TOML"]
    names += [".hidden.toml", "notes.txt", "b/.git/x.toml"]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("[answers]\n", encoding="utf-8")
    found = discover(tmp_path)
    expected = sorted(
        tmp_path / n
        for n in names
        if "." not in n.split("/")[-1][:1]
        and "/." not in n
        and n.lower().endswith((".toml", ".csv"))
    )
    assert [f.path for f in found] == expected
    assert [f.default_id for f in found] == ["B", "a/z/q", "a", "b/x", "b-c", "b", "c/d/e/f"]


def test_an_unforeseen_failure_reading_one_file_is_its_error_row(cli, world, monkeypatch):
    """Whatever goes wrong reading one submission (here a reader that raises a TypeError on
    one file) is that file's error row, not the end of the class."""
    from hwcheck.answers.grade import submissions

    (world / "class" / "odd.toml").write_text(RIGHT, encoding="utf-8")
    real = submissions.read_text_file

    def failing(name, where, max_bytes, path=None, **kw):
        if name.endswith("odd.toml"):
            raise TypeError("unforeseen")
        return real(name, where, max_bytes, path, **kw)

    monkeypatch.setattr(submissions, "read_text_file", failing)
    assert "TypeError: unforeseen" in error_of(run_class(cli, world), "odd.toml")


def test_a_link_swapped_in_after_the_walk_is_not_followed(cli, world, monkeypatch):
    """The walk saw a regular file; by the time it is read it is a link out of the folder."""
    from hwcheck.answers.grade import submissions

    (world / "secret.toml").write_text(SECRET, encoding="utf-8")
    swapped = world / "class" / "carol.toml"
    swapped.write_text(RIGHT, encoding="utf-8")
    real = submissions.discover

    def walk_then_swap(folder):
        found = real(folder)
        swapped.unlink()
        swapped.symlink_to(world / "secret.toml")
        return found

    monkeypatch.setattr(submissions, "discover", walk_then_swap)
    code, out, err = cli("grade", str(world / "key.toml"), str(world / "class"), "--json")
    assert (code, err) == (0, "")
    assert "TOP_SECRET" not in out
    row = next(s for s in json.loads(out)["students"] if s["file"].endswith("carol.toml"))
    assert "symbolic link" in row["error"] and row["score"] == 0


@pytest.mark.parametrize("swap", ["link", "file"])
def test_a_swap_between_the_look_and_the_open_is_refused(cli, world, monkeypatch, swap):
    """The tightest window: the file passes the look (a regular file, not a link), then a link
    out of the folder, or another file, takes its place before it is opened. The file opened
    must be the one looked at, reached without following a link."""
    from hwcheck.answers.grade import submissions

    (world / "secret.toml").write_text(SECRET, encoding="utf-8")
    target = world / "class" / "carol.toml"
    target.write_text(RIGHT, encoding="utf-8")
    real = submissions._not_a_link

    def look_then_swap(path, display):
        seen = real(path, display)
        if path.name == "carol.toml":
            target.unlink()
            if swap == "link":
                target.symlink_to(world / "secret.toml")
            else:
                target.write_text(SECRET, encoding="utf-8")  # a new file: another inode
        return seen

    keep = world / "keep.toml"  # holds the old inode, so the new file cannot reuse its number
    os.link(target, keep)
    monkeypatch.setattr(submissions, "_not_a_link", look_then_swap)
    code, out, err = cli("grade", str(world / "key.toml"), str(world / "class"), "--json")
    assert (code, err) == (0, "")
    assert "TOP_SECRET" not in out
    row = next(s for s in json.loads(out)["students"] if s["file"].endswith("carol.toml"))
    assert row["score"] == 0
    assert ("symbolic link" in row["error"]) if swap == "link" else ("changed" in row["error"])
