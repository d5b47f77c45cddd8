"""The linear-algebra family's commands: ``lstsq`` and ``linear-collapse``."""

from __future__ import annotations

from hwcheck.core.registry import CommandSpec, register, register_comparator


def requests():
    """The request module, imported only by the command that runs (start-up stays light)."""
    from hwcheck.families.linalg import request

    return request


def lstsq(request):
    from hwcheck.families.linalg.lstsq import lstsq

    return lstsq(request)


def linear_collapse(request):
    from hwcheck.families.linalg.collapse import linear_collapse

    return linear_collapse(request)


SPECS = register(
    CommandSpec(
        "lstsq",
        "Is Xw = y solvable? Ranks, solution-set dimension, null space, minimum-norm solution.",
        ('lstsq --X "1 2 0; 0 1 1" --y "1 2"', 'lstsq --X "1 1; 2 2; 3 3" --y "1 2 4"'),
        lambda: requests().LstsqRequest,
        lstsq,
    ),
    CommandSpec(
        "linear-collapse",
        "m linear layers multiplied out without commuting: y = x·W′ + b′ (exercise R).",
        ("linear-collapse --layers 4", "linear-collapse --layers 3 --claim \"y=x W' + b'\""),
        lambda: requests().LinearCollapseRequest,
        linear_collapse,
    ),
)


def compare_matrix_expression(expected: str, claimed: str, *, context: dict) -> tuple:
    """Claims on W′ and b′ of linear-collapse: equal as non-commutative polynomials."""
    from hwcheck.families.linalg.collapse import compare_matrix_expression

    return compare_matrix_expression(expected, claimed, context=context)


register_comparator("matrix_expression", compare_matrix_expression)
