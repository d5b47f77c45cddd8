"""What asked hwcheck to stop: Ctrl-C (``KeyboardInterrupt``) or SIGTERM (:class:`Terminated`),
found even when it arrives in disguise.

A signal that lands inside C code (``Fraction`` arithmetic called from numpy, sympy's caches)
may reach the caller as ``SystemError: … returned a result with an exception set`` whose cause
is the ``KeyboardInterrupt``, or be swallowed by a handler that only meant ``Exception`` (one
bad exercise must not stop a class). The handlers of :func:`hwcheck.core.workers.sigterm_raises`
remember each signal in :data:`SIGNALLED`, so :func:`interruption` finds it either way.
"""

from __future__ import annotations

import signal

SIGNALLED: list[int] = []  # the signals that asked this process to stop, in order


class Terminated(BaseException):
    """SIGTERM, raised in the main thread (as Ctrl-C raises KeyboardInterrupt) so that every
    ``finally`` on the way out runs: the workers are ended."""


def interruption(exc: BaseException | None = None) -> BaseException | None:
    """The ``KeyboardInterrupt`` or :class:`Terminated` behind ``exc`` — itself, or anywhere in
    its chain of causes (a ``SystemError … returned a result with an exception set``) — or the
    one a signal already raised in this process; None when nothing asked the process to stop."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, (KeyboardInterrupt, Terminated)):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    if SIGNALLED:
        return Terminated() if SIGNALLED[-1] == signal.SIGTERM else KeyboardInterrupt()
    return None


def stop_if_interrupted(exc: BaseException | None = None) -> None:
    """Raise the interruption behind ``exc`` (or an earlier signal): for every handler that
    catches ``Exception`` to keep one bad input from stopping the rest, so that Ctrl-C and
    SIGTERM still stop the whole run."""
    found = interruption(exc)
    if found is not None:
        raise found
