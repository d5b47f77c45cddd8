"""Exercise templates (CONVENTIONS §6c): ``[exercise.vary]`` parameters and ``{name}`` placeholders.

A parameter is a list of choices (``h = [28, 32, 35]``, ``act = ["relu", "tanh"]``) or a range
``{from = a, to = b, step = s}`` of integers or decimals (``step`` default 1; ``to`` included
when the steps reach it). Decimals are exact: the k-th value is ``a + k·s`` computed with
fractions from the text as written and printed with as many decimals as ``a`` and ``s`` have,
so ``{from = 0.1, to = 0.3, step = 0.1}`` is 0.1, 0.2, 0.3 (never 0.30000000000000004).

A placeholder is ``{name}`` with ``name`` a parameter (letters, digits, ``_``). In a string
option, the title and the ``text`` it is replaced by the value as written; an option that is
exactly ``"{name}"`` takes the value itself (a number stays a number, a list a list). Any other
brace is kept as it is. A placeholder that names no parameter is an error naming the exercise.

>>> t = Template.of({"id": "A", "vary": {"h": [28, 32]}, "spec": "{h}x{h}x3", "lr": "{h}"}, "k")
>>> t.fill({"id": "A", "vary": {}, "spec": "{h}x{h}x3", "lr": "{h}"}, (1,))
{'id': 'A', 'spec': '32x32x3', 'lr': 32}
>>> Parameter.of("lr", {"from": 0.1, "to": 0.3, "step": 0.1}, "k").values()
['0.1', '0.2', '0.3']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from hwcheck.core.errors import HwcheckError

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
MAX_PARAMETERS = 32
MAX_CHOICES = 10_000
MAX_FILLED = 1_000_000  # characters of one filled string
MAX_RANGE = 10**12  # values of one range (drawn by index, never listed)
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: keys of an exercise a template never fills: the grading metadata
FIXED_KEYS = ("id", "command", "claims", "points", "rtol", "atol", "tolerances", "partial")
DECIMAL = re.compile(r"[+-]?(\d+)(?:\.(\d+))?")


def decimal_text(value: Any, where: str) -> tuple[Fraction, int]:
    """An integer or a plainly written decimal (TOML keeps its text): its exact value and its
    number of decimals. ``1e-3`` and fractions are refused: a range's values are printed."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise HwcheckError(where, f"must be an integer or a decimal, got {value!r}")
    text = getattr(value, "text", None) or str(value)
    match = DECIMAL.fullmatch(text.replace("_", ""))
    if not match:
        raise HwcheckError(where, f"write {text or value!r} as a plain decimal (such as 0.001)")
    return Fraction(match.group(0)), len(match.group(2) or "")


@dataclass(frozen=True)
class Parameter:
    """One ``[exercise.vary]`` entry: ``count`` values, the k-th given by :meth:`value`."""

    name: str
    choices: tuple[Any, ...] = ()
    start: Fraction = Fraction(0)
    step: Fraction = Fraction(1)
    decimals: int = 0
    count: int = 0

    @classmethod
    def of(cls, name: str, raw: Any, where: str) -> Parameter:
        where = f"{where}: [exercise.vary] {name}"
        if not NAME.fullmatch(name):
            raise HwcheckError(where, "a parameter name is letters, digits and _")
        if isinstance(raw, list):
            return cls._choices(name, raw, where)
        if isinstance(raw, dict):
            return cls._range(name, raw, where)
        raise HwcheckError(where, "must be a list of choices or {from = a, to = b, step = s}")

    @classmethod
    def _choices(cls, name: str, raw: list, where: str) -> Parameter:
        if not raw:
            raise HwcheckError(where, "has no choices")
        if len(raw) > MAX_CHOICES:
            raise HwcheckError(where, f"more than {MAX_CHOICES:,} choices")
        for i, choice in enumerate(raw):
            if isinstance(choice, (bool, dict)) or choice is None:
                raise HwcheckError(f"{where}[{i}]", "a choice is a number, text or a list")
        return cls(name, tuple(raw), count=len(raw))

    @classmethod
    def _range(cls, name: str, raw: dict, where: str) -> Parameter:
        unknown = set(raw) - {"from", "to", "step"}
        if unknown or "from" not in raw or "to" not in raw:
            raise HwcheckError(where, "a range is {from = a, to = b, step = s} (step default 1)")
        start, d1 = decimal_text(raw["from"], f"{where}: from")
        stop, _ = decimal_text(raw["to"], f"{where}: to")
        step, d2 = decimal_text(raw.get("step", 1), f"{where}: step")
        if step <= 0:
            raise HwcheckError(f"{where}: step", "must be positive")
        if stop < start:
            raise HwcheckError(where, f"'to' ({raw['to']}) is below 'from' ({raw['from']})")
        count = int((stop - start) // step) + 1
        if count > MAX_RANGE:
            raise HwcheckError(where, f"more than {MAX_RANGE:,} values")
        return cls(name, (), start, step, max(d1, d2), count)

    def value(self, index: int) -> Any:
        """The index-th value: a choice as written, or ``from + index·step`` (an int, or a
        decimal's text with :attr:`decimals` places)."""
        if self.choices:
            return self.choices[index]
        exact = self.start + index * self.step
        if self.decimals == 0:
            return int(exact)
        scaled = round(exact * 10**self.decimals)  # exact: a multiple of 10^-decimals
        sign, digits = ("-" if scaled < 0 else ""), str(abs(scaled)).rjust(self.decimals + 1, "0")
        return f"{sign}{digits[: -self.decimals]}.{digits[-self.decimals :]}"

    def values(self) -> list[Any]:
        return [self.value(i) for i in range(min(self.count, MAX_CHOICES))]


def written(value: Any) -> str:
    """A drawn value as it is written into text (a decimal's text, a list in TOML's form)."""
    from hwcheck.answers.toml import written_text

    return value if isinstance(value, str) else (written_text(value) or "")


def as_option(value: Any, parameter: Parameter) -> Any:
    """The value an option that is exactly ``"{name}"`` takes: a range's decimal is a number."""
    if not parameter.choices and isinstance(value, str):
        from hwcheck.core.numbers import WrittenFloat

        return WrittenFloat(value)
    return value


@dataclass(frozen=True)
class Template:
    """An exercise with ``[exercise.vary]`` (or a ``text``): its parameters in the order written."""

    id: str
    parameters: tuple[Parameter, ...]
    where: str = ""  # the key's name and the exercise, for errors

    @classmethod
    def of(cls, entry: dict[str, Any], where: str) -> Template:
        ident = str(entry.get("id", "?"))
        where = f"{where}: exercise {ident}"
        raw = entry.get("vary", {})
        if not isinstance(raw, dict):
            raise HwcheckError(where, "[exercise.vary] must be a table of name = choices")
        if len(raw) > MAX_PARAMETERS:
            raise HwcheckError(where, f"more than {MAX_PARAMETERS} parameters")
        template = cls(ident, tuple(Parameter.of(n, v, where) for n, v in raw.items()), where)
        names = {p.name for p in template.parameters}
        for name in placeholders(_filled_part(entry)):
            if name not in names:
                from hwcheck.core.errors import did_you_mean

                raise HwcheckError(
                    where,
                    f"the placeholder {{{name}}} names no parameter of [exercise.vary]"
                    + did_you_mean(name, sorted(names)),
                )
        return template

    @property
    def space(self) -> int:
        """How many different draws there are."""
        size = 1
        for p in self.parameters:
            size *= p.count
        return size

    def fill(self, entry: dict[str, Any], indices: tuple[int, ...]) -> dict[str, Any]:
        """The concrete exercise: every placeholder replaced, ``vary`` dropped."""
        drawn = {p.name: (p, p.value(i)) for p, i in zip(self.parameters, indices)}
        out = {}
        for key, value in entry.items():
            if key == "vary":
                continue
            try:
                out[key] = value if key in FIXED_KEYS else _substitute(value, drawn)
            except HwcheckError as exc:
                raise HwcheckError(f"{self.where}: {key}", exc.message) from None
        return out

    def parameters_of(self, indices: tuple[int, ...]) -> dict[str, Any]:
        """The drawn values as written (a range's decimal as its text)."""
        return {p.name: p.value(i) for p, i in zip(self.parameters, indices)}

    def numbers_of(self, indices: tuple[int, ...]) -> dict[str, Any]:
        """The drawn values for JSON: a range's decimal is a number."""
        return {p.name: as_option(p.value(i), p) for p, i in zip(self.parameters, indices)}


def is_template(entry: Any) -> bool:
    return isinstance(entry, dict) and ("vary" in entry or "text" in entry)


def _filled_part(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if k not in FIXED_KEYS and k != "vary"}


def placeholders(value: Any, depth: int = 0) -> list[str]:
    """Every ``{name}`` inside strings of ``value`` (lists and tables followed)."""
    if isinstance(value, str):
        return PLACEHOLDER.findall(value)
    if depth > 64:
        return []
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return [name for item in items for name in placeholders(item, depth + 1)]


def _substitute(value: Any, drawn: dict[str, tuple[Parameter, Any]], depth: int = 0) -> Any:
    if isinstance(value, str):
        whole = PLACEHOLDER.fullmatch(value)
        if whole:
            parameter, drawn_value = drawn[whole.group(1)]
            return as_option(drawn_value, parameter)
        names = PLACEHOLDER.findall(value)
        texts = {n: written(drawn[n][1]) for n in set(names)}
        if len(value) + sum(len(texts[n]) for n in names) > MAX_FILLED:
            raise HwcheckError(
                "[exercise.vary]", f"a filled text would exceed {MAX_FILLED:,} characters"
            )
        return PLACEHOLDER.sub(lambda m: texts[m.group(1)], value)
    if depth > 64:
        return value
    if isinstance(value, dict):
        return {k: _substitute(v, drawn, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, drawn, depth + 1) for v in value]
    return value


def first_variant(document: dict[str, Any], name: str) -> dict[str, Any]:
    """The key with each template at its first variant (every parameter at its first value:
    the first choice, or ``from``): what ``check``, ``grade`` without ``--variants`` and
    ``hwcheck key`` read a template key as."""
    entries = document.get("exercise")
    if not isinstance(entries, list) or not any(is_template(e) for e in entries):
        return document
    filled = []
    for entry in entries:
        if is_template(entry):
            template = Template.of(entry, name)
            entry = template.fill(entry, (0,) * len(template.parameters))
        filled.append(entry)
    return {**document, "exercise": filled}
