"""What every command returns, and the render-agnostic view of it.

A result is a frozen dataclass of plain Python values. ``to_json()`` gives the CONVENTIONS §3
document; ``view()`` gives a list of sections (tables, matrices, text) that ``render`` turns
into a Rich table, Markdown or LaTeX; ``verify()`` judges claims. Fields whose metadata says
``json=False`` (rendering switches such as ``explain``) stay out of the JSON.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from hwcheck.core.numfmt import DEFAULT_DIGITS
from hwcheck.core.views import Heading, Matrix, Section, Table, Text

if TYPE_CHECKING:  # imported on first use (module __getattr__ below)
    from hwcheck.core.undecided import Undecided

__all__ = [
    "Heading",
    "Matrix",
    "Result",
    "Section",
    "Table",
    "Text",
    "Undecided",
    "view_only",
]


#: what results call above the core: the claim verifier (hwcheck.claims.verdict) and Rich's layout
#: (hwcheck.render.text). The core imports nothing above it; ``hwcheck/__init__.py`` binds them.
_ABOVE: dict[str, Callable[..., Any]] = {}


def __getattr__(name: str) -> Any:
    """:class:`Undecided`, imported when asked for (the commands that never decide by a time
    bound start without it)."""
    if name == "Undecided":
        from hwcheck.core.undecided import Undecided

        return Undecided
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def bind(**functions: Callable[..., Any]) -> None:
    """Install ``verify(result, claims, rtol=, atol=)`` and ``rich_group(sections, width)``."""
    _ABOVE.update(functions)


def view_only(default: Any = None) -> Any:
    """A result field used for rendering only (kept out of the JSON)."""
    return field(default=default, metadata={"json": False}, compare=False)


# ------------------------------------------------------------------------------ results


@dataclass(frozen=True)
class Result:
    """Base of every command's result.

    ``command`` is normally a class constant; a result type that serves several commands (the
    optimizer traces) may carry it as a view-only field instead.
    """

    command: ClassVar[str] = ""

    def payload(self) -> dict[str, Any]:
        """The command's result keys (everything but view-only fields)."""
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.metadata.get("json", True)
        }

    def to_json(self) -> dict[str, Any]:
        from hwcheck.core.jsonout import to_jsonable
        from hwcheck.core.version import __version__

        return {"hwcheck": __version__, "command": self.command, **to_jsonable(self.payload())}

    def view(self, digits: int = DEFAULT_DIGITS) -> list[Section]:  # pragma: no cover - abstract
        raise NotImplementedError

    def claim_kind(self, path: tuple[str | int, ...]) -> str | None:
        """Override to name a comparator for a key (``"expression"`` for symbolic values)."""
        return None

    def claim_context(self) -> dict[str, Any]:
        """Extra context for plug-in comparators (derive passes its ``--define`` names)."""
        return {}

    def exit_code(self) -> int:
        """0 normally; a result can make the CLI exit 1 on its own verdict (``equiv``)."""
        return 0

    def verify(self, claims, *, rtol: float = 1e-3, atol: float = 1e-9):
        """Judge claims ``{key: value}`` (or ``[(key, value), …]``) → list of :class:`Verdict`."""
        return _ABOVE["verify"](self, claims, rtol=rtol, atol=atol)

    def __rich_console__(self, console, options):
        """Rich (notebooks, ``rich.print``): laid out for the width Rich offers, nothing cut."""
        yield _ABOVE["rich_group"](self.view(), options.max_width)
