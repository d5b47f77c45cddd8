"""The Python API: one function per command, built from the command registry."""

from __future__ import annotations

from hwcheck.core.options import build_request, request_fields
from hwcheck.core.registry import COMMANDS


def api_function(name: str):
    """``hwcheck.conv_backprop`` etc.: keyword options as in an answers file."""
    spec = next((s for s in COMMANDS.values() if s.api_name == name), None)
    if spec is None:
        return None
    fields = request_fields(spec.request_type())
    positional = [f.name for f in fields if f.metadata.get("positional")]

    def command(*args, **options):
        if len(args) > len(positional):
            raise TypeError(f"{name}() takes at most {len(positional)} positional arguments")
        options.update(zip(positional, args))
        return spec.run(build_request(spec.request_type(), options, source="api"))

    command.__name__ = command.__qualname__ = name
    command.__doc__ = f"{spec.summary}\n\nOptions: " + ", ".join(f.name for f in fields)
    return command
