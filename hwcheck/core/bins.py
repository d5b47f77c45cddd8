"""A class's scores in equal bins: the HTML report's histogram and ``grade --plot`` share them."""

from __future__ import annotations

import math

BINS = 10


def bins(scores: list[float], top: float) -> list[int]:
    """Counts of ``scores`` in BINS equal bins over [0, top] (the last bin closed).

    >>> bins([0, 5, 9.99, 10], 10)
    [1, 0, 0, 0, 0, 1, 0, 0, 0, 2]
    """
    counts = [0] * BINS
    for s in scores:
        i = BINS - 1 if top <= 0 else min(math.floor(s / top * BINS), BINS - 1)
        counts[max(i, 0)] += 1
    return counts
