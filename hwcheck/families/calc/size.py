"""``conv-size``: a convolution's output size, whether the hyperparameters fit, and the
hyperparameter that gives a wanted size.

O = (W − D(F − 1) − 1 + 2P)/S + 1, CS231n's (W − F + 2P)/S + 1 when D = 1. When S does not
divide W − D(F − 1) − 1 + 2P the hyperparameters **do not fit**: frameworks floor the quotient
(torch, Keras), so the last ``leftover`` positions of the padded input are covered by no window. ``--solve padding|stride|kernel --output O`` lists every value
that gives O (searched exactly over every value that can), and the one that fits exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from hwcheck.core import geometry
from hwcheck.core.errors import HwcheckError
from hwcheck.core.numfmt import fmt
from hwcheck.core.result import Result, Text, view_only

MAX_SEARCH = 100_000  # values tried by --solve


@dataclass(frozen=True)
class ConvSizeResult(Result):
    command = "conv-size"

    input: int
    kernel: int
    stride: int
    padding: int
    dilation: int
    output: int | None
    exact: object
    fits: bool | None
    leftover: int | None
    ceil_output: int | None
    solve: str | None = None
    solutions: list[int] | None = None
    fitting: list[int] | None = None
    lines: tuple = view_only(())

    def view(self, digits: int = 6) -> list:
        return [Text(self.lines, title="output size O = (W − D(F − 1) − 1 + 2P)/S + 1")]


def span(w: int, f: int, s: int, p: int, d: int) -> int:
    """W + 2P − D(F − 1) − 1: the positions a window's first entry can take, less one."""
    return w + 2 * p - d * (f - 1) - 1


def conv_size(request) -> ConvSizeResult:
    if (request.solve is None) != (request.output is None):
        raise HwcheckError("--solve", "--solve and --output go together")
    if not request.solve:
        return _sized(_with(request, None), request, [])
    solutions, fitting = _solve(request)
    lines = _solve_lines(request, solutions, fitting)
    if not solutions:  # an answer too: no value gives that size (the sizes as given, if any)
        given = _with(request, None)
        if span(*given) < 0:
            return ConvSizeResult(
                *given, None, None, None, None, None, request.solve, [], [], tuple(lines)
            )
        return _sized(given, request, lines, solutions, fitting)
    chosen = (fitting or solutions)[0]  # the sizes are shown for the first value that fits
    return _sized(_with(request, chosen), request, lines, solutions, fitting)


def _sized(values, request, lines, solutions=None, fitting=None) -> ConvSizeResult:
    w, f, s, p, d = values
    n = span(w, f, s, p, d)
    if n < 0:
        raise HwcheckError(
            "--kernel",
            f"the dilated kernel D(F − 1) + 1 = {d * (f - 1) + 1} is larger than the padded "
            f"input W + 2P = {w + 2 * p}",
        )
    exact = Fraction(n, s) + 1
    window = geometry.Window(f, s, d, p, p)
    output, leftover = geometry.output_size(w, p, p, f, s, d), geometry.leftover(w, window)
    ceil_output = geometry.pool_output_size(w, window, ceil_mode=True)  # torch's rule
    return ConvSizeResult(
        input=w,
        kernel=f,
        stride=s,
        padding=p,
        dilation=d,
        output=output,
        exact=exact.numerator if exact.denominator == 1 else exact,
        fits=leftover == 0,
        leftover=leftover,
        ceil_output=ceil_output,
        solve=request.solve,
        solutions=solutions,
        fitting=fitting,
        lines=tuple(_size_lines(w, f, s, p, d, exact, output, leftover, ceil_output) + lines),
    )


def _with(request, value: int | None):
    """(W, F, S, P, D) as given, with the solved hyperparameter set to ``value`` (if any)."""
    values = {"padding": request.padding, "stride": request.stride, "kernel": request.kernel}
    if request.solve and value is not None:
        values[request.solve] = value
    return request.input, values["kernel"], values["stride"], values["padding"], request.dilation


def _size_lines(w, f, s, p, d, exact, output, leftover, ceil_output) -> list[str]:
    n = span(w, f, s, p, d)
    if d == 1:  # CS231n's (W − F + 2P)/S + 1
        written = f"({w} − {f} + 2·{p})/{s} + 1"
    else:
        written = f"({w} − {d}·({f} − 1) − 1 + 2·{p})/{s} + 1"
    out = [f"O = {written} = {fmt(Fraction(n, s))} + 1 = {fmt(exact)}"]
    if leftover == 0:
        out.append(f"fits: the stride {s} divides {n}, so O = {output}")
    else:
        cells = "positions" if leftover > 1 else "position"
        out.append(
            f"does not fit: {fmt(exact)} is not an integer; torch and Keras floor it to "
            f"O = {output} (torch's ceil_mode: {ceil_output}), and the last {leftover} "
            f"{cells} of the padded input {'are' if leftover > 1 else 'is'} covered by no window"
        )
    return out


def _solve(request) -> tuple[list[int], list[int]]:
    """Every value of the asked hyperparameter that gives ``output`` (floored), and those that fit."""
    works, fits = [], []
    for value in _candidates(request):
        w, f, s, p, d = _with(request, value)
        n = span(w, f, s, p, d)
        if n >= 0 and n // s + 1 == request.output:
            works.append(value)
            if n % s == 0:
                fits.append(value)
    return works, fits


def _candidates(request) -> range:
    w, d = request.input, request.dilation
    if request.solve == "padding":  # O grows with P; beyond (O − 1)·S + D(F − 1) + 1 it is too big
        top = (request.output - 1) * request.stride + d * (request.kernel - 1) + 1
    elif request.solve == "stride":
        top = w + 2 * request.padding
    else:
        top = (w + 2 * request.padding - 1) // d + 1
    if top > MAX_SEARCH:
        raise HwcheckError(f"--{request.solve}", f"more than {MAX_SEARCH:,} values to try")
    return range(0 if request.solve == "padding" else 1, top + 1)


def _solve_lines(request, works, fits) -> list[str]:
    name = request.solve
    if not works:
        return [f"no {name} gives O = {request.output} (searched every value that can)"]
    shown = ", ".join(map(str, works[:20])) + (" …" if len(works) > 20 else "")
    lines = [f"{name} giving O = {request.output}: {shown}"]
    if fits:
        lines.append(
            f"of these, {name} = {fits[0]} fits exactly"
            + (f" (also {', '.join(map(str, fits[1:6]))})" if len(fits) > 1 else "")
        )
    else:
        lines.append(f"none fits exactly: each is floored to O = {request.output}")
    return lines
