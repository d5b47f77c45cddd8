"""The inputs of a run: every file a command reads (the key, a submission, a model file, an
``@file`` matrix, a roster) is noted here by its resolved path and its (device, inode), so that
the one writer of output files (:mod:`hwcheck.render.files`) can refuse to overwrite any of them,
under any name: the same path, ``../`` detours, a symbolic link or a hard link.

A run is one command: ``CommandSpec.run`` opens :func:`inputs_of_run` (a call of the Python
API), and so does the command line around the whole command (its ``--plot`` is written after the
command's runner returned); runs nest into the outermost. Files read outside any run are kept
for the process.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class Inputs:
    """The files read so far: (device, inode) and resolved path → the name they were given."""

    by_inode: dict[tuple[int, int], str] = field(default_factory=dict)
    by_path: dict[str, str] = field(default_factory=dict)

    def note(self, name: str, info: os.stat_result | None = None) -> None:
        """Note ``name`` (``info``: its ``fstat`` when the caller holds it open)."""
        try:
            info = info or os.stat(name)
            real = os.path.realpath(name)
        except (OSError, ValueError):
            return  # nothing there (yet): nothing an output could overwrite
        self.by_inode.setdefault((info.st_dev, info.st_ino), name)
        self.by_path.setdefault(real, name)

    def source_of(self, name: str) -> str | None:
        """The input ``name`` is (by resolved path or by inode), or None."""
        try:
            real = os.path.realpath(name)
        except (OSError, ValueError):
            return None
        if real in self.by_path:
            return self.by_path[real]
        try:
            info = os.stat(name)
        except (OSError, ValueError):
            return None
        source = self.by_inode.get((info.st_dev, info.st_ino))
        return source if source is not None and _still(source, info) else None


def _still(source: str, info: os.stat_result) -> bool:
    """The input is still that file (not deleted, its inode since given to a new file)."""
    try:
        now = os.stat(source)
    except (OSError, ValueError):
        return False
    return (now.st_dev, now.st_ino) == (info.st_dev, info.st_ino)


_PROCESS = Inputs()
_RUN: contextvars.ContextVar[Inputs | None] = contextvars.ContextVar("hwcheck_run", default=None)


def current_inputs() -> Inputs:
    """The inputs of the run in progress (the process's when no run is open)."""
    return _RUN.get() or _PROCESS


@contextlib.contextmanager
def inputs_of_run() -> Iterator[Inputs]:
    """One run: a fresh record of inputs, unless a run is already open (then that one)."""
    outer = _RUN.get()
    if outer is not None:
        yield outer
        return
    mine = Inputs()
    token = _RUN.set(mine)
    try:
        yield mine
    finally:
        _RUN.reset(token)


def note_input(name: str, info: os.stat_result | None = None) -> None:
    """Record that the run reads ``name`` (a missing file is ignored)."""
    if name and name != "-":
        current_inputs().note(str(name), info)
