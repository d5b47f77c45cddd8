"""Runners of the convolution commands (named in the registry). Heavy modules load lazily."""

from __future__ import annotations


def conv_matrix(request):
    from hwcheck.conv.matrix_command import conv_matrix as run

    return run(request)


def conv_backprop(request):
    from hwcheck.conv.backprop import conv_backprop as run

    return run(request)


def conv_cost(request):
    from hwcheck.conv.cost import conv_cost as run

    return run(request)


def separable(request):
    from hwcheck.conv.separable import separable as run

    return run(request)
