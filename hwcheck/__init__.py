"""hwcheck: calculator and verifier for deep-learning exercise answers.

Every command is also a function here, taking the same options as the CLI (Python values or
the same strings) and returning the result object the CLI renders::

    >>> import hwcheck
    >>> r = hwcheck.params(spec="35x35x16 | conv2d filters=32 kernel=3 padding=same")
    >>> r.to_json()["total_params"]
    4640
    >>> [v.verdict for v in r.verify({"total_params": 4640})]
    ['correct']

Functions are created on first use so that ``import hwcheck`` stays light.

This module is the composition root: it imports every family's command declarations
(``spec.py``, light: request dataclasses only) in ``hwcheck --help`` order, and binds the claim
verifier and the renderer the core's results use, so the layers below never import upward.
"""

from __future__ import annotations

from hwcheck.core.version import __version__

# the command declarations, in ``hwcheck --help`` order (each registers its commands)
# isort: off
from hwcheck.families.arch import spec as _arch  # noqa: F401
from hwcheck.families.conv import spec as _conv  # noqa: F401
from hwcheck.families.net import spec as _net  # noqa: F401
from hwcheck.families.backprop import spec as _backprop  # noqa: F401
from hwcheck.families.linalg import spec as _linalg  # noqa: F401
from hwcheck.families.calc import spec as _calc  # noqa: F401
from hwcheck.families.symbolic import spec as _symbolic  # noqa: F401
from hwcheck.families.optim import spec as _optim  # noqa: F401
from hwcheck.answers import spec as _answers  # noqa: F401
from hwcheck.core.registry import api_names as _api_names
# isort: on


def _bind() -> None:
    from hwcheck.core import result

    def verify(res, claims, *, rtol, atol):
        from hwcheck.claims.verdict import verify

        return verify(res, claims, rtol=rtol, atol=atol)

    def rich_group(sections, width):
        from hwcheck.render.text import rich_group

        return rich_group(sections, width)

    result.bind(verify=verify, rich_group=rich_group)

    def expression_latex(text):
        from hwcheck.families.symbolic.typeset import written_latex

        return written_latex(text)

    from hwcheck.core import escape

    escape.bind_expression(expression_latex)


_bind()

__all__ = ["HwcheckError", "__version__"]
__all__.extend(sorted(_api_names()))  # every command, from its spec


def __getattr__(name: str):
    if name == "HwcheckError":
        from hwcheck.core.errors import HwcheckError

        return HwcheckError
    from hwcheck.api import api_function

    function = api_function(name)
    if function is None:
        raise AttributeError(f"module 'hwcheck' has no attribute {name!r}")
    globals()[name] = function
    return function


def __dir__():
    return sorted(__all__)
