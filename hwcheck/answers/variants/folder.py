"""The output folder of ``variants`` (and of ``grade --feedback``): written whole or not at all.

The files are written by the one writer (:func:`hwcheck.render.files.write_folder`) into a new
hidden folder beside the target, then moved into place by one rename. The target may be missing, an
empty folder, or a folder this command wrote before (it holds only the files it writes: it is
then replaced whole); anything else is refused, so no file of the user's is ever removed. A
failure or an interruption removes the hidden folder and leaves the target as it was.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from hwcheck.core.errors import HwcheckError

#: characters a student id may not hold to name a file or folder on any common system
UNSAFE = re.compile(r'[/\\:*?"<>|]')
MAX_NAME_BYTES = 200  # a file name holds 255 bytes; the writer adds a temporary suffix
#: names Windows keeps for devices, with any extension (con.html is the console too)
RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"{d}{i}" for d in ("COM", "LPT") for i in range(1, 10))}


def reserved(name: str) -> bool:
    """Whether Windows keeps ``name`` for a device (``nul``, ``COM1.txt``)."""
    return name.split(".")[0].rstrip(" ").upper() in RESERVED


def file_name(student: str, where: str) -> str:
    """``student`` as a file or folder name, unchanged; refused (naming the id) when it cannot
    be one on Linux, macOS and Windows alike."""
    bad = UNSAFE.search(student)
    if bad or student in (".", "..") or student.startswith(".") or student.endswith((" ", ".")):
        what = f"the character {bad.group()!r}" if bad else "a leading or trailing dot or space"
        raise HwcheckError(where, f"student id '{student}' cannot name a file: it holds {what}")
    if reserved(student):
        raise HwcheckError(
            where, f"student id '{student}' cannot name a file: Windows keeps the name for a device"
        )
    if len(student.encode()) > MAX_NAME_BYTES:
        raise HwcheckError(
            where,
            f"student id '{student[:40]}…' is too long to name a file "
            f"({len(student.encode())} bytes in UTF-8, at most {MAX_NAME_BYTES})",
        )
    return student


def check_unique(names: list[str], where: str) -> None:
    """Two ids that one case-insensitive file system would store as one file."""
    seen: dict[str, str] = {}
    for name in names:
        folded = name.casefold()
        if folded in seen:
            raise HwcheckError(
                where, f"student ids '{seen[folded]}' and '{name}' differ only in case"
            )
        seen[folded] = name


def check_target(out: str, option: str, ours: Callable[[Path], bool], inputs: list[str]) -> Path:
    """The target folder, checked before any work: not a symbolic link (an output is never
    written through one, as the writer says again when it writes), new, empty, or written by
    us before; no input lives inside it; its parent folder exists and is writable. Returned as
    given, so that the writer sees the link too."""
    given = Path(out).expanduser()
    if given.is_symlink():
        raise HwcheckError(
            option, f"{out} is a symbolic link; an output is never written through a link"
        )
    path = given.resolve()
    if path.exists() and not path.is_dir():
        raise HwcheckError(option, f"{out} exists and is not a folder")
    if path.is_dir() and any(path.iterdir()) and not ours(path):
        raise HwcheckError(
            option,
            f"{out} is a folder with other files in it; give a new or empty folder",
            hint="a folder this command wrote before is replaced whole",
        )
    for name in inputs:
        if name != "-" and path in Path(name).resolve().parents:
            raise HwcheckError(option, f"the input {name} is inside {out}; it would be replaced")
    if not path.parent.is_dir() or not os.access(path.parent, os.W_OK):
        raise HwcheckError(option, f"cannot write {out}: its folder is missing or not writable")
    return given


def write_folder(path: Path, files: dict[str, bytes], option: str, after=None, ours=None) -> None:
    """``files`` (relative path → bytes) as the folder ``path``, whole or not at all, through
    the one writer (:func:`hwcheck.render.files.write_folder`); ``ours(folder)`` recognises a
    folder this command wrote before (replaced whole), ``after(temp)`` runs on the complete
    temporary folder before it moves into place."""
    from hwcheck.render.files import write_folder as write_whole

    write_whole(str(path), files, option, replaceable=ours, after=after)
