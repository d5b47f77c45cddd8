"""``pool``: max and average pooling of a matrix, window by window, as torch computes them.

For an input of H rows, kernel k, stride s and padding p on each side, the output has
⌊(H + 2p − k)/s⌋ + 1 rows (⌈·⌉ with ``--ceil``, where torch then drops a last window that would
start in the right padding), and the same for columns. Max pooling pads with −∞ (padding never
wins); average pooling pads with 0 and divides by the window's size clipped to the padded input
(torch's ``count_include_pad=True``), or by the input entries it covers (``--exclude-pad``).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from hwcheck.core import geometry
from hwcheck.core.errors import HwcheckError
from hwcheck.core.numfmt import fmt
from hwcheck.core.result import Matrix, Result, Text, view_only

SHOWN = 24  # windows written out in the view (the JSON has every output)


def out_size(n: int, k: int, s: int, p: int, ceil_mode: bool) -> int:
    """Output length along one axis (torch's rule: :func:`hwcheck.core.geometry.pool_output_size`)."""
    size = geometry.pool_output_size(n, geometry.Window(k, s, 1, p, p), ceil_mode)
    if size < 1:
        raise HwcheckError(
            "--kernel", f"the window ({k}) is larger than the padded input ({n + 2 * p})"
        )
    return size


@dataclass(frozen=True)
class Window:
    """One output entry: the input positions it covers, the values, the divisor (avg)."""

    at: tuple[int, int]
    cells: tuple[tuple[int, int], ...]
    values: tuple
    divisor: int


@dataclass(frozen=True)
class PoolResult(Result):
    command = "pool"

    kind: str
    input_shape: list[int]
    kernel: list[int]
    stride: list[int]
    padding: list[int]
    ceil_mode: bool
    output_shape: list[int]
    output: list[list]
    argmax: list[list[list[int]]] | None
    fits: bool
    sizes: list[str] = view_only(())
    windows: tuple = view_only(())

    def view(self, digits: int = 6) -> list:
        rows = [[fmt(v, digits) for v in row] for row in self.output]
        lines = [*self.sizes, *(self._window_line(w, digits) for w in self.windows[:SHOWN])]
        if len(self.windows) > SHOWN:
            lines.append(f"… {len(self.windows) - SHOWN} more windows (--json has every output)")
        return [
            Text(tuple(lines), title=f"{self.kind} pooling, window by window"),
            Matrix(
                tuple(map(tuple, rows)),
                row_labels=tuple(map(str, range(len(rows)))),
                col_labels=tuple(map(str, range(len(rows[0])))),
                title=f"output y ({self.output_shape[0]}×{self.output_shape[1]})",
            ),
        ]

    def _window_line(self, w: Window, digits: int) -> str:
        name = f"y[{w.at[0]},{w.at[1]}]"
        shown = ", ".join(fmt(v, digits) for v in w.values)
        value = self.output[w.at[0]][w.at[1]]
        if self.kind == "max":
            r, c = self.argmax[w.at[0]][w.at[1]]
            return f"{name} = max({shown}) = {fmt(value, digits)} (at x[{r},{c}])"
        total = " + ".join(fmt(v, digits) for v in w.values) or "0"
        return f"{name} = ({total})/{w.divisor} = {fmt(value, digits)}"


def pool(request) -> PoolResult:
    x = request.x
    shape = (len(x), len(x[0]))
    k, p = request.kernel, request.padding
    s = request.stride or k
    for axis in (0, 1):
        if 2 * p[axis] > k[axis]:
            raise HwcheckError(
                "--padding", f"must be at most half the kernel ({k[axis]}), got {p[axis]}"
            )
    out = [out_size(shape[a], k[a], s[a], p[a], request.ceil) for a in (0, 1)]
    windows = [_window(x, (i, j), k, s, p, request) for i in range(out[0]) for j in range(out[1])]
    values = [_reduce(w, request.kind) for w in windows]
    output = [values[i * out[1] : (i + 1) * out[1]] for i in range(out[0])]
    argmax = None
    if request.kind == "max":
        flat = [_argmax(w, x) for w in windows]
        argmax = [flat[i * out[1] : (i + 1) * out[1]] for i in range(out[0])]
    fits = not any(
        geometry.leftover(shape[a], geometry.Window(k[a], s[a], 1, p[a], p[a])) for a in (0, 1)
    )
    return PoolResult(
        kind=request.kind,
        input_shape=list(shape),
        kernel=list(k),
        stride=list(s),
        padding=list(p),
        ceil_mode=request.ceil,
        output_shape=out,
        output=output,
        argmax=argmax,
        fits=fits,
        sizes=tuple(_size_line(a, shape, k, s, p, out, request.ceil) for a in (0, 1)),
        windows=tuple(windows),
    )


def _size_line(a: int, shape, k, s, p, out, ceil_mode) -> str:
    """``rows: ⌊(4 − 2)/2⌋ + 1 = 2``: the one sliding-window explanation (core.geometry)."""
    w = geometry.Window(k[a], s[a], 1, p[a], p[a])
    return geometry.explain_size(("rows", "columns")[a], shape[a], w, out[a], ceil_mode=ceil_mode)


def _window(x, at, k, s, p, request) -> Window:
    rows, cols = len(x), len(x[0])
    r0, c0 = at[0] * s[0] - p[0], at[1] * s[1] - p[1]
    r1, c1 = min(r0 + k[0], rows + p[0]), min(c0 + k[1], cols + p[1])
    padded = (r1 - r0) * (c1 - c0)
    cells = tuple(
        (r, c) for r in range(max(r0, 0), min(r1, rows)) for c in range(max(c0, 0), min(c1, cols))
    )
    divisor = len(cells) if request.exclude_pad else padded
    return Window(at, cells, tuple(x[r][c] for r, c in cells), divisor)


def _reduce(w: Window, kind: str) -> Any:
    if kind == "max":
        if not w.values:
            raise HwcheckError("--padding", f"output {w.at} covers padding only")
        return max(w.values)
    if w.divisor == 0:
        raise HwcheckError("--padding", f"output {w.at} covers padding only")
    total = sum(Fraction(v) if not isinstance(v, float) else v for v in w.values)
    value = total / w.divisor
    return value.numerator if isinstance(value, Fraction) and value.denominator == 1 else value


def _argmax(w: Window, x) -> list[int]:
    """The first position of the maximum in the window, row-major (as torch's indices)."""
    best = max(w.values)
    r, c = next(cell for cell, v in zip(w.cells, w.values) if v == best)
    return [r, c]
