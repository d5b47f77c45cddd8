"""The symbolic family's commands: ``derive`` and ``equiv``."""

from __future__ import annotations

from hwcheck.core.registry import CommandSpec, register, register_comparator


def requests():
    """The request module, imported only by the command that runs (start-up stays light)."""
    from hwcheck.families.symbolic import request

    return request


def mistakes() -> tuple:
    from hwcheck.families.symbolic.mistakes import CATALOGUE

    return CATALOGUE


def derive(request):
    from hwcheck.families.symbolic.results import derive

    return derive(request)


def equiv(request):
    from hwcheck.families.symbolic.results import equiv

    return equiv(request)


SPECS = register(
    CommandSpec(
        "derive",
        "Symbolic derivatives in textbook form, with the chain rule and values at a point.",
        (
            'derive "0.5*(sigmoid(w*x+b) - t)**2 + lam/2*w**2" --wrt w,b',
            "derive --preset sigmoid-mse-l2 --wrt w --at w=0.1,b=0,x=2,t=0,lam=0.01",
            'derive --wrt z --expr "-t*log(sigmoid(z))"',
        ),
        lambda: requests().DeriveRequest,
        derive,
        mistakes=mistakes,
        expressions=True,
    ),
    CommandSpec(
        "equiv",
        "Are two expressions equivalent? Symbolic, then numeric probing.",
        (
            'equiv "exp(z1)/(exp(z1)+exp(z2))" "sigmoid(z1-z2)"',
            'equiv "sigmoid(z)*(1-sigmoid(z))" "exp(-z)/(1+exp(-z))**2"',
        ),
        lambda: requests().EquivRequest,
        equiv,
        expressions=True,
    ),
)


def compare_expression(expected: str, claimed: str, *, context: dict) -> tuple:
    """Claims on expressions (derive, equiv, symbolic matrix entries): symbolic equivalence."""
    from hwcheck.families.symbolic.claims import compare_expression

    return compare_expression(expected, claimed, context=context)


register_comparator("expression", compare_expression)
