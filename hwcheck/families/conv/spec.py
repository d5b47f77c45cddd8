"""The convolution family's commands: ``conv-matrix``, ``conv-backprop``, ``conv-cost``, ``separable``."""

from __future__ import annotations

from hwcheck.core.errors import HwcheckError
from hwcheck.core.registry import CommandSpec, register


def requests():
    """The request module, imported only by the command that runs (start-up stays light)."""
    from hwcheck.families.conv import request

    return request


def mistakes() -> tuple:
    from hwcheck.families.conv.mistakes import CATALOGUE

    return CATALOGUE


def _in_float_range(run, request, hint: str):
    """Run a numeric path with overflow as an error, not inf/nan in a table."""
    import numpy as np

    try:
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            return run(request)
    except FloatingPointError as exc:
        raise HwcheckError(
            "input", f"the numbers leave the 64-bit float range ({exc})", hint=hint
        ) from None


def conv_matrix(request):
    from hwcheck.families.conv.matrix_results import conv_matrix as run

    return _in_float_range(run, request, "scale the inputs down")


def conv_backprop(request):
    from hwcheck.families.conv.backprop import conv_backprop as run

    return _in_float_range(
        run, request, "scale the inputs down, or use --exact for rational inputs"
    )


def conv_cost(request):
    from hwcheck.families.conv.cost import conv_cost as run

    return run(request)


def separable(request):
    from hwcheck.families.conv.separable import separable as run

    return _in_float_range(run, request, "scale the kernel down")


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
