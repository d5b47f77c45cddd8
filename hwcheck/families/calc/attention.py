"""``attention``: scaled dot-product attention for given Q, K and V, entry by entry.

scores = Q·Kᵀ·scale (scale = 1/√d by default, d the width of Q and K), masked entries −∞
(``causal``: query i sees keys 0…i), weights = softmax of each row of scores, output =
weights·V — torch.nn.functional.scaled_dot_product_attention and the Transformer paper's
Attention(Q, K, V) = softmax(QKᵀ/√d_k)V. Scores are exact when the scale is rational (a
perfect-square d, or --scale); the softmax makes weights and output floats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from hwcheck.core.errors import HwcheckError
from hwcheck.core.numfmt import fmt
from hwcheck.core.result import Matrix, Result, Text, view_only

SHOWN = 6  # rows written out entry by entry in the view


@dataclass(frozen=True)
class AttentionResult(Result):
    command = "attention"

    scale: object
    scores: list[list]
    weights: list[list[float]]
    output: list[list[float]]
    mask: str
    lines: tuple = view_only(())

    def view(self, digits: int = 6) -> list:
        def matrix(rows, title):
            shown = tuple(tuple("−∞" if v is None else fmt(v, digits) for v in r) for r in rows)
            return Matrix(shown, title=title)

        return [
            Text(self.lines, title="Attention(Q, K, V) = softmax(QKᵀ·scale)·V"),
            matrix(self.scores, "scores = QKᵀ·scale"),
            matrix(self.weights, "weights = softmax(scores), row by row"),
            matrix(self.output, "output = weights·V"),
        ]


def attention(request) -> AttentionResult:
    Q, K, V = request.Q, request.K, request.V
    d = len(Q[0])
    if len(K[0]) != d:
        raise HwcheckError("--K", f"keys have width {len(K[0])}, queries {d}: they must match")
    if len(V) != len(K):
        raise HwcheckError("--V", f"{len(V)} values for {len(K)} keys: one value per key")
    scale, scale_text = _scale(request.scale, d)
    scores = [
        [_score(q, k, scale, i, j, request.mask) for j, k in enumerate(K)] for i, q in enumerate(Q)
    ]
    weights = [_softmax(row) for row in scores]
    output = [
        [math.fsum(w * float(v[c]) for w, v in zip(row, V)) for c in range(len(V[0]))]
        for row in weights
    ]
    lines = [f"scale = {scale_text}", *_worked(Q, K, scores, weights, output, scale_text)]
    return AttentionResult(
        scale=scale,
        scores=scores,
        weights=weights,
        output=output,
        mask=request.mask,
        lines=tuple(lines),
    )


def _scale(given, d: int):
    if given is not None:
        return given, fmt(given)
    root = math.isqrt(d)
    if root * root == d:
        return Fraction(1, root), f"1/√{d} = 1/{root}"
    return 1 / math.sqrt(d), f"1/√{d} = {fmt(1 / math.sqrt(d))}"


def _score(q, k, scale, i: int, j: int, mask: str):
    if mask == "causal" and j > i:
        return None  # −∞: the query never sees a later key
    dot = sum(
        Fraction(a) * Fraction(b) if not isinstance(a, float) else a * b for a, b in zip(q, k)
    )
    value = dot * scale
    return value.numerator if isinstance(value, Fraction) and value.denominator == 1 else value


def _softmax(row) -> list[float]:
    live = [float(v) for v in row if v is not None]
    if not live:
        raise HwcheckError("--mask", "a query sees no key")
    top = max(live)
    exps = [0.0 if v is None else math.exp(float(v) - top) for v in row]
    total = math.fsum(exps)
    return [e / total for e in exps]


def _worked(Q, K, scores, weights, output, scale_text) -> list[str]:
    lines = []
    for i in range(min(len(Q), SHOWN)):
        seen = [j for j, v in enumerate(scores[i]) if v is not None]
        for j in seen[:SHOWN]:
            dot = " + ".join(f"{fmt(a)}·{fmt(b)}" for a, b in zip(Q[i], K[j]))
            lines.append(
                f"s[{i},{j}] = ({dot})·{scale_text.split(' = ')[-1]} = {fmt(scores[i][j])}"
            )
        exps = " + ".join(f"e^{fmt(scores[i][j])}" for j in seen[:SHOWN])
        lines.append(
            f"a[{i},·] = e^s[{i},j] / ({exps}) = ({', '.join(fmt(w) for w in weights[i])})"
        )
        lines.append(f"out[{i}] = Σⱼ a[{i},j]·V[j] = ({', '.join(fmt(v) for v in output[i])})")
    if len(Q) > SHOWN:
        lines.append(f"… {len(Q) - SHOWN} more queries (--json has every entry)")
    return lines
