"""One declaration per command: every list of commands is derived from the specs."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import hwcheck
from hwcheck.core import registry
from hwcheck.core.registry import COMMANDS, CommandSpec
from tests.conftest import ROOT

HELP_ORDER = [
    "params",
    "rf",
    "models",
    "conv-matrix",
    "conv-backprop",
    "conv-cost",
    "separable",
    "net",
    "backprop",
    "lstsq",
    "linear-collapse",
    "pool",
    "attention",
    "iou",
    "conv-size",
    "momentum",
    "ridge",
    "derive",
    "equiv",
    "sgd",
    "adam",
    "adamw",
    "rmsprop",
    "adagrad",
    "nadam",
    "radam",
    "gd-quadratic",
    "check",
    "grade",
    "key",
    "variants",
]


def test_help_order():
    assert list(COMMANDS) == HELP_ORDER


def test_every_spec_names_real_objects_not_strings():
    from hwcheck.render.plot import FIGURES

    for spec in COMMANDS.values():
        request = spec.request_type()
        assert dataclasses.is_dataclass(request) and isinstance(request, type), spec.name
        assert callable(spec.runner) and not isinstance(spec.runner, str), spec.name
        assert spec.mistakes is None or callable(spec.mistakes), spec.name
        assert spec.plot is None or spec.plot in FIGURES, spec.name
        assert spec.request_type() is spec.request_type()


def test_derived_lists():
    from hwcheck.claims import diagnose
    from hwcheck.families.optim import optimizers as opt
    from hwcheck.families.optim.mistakes import TRACES

    optimizers = ("sgd", "adam", "adamw", "rmsprop", "adagrad", "nadam", "radam")
    assert registry.optimizers() == optimizers == TRACES
    assert set(optimizers) == set(opt.OPTIMIZERS)
    assert set(registry.plotted()) == {*optimizers, "gd-quadratic", "rf", "conv-matrix", "grade"}
    assert set(hwcheck.__all__) == {"HwcheckError", "__version__"} | {
        s.api_name for s in COMMANDS.values()
    }
    for name in ("grade", "key", "linear_collapse", "lstsq", "models", "net"):  # once missing
        assert name in hwcheck.__all__
    assert set(diagnose.families()) == {
        "params",
        "rf",
        "conv-matrix",
        "conv-backprop",
        "separable",
        "backprop",
        "derive",
        *optimizers,
        "gd-quadratic",
    }
    ids = diagnose.ids()
    assert "nadam_no_momentum_schedule" in ids and "radam_no_rectification" in ids
    assert len(ids) == len(set(ids))


def test_a_new_declaration_reaches_cli_and_api(monkeypatch, capsys):
    """A spec registered once is a CLI command and an API function, with nothing else edited."""
    from hwcheck.api import api_function
    from hwcheck.cli import main
    from hwcheck.families.conv.request import ConvCostRequest

    def runner(request):
        from hwcheck.families.conv.cost import conv_cost

        return conv_cost(request)

    spec = CommandSpec(
        "conv-cost-twin", "A twin of conv-cost.", ("conv-cost-twin",), ConvCostRequest, runner
    )
    monkeypatch.setitem(COMMANDS, spec.name, spec)
    assert api_function("conv_cost_twin")(size=8).to_json()["command"] == "conv-cost"
    try:
        main(["conv-cost-twin", "--size", "8", "--json"])
    except SystemExit as exc:
        assert exc.code == 0
    assert '"command": "conv-cost"' in capsys.readouterr().out


def test_importing_the_package_stays_light():
    code = (
        "import sys, hwcheck, hwcheck.cli\n"
        "heavy = [m for m in ('numpy', 'sympy', 'torch') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    ).stdout
    assert out.strip() == "[]"
