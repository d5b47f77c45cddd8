"""Markdown that renders (issue 13.5), checked with a CommonMark parser, not by eye.

Every command's ``--format markdown`` is parsed by markdown-it-py (CommonMark plus GitHub's
tables): every table has as many cells per row as its header, no raw HTML gets through, math
sits in ``$$…$$`` blocks that the parser leaves untouched, and the solution sheet has one
heading per exercise.
"""

from __future__ import annotations

import html
import re
import shlex

import pytest

from hwcheck.core.registry import COMMANDS
from tests.conftest import ROOT

EXAMPLES = [
    [a for a in shlex.split(example) if a not in ("--json", "--format", "latex")]
    for spec in COMMANDS.values()
    for example in spec.examples
    if spec.name != "key"  # key writes a TOML file (table or JSON), not a report
] + [["derive", "--preset", "sigmoid-mse-l2", "--wrt", "w", "--at", "w=0.1,b=0,x=2,t=0,lam=0"]]
ALLOWED_TAGS = {
    "p",
    "strong",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "pre",
    "code",
    "br",
    "h1",
    "h2",
    "h3",
}


def parse(text: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table").render(text)


def markdown_of(cli, monkeypatch, args) -> str:
    monkeypatch.chdir(ROOT)
    code, out, err = cli(*args, "--format", "markdown")
    assert code in (0, 1), err
    return out


@pytest.mark.parametrize("args", EXAMPLES, ids=[" ".join(a)[:50] for a in EXAMPLES])
def test_markdown_renders(cli, monkeypatch, args):
    source = markdown_of(cli, monkeypatch, args)
    rendered = parse(source)
    tags = set(re.findall(r"</?([a-z0-9]+)", rendered))
    assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
    for table in rendered.split("<table>")[1:]:
        table = table.split("</table>")[0]
        head = len(re.findall(r"<th[ >]", table.split("</thead>")[0]))
        for row in table.split("<tbody>")[-1].split("<tr>")[1:]:
            cells = len(re.findall(r"<td[ >]", row))
            assert cells == head, "a row with a different number of cells"
    source_tables = [line for line in source.splitlines() if line.startswith("|")]
    assert len(source_tables) == 0 or "<table>" in rendered, "pipe rows that did not parse"
    # math: every $$ block reaches the HTML unchanged (no emphasis, no escapes eaten)
    for block in re.findall(r"^\$\$\n(.*?)\n\$\$$", source, flags=re.MULTILINE | re.DOTALL):
        assert block in html.unescape(rendered), block


def test_derive_math_is_delimited(cli, monkeypatch):
    source = markdown_of(cli, monkeypatch, ["derive", "--preset", "sigmoid-mse-l2", "--wrt", "w"])
    blocks = re.findall(r"^\$\$\n(.*?)\n\$\$$", source, flags=re.MULTILINE | re.DOTALL)
    assert any("\\frac{\\partial L}{\\partial w}" in b for b in blocks)
    outside = re.sub(r"^\$\$\n.*?\n\$\$$", "", source, flags=re.MULTILINE | re.DOTALL)
    assert "\\frac" not in outside and "\\partial" not in outside


def test_solution_sheet_has_a_heading_per_exercise(cli, monkeypatch):
    source = markdown_of(cli, monkeypatch, ["check", "examples.toml", "--show-all"])
    rendered = parse(source)
    ids = re.findall(r'^id = "([^"]+)"', (ROOT / "examples.toml").read_text(), flags=re.MULTILINE)
    headings = re.findall(r"<h2>Exercise ([^:<]+)", rendered)
    assert headings == ids
    assert rendered.count("<h1>") == 1
