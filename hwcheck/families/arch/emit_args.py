"""What both emitters (:mod:`.emit`, :mod:`.emit_extra`) write calls with."""

from __future__ import annotations

from hwcheck.core.errors import HwcheckError
from hwcheck.families.arch.layers import Layer


def args(*positional, defaults=None, **keywords) -> str:
    """Python call arguments; keywords that are None, or in ``defaults``, are left out."""
    defaults = defaults or {}

    def default(k, v) -> bool:
        d = defaults.get(k, ())
        return any(
            v is x or (type(v) is type(x) and v == x) for x in (d if isinstance(d, tuple) else (d,))
        )

    parts = [repr(p) for p in positional]
    parts += [f"{k}={v!r}" for k, v in keywords.items() if v is not None and not default(k, v)]
    return ", ".join(parts)


def refuse(layer: Layer, framework: str, what: str) -> HwcheckError:
    return layer.fail(f"--emit {framework}: {what}")
