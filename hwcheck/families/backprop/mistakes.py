"""Named mistakes of backpropagation by hand (filled below)."""

from __future__ import annotations

CATALOGUE: tuple = ()
