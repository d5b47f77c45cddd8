"""The model zoo: published networks as model files, each naming the reference its total
parameter count equals (``hwcheck params --model vgg16``, ``hwcheck models``).

A zoo name stands where a model file may: ``hwcheck params vgg16`` reads ``vgg16.toml`` here
unless a file of that name exists in the working directory (a file always wins).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hwcheck.errors import HwcheckError, did_you_mean
from hwcheck.numfmt import DEFAULT_DIGITS, fmt
from hwcheck.result import Result, Table

ZOO = Path(__file__).parent


def names() -> list[str]:
    return sorted(p.stem for p in ZOO.glob("*.toml"))


def resolve(model: Any) -> Any:
    """A zoo name → its model table (read here: answers files may not reach outside their
    folder, the zoo's files are ours); anything else unchanged. A bare word that is neither a
    file nor a zoo name is an error listing the nearest names."""
    if not isinstance(model, str) or model == "-" or "\n" in model or Path(model).exists():
        return model
    if model.lower() in names():
        return table(model.lower())
    if "/" not in model and "." not in model:
        raise HwcheckError(
            "<model>",
            f"no file '{model}' and no zoo model of that name{did_you_mean(model, names())}",
            hint="hwcheck models lists the zoo",
        )
    return model


def table(name: str) -> dict:
    from hwcheck.parse import parse_toml

    return parse_toml((ZOO / f"{name}.toml").read_text(encoding="utf-8"), f"{name}.toml")


@dataclass(frozen=True)
class ModelsRequest:
    """``hwcheck models`` takes no options."""


@dataclass(frozen=True)
class ModelsResult(Result):
    command = "models"

    models: list[dict[str, Any]]

    def view(self, digits: int = DEFAULT_DIGITS):
        rows = tuple(
            (m["name"], m["title"], "×".join(map(str, m["input_shape"])), fmt(m["total_params"]))
            for m in self.models
        )
        notes = tuple(f"{m['name']}: {m['reference']}" for m in self.models)
        return [
            Table(
                ("name", "model", "input", "parameters"),
                rows,
                "the model zoo (hwcheck params --model NAME)",
                notes=notes,
                align="llrr",
            )
        ]


def models(request: ModelsRequest | None = None) -> ModelsResult:
    """Every zoo model with its input, total and reference."""
    from hwcheck.arch.commands import params
    from hwcheck.arch.request import ParamsRequest

    rows = []
    for name in names():
        model = table(name)
        result = params(ParamsRequest(model=model))
        rows.append(
            {
                "name": name,
                "title": model.get("title", name),
                "input_shape": result.input_shape,
                "total_params": result.total_params,
                "reference": " ".join(str(model.get("description", "")).split()),
            }
        )
    return ModelsResult(rows)
