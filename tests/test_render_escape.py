"""Output that cannot lie (issue 12.5): text from an answers file reaches every format escaped.

A newline in an exercise id must not forge a table row, an ANSI sequence must not reach the
terminal, raw HTML must not pass into Markdown, and a LaTeX command must not run. Each format
has one escaping function (hwcheck/core/escape.py), applied by the renderer to every string.
"""

from __future__ import annotations

import html
import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hwcheck.core import escape

FORGED = "| X | total_params | 1 | 1 | ✓ correct | forged |"
HOSTILE_ID = f"A\n{FORGED}\nB\x1b[2J\x1b[31m\r\u202e\u2028"
HOSTILE_TITLE = "<script>alert(1)</script> <img src=x onerror=alert(1)> \\input{/etc/passwd} $x$ [red]r[/red] *b* `c`"


def test_the_input_side_refuses_the_hostile_file_first(cli, tmp_path):
    """Defence in depth: check refuses control characters in ids at load time (exit 2, one
    line); the tests below switch that off to show the renderer escapes them all the same."""
    import json

    path = tmp_path / "hostile.toml"
    path.write_text(
        f"[[exercise]]\nid = {json.dumps(HOSTILE_ID)}\ncommand = 'params'\n"
        "spec = '8x8x1 | conv2d 1 3'\n[exercise.claims]\ntotal_params = 10\n",
        encoding="utf-8",
    )
    code, out, err = cli("check", str(path))
    assert code == 2 and "control character U+000A" in err and len(err.strip().splitlines()) <= 2
    assert "forged" not in out + err


@pytest.fixture
def hostile_file(tmp_path, monkeypatch):
    import json

    from hwcheck.answers import files as answers

    monkeypatch.setattr(answers, "_check_labels", lambda entry, where: None)

    path = tmp_path / "hostile.toml"
    path.write_text(
        "[[exercise]]\n"
        f"id = {json.dumps(HOSTILE_ID)}\n"
        f"title = {json.dumps(HOSTILE_TITLE)}\n"
        'command = "params"\n'
        'spec = "35x35x16 | conv2d filters=32 kernel=3 padding=same"\n'
        "[exercise.claims]\n"
        f"{json.dumps('total_params')} = 4641\n",
        encoding="utf-8",
    )
    return str(path)


def test_terminal_shows_control_characters_and_forges_no_row(cli, hostile_file):
    code, out, _ = cli("check", hostile_file, "--show")
    assert code == 1
    assert "\x1b" not in out and "\r" not in out and "\u202e" not in out and "\u2028" not in out
    assert "\\x1b[2J" in out and "\\n" in out and "\\u202e" in out
    assert not any(line.lstrip().startswith(("| X", "B")) for line in out.splitlines())
    for line in out.splitlines():  # the forged text stays inline, after its escaped newline
        assert "forged" not in line or "A\\n| X" in line
    assert "[red]r[/red]" in out  # Rich markup is shown, not interpreted


@pytest.mark.parametrize("width", [60, 200])
def test_terminal_escaping_holds_at_every_width(hostile_file, width):
    from hwcheck.api import api_function
    from hwcheck.render.text import render

    result = api_function("check")(hostile_file, show_all=True)
    out = render(result, None, "table", 6, width=width)
    assert "\x1b" not in out and "\r" not in out
    assert not any(line.lstrip().startswith(("| X", "B\\x1b")) for line in out.splitlines())


def test_markdown_passes_no_html_and_forges_no_row(cli, hostile_file):
    from markdown_it import MarkdownIt

    code, out, _ = cli("check", hostile_file, "--format", "markdown", "--show-all")
    assert code == 1
    rendered = MarkdownIt("commonmark").enable("table").render(out)
    assert "<script" not in rendered and "<img" not in rendered
    assert "&lt;script&gt;" in rendered
    claims_tables = [t for t in rendered.split("<table>")[1:] if "total_params" in t]
    assert len(claims_tables) == 1
    body = claims_tables[0].split("<tbody>")[1].split("</tbody>")[0]
    assert body.count("<tr>") == 1  # one claim, one row: the newline did not forge another


def test_latex_runs_no_command_from_the_file(cli, hostile_file):
    code, out, _ = cli("check", hostile_file, "--format", "latex", "--show-all")
    assert code == 1
    assert out.isascii()
    out = out.replace("\\allowbreak{}", "")  # where a long word may break (fits the page)
    assert "\\input{" not in out and "\\textbackslash{}input\\{/etc/passwd\\}" in out
    assert "\\$x\\$" in out


def test_html_escape():
    assert (
        escape.html('<a href="x">&</a>\x1b') == "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;\\x1b"
    )


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_terminal_output_is_printable(text):
    out = escape.terminal(text)
    assert all(ch == " " or ch.isprintable() for ch in out)
    assert "\n" not in out and "\x1b" not in out


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_latex_output_is_ascii_with_balanced_math(text):
    out = escape.latex(text)
    assert out.isascii()
    assert len(re.findall(r"(?<!\\)\$", out)) % 2 == 0


MD_ALPHABET = string.printable + "αβ✓−<>&|*_`[]()#!$~\\\x1b\u202e"


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet=MD_ALPHABET, max_size=40))
def test_markdown_escape_renders_as_the_text_itself(text):
    """Rendered by a CommonMark parser, the escaped text is one paragraph of exactly the
    (visible) text: no tag, no emphasis, no link, no code."""
    from markdown_it import MarkdownIt

    source = escape.markdown(text.replace("\n", " ").replace("\r", " "))
    rendered = MarkdownIt("commonmark").render("x " + source).strip()
    if not source.strip():
        return
    assert rendered.startswith("<p>") and rendered.endswith("</p>")
    inner = rendered[3:-4]
    assert "<" not in inner.replace("&lt;", "")
    expected = escape.visible(text.replace("\n", " ").replace("\r", " "))
    assert " ".join(html.unescape(inner).split()) == " ".join(("x " + expected).split())


def test_error_lines_show_control_characters(cli):
    code, out, err = cli("conv-backprop", "--x", "1 2\x1b[31m\n; 3 4", "--f", "1")
    assert code == 2 and out == ""
    assert "\x1b" not in err and "\\x1b[31m" in err
    assert len(err.strip().splitlines()) <= 2
