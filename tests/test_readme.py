"""The README's examples are true: every ```console block is run and its output compared.

A block is a sequence of ``$ hwcheck …`` lines, each followed by the output it prints
(stdout, then stderr). ``pytest --update-golden`` rewrites the outputs in place.
"""

from __future__ import annotations

import re
import shlex

from tests.conftest import ROOT

README = ROOT / "README.md"
BLOCK = re.compile(r"```console\n(.*?)```", re.DOTALL)


def commands(text: str):
    """(command line, recorded output) for every ``$ hwcheck`` line of every console block."""
    for block in BLOCK.findall(text):
        parts = re.split(r"^\$ ", block, flags=re.MULTILINE)
        for part in parts[1:]:
            line, _, output = part.partition("\n")
            yield line, output


def run_line(cli, line: str) -> tuple[int, str]:
    args = shlex.split(line)
    assert args[0] == "hwcheck", f"README console lines run hwcheck only: {line}"
    code, out, err = cli(*args[1:])
    return code, out + err


def normalise(text: str) -> str:
    return "\n".join(l.rstrip() for l in text.strip("\n").splitlines())


def test_readme_examples(cli, monkeypatch, request):
    monkeypatch.chdir(ROOT)
    text = README.read_text(encoding="utf-8")
    found = list(commands(text))
    assert len(found) >= 10, "the README should show every command"
    if request.config.getoption("--update-golden"):

        def fill(match):
            body = match.group(1)
            out = []
            for part in re.split(r"^\$ ", body, flags=re.MULTILINE)[1:]:
                line = part.partition("\n")[0]
                _, printed = run_line(cli, line)
                out.append(
                    f"$ {line}\n{normalise(printed)}\n" if printed.strip() else f"$ {line}\n"
                )
            return "```console\n" + "".join(out) + "```"

        README.write_text(BLOCK.sub(fill, text), encoding="utf-8")
        return
    failures = []
    for line, recorded in found:
        code, printed = run_line(cli, line)
        if code == 3 or normalise(printed) != normalise(recorded):
            failures.append(
                f"$ {line}\n--- README\n{normalise(recorded)}\n--- now (exit {code})\n{normalise(printed)}"
            )
    assert not failures, (
        "README examples drifted (pytest --update-golden rewrites them):\n\n"
        + "\n\n".join(failures)
    )


def test_readme_opens_with_the_two_setup_commands():
    head = README.read_text(encoding="utf-8")[:3000]
    assert "pip install . && hwcheck check examples.toml" in head
    test_command = (
        'pip install ".[test,plot]" && ruff check . && ruff format --check . && python -m pytest'
    )
    assert test_command in head
    ci = (ROOT / ".ci" / "run").read_text()
    assert test_command in ci


def test_json_keys_table_matches_output(cli, monkeypatch):
    """The README's JSON-keys table names keys every command really emits."""
    monkeypatch.chdir(ROOT)
    text = README.read_text(encoding="utf-8")
    section = text.split("## JSON output", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([a-z-]+)` \| (.+?) \|$", section, flags=re.MULTILINE)
    assert rows
    from hwcheck.core.registry import COMMANDS

    for name, keys in rows:
        import json

        example = shlex.split(COMMANDS[name].examples[0])
        _code, out, _ = cli(*example, "--json")
        doc = json.loads(out)
        for key in re.findall(r"`([a-z_0-9]+)`", keys):
            assert key in doc, f"README says {name} emits '{key}'"


def test_readme_python_examples():
    import doctest

    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    assert blocks
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for i, block in enumerate(blocks):
        runner.run(parser.get_doctest(block, {}, f"README python block {i}", str(README), 0))
    assert runner.failures == 0


def test_docstring_examples():
    import doctest
    import importlib
    import pkgutil

    import hwcheck

    failures = 0
    for info in pkgutil.walk_packages(hwcheck.__path__, "hwcheck."):
        if info.name.endswith("__main__"):
            continue
        failures += doctest.testmod(
            importlib.import_module(info.name), optionflags=doctest.ELLIPSIS
        ).failed
    failures += doctest.testmod(hwcheck).failed
    assert failures == 0
