"""Files hwcheck writes on request (``--csv``, ``--html``, ``--gradescope``, bundles): checked
before the work (never an input, by path, link or inode; a regular file or a new one in a
writable folder) and written whole (a temporary file renamed into place), so a failed or
interrupted run leaves no half file and never touches an input."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from hwcheck.core.errors import HwcheckError


def _resolved(name: str) -> Path:
    return Path(name).expanduser().resolve()


def check_outputs(targets: list[tuple[str | None, str]], inputs: list[str]) -> None:
    """Every output path names a new or replaceable file: not an input (the key included,
    compared as resolved paths, so a symbolic link or ``../`` cannot sneak past), not a folder,
    not another output, in a folder that exists."""
    taken = {_resolved(str(i)): str(i) for i in inputs if str(i) != "-"}
    mine: dict[Path, str] = {}
    for name, option in targets:
        if not name:
            continue
        _regular_or_new(name, option)
        path = _resolved(name)
        source = taken.get(path) or next((i for i in taken.values() if _same_file(i, name)), None)
        if name == "-" or source is not None:  # the same path, a symbolic or a hard link
            what = "standard input" if name == "-" else f"the input {source}"
            raise HwcheckError(option, f"{name} is {what}; an output never overwrites an input")
        if path in mine:
            raise HwcheckError(option, f"{name} is also the output of {mine[path]}")
        if path.is_dir():
            raise HwcheckError(option, f"{name} is a folder, not a file")
        if not path.parent.is_dir():
            raise HwcheckError(option, f"cannot write {name}: no such folder {path.parent}")
        if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
            raise HwcheckError(option, f"cannot write {name}: permission denied")
        mine[path] = option


def _regular_or_new(name: str, option: str) -> None:
    """A FIFO, device or socket is refused (opening it for writing can block or destroy)."""
    try:
        mode = os.stat(name).st_mode
    except FileNotFoundError:
        return
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or "a file name cannot hold a NUL byte"
        raise HwcheckError(option, f"cannot write {name}: {reason}") from None
    if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        raise HwcheckError(option, f"{name} is not a regular file; give a new file's path")


def _same_file(a: str, b: str) -> bool:
    """The same file under two names (a hard link)."""
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError, RuntimeError):
        return False


def write_bytes(name: str, data: bytes, option: str) -> None:
    path = _resolved(name)
    try:
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.chmod(temp, 0o644)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise HwcheckError(option, f"cannot write {name}: {exc.strerror or exc}") from None


def write_text(name: str, text: str, option: str) -> None:
    write_bytes(name, text.encode("utf-8"), option)
