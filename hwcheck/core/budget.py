"""Budgets of wall-clock time for bounded work (symbolic steps), nested per run and per file.

A grader runs one answers file or submission after another; each may ask for slow symbolic
checks. ``check``/``grade`` open a budget for the whole run and one per file::

    with budget(run_seconds):
        for name in files:
            with budget(file_seconds):
                ...

Every time-bounded step asks :func:`allowance` for the time it may take: its own timeout, cut to
what the innermost budget has left. Once a budget is spent, ``allowance`` is 0 and the step
reports ``inconclusive`` (reason ``timeout``) at once, without starting. Budgets are set from the
command line only, never from a file. Without an open budget every step keeps its own timeout.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_DEADLINE: ContextVar[float | None] = ContextVar("hwcheck_deadline", default=None)


@contextmanager
def budget(seconds: float | None) -> Iterator[None]:
    """Open a budget of ``seconds`` (None: no new limit); an inner budget never outlasts the outer."""
    outer = _DEADLINE.get()
    deadline = outer if seconds is None else time.monotonic() + max(seconds, 0.0)
    if outer is not None and deadline is not None:
        deadline = min(deadline, outer)
    token = _DEADLINE.set(deadline)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def remaining() -> float | None:
    """Seconds left in the innermost open budget, or None when none is open."""
    deadline = _DEADLINE.get()
    return None if deadline is None else max(deadline - time.monotonic(), 0.0)


def allowance(timeout: float) -> float:
    """The time a bounded step may take: its own ``timeout``, cut to the budget left."""
    left = remaining()
    return timeout if left is None else min(timeout, left)


def spent() -> bool:
    """True when an open budget has no time left (the step should not start)."""
    left = remaining()
    return left is not None and left <= 0.0
