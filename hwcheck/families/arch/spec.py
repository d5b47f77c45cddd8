"""The architecture family's commands: ``params``, ``rf`` and ``models``."""

from __future__ import annotations

from hwcheck.core.registry import CommandSpec, register


def requests():
    """The request module, imported only by the command that runs (start-up stays light)."""
    from hwcheck.families.arch import request

    return request


def mistakes() -> tuple:
    from hwcheck.families.arch.mistakes import CATALOGUE

    return CATALOGUE


def params(request):
    from hwcheck.families.arch.results import params

    return params(request)


def rf(request):
    from hwcheck.families.arch.results import rf

    return rf(request)


def models(request):
    from hwcheck.families.arch.zoo import models

    return models(request)


SPECS = register(
    CommandSpec(
        "params",
        "Output shape, parameters and MACs of every layer of a model, with the arithmetic.",
        (
            'params --spec "35x35x16 | conv2d filters=32 kernel=3 padding=same"',
            'params --spec "500x7 | conv1d filters=16 kernel=3 | maxpool1d kernel=2 | flatten | dense units=5" --explain',
            'params --spec "35x35x16 | conv2d filters=32 kernel=3 padding=same" --claim total_params=4640',
        ),
        lambda: requests().ParamsRequest,
        params,
        mistakes=mistakes,
    ),
    CommandSpec(
        "rf",
        "Receptive field, jump and start of every layer of a model (Araujo et al., Distill 2019).",
        (
            'rf --spec "32x32x1 | conv2d filters=1 kernel=3 | conv2d filters=1 kernel=3 | conv2d filters=1 kernel=3 | conv2d filters=1 kernel=3"',
            'rf --spec "16x16x1 | conv2d filters=1 kernel=3 | conv2d filters=1 kernel=3 stride=2" --unit 2,2 --draw',
            'rf --spec "32x32x1 | conv2d filters=1 kernel=3 | conv2d filters=1 kernel=3" --claim rf_area=25',
        ),
        lambda: requests().RfRequest,
        rf,
        mistakes=mistakes,
        plot="field",
    ),
    CommandSpec(
        "models",
        "The model zoo: published networks with their parameter counts and references.",
        ("models", "models --json"),
        lambda: requests().ModelsRequest,
        models,
        calculator=False,
    ),
)
