"""Reading what the user points at: ``@path`` array files (.json, .csv, .txt, .npy), text
files and standard input (bounded, regular files only), paths that must stay inside an answers
file's folder (:data:`FILE_ROOT`), and TOML tables. Contents come back unparsed or as TOML
values; the numbers in them are read by :mod:`hwcheck.core.numbers` and
:mod:`hwcheck.core.arrays`. Every error names the place.
"""

from __future__ import annotations

import contextvars
import math
import re
import sys
from pathlib import Path
from typing import Any

from hwcheck.core.errors import HwcheckError
from hwcheck.core.numbers import MAX_DIGITS, _short
from hwcheck.core.run_inputs import note_input

MAX_FILE_BYTES = 64 * 1024 * 1024  # one @file

#: Folder that ``@path`` references must stay inside (set while checking an answers file).
FILE_ROOT: contextvars.ContextVar[Path | None] = contextvars.ContextVar("FILE_ROOT", default=None)


def load_array_file(name: str, where: str, max_entries: int) -> tuple[str, list | str]:
    """``(place, content)`` of an ``@path`` array file, read within the size bounds but not yet
    parsed: nested lists for .json and .npy, the rows' text for .csv, .txt and .tsv. ``place``
    names the option and the file (``--x (m.csv)``) for the parser's messages."""
    path = resolve_path(name, where)
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return _load_npy(path, name, where, max_entries)
    if suffix not in {".json", ".csv", ".txt", ".tsv", ""}:
        raise HwcheckError(
            where, f"{name}: unsupported file type '{suffix}' (use .json, .csv, .txt or .npy)"
        )
    text = read_text_file(name, where, MAX_FILE_BYTES, path)
    if suffix == ".json":
        import json

        try:
            native = json.loads(text, parse_float=str)
        except (ValueError, RecursionError) as exc:
            raise HwcheckError(
                where, f"{name}: not valid JSON: {getattr(exc, 'msg', exc)}"
            ) from None
        if _leaves(native, max_entries) > max_entries:  # counted before any number is read
            raise HwcheckError(where, f"{name}: more than {max_entries:,} entries")
        return f"{where} ({name})", native
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise HwcheckError(where, f"{name}: empty file")
    columns = len([t for t in re.split(r"[\s,;]+", lines[0].strip()) if t])
    if len(lines) * columns > max_entries:  # the size known up front, before any number is read
        raise HwcheckError(
            where,
            f"{name}: {len(lines):,} rows × {columns:,} entries is more than "
            f"{max_entries:,} entries",
        )
    return f"{where} ({name})", "\n".join(lines) + ("\n" if len(lines) == 1 else "")


def _leaves(native, limit: int) -> int:
    """The number of non-list values in nested lists, counting stops past ``limit``."""
    count, stack = 0, [native]
    while stack and count <= limit:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        else:
            count += 1
    return count


def _load_npy(path: Path, name: str, where: str, max_entries: int) -> tuple[str, list]:
    """A .npy array, its shape and type read from the header before any data."""
    import io

    import numpy as np

    data = _read_bytes(path, name, where, MAX_FILE_BYTES)
    try:
        stream = io.BytesIO(data)
        version = np.lib.format.read_magic(stream)
        read_header = (
            np.lib.format.read_array_header_1_0
            if version == (1, 0)
            else np.lib.format.read_array_header_2_0
        )
        shape, _, dtype = read_header(stream)  # the header only: shape and type before data
    except (ValueError, OSError, SyntaxError, TypeError) as exc:
        raise HwcheckError(where, f"{name}: not a numeric .npy file ({exc})") from None
    if dtype.kind not in "iuf" or math.prod(shape) > max_entries:
        raise HwcheckError(
            where, f"{name}: expected a numeric array of at most {max_entries:,} entries"
        )
    try:
        array = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise HwcheckError(where, f"{name}: not a numeric .npy file ({exc})") from None
    return f"{where} ({name})", array.tolist()


#: folders of the operating system's own pseudo-files (sizes they report are not what they hold)
SYSTEM_FOLDERS = ("/proc", "/sys", "/dev")
_BOM = b"\xef\xbb\xbf"


def read_bytes_file(name: str, where: str, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file, read as :func:`read_text_file` reads (bounded, noted as an
    input of the run)."""
    return _read_bytes(Path(name), name, where, max_bytes)


def read_text_file(
    name: str,
    where: str,
    max_bytes: int,
    path: Path | None = None,
    *,
    same_as: tuple[int, int] | None = None,
) -> str:
    """The UTF-8 text of file ``path`` (default ``name``), or of standard input for ``-``.

    One bounded reader for every file hwcheck reads: a regular file only (a folder, FIFO,
    device, socket or ``/proc`` file is refused before it is opened, so nothing blocks), at most
    ``max_bytes`` read, a leading UTF-8 byte-order mark dropped. ``-`` (standard input) only
    from the command line: never while an answers file is being checked. ``same_as``: the
    (device, inode) the caller found at the path; the file opened must be that one, reached
    without following a link (a link or file swapped in after the caller looked is refused).
    A ``path`` resolved inside an answers file's folder must still be inside it once opened.
    """
    if name == "-":
        if FILE_ROOT.get() is not None:
            raise HwcheckError(
                where, "'-' (standard input) may be named only on the command line, not in a file"
            )
        data = _read_stdin(where, max_bytes)
    else:
        inside = FILE_ROOT.get() if path is not None else None  # resolved by resolve_path
        data = _read_bytes(path or Path(name), name, where, max_bytes, same_as, inside)
    data = data.removeprefix(_BOM)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HwcheckError(
            where, f"{_it(name, where)} is not UTF-8 text (byte {exc.start})"
        ) from None


def _it(name: str, where: str) -> str:
    return "it" if where == name else _short(name, 80)


def _read_stdin(where: str, max_bytes: int) -> bytes:
    try:
        stream = getattr(sys.stdin, "buffer", None)
        data = (
            stream.read(max_bytes + 1) if stream else sys.stdin.read(max_bytes + 1).encode("utf-8")
        )
    except (OSError, ValueError) as exc:
        raise HwcheckError(where, f"cannot read standard input: {exc}") from None
    if len(data) > max_bytes:
        raise HwcheckError(where, f"standard input is larger than {max_bytes // 1024:,} KiB")
    return data


def _read_bytes(
    path: Path,
    name: str,
    where: str,
    max_bytes: int,
    same_as: tuple[int, int] | None = None,
    inside: Path | None = None,
) -> bytes:
    """At most ``max_bytes`` of a regular file, checked with ``stat`` before it is opened
    (``same_as`` and ``inside``: :func:`read_text_file`)."""
    import errno
    import os
    import stat

    it = _it(name, where)
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise HwcheckError(where, f"{it} is {_file_kind(info.st_mode)}, not a regular file")
        if _is_system_file(path):
            raise HwcheckError(where, f"{it} is a file of the operating system, not a user file")
        if info.st_size > max_bytes:
            raise HwcheckError(where, f"{it} is larger than {max_bytes // 1024:,} KiB")
        flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0)
        if same_as is not None:
            flags |= getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(path, flags)
        try:
            opened = os.fstat(fd)
            if not stat.S_ISREG(opened.st_mode):  # swapped after the stat above
                raise HwcheckError(where, f"{it} is not a regular file")
            if same_as is not None and (opened.st_dev, opened.st_ino) != same_as:
                raise HwcheckError(where, f"{it} changed while it was read")
            if inside is not None and not _opened_inside(fd, inside):
                raise HwcheckError(where, f"{it} leaves the answers file's folder")
            note_input(str(path), opened)  # an output of this run never overwrites it
            with os.fdopen(fd, "rb", closefd=False) as handle:
                data = handle.read(max_bytes + 1)
        finally:
            os.close(fd)
    except FileNotFoundError:
        raise HwcheckError(where, f"no such file: {_short(name, 80)}") from None
    except OSError as exc:
        if same_as is not None and exc.errno == errno.ELOOP:  # O_NOFOLLOW met a link
            raise HwcheckError(where, f"{it} is a symbolic link (not followed)") from None
        raise HwcheckError(where, f"cannot read {it}: {exc.strerror or exc}") from None
    except ValueError:  # a NUL byte in the name
        raise HwcheckError(where, f"cannot read {it}: a file name cannot hold a NUL byte") from None
    if len(data) > max_bytes:
        raise HwcheckError(where, f"{it} is larger than {max_bytes // 1024:,} KiB")
    return data


def _opened_inside(fd: int, root: Path) -> bool:
    """Whether the file open as ``fd`` lies inside ``root``, by the kernel's own name for it
    (``/proc/self/fd``); where the system has none, the check before opening stands alone."""
    import os

    try:
        real = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return True
    return Path(real).is_relative_to(root.resolve())


def _file_kind(mode: int) -> str:
    import stat

    kinds = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"))
    kinds += ((stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))
    return next((label for test, label in kinds if test(mode)), "not a file")


def _is_system_file(path: Path) -> bool:
    import os

    real = os.path.realpath(path)
    return any(real == top or real.startswith(top + "/") for top in SYSTEM_FOLDERS)


def resolve_path(name: str, where: str) -> Path:
    """A user-given path; inside an answers file it must stay in the file's folder (after
    symlinks are followed) and may not be ``-``. Whether it can be read is the reader's to say."""
    root = FILE_ROOT.get()
    shown = _short(name, 80)
    if "\x00" in name:
        raise HwcheckError(where, f"path '{shown}': a file name cannot hold a NUL byte")
    if root is None:
        return Path(name).expanduser()
    if name == "-":
        raise HwcheckError(
            where, "'-' (standard input) may be named only on the command line, not in a file"
        )
    try:
        path = (root / name).resolve()
        inside = path.is_relative_to(root.resolve())
    except (OSError, RuntimeError, ValueError) as exc:  # RuntimeError: a symlink loop
        reason = getattr(exc, "strerror", None) or "a symlink loop"
        raise HwcheckError(where, f"cannot read '{shown}': {reason}") from None
    if not inside:
        raise HwcheckError(where, f"path '{shown}' leaves the answers file's folder")
    return path


def read_toml_table(value: Any, name: str, max_bytes: int) -> tuple[str, dict]:
    """(source, table) of a TOML argument: a table (API, answers file), ``-`` (standard input,
    the command line only), TOML text (API) or a path. ``name`` is the argument (``model``)."""
    if isinstance(value, dict):
        return name, value
    if not isinstance(value, str):
        raise HwcheckError(name, "expected a file name, '-' or a table")
    if value == "-":
        return "<stdin>", parse_toml(read_text_file("-", "<stdin>", max_bytes), "<stdin>")
    if "\n" in value:  # TOML text given directly (API)
        return name, parse_toml(value, name)
    path = resolve_path(value, f"<{name}>")
    return value, parse_toml(read_text_file(value, value, max_bytes, path), value)


def parse_toml(text: str, where: str, parse_float=float) -> dict:
    """A TOML document; a syntax error names its line and column (tomllib's message).
    ``parse_float`` reads each float's source text (answers files keep it: answers.toml)."""
    import tomllib

    try:
        return tomllib.loads(text, parse_float=parse_float)
    except tomllib.TOMLDecodeError as exc:
        raise HwcheckError(where, f"malformed TOML: {exc}") from None
    except RecursionError:
        raise HwcheckError(where, "malformed TOML: nested too deeply") from None
    except ValueError:  # Python's 4,300-digit limit on an integer literal
        raise HwcheckError(
            where, f"malformed TOML: a number has more than {MAX_DIGITS} digits"
        ) from None
