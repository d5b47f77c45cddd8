"""The backpropagation family's command: ``backprop`` (layers, a recurrent cell, a graph)."""

from __future__ import annotations

from hwcheck.core.registry import CommandSpec, register


def requests():
    """The request module, imported only by the command that runs (start-up stays light)."""
    from hwcheck.families.backprop import request

    return request


def mistakes() -> tuple:
    from hwcheck.families.backprop.mistakes import CATALOGUE

    return CATALOGUE


def backprop(request):
    from hwcheck.families.backprop.results import backprop

    return backprop(request)


SPECS = register(
    CommandSpec(
        "backprop",
        "Backpropagation by hand: every z, a, δ, gradient and SGD step; or a computational graph.",
        (
            (
                "backprop --layer 'sigmoid | 0.15 0.25; 0.2 0.3 | 0.35 0.35' "
                "--layer 'sigmoid | 0.4 0.5; 0.45 0.55 | 0.6 0.6' --x '0.05 0.1' "
                "--target '0.01 0.99' --lr 0.5"
            ),
            (
                "backprop --layer 'relu | 1 -1; 2 1 | 0 1' --layer 'linear | 1; -1' --x '1 2' "
                "--target 3 --loss mse --lr 1/10 --steps 2"
            ),
            "backprop '(x + y)*z' --at x=-2,y=5,z=-4",
            (
                "backprop --rnn 'tanh | 0.5 | 0.8 | 0' --layer 'linear | 1' --x '1; 0.5; -1' "
                "--target '0.5'"
            ),
        ),
        lambda: requests().BackpropRequest,
        backprop,
        mistakes=mistakes,
        expressions=True,
    ),
)
