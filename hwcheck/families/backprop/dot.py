"""A computational graph as Graphviz DOT text, and drawn by the ``dot`` program (SVG, PNG).

Each edge carries both values of the lecture-note drawing: the forward value flowing along it
(above) and the gradient ∂f/∂(that input) flowing back through it (below, in red).
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from shutil import which

from hwcheck.core.errors import HwcheckError
from hwcheck.core.numfmt import fmt

DRAWN = {".svg": "svg", ".png": "png"}
TEXT = (".dot", ".gv")
TIMEOUT = 20  # seconds the dot program may take


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'


def _input_value(i, result) -> str:
    if not isinstance(i, str):
        return fmt(i, sep=False)
    if i in result.at:
        return fmt(result.at[i], sep=False)
    return fmt(result.nodes[int(i[1:]) - 1]["value"], sep=False)


def dot_text(result) -> str:
    """The DOT document: variables as ellipses, constants as plain text, nodes as circles."""
    lines = ["digraph backprop {", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    for name, value in result.at.items():
        label = f"{name} = {fmt(value, sep=False)}\\n∂f/∂{name} = {fmt(result.grads.get(name, 0), sep=False)}"
        lines.append(f"  {_quoted('var:' + name)} [shape=ellipse, label={_quoted(label)}];")
    for n in result.nodes:
        label = f"{n['id']}: {n['op']}"
        lines.append(f"  {_quoted(n['id'])} [shape=circle, label={_quoted(label)}];")
    constants = 0
    for n in result.nodes:
        for i, local in zip(n["inputs"], n["local"], strict=True):
            if isinstance(i, str):
                source = "var:" + i if i in result.at else i
                back = fmt(n["grad"] * local, sep=False)
                label = f"{_input_value(i, result)}\\n{back}"
                lines.append(
                    f"  {_quoted(source)} -> {_quoted(n['id'])} [label={_quoted(label)}, fontcolor=black];"
                )
                continue
            constants += 1
            lines.append(
                f"  {_quoted(f'c{constants}')} [shape=plaintext, label={_quoted(fmt(i, sep=False))}];"
            )
            lines.append(f"  {_quoted(f'c{constants}')} -> {_quoted(n['id'])} [style=dashed];")
    out = f"f = {fmt(result.value, sep=False)}"
    lines.append(f"  out [shape=plaintext, label={_quoted(out)}];")
    source = result.output if result.output not in result.at else "var:" + result.output
    back = fmt(result.value, sep=False) + "\\n1"
    lines.append(f"  {_quoted(source)} -> out [label={_quoted(back)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def check_name(path) -> str:
    """A file name the graph can be written to: .dot/.gv (DOT text), .svg/.png (drawn)."""
    if not isinstance(path, str) or not path.strip():
        raise HwcheckError("--dot", "expected a file name ending .dot, .gv, .svg or .png")
    if Path(path).suffix.lower() not in (*TEXT, *DRAWN):
        raise HwcheckError("--dot", f"{path}: write .dot or .gv (DOT text), .svg or .png (drawn)")
    return path


def drawn(result, path: str) -> tuple[str, bytes, str]:
    """(path, bytes, option) to write: DOT text, or the picture the dot program draws."""
    suffix = Path(check_name(path)).suffix.lower()
    text = dot_text(result)
    if suffix in TEXT:
        return path, text.encode("utf-8"), "--dot"
    program = which("dot")
    if program is None:
        raise HwcheckError(
            "--dot",
            f"drawing {suffix} needs the Graphviz program 'dot', which is not installed",
            hint="write a .dot file instead, or install Graphviz",
        )
    try:
        done = subprocess.run(  # a fixed program, no shell
            [program, f"-T{DRAWN[suffix]}"],
            input=text.encode("utf-8"),
            capture_output=True,
            timeout=TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise HwcheckError("--dot", f"the dot program failed: {exc}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()[:1]
        raise HwcheckError(
            "--dot", f"the dot program failed: {' '.join(message) or done.returncode}"
        )
    return path, done.stdout, "--dot"
