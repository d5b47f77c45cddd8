"""Named mistakes of derivatives (issue 14): the derivative taken again, the wrong way.

Each entry differentiates the result's expression with one rule broken: σ′ written as σ²(1 − σ)
(exercise H's σ² where σ belongs) or as z(1 − z), the inner derivative of σ's argument dropped,
the regulariser left out, the ½ of a square not cancelled, or the sign flipped. The regulariser
left out combines with each of the others (H's ∂/∂w has both). sympy is imported only here, when
a wrong derivative claim is diagnosed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache

from hwcheck.claims.diagnose import Candidate, Case, Mistake

REGULARISER = r"(?i)lam|lambda|λ|alpha|reg|beta"  # names of a regularisation weight


@lru_cache(maxsize=1)
def _wrong_sigmoids():
    """sigmoid look-alikes whose derivative is the mistaken one."""
    from sympy import Function

    from hwcheck.families.symbolic.functions import sigmoid

    class sigmoid_squared(Function):
        def fdiff(self, argindex=1):
            s = sigmoid(self.args[0])
            return s**2 * (1 - s)

    class sigmoid_z(Function):
        def fdiff(self, argindex=1):
            z = self.args[0]
            return z * (1 - z)

    return sigmoid, sigmoid_squared, sigmoid_z


def _problem(case: Case):
    """(the expression, in base variables, the variable, the assumptions) of a derive result."""
    from hwcheck.families.symbolic.build import expression, symbol, to_text
    from hwcheck.families.symbolic.claims import _definitions
    from hwcheck.families.symbolic.derive import expand_definitions, textbook

    data, path = case.data, case.path
    if data.get("command") != "derive" or path[0] != "derivatives" or len(path) not in (2, 3):
        return None
    if len(path) == 3 and path[2] != "expr":
        return None
    assume = data.get("assume", "real")
    definitions = _definitions({"definitions": data.get("definitions") or {}}, assume)
    full = expand_definitions(expression(data["expr"], "expr", assume), definitions.full)

    def shown(derivative) -> tuple[dict, Callable[[], str]]:
        """The value (base variables) and the work (in the result's abbreviations, on demand)."""
        value = {"expr": to_text(derivative)} if len(path) == 2 else to_text(derivative)
        return value, lambda: to_text(textbook(derivative, tuple(definitions.full.items()))[0])

    return full, symbol(str(path[1]), assume), shown


def _drop_regulariser(full):
    from sympy import Add

    terms = Add.make_args(full)
    kept = [t for t in terms if not any(re.fullmatch(REGULARISER, s.name) for s in t.free_symbols)]
    return Add(*kept) if len(kept) < len(terms) else None


def _sigma(full, var, which: int):
    sigmoid = _wrong_sigmoids()[0]
    wrong = _wrong_sigmoids()[which]
    if not full.has(sigmoid):
        return None
    return full.replace(sigmoid, wrong).diff(var).replace(wrong, sigmoid)


def _inner_dropped(full, var):
    """d/dv F(σ(a(v)), v) with ∂a/∂v taken as 1."""
    from sympy import Dummy

    sigmoid = _wrong_sigmoids()[0]
    calls = [c for c in full.atoms(sigmoid) if c.args[0].diff(var) not in (0, 1)]
    if not calls:
        return None
    out = full
    s = Dummy("s")
    call = calls[0]
    a = call.args[0]
    frozen = full.xreplace({call: sigmoid(s)})
    out = frozen.diff(var) + frozen.diff(s)
    return out.xreplace({s: a})


def _half_kept(full, var):
    """d/dv of ½u² written as ½·u·u′ (the 2 of the power rule not cancelling the ½)."""
    from sympy import Pow

    squares = [p for p in full.atoms(Pow) if p.exp == 2 and p.base.has(var)]
    if not squares:
        return None
    return full.xreplace({p: p / 2 for p in squares}).diff(var)


def _sign_flipped(full, var):
    return -full.diff(var)


#: each mistake: (the derivative taken the mistaken way, the work shown)
WAYS: dict[str, Callable] = {
    "sigma_squared": lambda f, v: _sigma(f, v, 1),
    "sigmoid_prime_as_z": lambda f, v: _sigma(f, v, 2),
    "inner_derivative_dropped": _inner_dropped,
    "half_not_cancelled": _half_kept,
    "sign_flipped": _sign_flipped,
}


def _derivative_mistake(mistake_id: str) -> Callable[[Case], Iterator[Candidate]]:
    def recompute(case: Case) -> Iterator[Candidate]:
        problem = _problem(case)
        if problem is None:
            return
        full, var, shown = problem
        rest = _drop_regulariser(full)
        if rest is not None and not (full - rest).has(var):
            rest = None  # the regulariser does not depend on this variable
        if mistake_id == "regulariser_dropped":
            if rest is not None:
                yield Candidate(*shown(rest.diff(var)))
            return
        value = WAYS[mistake_id](full, var)
        if value is not None:
            yield Candidate(*shown(value))
        if rest is not None:  # combined with the regulariser left out (exercise H's ∂/∂w)
            both = WAYS[mistake_id](rest, var)
            if both is not None:
                yield Candidate(*shown(both), also=("regulariser_dropped",))

    return recompute


def _m(id_, name, explanation, combinable=True):
    return Mistake(
        id_,
        name,
        explanation,
        "derive: derivatives",
        combinable,
        _derivative_mistake(id_),
        ("derive",),
    )


CATALOGUE: tuple[Mistake, ...] = (
    _m(
        "sigma_squared",
        "σ² where σ belongs",
        "σ′(z) written as σ²(z)(1 − σ(z)) instead of σ(z)(1 − σ(z)) (exercise H)",
    ),
    _m(
        "inner_derivative_dropped",
        "the inner derivative dropped",
        "the chain rule stopped at σ′(z): ∂z/∂w = x (or ∂z/∂x = w) left out",
    ),
    _m(
        "regulariser_dropped", "the regulariser's λw dropped", "the derivative of (λ/2)·w² left out"
    ),
    _m("sign_flipped", "a sign flipped", "the derivative's sign reversed ((t − y) for (y − t))"),
    _m(
        "sigmoid_prime_as_z",
        "σ′(z) written as z(1 − z)",
        "σ′(z) = z(1 − z) instead of σ(z)(1 − σ(z))",
    ),
    _m(
        "half_not_cancelled",
        "½ not cancelled",
        "d/du ½u² written as ½u: the 2 of the power rule not cancelling the ½",
    ),
)
