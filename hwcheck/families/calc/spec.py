"""The calc family's commands: small computations set in other courses (CS231n, d2l,
deeplearning.ai, Goodfellow et al.): pooling, attention, IoU, output sizes, momentum, ridge."""

from __future__ import annotations

from hwcheck.core.registry import CommandSpec, register


def requests():
    """The request module, imported only by the command that runs (start-up stays light)."""
    from hwcheck.families.calc import request

    return request


def _runner(module: str, function: str):
    def run(request):
        from importlib import import_module

        return getattr(import_module(f"hwcheck.families.calc.{module}"), function)(request)

    run.__name__ = function
    return run


SPECS = register(
    CommandSpec(
        "pool",
        "Max or average pooling of a matrix, window by window, as torch computes it.",
        (
            'pool --x "1 3 2 4; 5 6 1 2; 7 2 3 0; 1 0 4 8" --kernel 2',
            'pool --x "1 2 3; 4 5 6; 7 8 9" --kind avg --kernel 2 --stride 1 --padding 1',
        ),
        lambda: requests().PoolRequest,
        _runner("pool", "pool"),
    ),
    CommandSpec(
        "attention",
        "Scaled dot-product attention for given Q, K, V: scores, softmax weights, output.",
        ('attention --Q "1 0; 0 1" --K "1 0; 0 1; 1 1" --V "1 2; 3 4; 5 6"',),
        lambda: requests().AttentionRequest,
        _runner("attention", "attention"),
    ),
    CommandSpec(
        "iou",
        "Intersection over union of two boxes, exact (xyxy, xywh or cxcywh).",
        ("iou --a 0,0,2,2 --b 1,1,3,3",),
        lambda: requests().IouRequest,
        _runner("boxes", "iou"),
    ),
    CommandSpec(
        "conv-size",
        "Output size (W − F + 2P)/S + 1: does it fit, and which padding/stride/kernel gives one.",
        (
            "conv-size --input 7 --kernel 3 --stride 3",
            "conv-size --input 32 --kernel 5 --solve padding --output 32",
        ),
        lambda: requests().ConvSizeRequest,
        _runner("size", "conv_size"),
    ),
    CommandSpec(
        "momentum",
        "SGD momentum under a constant gradient: the buffer, its terminal velocity g/(1 − β).",
        ("momentum --beta 0.9 --lr 0.1 --steps 5",),
        lambda: requests().MomentumRequest,
        _runner("momentum", "momentum"),
    ),
    CommandSpec(
        "ridge",
        "The ridge-regression optimum (XᵀX + λI)⁻¹Xᵀy, exact.",
        ('ridge --X "1 0; 0 1; 1 1" --y "1 2 3" --lam 1',),
        lambda: requests().RidgeRequest,
        _runner("ridge", "ridge"),
    ),
)
