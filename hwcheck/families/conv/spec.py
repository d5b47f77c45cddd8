"""The convolution family's commands: ``conv-matrix``, ``conv-backprop``, ``conv-cost``, ``separable``."""

from __future__ import annotations

from hwcheck.core.registry import CommandSpec, register


def requests():
    """The request module, imported only by the command that runs (start-up stays light)."""
    from hwcheck.families.conv import request

    return request


def mistakes() -> tuple:
    from hwcheck.families.conv.mistakes import CATALOGUE

    return CATALOGUE


def conv_matrix(request):
    from hwcheck.families.conv.commands import conv_matrix

    return conv_matrix(request)


def conv_backprop(request):
    from hwcheck.families.conv.commands import conv_backprop

    return conv_backprop(request)


def conv_cost(request):
    from hwcheck.families.conv.commands import conv_cost

    return conv_cost(request)


def separable(request):
    from hwcheck.families.conv.commands import separable

    return separable(request)


SPECS = register(
    CommandSpec(
        "conv-matrix",
        "A convolution written as a matrix: y = A·vec(x), symbolic or numeric.",
        (
            "conv-matrix --input 3x3 --kernel 2x2 --op conv",
            "conv-matrix --input 3x3 --kernel 2x2 --op conv --padding full --format latex",
            'conv-matrix --input 3x3 --kernel 2x2 --f "1 2; 3 4" --x "1 2 3; 4 5 6; 7 8 9"',
        ),
        lambda: requests().ConvMatrixRequest,
        conv_matrix,
        mistakes=mistakes,
        plot="sparsity",
    ),
    CommandSpec(
        "conv-backprop",
        "Forward and backward pass through a small convolution, with every gradient.",
        (
            'conv-backprop --x "1 2 3; 4 5 6; 7 8 9" --f "1 0; 0 -1" --loss gap --exact',
            'conv-backprop --x "1 2 3; 4 5 6; 7 8 9" --f "1 0; 0 -1" --loss half-sse --target "0 0; 0 0" --explain',
        ),
        lambda: requests().ConvBackpropRequest,
        conv_backprop,
        mistakes=mistakes,
    ),
    CommandSpec(
        "conv-cost",
        "Multiplications and additions of direct vs FFT 2-D convolution.",
        ("conv-cost --size 64", "conv-cost --size 256 --kernel 5"),
        lambda: requests().ConvCostRequest,
        conv_cost,
    ),
    CommandSpec(
        "separable",
        "Is a kernel spatially separable? Rank, factors u·vᵀ and the cost saved.",
        ('separable --f "3 6 9; 4 8 12; 5 10 15"',),
        lambda: requests().SeparableRequest,
        separable,
        mistakes=mistakes,
    ),
)
