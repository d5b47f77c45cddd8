"""Training memory and compute (``params --memory``): bytes and FLOPs per layer and in total.

Every tensor is held in one dtype (``--dtype``: float32 4 bytes, float16 and bfloat16 2), for a
batch of B samples (``--batch``). Per layer:

- parameters: every parameter (trainable or not) × bytes;
- gradients: one per trainable parameter × bytes;
- optimizer state: copies × trainable × bytes, copies = 0 (SGD), 1 (momentum: the momentum
  buffer), 2 (Adam, AdamW: ``exp_avg`` and ``exp_avg_sq``), as torch.optim keeps them;
- activations: the layer's output, B × its size × bytes. Every layer's output counts once (the
  input does not: it is ``input_bytes``). torchinfo's "Forward/backward pass size" counts
  differently, 2 × the outputs of the layers that have parameters (an output and its gradient),
  and autograd saves what each operation's backward needs (the tests measure it): both are
  reported beside, neither replaces this convention;
- FLOPs: forward = 2·B·MACs (a multiply–add is 2 FLOPs; MACs as ``params`` counts them, bias
  and elementwise work excluded); backward = 2 × forward for every layer with MACs: ∂L/∂input
  and ∂L/∂W each cost one forward's worth (for attention's products Q·Kᵀ and A·V, the gradients
  of both operands); layers without MACs (activations, norms, pooling, merges) count 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hwcheck.core.numfmt import fmt
from hwcheck.core.result import Table

DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2}
STATE_COPIES = {"sgd": 0, "momentum": 1, "adam": 2, "adamw": 2}
STATE_NAMES = {
    "sgd": "no state",
    "momentum": "momentum_buffer",
    "adam": "exp_avg, exp_avg_sq",
    "adamw": "exp_avg, exp_avg_sq",
}
CONVENTION = (
    "activations: every layer's output kept for backward, B × its size × bytes, the input "
    "excluded (torchinfo counts 2 × the outputs of layers with parameters: torchinfo_pass_bytes)"
)
MEMORY_KEYS = ("params_bytes", "grads_bytes", "optimizer_bytes", "activations_bytes")


@dataclass(frozen=True)
class Training:
    """What ``--batch``, ``--dtype`` and ``--optimizer`` chose."""

    batch: int = 1
    dtype: str = "float32"
    optimizer: str = "adam"

    @property
    def bytes(self) -> int:
        return DTYPE_BYTES[self.dtype]

    @property
    def copies(self) -> int:
        return STATE_COPIES[self.optimizer]


def layer_memory(row: dict[str, Any], t: Training) -> dict[str, int]:
    """One layer's bytes: its parameters, their gradients and optimizer state, its output."""
    out = {
        "params_bytes": row["params"] * t.bytes,
        "grads_bytes": row["trainable"] * t.bytes,
        "optimizer_bytes": t.copies * row["trainable"] * t.bytes,
        "activations_bytes": t.batch * row["size"] * t.bytes,
    }
    return {**out, "total_bytes": sum(out.values())}


def layer_flops(row: dict[str, Any], t: Training) -> dict[str, int]:
    """forward = 2·B·MACs, backward = 2·forward."""
    forward = 2 * t.batch * row["macs"]
    return {"forward": forward, "backward": 2 * forward, "total": 3 * forward}


def with_training(rows: list[dict[str, Any]], t: Training) -> list[dict[str, Any]]:
    """The params rows, each with its ``memory`` and ``flops``."""
    return [{**row, "memory": layer_memory(row, t), "flops": layer_flops(row, t)} for row in rows]


def memory_total(rows: list[dict[str, Any]], t: Training, input_size: int) -> dict[str, Any]:
    """The model's bytes: the layers' summed, with the convention and the comparisons."""
    sums = {key: sum(r["memory"][key] for r in rows) for key in MEMORY_KEYS}
    weighted = sum(r["size"] for r in rows if r["params"])
    return {
        **sums,
        "total_bytes": sum(sums.values()),
        "convention": CONVENTION,
        "batch": t.batch,
        "dtype": t.dtype,
        "optimizer": t.optimizer,
        "bytes_per_value": t.bytes,
        "optimizer_copies": t.copies,
        "input_bytes": t.batch * input_size * t.bytes,
        "torchinfo_pass_bytes": 2 * t.batch * weighted * t.bytes,
    }


def flops_total(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {key: sum(r["flops"][key] for r in rows) for key in ("forward", "backward", "total")}


# --------------------------------------------------------------------------- the table


def state_text(row: dict[str, Any], t: Training) -> str:
    """``(1 + 1 + 2)·2,362,368·4 = 37,797,888``: parameters, gradients and state together."""
    m, p, tr = row["memory"], row["params"], row["trainable"]
    kept = m["params_bytes"] + m["grads_bytes"] + m["optimizer_bytes"]
    if not p:
        return "0"
    if p == tr:
        return f"(1 + 1 + {t.copies})·{fmt(p)}·{t.bytes} = {fmt(kept)}"
    return f"{fmt(p)}·{t.bytes} + (1 + {t.copies})·{fmt(tr)}·{t.bytes} = {fmt(kept)}"


def memory_row(row: dict[str, Any], t: Training) -> tuple[str, ...]:
    m, f = row["memory"], row["flops"]
    return (
        str(row["index"]),
        row["name"],
        f"{t.batch}·{fmt(row['size'])}·{t.bytes} = {fmt(m['activations_bytes'])}",
        state_text(row, t),
        f"2·{t.batch}·{fmt(row['macs'])} = {fmt(f['forward'])}" if row["macs"] else "0",
        f"2·{fmt(f['forward'])} = {fmt(f['backward'])}" if row["macs"] else "0",
    )


def memory_table(rows, memory: dict[str, Any], flops: dict[str, int]) -> Table:
    t = Training(memory["batch"], memory["dtype"], memory["optimizer"])
    footer = (
        (
            "",
            "total",
            fmt(memory["activations_bytes"]),
            fmt(memory["params_bytes"] + memory["grads_bytes"] + memory["optimizer_bytes"]),
            fmt(flops["forward"]),
            fmt(flops["backward"]),
        ),
    )
    return Table(
        (
            "#",
            "name",
            "activations",
            "weights + grads + state",
            "forward FLOPs",
            "backward FLOPs",
        ),
        tuple(memory_row(r, t) for r in rows),
        f"training memory and compute: batch {t.batch}, {t.dtype} ({t.bytes} bytes), {t.optimizer}",
        footer,
        memory_notes(memory, flops, t),
        "rlrrrr",
    )


def memory_notes(memory: dict[str, Any], flops: dict[str, int], t: Training) -> tuple[str, ...]:
    total = memory["total_bytes"]
    copies = f"{t.copies} cop{'y' if t.copies == 1 else 'ies'}: {STATE_NAMES[t.optimizer]}"
    return (
        (
            "columns: activations B·size·bytes; weights + grads + state"
            " (1 + 1 + copies)·params·bytes; forward FLOPs 2·B·MACs; backward FLOPs 2·forward"
        ),
        (
            f"parameters {fmt(memory['params_bytes'])} + gradients {fmt(memory['grads_bytes'])}"
            f" + optimizer state {fmt(memory['optimizer_bytes'])} ({copies}) + activations"
            f" {fmt(memory['activations_bytes'])} = {fmt(total)} bytes ({readable(total)})"
        ),
        CONVENTION,
        (
            f"input (not in the total): {fmt(memory['input_bytes'])} bytes; torchinfo's"
            f" Forward/backward pass size: {fmt(memory['torchinfo_pass_bytes'])} bytes"
        ),
        (
            f"FLOPs: forward {fmt(flops['forward'])} + backward {fmt(flops['backward'])} ="
            f" {fmt(flops['total'])} (a multiply–add is 2 FLOPs; backward = 2 × forward for"
            " layers with weights; elementwise work not counted)"
        ),
    )


def readable(n: int) -> str:
    """``12.3 GB = 11.5 GiB`` (decimal as torchinfo prints MB, binary as GPU memory is sold)."""
    if n >= 10**9:
        return f"{n / 10**9:.3g} GB = {n / 2**30:.3g} GiB"
    for unit, size in (("MB", 10**6), ("kB", 10**3)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n} bytes"
