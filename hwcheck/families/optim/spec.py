"""The optimizer family's commands: one trace command per optimizer, and ``gd-quadratic``.

A new optimizer is its rule class in :mod:`hwcheck.families.optim.optimizers` (named in
``OPTIMIZERS``), its options and request in :mod:`hwcheck.families.optim.request`, and one
:func:`optimizer` line here; the CLI flags, answers-file keys, API function, ``--plot``,
``--compare`` and the trace mistakes follow from these.
"""

from __future__ import annotations

from hwcheck.core.registry import CommandSpec, register


def requests():
    """The request module, imported only by the command that runs (a dozen dataclasses)."""
    from hwcheck.families.optim import request

    return request


def mistakes() -> tuple:
    from hwcheck.families.optim.mistakes import CATALOGUE

    return CATALOGUE


def trace_runner(name: str):
    """The runner of optimizer ``name``: its trace on the request's problem."""

    def run(request):
        from hwcheck.families.optim.results import run_trace

        return run_trace(name, request)

    run.__name__ = run.__qualname__ = name
    return run


def optimizer(name: str, summary: str, example: str, request) -> CommandSpec:
    return CommandSpec(
        name,
        summary,
        (example, f'{name} --problem quadratic --H "2 0; 0 1" --w0 "1 1" --steps 3'),
        request,
        trace_runner(name),
        result="trace",
        mistakes=mistakes,
        plot="trace",
        optimizer=True,
    )


def gd_quadratic(request):
    from hwcheck.families.optim.results import gd_quadratic

    return gd_quadratic(request)


SPECS = register(
    optimizer(
        "sgd",
        "SGD trace (momentum, dampening, Nesterov, weight decay) as torch.optim.SGD computes it.",
        "sgd --steps 4",
        lambda: requests().SgdRequest,
    ),
    optimizer(
        "adam",
        "Adam trace with moments and bias corrections, as torch.optim.Adam computes it.",
        "adam --steps 4 --explain",
        lambda: requests().AdamRequest,
    ),
    optimizer(
        "adamw",
        "AdamW trace (decoupled weight decay), as torch.optim.AdamW computes it.",
        "adamw --steps 4 --weight-decay 0.01",
        lambda: requests().AdamwRequest,
    ),
    optimizer(
        "rmsprop",
        "RMSprop trace (alpha, centered, momentum), as torch.optim.RMSprop computes it.",
        "rmsprop --steps 4",
        lambda: requests().RmspropRequest,
    ),
    optimizer(
        "adagrad",
        "Adagrad trace (lr decay, initial accumulator), as torch.optim.Adagrad computes it.",
        "adagrad --steps 4",
        lambda: requests().AdagradRequest,
    ),
    optimizer(
        "nadam",
        "NAdam trace (Nesterov momentum with the μₜ schedule), as torch.optim.NAdam computes it.",
        "nadam --steps 4 --explain",
        lambda: requests().NadamRequest,
    ),
    optimizer(
        "radam",
        "RAdam trace (variance rectification ρₜ, rₜ), as torch.optim.RAdam computes it.",
        "radam --steps 8",
        lambda: requests().RadamRequest,
    ),
    CommandSpec(
        "gd-quadratic",
        "Gradient descent on ½wᵀHw: eigenvalues, learning-rate bounds, rate, trace.",
        (
            'gd-quadratic --H "2 0; 0 1" --lr 0.5 --steps 3 --w0 "1 1"',
            'gd-quadratic --H "3 1; 1 3" --newton --lr 1',
        ),
        lambda: requests().GdQuadraticRequest,
        gd_quadratic,
        mistakes=mistakes,
        plot="quadratic",
    ),
)
