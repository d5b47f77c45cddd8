"""Containment of writes: every output of every command goes through the one writer
(hwcheck.render.files), which never overwrites an input of the run (under any name: the same
path, ``../``, a symbolic link, a hard link), never writes through a planted link or into a FIFO
or device, and writes whole or nothing.

Each hostile case checks: the exit code, one line on stderr naming the option, the folder tree
(every entry's kind, bytes and link target) unchanged, and no temporary file left behind.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import DATA, ROOT

GRADE = DATA / "grade"
MODEL = 'input = [35, 35, 16]\n[[layers]]\ntype = "conv2d"\nfilters = 32\nkernel = 3\n'
KEY = """[[exercise]]
id = "B"
command = "params"
model = "net.toml"
points = 2
[exercise.claims]
total_params = 4640
"""


@pytest.fixture(autouse=True)
def hang_alarm():
    """A case that would block (a FIFO opened for writing) fails instead of hanging."""
    previous = signal.signal(signal.SIGALRM, _hung)
    signal.alarm(120)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def _hung(*_):
    raise AssertionError("hung: an output was opened that blocks")


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every entry under ``folder``: (kind, bytes or link target, mode)."""
    state = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        rel = path.relative_to(folder).as_posix()
        if stat.S_ISLNK(info.st_mode):
            state[rel] = ("link", os.readlink(path))
        elif stat.S_ISREG(info.st_mode):
            state[rel] = ("file", path.read_bytes(), stat.S_IMODE(info.st_mode))
        else:
            state[rel] = (stat.S_IFMT(info.st_mode),)
    return state


def temporaries(folder: Path) -> list[str]:
    return [p.name for p in folder.rglob("*") if p.name.endswith(".hwcheck-tmp")]


@pytest.fixture
def course(tmp_path):
    """A key naming a model file, a folder of submissions, a CSV of a class."""
    (tmp_path / "net.toml").write_text(MODEL)
    (tmp_path / "key.toml").write_text(KEY)
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "alice.toml").write_text('[answers]\n"B.total_params" = 4640\n')
    (subs / "class.csv").write_text("student,B.total_params\nbob,4640\ncarol,4000\n")
    return tmp_path


def refused(cli, folder: Path, *args: str, option: str, words: str) -> None:
    """The command is refused with one line naming ``option``, and nothing changes."""
    before = snapshot(folder)
    code, out, err = cli(*args)
    assert code == 2, (code, out, err)
    assert err.count("\n") == 1 and err.startswith(f"error: {option}: "), err
    assert words in err, err
    assert snapshot(folder) == before
    assert temporaries(folder) == []


# ------------------------------------------------------------------------------- grade


def _plant(course: Path, kind: str) -> str:
    """An output path of the given hostile kind, planted in the course folder."""
    subs = course / "subs"
    plants = {
        "the key": lambda: course / "key.toml",
        "a submission": lambda: subs / "alice.toml",
        "a submission via ../": lambda: subs / ".." / "subs" / "alice.toml",
        "a file in a folder given": lambda: subs / "class.csv",
        "the model file the key names": lambda: course / "net.toml",
    }
    if kind in plants:
        return str(plants[kind]())
    target = course / "out.csv"
    if kind == "a symbolic link to a submission":
        target.symlink_to(subs / "alice.toml")
    elif kind == "a hard link to the key":
        os.link(course / "key.toml", target)
    elif kind == "a link to a file outside":
        (course / "elsewhere.txt").write_text("not an input, still never written through\n")
        target.symlink_to(course / "elsewhere.txt")
    elif kind == "a dangling link":
        target.symlink_to(course / "nowhere.csv")
    elif kind == "a FIFO":
        os.mkfifo(target)
    elif kind == "a folder":
        target.mkdir()
    return str(target)


WORDS = {
    "the key": "never overwrites an input",
    "a submission": "never overwrites an input",
    "a submission via ../": "never overwrites an input",
    "a file in a folder given": "never overwrites an input",
    "the model file the key names": "never overwrites an input",
    "a symbolic link to a submission": "never overwrites an input",
    "a hard link to the key": "never overwrites an input",
    "a link to a file outside": "never written through a link",
    "a dangling link": "never written through a link",
    "a FIFO": "not a regular file",
    "a folder": "is a folder",
}


@pytest.mark.parametrize("option", ["--csv", "--html"])
@pytest.mark.parametrize("kind", list(WORDS))
def test_grade_outputs_are_contained(cli, course, option, kind):
    target = _plant(course, kind)
    key, subs = str(course / "key.toml"), str(course / "subs")
    refused(cli, course, "grade", key, subs, option, target, option=option, words=WORDS[kind])


def test_the_model_file_is_refused_only_after_it_is_read(cli, course):
    """The key's model file is an input the command line does not name: the writer still
    knows it (every file read is noted) and refuses it after grading, writing nothing."""
    model = course / "net.toml"
    before = model.read_bytes()
    code, _, err = cli("grade", str(course / "key.toml"), str(course / "subs"), "--csv", str(model))
    assert code == 2 and "never overwrites an input" in err and model.read_bytes() == before


def test_an_output_that_is_no_input_is_replaced_whole(cli, course):
    """A rerun replaces its own earlier output (keeping its mode) and leaves no temporary."""
    out = course / "scores.csv"
    out.write_text("old\n")
    out.chmod(0o640)
    key, subs = str(course / "key.toml"), str(course / "subs")
    assert cli("grade", key, subs, "--csv", str(out))[0] == 0
    assert out.read_text().startswith("student,score,max\n")
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert temporaries(course) == []


# ------------------------------------------------------------------------------- the bundle


BUNDLE_WORDS = {
    "a submission": "ending in .zip",
    "the key": "ending in .zip",
}


@pytest.mark.parametrize(
    "kind", ["a submission", "a symbolic link to a submission", "a FIFO", "a dangling link"]
)
def test_the_bundle_is_contained(cli, course, kind):
    target = _plant(course, kind)
    if not target.endswith(".toml"):  # the same hostile kinds under a .zip name
        os.rename(target, course / "b.zip")
        target = str(course / "b.zip")
    words = BUNDLE_WORDS.get(kind, WORDS[kind])
    key, subs = str(course / "key.toml"), str(course / "subs")
    refused(cli, course, "grade", key, subs, "--gradescope-bundle", target,
            option="--gradescope-bundle", words=words)  # fmt: skip


@pytest.mark.parametrize("how", ["hard link", "symbolic link"])
def test_the_bundle_never_overwrites_a_submission_under_a_zip_name(cli, course, how):
    """``--gradescope-bundle subs/x.zip`` where x.zip is a submission under another name."""
    target = course / "subs" / "alice.zip"
    alice = course / "subs" / "alice.toml"
    os.link(alice, target) if how == "hard link" else target.symlink_to(alice)
    key, subs = str(course / "key.toml"), str(course / "subs")
    refused(cli, course, "grade", key, subs, "--gradescope-bundle", str(target),
            option="--gradescope-bundle", words="never overwrites an input")  # fmt: skip


def test_the_bundle_never_overwrites_the_file_the_key_names(cli, course):
    (course / "net.zip").write_text(MODEL)
    (course / "key.toml").write_text(KEY.replace("net.toml", "net.zip"))
    refused(cli, course, "grade", str(course / "key.toml"), "--gradescope-bundle",
            str(course / "net.zip"), option="--gradescope-bundle", words="never overwrites an input")  # fmt: skip


@pytest.mark.parametrize(
    ("sent", "code", "line"),
    [(signal.SIGTERM, 143, "error: terminated"), (signal.SIGINT, 130, "error: interrupted")],
)
def test_a_signal_during_the_bundle_leaves_nothing(course, sent, code, line):
    """SIGTERM or Ctrl-C at several moments of building the bundle: exit 143 or 130 (or killed
    before hwcheck set its handler), and the zip is absent or whole; never a temporary file,
    never exit 3."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = course / "b.zip"
    for delay in (0.2, 0.6, 1.2, 2.0, 2.8, 3.6):
        before = {k: v for k, v in snapshot(course).items() if k != "b.zip"}
        child = subprocess.Popen(
            [sys.executable, "-m", "hwcheck", "grade", "key.toml", "--gradescope-bundle", "b.zip"],
            cwd=course,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            child.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            child.send_signal(sent)
        _, err = child.communicate(timeout=120)
        assert child.returncode in (0, code, -sent), err
        if child.returncode == code:
            assert err.decode().splitlines()[-1:] == [line], err
        assert temporaries(course) == []
        if out.exists():  # finished before the signal, or the signal waited for the rename
            with zipfile.ZipFile(out) as z:
                assert z.testzip() is None and "setup.sh" in z.namelist()
            out.unlink()
        assert {k: v for k, v in snapshot(course).items() if k != "b.zip"} == before


# ------------------------------------------------------------------------------- Gradescope


def _autograder(course: Path, plant: str | None) -> Path:
    root = course / "ag"
    (root / "submission").mkdir(parents=True)
    (root / "results").mkdir()
    (root / "submission" / "answers.toml").write_text('[answers]\n"B.total_params" = 4640\n')
    results = root / "results" / "results.json"
    if plant == "a link to the key":
        results.symlink_to(course / "key.toml")
    elif plant == "a link to a file outside":
        (course / "outside.json").write_text("{}\n")
        results.symlink_to(course / "outside.json")
    elif plant == "a link to the submission":
        results.symlink_to(root / "submission" / "answers.toml")
    elif plant == "a FIFO":
        os.mkfifo(results)
    return root


@pytest.mark.parametrize(
    ("plant", "words"),
    [
        ("a link to the key", "never overwrites an input"),
        ("a link to the submission", "never overwrites an input"),
        ("a link to a file outside", "never written through a link"),
        ("a FIFO", "not a regular file"),
    ],
)
def test_results_json_is_never_written_through_a_planted_link(cli, course, plant, words):
    root = _autograder(course, plant)
    refused(cli, course, "grade", str(course / "key.toml"), "--gradescope", "--autograder-root",
            str(root), option="--gradescope", words=words)  # fmt: skip


def test_results_json_written_whole(cli, course):
    import json

    root = _autograder(course, None)
    assert (
        cli("grade", str(course / "key.toml"), "--gradescope", "--autograder-root", str(root))[0]
        == 0
    )
    assert json.loads((root / "results" / "results.json").read_text())["score"] == 2
    assert temporaries(course) == []


# ------------------------------------------------------------------------------- check, --plot


@pytest.mark.parametrize("kind", ["the answers file", "a link to it", "a hard link to it"])
def test_check_gradescope_never_overwrites_the_answers_file(cli, course, kind):
    answers = course / "key.toml"
    target = course / "r.json"
    if kind == "the answers file":
        target = answers
    elif kind == "a link to it":
        target.symlink_to(answers)
    else:
        os.link(answers, target)
    refused(cli, course, "check", str(answers), "--gradescope", str(target),
            option="--gradescope", words="never overwrites an input")  # fmt: skip


@pytest.mark.parametrize("kind", ["itself", "via ../", "a link to it", "a hard link to it"])
def test_plot_never_overwrites_its_own_input(cli, course, kind):
    """``rf m.svg --plot m.svg``: the model file under a picture's name (refused before any
    drawing, so this holds with or without matplotlib)."""
    model = course / "m.svg"
    model.write_text(MODEL)
    target = {"itself": model, "via ../": course / "subs" / ".." / "m.svg"}.get(kind)
    if target is None:
        target = course / "p.svg"
        target.symlink_to(model) if kind == "a link to it" else os.link(model, target)
    refused(cli, course, "rf", str(model), "--plot", str(target), option="--plot",
            words="never overwrites an input")  # fmt: skip


def test_plot_refuses_a_fifo_and_a_planted_link(cli, course):
    os.mkfifo(course / "f.png")
    (course / "l.png").symlink_to(course / "nowhere.png")
    for name, words in (("f.png", "not a regular file"), ("l.png", "through a link")):
        refused(cli, course, "sgd", "--steps", "2", "--plot", str(course / name),
                option="--plot", words=words)  # fmt: skip


def test_plot_is_written_whole(cli, course):
    pytest.importorskip("matplotlib")
    out = course / "trace.png"
    assert cli("sgd", "--steps", "2", "--plot", str(out))[0] == 0
    assert out.read_bytes().startswith(b"\x89PNG") and temporaries(course) == []


# ------------------------------------------------------------------------------- the API


def test_the_writer_refuses_in_the_api_too(course):
    import hwcheck
    from hwcheck.core.errors import HwcheckError

    sub = course / "subs" / "alice.toml"
    before = snapshot(course)
    with pytest.raises(HwcheckError, match="never overwrites an input"):
        hwcheck.grade(str(course / "key.toml"), [str(course / "subs")], csv=str(sub))
    assert snapshot(course) == before


def test_a_run_s_inputs_are_its_own(course):
    """What one API run read is not an input of the next: a script may grade, then write its
    gradebook over a file an earlier run read."""
    import hwcheck

    out = course / "subs" / "class.csv"
    hwcheck.grade(str(course / "key.toml"), [str(course / "subs")])
    hwcheck.grade(str(course / "key.toml"), [str(course / "subs" / "alice.toml")], csv=str(out))
    assert out.read_text().startswith("student,score,max\n")


# ------------------------------------------------------------------------------- the writer


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    from hwcheck.core.errors import HwcheckError
    from hwcheck.render import files

    out = tmp_path / "out.csv"
    out.write_text("old\n")

    def broken(*_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", broken)
    with pytest.raises(HwcheckError, match="No space left on device"):
        files.write_text(str(out), "new\n" * 1000, "--csv")
    assert out.read_text() == "old\n" and temporaries(tmp_path) == []


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    from hwcheck.render import files

    out = tmp_path / "out.csv"
    out.write_text("old\n")

    def interrupted(*_):
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        files.write_text(str(out), "new\n", "--csv")
    assert out.read_text() == "old\n" and temporaries(tmp_path) == []


@pytest.mark.parametrize("thread", ["main", "another"])
def test_a_signal_waits_for_the_rename(tmp_path, thread):
    """SIGINT arriving while the bytes are written takes effect after the rename, whichever
    thread the system hands it to: the new file is whole, there is no temporary, and the
    interrupt still reaches the caller."""
    import threading

    from hwcheck.render import files

    out = tmp_path / "out.bin"
    data = os.urandom(1 << 16)
    real_fsync = os.fsync
    stop = threading.Event()
    helper = threading.Thread(target=stop.wait, daemon=True)
    helper.start()

    def fsync_then_signal(fd):
        real_fsync(fd)
        if thread == "main":
            os.kill(os.getpid(), signal.SIGINT)
        else:
            signal.pthread_kill(helper.ident, signal.SIGINT)

    try:
        files.os.fsync = fsync_then_signal
        with pytest.raises(KeyboardInterrupt):
            files.write_bytes(str(out), data, "--csv")
    finally:
        files.os.fsync = real_fsync
        stop.set()
    assert out.read_bytes() == data and temporaries(tmp_path) == []


def test_write_folder_whole_or_nothing(tmp_path, monkeypatch):
    from hwcheck.core.errors import HwcheckError
    from hwcheck.render import files

    files.write_folder(str(tmp_path / "out"), {"a/key.toml": "x = 1\n", "m.csv": b"1\n"}, "--out")
    assert (tmp_path / "out" / "a" / "key.toml").read_text() == "x = 1\n"
    (tmp_path / "empty").mkdir()
    files.write_folder(str(tmp_path / "empty"), {"f.txt": "y"}, "--out")
    assert (tmp_path / "empty" / "f.txt").read_text() == "y"
    before = snapshot(tmp_path)
    for name, words in (("out", "not empty"), ("empty/f.txt", "not a folder")):
        with pytest.raises(HwcheckError, match=words):
            files.write_folder(str(tmp_path / name), {"g": "z"}, "--out")
    with pytest.raises(HwcheckError, match="must be relative"):
        files.write_folder(str(tmp_path / "new"), {"../escape": "z"}, "--out")
    with pytest.raises(HwcheckError, match="NUL byte"):
        files.write_folder(str(tmp_path / "new"), {"a\x00b": "z"}, "--out")
    with pytest.raises(HwcheckError, match="cannot write"):  # a file and a folder of one name
        files.write_folder(str(tmp_path / "new"), {"a": "z", "a/b": "z"}, "--out")
    monkeypatch.setattr(files.os, "rename", lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        files.write_folder(str(tmp_path / "new"), {"g": "z"}, "--out")
    assert snapshot(tmp_path) == before and temporaries(tmp_path) == []


def test_write_folder_never_replaces_a_folder_holding_an_input(tmp_path):
    from hwcheck.core.errors import HwcheckError
    from hwcheck.core.run_inputs import inputs_of_run
    from hwcheck.render import files

    (tmp_path / "in").mkdir()
    with inputs_of_run():
        files.note_inputs([str(tmp_path / "in" / "roster.csv")])  # not there: nothing noted
        (tmp_path / "in" / "roster.csv").write_text("student\nann\n")
        files.note_inputs([str(tmp_path / "in" / "roster.csv")])
        with pytest.raises(HwcheckError, match="holds the input"):
            files.write_folder(str(tmp_path / "in"), {"g": "z"}, "--out")
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "in")
    with pytest.raises(HwcheckError, match="through a link"):
        files.write_folder(str(link), {"g": "z"}, "--out")


def test_every_write_in_hwcheck_goes_through_the_writer():
    """No module but the writer opens a file for writing, renames, creates folders or saves a
    figure (the source is searched, as tests/test_style.py does for the house rules)."""
    allowed = {"hwcheck/render/files.py"}
    calls = ("write_text(", "write_bytes(", ".mkdir(", "savefig(", "os.replace(", "os.rename(")
    calls += tuple(f"shutil.{f}(" for f in ("copy", "copy2", "copyfile", "copytree", "move"))
    calls += ("shutil.rmtree(", "shutil.make_archive(", "shutil.unpack_archive(")
    found = []
    for path in sorted((ROOT / "hwcheck").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel in allowed:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            direct = any(c in code for c in calls) and "files" not in code
            opened = "open(" in code and any(
                m in code for m in ('"w', "'w", '"a', "'a", "O_WRONLY", "O_RDWR")
            )
            pipe = "devnull" in code or "write_fd" in code  # a pipe to a worker, not a file
            if (direct and not _through_writer(code)) or (opened and not pipe):
                found.append(f"{rel}:{number}: {line.strip()}")
    assert found == []


def _through_writer(code: str) -> bool:
    """``write_text(path, …, option)`` imported from hwcheck.render.files, or a figure saved
    into memory (``savefig(picture``)."""
    return "savefig(picture" in code or code.strip().startswith(("write_text(", "write_bytes("))
