"""Budgets of wall-clock time for bounded work (symbolic steps), nested per run and per file.

A grader runs one answers file or submission after another; each may ask for slow symbolic
checks. ``check``/``grade`` open a budget for the whole run and one per file::

    with budget(run_seconds, "--run-budget"):
        for name in files:
            with budget(file_seconds, "--file-budget"):
                ...

Every time-bounded step asks :func:`allowance` for the time it may take: its own timeout, cut to
what the innermost budget has left. Once a budget is spent, ``allowance`` is 0 and the step
reports ``inconclusive`` (reason ``timeout``) at once, without starting. :func:`limit` says which
bound a step ran into — the budget (its name and the seconds it was opened with) or the step's
own timeout — so that an inconclusive verdict names the budget that really ran out. Budgets are
set from the command line only, never from a file. Without an open budget every step keeps its
own timeout.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from hwcheck.core.errors import HwcheckError


@dataclass(frozen=True)
class Open:
    """An open budget: its deadline (``time.monotonic()``), the seconds it was opened with, and
    its name (the option that set it: ``--file-budget``), None when unnamed."""

    deadline: float
    seconds: float
    name: str | None = None


_OPEN: ContextVar[Open | None] = ContextVar("hwcheck_budget", default=None)


@contextmanager
def budget(seconds: float | None, name: str | None = None) -> Iterator[None]:
    """Open a budget of ``seconds`` (None: no new limit); an inner budget never outlasts the outer
    (when the outer ends first, the outer is the one in force, and its name is kept)."""
    outer = _OPEN.get()
    mine = outer
    if seconds is not None:
        seconds = max(seconds, 0.0)
        mine = Open(time.monotonic() + seconds, seconds, name)
        if outer is not None and outer.deadline <= mine.deadline:
            mine = outer
    with restored(mine):
        yield


@contextmanager
def share(weight: int, of: int) -> Iterator[None]:
    """A fair share of the open budget for one piece of work: ``weight`` of the ``of`` units
    still to do (one claim of the 400 a submission has left: 1 of 400) gets that fraction of
    the time left, so one slow claim cannot spend the time of the claims after it, and what a
    quick one leaves unused goes to those after it. The share keeps the budget's name, with
    ``share`` (``--file-budget share``). Without an open budget, or for the last piece, nothing
    changes."""
    state, left = _OPEN.get(), remaining()
    if state is None or left is None or weight >= of or of <= 0:
        yield
        return
    name = state.name or "budget"
    name = name if name.endswith(" share") else f"{name} share"  # a share of a share: one word
    with budget(left * max(weight, 0) / of, name):
        yield


@contextmanager
def restored(state: Open | None) -> Iterator[None]:
    """Put back a budget taken with :func:`current` (in a worker process: the clock is the
    machine's, so the deadline holds there too). None leaves the budgets as they are."""
    if state is None:
        yield
        return
    token = _OPEN.set(state)
    try:
        yield
    finally:
        _OPEN.reset(token)


def current() -> Open | None:
    """The budget in force, or None."""
    return _OPEN.get()


def remaining() -> float | None:
    """Seconds left in the innermost open budget, or None when none is open."""
    state = _OPEN.get()
    return None if state is None else max(state.deadline - time.monotonic(), 0.0)


def allowance(timeout: float) -> float:
    """The time a bounded step may take: its own ``timeout``, cut to the budget left."""
    left = remaining()
    return timeout if left is None else min(timeout, left)


def spent() -> bool:
    """True when an open budget has no time left (the step should not start)."""
    left = remaining()
    return left is not None and left <= 0.0


def limit(timeout: float | None = None) -> tuple[float | None, str | None]:
    """(seconds, name) of the bound a step with its own ``timeout`` runs into: the open budget
    when it leaves less than ``timeout`` (or is spent), else the step's own ``timeout`` (name
    None). Asked before the step starts, it names the bound that will stop it, if one does."""
    state = _OPEN.get()
    left = remaining()
    if state is not None and (timeout is None or left is None or left < timeout):
        return state.seconds, state.name
    return timeout, None


class OutOfTime(HwcheckError):
    """Exact work an open budget stopped between two of its slices (in ``check`` and ``grade``:
    that exercise's error row, the rest of the run goes on)."""


def checkpoint(where: str) -> None:
    """Called between two slices of exact work (a pivot, a block of rows): raise the signal that
    asked hwcheck to stop, if one did, or :class:`OutOfTime` naming the spent budget."""
    from hwcheck.core.interrupt import stop_if_interrupted

    stop_if_interrupted()
    if spent():
        seconds, name = limit()
        bound = f"the {name} of {seconds:g} s" if name else "the time budget"
        raise OutOfTime(where, f"stopped: {bound} ran out before the exact computation ended")
