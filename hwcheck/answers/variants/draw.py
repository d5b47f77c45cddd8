"""A student's draw: which value of each parameter, from (seed, exercise id, student id) only.

The derivation, stable across machines and Python versions (integer arithmetic and SHA-256
only; never ``random``, never a float):

1. ``base = SHA-256("hwcheck-variant\\0{seed}\\0{exercise}\\0{student}")`` over the UTF-8 bytes,
   the seed written in decimal, the student id in its roster form (NFC, no surrounding space).
2. The stream: block ``k`` (k = 0, 1, 2, …) is the integer read big-endian from
   ``SHA-256(base ‖ k as 8 bytes big-endian)``.
3. Attempt ``a`` draws the parameters in the order ``[exercise.vary]`` lists them: parameter
   ``j`` of ``P`` takes index ``block(a·P + j) mod count_j``. (A 256-bit block over at most 10¹²
   values: the bias is below 2⁻²¹⁶.)
4. An attempt whose exercise does not compute (the command refuses its options: a negative
   size, a kernel larger than its input) is followed by the next; after :data:`MAX_ATTEMPTS`
   failed attempts the exercise is an error that names it.

A student's draw involves no other student: adding or removing one changes nobody else's.

>>> draw_indices(7, "B", "alice", (3, 5), 0)
(0, 3)
"""

from __future__ import annotations

import hashlib

MAX_ATTEMPTS = 100
MAX_SEED = 2**63 - 1


def base(seed: int, exercise: str, student: str) -> bytes:
    text = f"hwcheck-variant\0{seed}\0{exercise}\0{student}"
    return hashlib.sha256(text.encode("utf-8")).digest()


def block(origin: bytes, k: int) -> int:
    return int.from_bytes(hashlib.sha256(origin + k.to_bytes(8, "big")).digest(), "big")


def draw_indices(
    seed: int, exercise: str, student: str, counts: tuple[int, ...], attempt: int
) -> tuple[int, ...]:
    """The value index of each parameter at ``attempt`` (0 first)."""
    origin = base(seed, exercise, student)
    first = attempt * len(counts)
    return tuple(block(origin, first + j) % n for j, n in enumerate(counts))
