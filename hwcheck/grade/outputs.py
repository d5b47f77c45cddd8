"""Files that ``grade`` writes: checked before grading (never an input, a writable place) and
written whole (a temporary file renamed into place), so a failed run leaves no half report."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

from hwcheck.errors import HwcheckError


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
        path = _resolved(name)
        if name == "-" or path in taken:
            what = "standard input" if name == "-" else f"the input {taken[path]}"
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


def spreadsheet_safe(cell: str) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP: prefix ``'`` to = + - @ tab CR)."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def scores_csv(result) -> str:
    """``student,score,max``: one row per student in input order (a gradebook import)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", "score", "max"])
    for s in result.students:
        writer.writerow([spreadsheet_safe(s["student"]), _number(s["score"]), _number(s["max"])])
    return buffer.getvalue()


def _number(x: float) -> str:
    return f"{x:.6f}".rstrip("0").rstrip(".") if isinstance(x, float) else str(x)
