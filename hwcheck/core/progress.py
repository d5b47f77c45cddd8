"""Progress of a long run (``check`` over many exercises), reported to whoever listens.

The CLI sets :data:`PROGRESS` when stderr is a terminal; ``check`` calls it after each exercise.
It lives in the core so the CLI and ``check`` share it without the CLI reaching into ``answers``.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable

#: optional progress callback ``(done, total, label)`` set by the CLI when stderr is a terminal
PROGRESS: contextvars.ContextVar[Callable[[int, int, str], None] | None] = contextvars.ContextVar(
    "PROGRESS", default=None
)
