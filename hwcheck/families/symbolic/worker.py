"""Bounded symbolic work: a function run in a child process that is killed at its time bound.

sympy and mpmath can run for hours on a small input, so every step whose time cannot be bounded
by its size runs here (a step inside the size gates of :mod:`hwcheck.families.symbolic.size`
runs in process instead, through :func:`in_process`, with no clock: its outcome is the same on
any machine and under any load)::

    outcome = bounded(symbolic_proof, (a, b), timeout=5.0)
    outcome.status   # "done", "failed" (the function raised) or "timeout"

The time comes from :func:`hwcheck.core.budget.allowance`: the step's own timeout, cut to what the
open budget (per file, per run) has left; once a budget is spent the step does not start and its
outcome is ``timeout`` at once. A time-decided outcome is always ``timeout`` — never a failure
and never a value — and carries ``stopped``, the :class:`hwcheck.core.result.Undecided` naming
the bound that ran out, so callers report it as ``inconclusive`` (reason ``timeout``).

On POSIX the child is a plain ``os.fork`` (allowed inside the daemonic workers of ``check
--jobs``, where ``multiprocessing`` refuses children). It never outlives its parent: on Linux
``PR_SET_PDEATHSIG`` kills it when the parent dies (SIGTERM, SIGKILL), elsewhere it watches its
parent's pid. It ignores Ctrl-C (the parent, interrupted, kills it and reports one line), writes
nothing to stdout or stderr and leaves with ``os._exit`` (no inherited buffers flushed twice).
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

from hwcheck.core import budget as timebudget
from hwcheck.core.result import Undecided


@dataclass(frozen=True)
class Outcome:
    status: str  # done, failed, timeout
    value: Any = None
    stopped: Undecided | None = None  # with a timeout: the bound that ran out

    @property
    def done(self) -> bool:
        return self.status == "done"

    @property
    def timed_out(self) -> bool:
        return self.status == "timeout"


def bounded(function, args: tuple, timeout: float) -> Outcome:
    """``function(*args)`` in a child process, stopped after the allowed time."""
    stopped = stopped_by(timeout)
    allowed = timebudget.allowance(timeout)
    if timebudget.spent() or allowed <= 0:
        return Outcome("timeout", stopped=stopped)
    if not hasattr(os, "fork"):  # pragma: no cover - Windows
        outcome = _bounded_spawn(function, args, allowed)
    else:
        outcome = _bounded_fork(function, args, allowed)
    return Outcome("timeout", stopped=stopped) if outcome.timed_out else outcome


def in_process(function, args: tuple, timeout: float) -> Outcome:
    """``function(*args)`` here, with no clock: for a step whose cost its input's size bounds
    (:mod:`hwcheck.families.symbolic.size`), so its outcome is the same on any machine. A spent
    budget still stops it before it starts (``timeout``, as :func:`bounded` says it); an
    exception is ``failed``, as in the worker."""
    if timebudget.spent():
        return Outcome("timeout", stopped=stopped_by(timeout))
    try:
        return Outcome("done", function(*args))
    except Exception:  # noqa: BLE001 - a failure is just "no answer", as in the worker
        return Outcome("failed")


def stopped_by(timeout: float | None) -> Undecided:
    """What a step with its own ``timeout`` says when it is stopped: the open budget that leaves
    it less time, or its own bound (asked before the step starts)."""
    seconds, name = timebudget.limit(timeout)
    return Undecided("timeout", seconds, name)


# ----------------------------------------------------------------------------- fork (POSIX)


def _die_with_parent(parent: int) -> None:  # pragma: no cover - runs in the child
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):
            _watch_parent(parent)
    else:
        _watch_parent(parent)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _watch_parent(parent: int) -> None:  # pragma: no cover - runs in the child
    def watch():
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _block(signals) -> set | None:
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "pthread_sigmask"
    ):
        return None
    return signal.pthread_sigmask(signal.SIG_BLOCK, signals)


def _restore(mask) -> None:
    if mask is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def _child(
    function, args, write_fd: int, parent: int, read_fd: int, mask
) -> None:  # pragma: no cover
    code = 0
    try:
        os.close(read_fd)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and kills us
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _restore(mask)
        _die_with_parent(parent)
        devnull = os.open(os.devnull, os.O_RDWR)  # nothing the child does reaches the terminal
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        try:
            data = pickle.dumps(("done", function(*args)), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:  # noqa: BLE001 - a failure in the child is just "no answer"
            data = pickle.dumps(("failed", None))
        with os.fdopen(write_fd, "wb") as out:
            out.write(data)
    except BaseException:  # noqa: BLE001
        code = 1
    finally:
        os._exit(code)


def _bounded_fork(function, args: tuple, allowed: float) -> Outcome:
    parent = os.getpid()
    read_fd, write_fd = os.pipe()
    # Ctrl-C and SIGTERM wait until both sides are ready: the child ignores SIGINT before it can
    # see one, and in the parent the signal lands inside the try below, which reaps the child
    mask = _block((signal.SIGINT, signal.SIGTERM))
    try:
        pid = os.fork()
    except OSError:  # no processes left: no bound possible, so no answer
        _restore(mask)
        os.close(read_fd)
        os.close(write_fd)
        return Outcome("timeout")
    if pid == 0:  # pragma: no cover - the child
        _child(function, args, write_fd, parent, read_fd, mask)
    os.close(write_fd)
    deadline = time.monotonic() + allowed
    chunks: list[bytes] = []
    finished = False
    try:
        _restore(mask)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select([read_fd], [], [], left)
            if not ready:
                break
            chunk = os.read(read_fd, 1 << 20)
            if not chunk:
                finished = True
                break
            chunks.append(chunk)
    finally:
        os.close(read_fd)
        _reap(pid, kill=not finished)
    if not finished:
        return Outcome("timeout")
    try:
        status, value = pickle.loads(b"".join(chunks))
    except Exception:  # noqa: BLE001 - the child died mid-write (killed from outside)
        return Outcome("failed")
    return Outcome(status, value)


def _reap(pid: int, kill: bool) -> None:
    if kill:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    while True:
        try:
            os.waitpid(pid, 0)
            return
        except InterruptedError:
            continue
        except ChildProcessError:
            return
        except KeyboardInterrupt:  # a second Ctrl-C while reaping: kill, reap, then re-raise
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
            raise


# --------------------------------------------------------------------------- spawn fallback


def _spawn_worker(function, args, conn) -> None:  # pragma: no cover - other platforms
    try:
        conn.send(("done", function(*args)))
    except Exception:  # noqa: BLE001
        conn.send(("failed", None))
    finally:
        conn.close()


def _bounded_spawn(function, args: tuple, allowed: float) -> Outcome:  # pragma: no cover
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    worker = ctx.Process(target=_spawn_worker, args=(function, args, send), daemon=True)
    try:
        worker.start()
    except (AssertionError, OSError):
        send.close()
        receive.close()
        return Outcome("timeout")
    send.close()
    try:
        if receive.poll(allowed):
            try:
                return Outcome(*receive.recv())
            except EOFError:
                return Outcome("failed")
        return Outcome("timeout")
    finally:
        if worker.is_alive():
            worker.kill()
        worker.join()
        receive.close()
