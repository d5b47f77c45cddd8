"""The command registry: one :class:`CommandSpec` per command, declared by its family.

Each family declares its commands in ``hwcheck/families/<family>/spec.py`` (check, grade and
key in ``hwcheck/answers/spec.py``): the name, summary and examples, the request class itself
(request modules are light: dataclasses and the option helpers only), the runner as a plain
function that imports the heavy module inside, the result kind, the mistake catalogue, the
figure ``--plot`` draws and kind tags such as ``optimizer``. The CLI, answers files, the API,
``--plot`` and the mistake catalogue all read these declarations; every list of commands
(:func:`optimizers`, :func:`plotted`, ``hwcheck.__all__``, the catalogue's families) is derived
from them, never kept by hand.

The core imports nothing above it: ``hwcheck/__init__.py`` (the package root, run before any
submodule) imports the spec modules in :data:`hwcheck.SPECS` order, which is the order of
``hwcheck --help``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

FORMATS = ("table", "json", "markdown", "latex")


@dataclass(frozen=True)
class CommandSpec:
    """One command, declared once."""

    name: str  # kebab-case CLI name
    summary: str  # one line
    examples: tuple[str, ...]  # runnable, without the leading "hwcheck "
    #: the request dataclass (its fields are the options), or a function returning it, for a
    #: family whose request module costs start-up time that other commands need not pay
    request: type | Callable[[], type]
    runner: Callable[[Any], Any]  # request → Result; imports the heavy module inside
    result: str = ""  # the result kind: "trace" for every optimizer, else the command's own
    mistakes: Callable[[], tuple] | None = None  # () → the family's mistake catalogue
    plot: str | None = None  # the figure --plot FILE draws (hwcheck/render/plot.py)
    optimizer: bool = False  # an optimizer trace: --compare, the trace mistakes
    expressions: bool = False  # its positional arguments are expressions (may start with '-')
    formats: tuple[str, ...] = FORMATS
    calculator: bool = True  # has --claim/--rtol/--atol

    @property
    def api_name(self) -> str:
        return self.name.replace("-", "_")

    @property
    def kind(self) -> str:
        return self.result or self.name

    def request_type(self) -> type:
        return self.request if isinstance(self.request, type) else self.request()

    def run(self, request) -> Any:
        from hwcheck.core.run_inputs import inputs_of_run

        with inputs_of_run():  # what the run reads, no output of it overwrites
            return self.runner(request)


COMMANDS: dict[str, CommandSpec] = {}


def register(*specs: CommandSpec) -> tuple[CommandSpec, ...]:
    """Add commands (a spec module calls this once, in ``--help`` order)."""
    for spec in specs:
        if spec.name in COMMANDS and COMMANDS[spec.name] != spec:
            raise ValueError(f"command '{spec.name}' is declared twice")
        COMMANDS[spec.name] = spec
    return specs


#: claim kind → its comparator, for values no type-driven comparison decides (an expression is
#: a string to the core): ``function(expected, claimed_text, *, context) -> (verdict, rule, hint)``.
#: A family registers its kinds in its spec.py; the function imports the heavy module inside.
COMPARATORS: dict[str, Callable[..., tuple]] = {}


def register_comparator(kind: str, function: Callable[..., tuple]) -> None:
    COMPARATORS[kind] = function


def get(name: str) -> CommandSpec:
    from hwcheck.core.errors import HwcheckError, did_you_mean

    if name not in COMMANDS:
        raise HwcheckError("command", f"unknown command '{name}'{did_you_mean(name, COMMANDS)}")
    return COMMANDS[name]


def optimizers() -> tuple[str, ...]:
    """The optimizer commands (``--compare``, the trace mistakes), in ``--help`` order."""
    return tuple(s.name for s in COMMANDS.values() if s.optimizer)


def plotted() -> tuple[str, ...]:
    """The commands with ``--plot FILE``."""
    return tuple(s.name for s in COMMANDS.values() if s.plot)


def api_names() -> tuple[str, ...]:
    """Every command as an API function name (``hwcheck.__all__``)."""
    return tuple(s.api_name for s in COMMANDS.values())


def mistake_providers() -> dict[str, Callable[[], tuple]]:
    """command → its family's catalogue provider (shared by a family's commands)."""
    return {s.name: s.mistakes for s in COMMANDS.values() if s.mistakes is not None}
