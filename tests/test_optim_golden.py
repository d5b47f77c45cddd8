"""Rendered output of the optimizer commands (golden files; `pytest --update-golden` rewrites)."""

from __future__ import annotations

import pytest

import hwcheck
from hwcheck.core.jsonout import dumps
from hwcheck.render.text import render

CASES = {
    "sgd_default": ("sgd", {}),
    "adam_explain": ("adam", {"explain": True}),
    "adamw_weight_decay": ("adamw", {"weight_decay": 0.1, "steps": 2}),
    "rmsprop_centered_momentum": (
        "rmsprop",
        {"centered": True, "momentum": 0.5, "steps": 2, "explain": True},
    ),
    "adagrad_lr_decay": ("adagrad", {"lr_decay": 0.1, "steps": 3, "explain": True}),
    "sgd_divergence": ("sgd", {"problem": "quadratic", "H": "2 0; 0 1", "lr": 1.5, "steps": 100}),
    "sgd_lstsq": ("sgd", {"problem": "lstsq", "X": "1 2 0; 0 1 1", "y": "1 2", "steps": 3}),
    "gd_quadratic_k": ("gd_quadratic", {"H": "2 0; 0 1", "lr": 0.5, "steps": 3, "w0": "1 1"}),
    "gd_quadratic_indefinite": (
        "gd_quadratic",
        {"H": "1 2; 2 1", "lr": 0.1, "steps": 3, "w0": "1 0"},
    ),
    "gd_quadratic_newton": ("gd_quadratic", {"H": "3 1; 1 3", "newton": True, "lr": 1}),
}


@pytest.mark.parametrize("name", CASES)
def test_markdown(name, golden):
    command, options = CASES[name]
    golden(f"optim/{name}.md", render(getattr(hwcheck, command)(**options), None, "markdown", 6))


@pytest.mark.parametrize("name", ["sgd_default", "gd_quadratic_k"])
def test_json(name, golden):
    command, options = CASES[name]
    golden(f"optim/{name}.json", dumps(getattr(hwcheck, command)(**options).to_json()) + "\n")
