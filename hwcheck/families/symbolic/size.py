"""Size gates: which symbolic steps are decided in process, with no clock, by the input alone.

A step whose cost its input's size bounds runs in the calling process (no worker, no time
bound), so its result is the same on any machine and under any load; anything larger runs in
the time-bounded worker (:mod:`hwcheck.families.symbolic.worker`) as before. The gates look at
the expression only (never at a clock):

- :func:`bounded_by_size` — at most :data:`IN_PROCESS_OPS` operations and numeric exponents:
  the numeric probes of such a pair are bounded (σ, exp and the trig functions refuse
  arguments past 10¹², the precision stops at 1,920 digits);
- :func:`expansion_terms` — an upper bound on the terms ``sympy.expand`` can produce, counted
  without expanding (a sum adds, a product multiplies, a power ``(…)**n`` is the number of
  monomials of degree n); a step that expands, factors and cancels such an expression does
  work polynomial in that bound, so below :data:`EXPANSION_TERMS` it is decided in process.
"""

from __future__ import annotations

from math import comb

#: expressions up to this many operations, with numeric exponents only, are probed in process
IN_PROCESS_OPS = 200
#: at most this many terms once fully expanded (counted by :func:`expansion_terms`)
EXPANSION_TERMS = 400
#: integer exponents up to this size (and rational ones with numerator and denominator up to
#: it); larger exponents go to the worker
MAX_EXPONENT = 16


_OPS: dict = {}  # expression → sympy.count_ops (asked again and again of the same ones)


def count_ops(expr) -> int:
    """``sympy.count_ops(expr)``, remembered per expression."""
    ops = _OPS.get(expr)
    if ops is None:
        import sympy

        if len(_OPS) >= 4096:
            _OPS.clear()
        ops = _OPS[expr] = sympy.count_ops(expr)
    return ops


def bounded_by_size(expr) -> bool:
    """At most :data:`IN_PROCESS_OPS` operations, every exponent a number."""
    import sympy

    if count_ops(expr) > IN_PROCESS_OPS:
        return False
    return all(p.exp.is_Number for p in expr.atoms(sympy.Pow))


def expansion_terms(expr, limit: int = EXPANSION_TERMS) -> int | None:
    """An upper bound on the terms of ``expand(expr)`` (each sub-expression counted: ``expand``
    is deep), or None when it passes ``limit`` or an exponent is not a small number (a
    symbolic exponent ``x**n`` or ``exp(n·x)`` with a large n is not bounded here)."""
    total = [0]

    def terms(node) -> int | None:
        if node.is_Atom:
            return 1
        if node.is_Pow:
            base = terms(node.base)
            if base is None or not _small_exponent(node.exp):
                return None
            power = abs(int(node.exp)) if node.exp.is_Integer else abs(node.exp.p) // node.exp.q + 1
            count = comb(base + power - 1, power) if base > 1 else 1
        else:
            parts = [terms(a) for a in node.args]
            if any(p is None for p in parts):
                return None
            if node.is_Add:
                count = sum(parts)
            elif node.is_Mul:
                count = 1
                for p in parts:
                    count *= p
                    if count > limit:
                        return None
            else:  # a function: its arguments are expanded inside, it stays one term
                if node.func.__name__ == "exp" and not _small_coefficients(node.args[0]):
                    return None
                count = 1
        total[0] += count
        if count > limit or total[0] > limit * 8:
            return None
        return count

    found = terms(expr)
    return None if found is None else max(total[0], found)


def fraction_terms(expr, limit: int = EXPANSION_TERMS) -> tuple[int, int] | None:
    """Upper bounds on the terms of the numerator and denominator of ``expr`` written as one
    expanded fraction (what ``cancel`` works on: a sum of fractions has the product of their
    denominators), or None when either passes ``limit`` or an exponent is not a small number.
    A function (exp, log, σ …) or a fractional power is one generator, its inside checked too."""

    def terms(node) -> tuple[int, int] | None:
        if node.is_Atom:
            return 1, 1
        if node.is_Pow and node.exp.is_Integer:
            base = terms(node.base)
            if base is None or not _small_exponent(node.exp):
                return None
            k = abs(int(node.exp))
            num, den = (comb(t + k - 1, k) if t > 1 else 1 for t in base)
            out = (num, den) if node.exp > 0 else (den, num)
        elif node.is_Add or node.is_Mul:
            parts = [terms(a) for a in node.args]
            if any(p is None for p in parts):
                return None
            den = 1
            for _, d in parts:
                den *= d
                if den > limit:
                    return None
            if node.is_Mul:
                num = 1
                for n, _ in parts:
                    num *= n
                    if num > limit:
                        return None
            else:
                num = sum(n * (den // d) for n, d in parts)
            out = (num, den)
        else:  # a generator: a function of its own, or a fractional power
            if node.is_Pow and not _small_exponent(node.exp):
                return None
            if node.func.__name__ == "exp" and not _small_coefficients(node.args[0]):
                return None
            if any(terms(a) is None for a in node.args):
                return None
            out = (1, 1)
        return None if max(out) > limit else out

    return terms(expr)


def _small_exponent(exponent) -> bool:
    if exponent.is_Integer:
        return abs(int(exponent)) <= MAX_EXPONENT
    if exponent.is_Rational:
        return abs(exponent.p) <= MAX_EXPONENT and exponent.q <= MAX_EXPONENT
    return False


def _small_coefficients(argument) -> bool:
    """exp(3x − 2y): numeric coefficients no larger than :data:`MAX_EXPONENT` (exp(1000·x) is
    exp(x)**1000 to a polynomial algorithm)."""
    for term in argument.args if argument.is_Add else (argument,):
        coefficient = term.as_coeff_Mul()[0]
        if not coefficient.is_Rational or not _small_exponent(coefficient):
            return False
    return True


def decided_in_process(*exprs, limit: int = EXPANSION_TERMS) -> bool:
    """Every expression passes both gates: its symbolic work is decided here, without a clock."""
    return all(bounded_by_size(e) and expansion_terms(e, limit) is not None for e in exprs)
