"""Named mistakes of training memory and compute (``params --memory``): arithmetic on the
result's own ``memory`` and ``flops``, the model's or one layer's.

Each gives the value a claim would have with one part left out or counted the wrong way: the
optimizer state, Adam's second moment, the gradients, the batch, the backward pass, a
multiply–add as one FLOP, the dtype's size.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hwcheck.claims.diagnose import Candidate, Case
from hwcheck.core.numfmt import fmt

#: the integer quantities a mistake can be made in, per group
COUNTED = {
    "memory": (
        "params_bytes",
        "grads_bytes",
        "optimizer_bytes",
        "activations_bytes",
        "total_bytes",
    ),
    "flops": ("forward", "backward", "total"),
}


@dataclass(frozen=True)
class Claimed:
    """The memory and flops a claim's key belongs to, the claimed quantity, and the run's choices."""

    memory: dict[str, int]
    flops: dict[str, int]
    group: str  # "memory" or "flops"
    key: str  # total_bytes, forward, …
    run: dict[str, Any]  # the model's memory: batch, dtype, optimizer_copies

    @property
    def value(self) -> int:
        return (self.memory if self.group == "memory" else self.flops)[self.key]


def claimed(case: Case) -> Claimed | None:
    data, path = case.data, case.path
    if data.get("command") != "params" or not isinstance(data.get("memory"), dict):
        return None
    if path[-1] not in COUNTED.get(path[-2] if len(path) >= 2 else "", ()):
        return None
    if len(path) == 2:
        at = data
    elif len(path) == 4 and path[0] == "layers":
        at = data["layers"][path[1]]
    else:
        return None
    return Claimed(at["memory"], at["flops"], path[-2], path[-1], data["memory"])


def _bytes_total(c: Claimed | None) -> bool:
    return c is not None and c.group == "memory" and c.key == "total_bytes"


def optimizer_state_forgotten(case: Case) -> Iterator[Candidate]:
    c = claimed(case)
    if _bytes_total(c) and c.memory["optimizer_bytes"]:
        value = c.value - c.memory["optimizer_bytes"]
        yield Candidate(
            value, f"{fmt(c.value)} − {fmt(c.memory['optimizer_bytes'])} = {fmt(value)}"
        )


def one_moment(case: Case) -> Iterator[Candidate]:
    """Adam, AdamW: one copy instead of two (exp_avg_sq forgotten)."""
    c = claimed(case)
    if c is None or c.group != "memory" or c.run["optimizer_copies"] != 2:
        return
    half = c.memory["optimizer_bytes"] // 2
    if c.key in ("optimizer_bytes", "total_bytes") and half:
        value = c.value - half
        yield Candidate(value, f"one copy: {fmt(c.value)} − {fmt(half)} = {fmt(value)}")


def gradients_forgotten(case: Case) -> Iterator[Candidate]:
    c = claimed(case)
    if _bytes_total(c) and c.memory["grads_bytes"]:
        value = c.value - c.memory["grads_bytes"]
        yield Candidate(value, f"{fmt(c.value)} − {fmt(c.memory['grads_bytes'])} = {fmt(value)}")


def batch_forgotten(case: Case) -> Iterator[Candidate]:
    """Activations (and FLOPs) for one sample instead of the batch."""
    c = claimed(case)
    batch = 1 if c is None else c.run["batch"]
    if batch == 1:
        return
    if c.group == "flops":
        yield Candidate(c.value // batch, f"{fmt(c.value)}/{batch} = {fmt(c.value // batch)}")
        return
    acts = c.memory["activations_bytes"]
    if c.key in ("activations_bytes", "total_bytes") and acts:
        value = c.value - acts + acts // batch
        yield Candidate(
            value, f"activations {fmt(acts)}/{batch} = {fmt(acts // batch)}: {fmt(value)}"
        )


def backward_forgotten(case: Case) -> Iterator[Candidate]:
    c = claimed(case)
    if c is not None and c.group == "flops" and c.key == "total" and c.flops["backward"]:
        yield Candidate(c.flops["forward"], f"the forward pass only: {fmt(c.flops['forward'])}")


def flops_as_macs(case: Case) -> Iterator[Candidate]:
    c = claimed(case)
    if c is not None and c.group == "flops" and c.value:
        yield Candidate(c.value // 2, f"{fmt(c.value)}/2 = {fmt(c.value // 2)}")


def dtype_size(case: Case) -> Iterator[Candidate]:
    """4 bytes a value for float16/bfloat16, or 2 for float32."""
    c = claimed(case)
    if c is None or c.group != "memory" or not c.value:
        return
    if c.run["bytes_per_value"] == 2:
        yield Candidate(2 * c.value, f"4 bytes a value, not 2: {fmt(2 * c.value)}")
    else:
        yield Candidate(c.value // 2, f"2 bytes a value, not 4: {fmt(c.value // 2)}")
