"""Claim keys: dotted paths into a result's JSON, the trace notation ``w(3)``, nearest keys."""

from __future__ import annotations

import re
from typing import Any

from hwcheck.core.errors import HwcheckError, suggest

_META_KEYS = ("hwcheck", "command", "claims")

_TRACE_NOTATION = re.compile(
    r"\s*(?P<name>[^\W\d]\w*)(?P<inner>(?:\.\w+)*)\s*\(\s*(?P<t>\d{1,9})\s*\)(?P<rest>(?:\.\w+)*)\s*"
)


def parse_claim(text: str, where: str = "--claim") -> tuple[str, str]:
    """``"KEY=VALUE"`` → ``(KEY, VALUE)``."""
    key, eq, value = text.partition("=")
    key = key.strip()
    if not eq or not key:
        raise HwcheckError(where, f"expected KEY=VALUE, got '{text[:60]}'")
    return key, value.strip()


def trace_alias(data: dict, key: str) -> str | None:
    """``w(1)`` → ``steps.0.params.w``: a trace value in the table's notation, t counted from 1
    as the table and the course write it (``w(0)`` is the initial value). Any parameter or state
    name of the step records (``exp_avg.w(2)`` or ``exp_avg(2).w`` → ``steps.1.state.exp_avg.w``);
    ``None`` when ``key`` is not in that notation or the result has no trace."""
    m = _TRACE_NOTATION.fullmatch(key)
    steps = data.get("steps")
    if not m or not isinstance(steps, list):
        return None
    name, t, tail = m.group("name"), int(m.group("t")), m.group("inner") + m.group("rest")
    if t == 0:
        problem = data.get("problem")
        init = problem.get("init", {}) if isinstance(problem, dict) else {}
        if name in init and not tail:
            return f"problem.init.{name}"
        if name == "w" and "w0" in data:  # gd-quadratic's starting point
            return "w0" + tail
        raise HwcheckError(f"claim {key}", f"no initial value of '{name}{tail}' in this result")
    if t > len(steps):
        raise HwcheckError(
            f"claim {key}", f"the trace has {len(steps)} step(s): t = 1 … {len(steps)}"
        )
    step = steps[t - 1]
    for section in ("params", "state", "grad"):
        if isinstance(step.get(section), dict) and name in step[section]:
            return f"steps.{t - 1}.{section}.{name}{tail}"
    if name in step and name != "t":
        return f"steps.{t - 1}.{name}{tail}"
    names = [n for sec in ("params", "state") for n in (step.get(sec) or {})]
    raise HwcheckError(
        f"claim {key}",
        f"no '{name}' in step t = {t}; names: {', '.join(names) or ', '.join(step)}",
    )


def lookup(data: dict, key: str) -> tuple[tuple, Any]:
    """Follow a dotted path (``layers.2.output_shape``; list indices may be negative).

    A trace value may be named as the table writes it: ``w(1)`` is ``steps.0.params.w``."""
    key = trace_alias(data, key) or key
    node: Any = data
    path: list = []
    for part in key.split("."):
        if isinstance(node, dict) and part in node and not (not path and part in _META_KEYS):
            node = node[part]
            path.append(part)
        elif (
            isinstance(node, list)
            and re.fullmatch(r"-?\d+", part)
            and -len(node) <= int(part) < len(node)
        ):
            index = int(part) % len(node)  # a negative index counts from the end
            node = node[index]
            path.append(index)
        else:
            raise HwcheckError(f"claim {key}", _missing_message(data, key))
    return tuple(path), node


def canonical_key(data: dict, key: str) -> str:
    """The one dotted path every accepted spelling of a claim key names: ``w(3)``,
    ``steps.2.params.w`` and ``steps.-1.params.w`` (of a 3-step trace) all give
    ``steps.2.params.w``. Raises :class:`HwcheckError` (nearest keys) for a key not in ``data``.

    >>> data = {"steps": [{"t": 1, "params": {"w": 0.5}}]}
    >>> canonical_key(data, "w(1)"), canonical_key(data, "steps.-1.params.w")
    ('steps.0.params.w', 'steps.0.params.w')
    """
    path, _ = lookup(data, key.strip())
    return ".".join(str(p) for p in path)


def _missing_message(data: dict, key: str) -> str:
    paths = list(valid_keys(data))
    near = suggest(key, paths, n=5)
    if not near:
        prefix = key.rsplit(".", 1)[0]
        near = [p for p in paths if p.startswith(prefix + ".")][:5] or [
            p for p in paths if "." not in p
        ][:8]
    return f"no key '{key}' in the result; nearest: {', '.join(near)}"


def valid_keys(data: Any, limit: int = 2000):
    """Every dotted path in a JSON result (bounded)."""
    count = 0
    stack = [("", data, 0)]
    while stack and count < limit:
        pre, node, d = stack.pop(0)
        if isinstance(node, dict):
            children = [(k, v) for k, v in node.items() if not (not pre and k in _META_KEYS)]
        elif isinstance(node, list) and d > 0:
            children = list(enumerate(node))[:50]
        else:
            continue
        for k, v in children:
            path = f"{pre}.{k}" if pre else str(k)
            count += 1
            yield path
            if d < 6:
                stack.append((path, v, d + 1))
