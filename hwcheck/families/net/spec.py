"""The network family's command: ``net``."""

from __future__ import annotations

from hwcheck.core.registry import CommandSpec, register


def requests():
    """The request module, imported only by the command that runs (start-up stays light)."""
    from hwcheck.families.net import request

    return request


def net(request):
    from hwcheck.families.net.results import net

    return net(request)


SPECS = register(
    CommandSpec(
        "net",
        "A small network with given weights on a whole domain: failing rows, params, depth.",
        (
            "net --build xor-tree --inputs 8",
            "net --layer 'relu | 1 -1; -1 1 | 0 0' --layer 'linear | 1; 1' --target 'xor(x1, x2)'",
            "net --build sop --table '00110:1 01011:1 11110:0 00000:0'",
        ),
        lambda: requests().NetRequest,
        net,
    ),
)
