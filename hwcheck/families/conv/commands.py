"""Runners of the convolution commands (named in the registry). Heavy modules load lazily."""

from __future__ import annotations

from hwcheck.core.errors import HwcheckError


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
    from hwcheck.families.conv.matrix_command import conv_matrix as run

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
