"""The pieces start-up laziness rests on behave as what they replace.

- :class:`hwcheck.core.lazy.Pattern` (a regular expression compiled on first use) answers as the
  compiled pattern does, checked against ``re.compile`` of the same source;
- :func:`hwcheck.families.arch.results.may_name_zoo` (a model file runs without importing the
  zoo) never says no to what :func:`hwcheck.families.arch.zoo.lookup` reads as a zoo name.

What a run imports is tested in test_cli.py; the time saved is measured in
benchmarks/bench_arch.py (no timed assertion here).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hwcheck.core import numbers
from hwcheck.core.errors import HwcheckError
from hwcheck.core.lazy import Pattern
from hwcheck.families.arch import zoo
from hwcheck.families.arch.results import may_name_zoo

SOURCES = [
    numbers._FAST._source,
    numbers._FRACTION._source,
    numbers._TEN_POWER._source,
    numbers._GROUPED[","]._source,
    numbers._EASTERN_COMMA._source,
    r"[^\W\d_]\w*",
]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(SOURCES), st.text(alphabet="0123456789.,/·×^eE+- x٬۱۲a_", max_size=16))
def test_a_lazy_pattern_answers_as_the_compiled_one(source, text):
    lazy, compiled = Pattern(source), re.compile(source)
    for method in ("match", "fullmatch", "search"):
        ours, theirs = getattr(lazy, method)(text), getattr(compiled, method)(text)
        assert (ours and ours.group(0)) == (theirs and theirs.group(0))
    assert lazy.findall(text) == compiled.findall(text)
    assert lazy.sub("#", text) == compiled.sub("#", text)


def test_a_lazy_pattern_compiles_once_and_keeps_the_method():
    lazy = Pattern(r"[0-9]+", re.ASCII)
    assert "fullmatch" not in vars(lazy)  # nothing compiled at definition
    assert lazy.fullmatch("12")
    assert "fullmatch" in vars(lazy)  # kept: the next call is the compiled pattern's own method
    assert lazy.flags & re.ASCII and lazy.pattern == "[0-9]+"
    with pytest.raises(AttributeError):
        lazy.no_such_method  # noqa: B018


def _lookup(model):
    try:
        return zoo.lookup(model)
    except HwcheckError:
        return "error"  # a bare word that is neither a file nor a zoo name: still the zoo's reading


@pytest.mark.parametrize(
    "model",
    ["lenet5", "ZOO:resnet50", "zoo:no.such", "resnet", "-", "m.toml", "dir/m", "a\\b", "", {}],
)
def test_what_may_not_name_the_zoo_is_never_read_as_the_zoo(model):
    if not may_name_zoo(model):
        assert _lookup(model) is None


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abz:o./\\-_ 5\n", max_size=12))
def test_the_zoo_predicate_on_generated_names(model):
    if not may_name_zoo(model):
        assert _lookup(model) is None
