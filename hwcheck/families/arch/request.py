"""Requests of ``params`` and ``rf`` (light: no numpy, no sympy)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hwcheck.core.arrays import parse_indices
from hwcheck.core.options import choice, flag, integer, text

MODEL_HELP = "Model file (TOML), '-' for standard input, or a zoo name (hwcheck models); in an answers file also an inline table."
SPEC_HELP = "The model on one line: '227x227x3 | conv2d filters=256 kernel=5 padding=same | flatten | dense units=10'."


@dataclass(frozen=True)
class ModelRequest:
    """The model, given once for both commands: a file or table, or ``--spec``, and the layout."""

    model: Any = text(None, MODEL_HELP, positional=True, also_option=True)
    spec: Any = text(None, SPEC_HELP)
    layout: str | None = choice(
        None, ("hwc", "chw"), "Override the model's layout: hwc (channels last) or chw."
    )


@dataclass(frozen=True)
class ParamsRequest(ModelRequest):
    """``hwcheck params``: the model, its counting convention, ``--explain`` and ``--emit``."""

    framework: str | None = choice(
        None, ("keras", "pytorch"), "Override the model's counting convention."
    )
    explain: bool = flag("Show the output-size arithmetic of every axis.")
    emit: str | None = choice(
        None,
        ("keras", "pytorch"),
        "Print a Python module that builds the same model in Keras 3 or PyTorch (instead of the table).",
    )
    memory: bool = flag(
        "Training memory (parameters, gradients, optimizer state, activations) and forward/backward FLOPs per layer."
    )
    batch: int | None = integer(
        None, "Batch size for --memory (default 1; implies --memory).", minimum=1, maximum=10**9
    )
    dtype: str | None = choice(
        None,
        ("float32", "float16", "bfloat16"),
        "The dtype of every tensor for --memory (default float32; implies --memory).",
    )
    optimizer: str | None = choice(
        None,
        ("sgd", "momentum", "adam", "adamw"),
        "Optimizer state for --memory: sgd 0 copies, momentum 1, adam/adamw 2 (default adam; implies --memory).",
    )

    @property
    def training(self):
        """The --memory choices, or None when none was asked for."""
        if not (self.memory or self.batch or self.dtype or self.optimizer):
            return None
        from hwcheck.families.arch.memory import Training

        return Training(self.batch or 1, self.dtype or "float32", self.optimizer or "adam")


@dataclass(frozen=True)
class RfRequest(ModelRequest):
    """``hwcheck rf``: the model, and optionally one layer and one output unit to trace."""

    framework: str | None = choice(None, ("keras", "pytorch"), "Override the model's framework.")
    layer: int | None = integer(
        None,
        "The layer to report (0-based index as in the table; negative counts from the end).",
        minimum=-10_000,
        maximum=10_000,
    )
    unit: tuple[int, ...] | None = text(
        None,
        "An output unit of that layer, e.g. 2,2: print the input region it sees.",
        parse=parse_indices,
    )
    draw: bool = flag(
        "Draw the input grid with the unit's field shaded (inputs up to 64 per side)."
    )


@dataclass(frozen=True)
class ModelsRequest:
    """``hwcheck models`` takes no options."""
