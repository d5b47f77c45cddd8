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
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = [
    "HwcheckError",
    "__version__",
    "adagrad",
    "adam",
    "adamw",
    "check",
    "conv_backprop",
    "conv_cost",
    "conv_matrix",
    "derive",
    "equiv",
    "gd_quadratic",
    "params",
    "rf",
    "rmsprop",
    "separable",
    "sgd",
]


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
