"""The one writer of the files hwcheck writes on request (``--csv``, ``--html``, ``--gradescope``,
``results.json``, ``--gradescope-bundle``, ``--plot``, folders of files): never an input, never
through a link, whole or nothing.

- **Never an input.** Every file the run reads is noted by :mod:`hwcheck.core.run_inputs` (its
  resolved path and its device and inode); an output that is one of them under any name (the same
  path, ``../``, a symbolic link to it, a hard link) is refused. Commands also name their inputs
  before the work (:func:`check_outputs`), so a refusal comes before any computing.
- **Never through a link, never into a FIFO or device.** An output path that is a symbolic link
  (even one pointing at a file of no importance), a FIFO, a device or a socket is refused: one
  line, exit 2, nothing written.
- **Whole or nothing.** The bytes go to a temporary file in the same folder, are flushed to disk
  (``fsync``), and the temporary file is renamed over the target (``os.replace``, atomic); any
  failure removes the temporary file, and Ctrl-C or SIGTERM wait until the rename is done, so an
  interrupted run leaves either the old file or the whole new one, never a part and never a
  temporary file. :func:`write_folder` does the same for a folder of files.

The API for commands: :func:`check_outputs` (before the work), :func:`write_bytes`,
:func:`write_text` and :func:`write_folder` (after it), :func:`make_folder`
for a folder outputs go into. Inputs the run reads through :mod:`hwcheck.core.inputs` are noted
there; others with :func:`note_inputs`. A run is ``CommandSpec.run`` (:func:`inputs_of_run`
opens one elsewhere, e.g. in a script that writes with this module directly).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import stat
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path, PurePosixPath

from hwcheck.core.errors import HwcheckError
from hwcheck.core.run_inputs import Inputs, current_inputs, inputs_of_run, note_input

__all__ = [
    "check_output",
    "check_outputs",
    "inputs_of_run",
    "make_folder",
    "note_inputs",
    "write_bytes",
    "write_folder",
    "write_text",
]

TEMP_SUFFIX = ".hwcheck-tmp"  # a temporary file or folder while an output is written
NEW_FILE_MODE = 0o644


def note_inputs(names: Iterable[str]) -> None:
    """Files the run reads (or will read): no output of the run may be any of them."""
    for name in names:
        note_input(str(name))


def check_outputs(targets: list[tuple[str | None, str]], inputs: Iterable[str] = ()) -> None:
    """Before the work: every output ``(path, option)`` given names a new or replaceable regular
    file (not an input of the run, not a link, not a folder or FIFO, not another output) in a
    folder that exists and can be written. ``inputs`` are noted as inputs of the run."""
    note_inputs(str(i) for i in inputs if str(i) != "-")
    mine: dict[str, str] = {}
    for name, option in targets:
        if not name:
            continue
        check_output(name, option)
        real = os.path.realpath(_path(name))
        if real in mine:
            raise HwcheckError(option, f"{name} is also the output of {mine[real]}")
        mine[real] = option


def check_output(name: str, option: str) -> None:
    """One output path, as :func:`check_outputs` checks it (the writers check again)."""
    _check_target(name, option, current_inputs())


def _path(name: str) -> Path:
    return Path(name).expanduser()


def _check_target(name: str, option: str, inputs: Inputs) -> os.stat_result | None:
    """The target's ``lstat`` (None when it does not exist yet), or a one-line refusal."""
    if name == "-":
        raise HwcheckError(option, "- is standard input; an output never overwrites an input")
    if "\x00" in name:
        raise HwcheckError(option, "cannot write it: a file name cannot hold a NUL byte")
    source = inputs.source_of(str(_path(name)))
    if source is not None:
        what = "an input of this run" if source == name else f"the input {source}"
        raise HwcheckError(option, f"{name} is {what}; an output never overwrites an input")
    info = _lstat(name, option)
    _refuse_kind(name, option, info)
    _check_folder(name, option, _path(name).parent)
    if info is not None and not os.access(_path(name), os.W_OK):
        raise HwcheckError(option, f"cannot write {name}: permission denied")
    return info


def _lstat(name: str, option: str) -> os.stat_result | None:
    try:
        return os.lstat(_path(name))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise HwcheckError(option, f"cannot write {name}: {exc.strerror or exc}") from None


def _refuse_kind(name: str, option: str, info: os.stat_result | None) -> None:
    """A link, a folder, a FIFO, a device or a socket is never an output."""
    if info is None or stat.S_ISREG(info.st_mode):
        return
    if stat.S_ISLNK(info.st_mode):
        what = "a symbolic link; an output is never written through a link"
        raise HwcheckError(option, f"{name} is {what} (remove it or give a new file's path)")
    if stat.S_ISDIR(info.st_mode):
        raise HwcheckError(option, f"{name} is a folder, not a file")
    raise HwcheckError(option, f"{name} is not a regular file; give a new file's path")


def _check_folder(name: str, option: str, folder: Path) -> None:
    if not folder.is_dir():
        raise HwcheckError(option, f"cannot write {name}: no such folder {os.path.abspath(folder)}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise HwcheckError(option, f"cannot write {name}: permission denied")


# ------------------------------------------------------------------------------- signals


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Ctrl-C and SIGTERM that arrive in the block take effect right after it: the handlers are
    swapped for ones that only note the signal (whichever thread the system delivers it to),
    then restored and the signal raised again. Elsewhere than the main thread: no change."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    if any(h is None for h in previous.values()):  # a handler set outside Python: keep it
        yield
        return
    for number in previous:
        signal.signal(number, lambda received, _frame: caught.append(received))
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        for number in dict.fromkeys(caught):
            signal.raise_signal(number)


# ------------------------------------------------------------------------------- one file


def write_bytes(name: str, data: bytes, option: str) -> None:
    """Write ``data`` to ``name`` whole (checked again: the run has read more files by now)."""
    info = _check_target(name, option, current_inputs())
    mode = stat.S_IMODE(info.st_mode) if info is not None else NEW_FILE_MODE
    path = _path(name)
    try:
        with signals_deferred():  # Ctrl-C and SIGTERM wait for the rename: the old file or the new
            _replace_whole(path, data, mode)
    except OSError as exc:
        raise HwcheckError(option, f"cannot write {name}: {exc.strerror or exc}") from None


def write_text(name: str, text: str, option: str) -> None:
    write_bytes(name, text.encode("utf-8"), option)


def _replace_whole(path: Path, data: bytes, mode: int) -> None:
    """A temporary file in the target's folder, flushed to disk, renamed over the target. The
    temporary name is chosen before the file is made, so whatever stops the write (an error, a
    signal the deferral could not hold) finds it and removes it."""
    temp = path.parent / f".{path.name}.{secrets.token_hex(8)}{TEMP_SUFFIX}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        handle = os.open(temp, flags | getattr(os, "O_CLOEXEC", 0), 0o600)
    except FileExistsError:  # not ours (a 64-bit random name taken): never removed
        raise
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)  # atomic; replaces a name, never follows a link
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """The rename itself on disk (where the system lets a folder be opened for that)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ------------------------------------------------------------------------------- a folder


def write_folder(
    name: str,
    files: Mapping[str, str | bytes],
    option: str,
    *,
    replaceable: Callable[[Path], bool] | None = None,
    after: Callable[[Path], None] | None = None,
) -> None:
    """A folder of files (``files``: relative POSIX path → content), whole or nothing: built
    beside the target under a temporary name and renamed into place. The target is a new folder
    or an empty one, or one ``replaceable(folder)`` recognises as this command's own earlier
    output (then replaced whole); a folder that holds anything else is refused, so nothing of
    the user's is lost; no input of the run may lie inside it. ``after(temp)`` runs on the
    complete temporary folder before it moves into place (``variants --pdf`` compiles there)."""
    folder = _path(name)
    _check_new_folder(name, option, current_inputs(), replaceable)
    entries = [(_relative(rel, option), content) for rel, content in files.items()]
    temp = None
    try:
        with signals_deferred():
            temp = Path(
                tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.", suffix=TEMP_SUFFIX)
            )
        for rel, content in entries:
            _write_new(temp / rel, content.encode("utf-8") if isinstance(content, str) else content)
        if after is not None:
            after(temp)
        os.chmod(temp, 0o755)
        with signals_deferred():
            _swap_in(temp, folder, replaceable)
            temp = None
    except OSError as exc:
        raise HwcheckError(option, f"cannot write {name}: {exc.strerror or exc}") from None
    finally:
        if temp is not None:
            with signals_deferred():
                shutil.rmtree(temp, ignore_errors=True)
    _sync_folder(folder.parent)


def _check_new_folder(name: str, option: str, inputs: Inputs, replaceable=None) -> None:
    if name == "-" or "\x00" in name:
        raise HwcheckError(option, f"cannot write a folder named {name!r}")
    folder = _path(name)
    info = _lstat(name, option)
    if info is not None and stat.S_ISLNK(info.st_mode):
        raise HwcheckError(
            option, f"{name} is a symbolic link; an output is never written through a link"
        )
    if info is not None and not stat.S_ISDIR(info.st_mode):
        raise HwcheckError(option, f"{name} exists and is not a folder")
    real = os.path.realpath(folder)
    inside = next(
        (n for p, n in inputs.by_path.items() if p == real or p.startswith(real + os.sep)), None
    )
    if inside is not None:
        raise HwcheckError(
            option, f"{name} holds the input {inside}; an output never overwrites an input"
        )
    ours = replaceable is not None and info is not None and replaceable(folder)
    if info is not None and not ours and not _empty(folder, name, option):
        raise HwcheckError(
            option,
            f"{name} is a folder that is not empty; give a new or an empty folder",
            hint="a folder this command wrote before is replaced whole" if replaceable else None,
        )
    _check_folder(name, option, folder.parent)


def _empty(folder: Path, name: str, option: str) -> bool:
    try:
        with os.scandir(folder) as entries:
            return next(entries, None) is None
    except OSError as exc:
        raise HwcheckError(option, f"cannot write {name}: {exc.strerror or exc}") from None


def _relative(rel: str, option: str) -> PurePosixPath:
    path = PurePosixPath(rel)
    if "\x00" in rel:
        raise HwcheckError(option, f"a file name inside the folder holds a NUL byte: {rel!r}")
    if path.is_absolute() or not path.parts or any(p in ("", ".", "..") for p in path.parts):
        raise HwcheckError(option, f"a file name inside the folder must be relative: {rel!r}")
    return path


def _write_new(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(
        path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), NEW_FILE_MODE
    )
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def _swap_in(temp: Path, folder: Path, replaceable=None) -> None:
    """The built folder takes the target's name. An empty target folder is removed first (rmdir
    fails rather than lose a file put there since); one ``replaceable`` recognises is moved
    aside, and removed once the new one is in place (put back if the rename fails)."""
    if not folder.is_dir():
        os.rename(temp, folder)
        return
    if replaceable is None or _empty(folder, str(folder), "folder"):
        folder.rmdir()
        os.rename(temp, folder)
        return
    old = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.", suffix=TEMP_SUFFIX))
    os.rename(folder, old / "previous")
    try:
        os.rename(temp, folder)
    except OSError:
        os.rename(old / "previous", folder)
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)


def make_folder(name: str, option: str) -> Path:
    """A folder an output goes into (created with its parents when missing)."""
    folder = _path(name)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HwcheckError(option, f"cannot create {folder}: {exc.strerror or exc}") from None
    return folder
