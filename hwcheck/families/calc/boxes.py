"""``iou``: intersection over union of two axis-aligned boxes, exact.

Boxes are read as corners (x1, y1, x2, y2) with x1 ≤ x2 and y1 ≤ y2 (torchvision's ``xyxy``),
or converted from ``xywh`` (top-left corner and size) or ``cxcywh`` (centre and size), as ``--box-format`` says. The
overlap is max(0, min(x2, x2′) − max(x1, x1′)) wide and as high; union = area + area′ −
intersection. ``--pixels`` counts pixels, as PASCAL VOC's evaluation did: a box from 1 to 3 is
3 pixels wide (+1 on every width and height).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from hwcheck.core.errors import HwcheckError
from hwcheck.core.numfmt import fmt
from hwcheck.core.result import Result, Text, view_only


@dataclass(frozen=True)
class IouResult(Result):
    command = "iou"

    a: list
    b: list
    area_a: object
    area_b: object
    intersection: object
    union: object
    iou: object
    iou_float: float
    lines: tuple = view_only(())

    def view(self, digits: int = 6) -> list:
        return [Text(self.lines, title="IoU = intersection / union")]


def _corners(box, fmt_name: str, where: str) -> list:
    if len(box) != 4:
        raise HwcheckError(where, f"a box has 4 numbers, got {len(box)}")
    a, b, c, d = (Fraction(v) for v in box)
    if fmt_name == "xywh":
        c, d = a + c, b + d
    elif fmt_name == "cxcywh":
        a, b, c, d = a - c / 2, b - d / 2, a + c / 2, b + d / 2
    if c < a or d < b:
        raise HwcheckError(where, "x2 < x1 or y2 < y1: not a box (a negative width or height)")
    return [a, b, c, d]


def _plain(x: Fraction):
    return x.numerator if x.denominator == 1 else x


def iou(request) -> IouResult:
    a = _corners(request.a, request.box_format, "--a")
    b = _corners(request.b, request.box_format, "--b")
    one = 1 if request.pixels else 0
    w = max(Fraction(0), min(a[2], b[2]) - max(a[0], b[0]) + one)
    h = max(Fraction(0), min(a[3], b[3]) - max(a[1], b[1]) + one)
    area = [(box[2] - box[0] + one) * (box[3] - box[1] + one) for box in (a, b)]
    inter, union = w * h, area[0] + area[1] - w * h
    if union == 0:
        raise HwcheckError("--a", "both boxes have no area: IoU is undefined")
    ratio = inter / union
    plus = " + 1" if one else ""
    lines = (
        f"box a: ({', '.join(fmt(v) for v in a)}), area ({fmt(a[2])} − {fmt(a[0])}{plus})·({fmt(a[3])} − {fmt(a[1])}{plus}) = {fmt(area[0])}",
        f"box b: ({', '.join(fmt(v) for v in b)}), area ({fmt(b[2])} − {fmt(b[0])}{plus})·({fmt(b[3])} − {fmt(b[1])}{plus}) = {fmt(area[1])}",
        f"overlap width  max(0, min({fmt(a[2])}, {fmt(b[2])}) − max({fmt(a[0])}, {fmt(b[0])}){plus}) = {fmt(w)}",
        f"overlap height max(0, min({fmt(a[3])}, {fmt(b[3])}) − max({fmt(a[1])}, {fmt(b[1])}){plus}) = {fmt(h)}",
        f"intersection = {fmt(w)}·{fmt(h)} = {fmt(inter)}",
        f"union = {fmt(area[0])} + {fmt(area[1])} − {fmt(inter)} = {fmt(union)}",
        f"IoU = {fmt(inter)}/{fmt(union)}"
        + ("" if f"{fmt(inter)}/{fmt(union)}" == fmt(ratio) else f" = {fmt(ratio)}")
        + f" ≈ {float(ratio):.6g}",
    )
    return IouResult(
        a=[_plain(v) for v in a],
        b=[_plain(v) for v in b],
        area_a=_plain(area[0]),
        area_b=_plain(area[1]),
        intersection=_plain(inter),
        union=_plain(union),
        iou=_plain(ratio),
        iou_float=float(ratio),
        lines=lines,
    )
