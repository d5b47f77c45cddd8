"""The inputs of a run: every file a command reads (the key, a submission, a model file, an
``@file`` matrix, a roster) is noted here by its resolved path and its (device, inode), so that
the one writer of output files (:mod:`hwcheck.render.files`) can refuse to overwrite any of them,
under any name: the same path, ``../`` detours, a symbolic link or a hard link.

A run is one command (``CommandSpec.run`` opens :func:`inputs_of_run`; runs nest into the
outermost). Files noted outside any run (a command-line process writes its ``--plot`` after the
command ran) are kept for the process: one process of the command line is one run.
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
        return self.by_inode.get((info.st_dev, info.st_ino))


_PROCESS = Inputs()
_RUN: contextvars.ContextVar[Inputs | None] = contextvars.ContextVar("hwcheck_run", default=None)


def current_inputs() -> Inputs:
    """The inputs of the run in progress (the process's when no run is open)."""
    return _RUN.get() or _PROCESS


@contextlib.contextmanager
def inputs_of_run() -> Iterator[Inputs]:
    """One run: a fresh record of inputs, unless a run is already open (then that one). When the
    outermost run ends, what it read joins the process's record."""
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
        for key, name in mine.by_inode.items():
            _PROCESS.by_inode.setdefault(key, name)
        for key, name in mine.by_path.items():
            _PROCESS.by_path.setdefault(key, name)


def note_input(name: str, info: os.stat_result | None = None) -> None:
    """Record that the run reads ``name`` (a missing file is ignored)."""
    if name and name != "-":
        current_inputs().note(str(name), info)
