"""The one owner of hwcheck's worker processes (``check --jobs``): start them, feed them, end them.

Each worker runs in a process group of its own, so a Ctrl-C typed at the terminal reaches only
the parent (the foreground group): no worker prints a traceback. Whatever ends the parent's wait
— a result set complete, Ctrl-C (``KeyboardInterrupt``), SIGTERM (turned into an exception by
the CLI), an error — the ``finally`` below kills every worker's whole group (the worker and
anything it started, such as a time-bounded symbolic process) and reaps it, so no process
outlives the call. On Linux a worker also dies with its parent (``PR_SET_PDEATHSIG``) should
the parent be killed outright.

Workers are forked, so they inherit the parent's imports; the time budget in force is passed in
with its absolute ``time.monotonic()`` deadline (one clock for every process of the machine),
its seconds and its name.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from hwcheck.core.interrupt import SIGNALLED, Terminated, stop_if_interrupted


def map_ordered(
    function: Callable[[Any], Any],
    items: Sequence[Any],
    jobs: int,
    deadline: Any = None,
) -> list[Any]:
    """``[function(item) for item in items]`` in up to ``jobs`` worker processes, in order.

    ``deadline`` — the budget in force (:func:`hwcheck.core.budget.current`), or a bare
    ``time.monotonic()`` deadline — is put back in each worker, with its name and seconds, so an
    inconclusive verdict there names the budget as it does here. An exception raised by
    ``function`` in a worker is raised here again.
    """
    import multiprocessing

    jobs = max(1, min(jobs, len(items)))
    if jobs == 1 or not sys.platform.startswith("linux"):
        return [_with_deadline(function, item, deadline) for item in items]
    ctx = multiprocessing.get_context("fork")
    tasks = ctx.SimpleQueue()
    pipes = [ctx.Pipe(duplex=False) for _ in range(jobs)]
    workers = [
        ctx.Process(target=_serve, args=(function, tasks, send, deadline), daemon=False)
        for _, send in pipes
    ]
    try:
        for worker in workers:
            worker.start()
            _own_group(worker.pid)
        for _, send in pipes:
            send.close()  # the parent only reads: a worker's end shows as end-of-file
        for index, item in enumerate(items):
            tasks.put((index, item))
        for _ in workers:
            tasks.put(None)
        return _collect([receive for receive, _ in pipes], len(items))
    finally:
        end_all(workers)
        tasks.close()
        for receive, _ in pipes:
            receive.close()


def _collect(readers, count: int) -> list[Any]:
    from multiprocessing.connection import wait

    out: list[Any] = [None] * count
    done, open_readers = 0, list(readers)
    while done < count:
        if not open_readers:
            raise RuntimeError("a worker process ended without its results")
        for reader in wait(open_readers):
            try:
                index, ok, value = reader.recv()
            except EOFError:  # that worker has ended (all its answers were read before)
                open_readers.remove(reader)
                continue
            if not ok:
                raise RuntimeError(value)
            out[index] = value
            done += 1
    return out


@contextlib.contextmanager
def sigterm_raises() -> Iterator[None]:
    """While the block runs, SIGTERM raises :class:`Terminated` and SIGINT
    ``KeyboardInterrupt``; each is also remembered (:func:`interruption`), because a signal that
    lands inside C code (``Fraction`` arithmetic called from numpy, sympy's caches) may reach the
    caller as a ``SystemError`` or be swallowed by a handler that only meant ``Exception``."""

    def stop(signum, frame):
        SIGNALLED.append(signum)
        raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    SIGNALLED.clear()
    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
        stop_if_interrupted()  # a signal that some handler swallowed still ends the run
    finally:
        SIGNALLED.clear()  # the next call in this process (a notebook's) starts afresh
        for s, handler in previous.items():
            signal.signal(s, handler)


def hold_signals() -> None:
    """From now on SIGINT and SIGTERM wait (for a process that is about to exit)."""
    if threading.current_thread() is threading.main_thread():
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})


@contextlib.contextmanager
def signals_held(hold: bool = True) -> Iterator[None]:
    """Delay SIGINT/SIGTERM until the block is done (they are delivered right after it): what
    the block writes is written whole."""
    signals = {signal.SIGINT, signal.SIGTERM}
    if not hold or threading.current_thread() is not threading.main_thread():
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, signals)


_POLICY = []


def child_policy() -> None:
    """From now on every process this one forks (our workers, the symbolic engine's bounded
    worker, anything else) ignores Ctrl-C — the parent decides what it ends, and a child never
    prints a traceback of its own — and, on Linux, dies with its parent. Registered once."""
    if not _POLICY and hasattr(os, "register_at_fork"):
        os.register_at_fork(before=_load_libc, after_in_child=_as_child)
        _POLICY.append(True)


def _as_child() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler: a quiet end
    _die_with_parent()


def _own_group(pid: int | None) -> None:
    """Put a worker in a process group of its own (done by both sides: no race)."""
    try:
        os.setpgid(pid or 0, pid or 0)
    except (OSError, TypeError):  # already done by the worker, or it has ended
        pass


def end_all(workers) -> None:
    """Kill every worker's process group and reap the workers."""
    for worker in workers:
        if worker.pid is None:
            continue
        try:
            os.killpg(worker.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if worker.is_alive():
            worker.kill()
    for worker in workers:
        if worker.pid is not None:
            worker.join()


def _serve(function, tasks, send, deadline) -> None:
    """A worker's loop: take (index, item) until None; answer (index, ok, value)."""
    _own_group(0)
    _as_child()
    while (task := tasks.get()) is not None:
        index, item = task
        try:
            send.send((index, True, _with_deadline(function, item, deadline)))
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises it
            send.send((index, False, f"{type(exc).__name__}: {str(exc)[:200]}"))
    send.close()


def _with_deadline(function, item, deadline):
    from hwcheck.core.budget import Open, restored

    if isinstance(deadline, (int, float)):
        deadline = Open(float(deadline), max(deadline - time.monotonic(), 0.0))
    with restored(deadline):
        return function(item)


_LIBC: list = []  # the C library, loaded once (None where there is none to call)
_PARENT: list[int] = [0]  # the pid that forked last (the child's parent)


def _load_libc() -> None:
    """Before each fork, in the parent: its pid, and (once) the C library, so that no child
    pays for loading it."""
    _PARENT[0] = os.getpid()
    if not _LIBC:
        _LIBC.append(_c_library())


def _c_library():
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True)
    except (OSError, ImportError):
        return None


def _die_with_parent() -> None:
    """Linux: the kernel sends this process SIGKILL when its parent ends."""
    if not _LIBC:
        _LIBC.append(_c_library())
    if _LIBC[0] is None:
        return
    _LIBC[0].prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if _PARENT[0] and os.getppid() != _PARENT[0]:  # the parent ended before that call
        os._exit(1)
