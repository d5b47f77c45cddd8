"""The command line: options → request → core → render → exit code. Nothing else.

Every command is generated from its request type in the registry (:mod:`hwcheck.core.registry`), so
an option declared once is a CLI flag, an answers-file key and an API keyword alike. The
options every calculator shares (``--json``, ``--format``, ``--claim``, ``--digits``,
``--rtol``, ``--atol``) are added here, once.
"""

from __future__ import annotations

import inspect
import itertools
import os
import sys
from typing import Annotated, Any, Optional

import typer

from hwcheck.core.errors import HwcheckError
from hwcheck.core.interrupt import interruption
from hwcheck.core.options import build_request, flag_name, request_fields
from hwcheck.core.registry import COMMANDS, CommandSpec, optimizers
from hwcheck.core.run_inputs import inputs_of_run
from hwcheck.core.version import __version__
from hwcheck.core.workers import (
    Terminated,
    child_policy,
    hold_signals,
    signals_held,
    sigterm_raises,
)


def _click_exceptions():
    """Typer ≥ 0.26 vendors click as ``typer._click``; older versions use click itself."""
    import importlib

    usage, abort = [], []
    for name in ("typer._click.exceptions", "click.exceptions"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        usage.extend(getattr(module, n) for n in ("UsageError",) if hasattr(module, n))
        abort.extend(getattr(module, n) for n in ("Abort",) if hasattr(module, n))
    return tuple(usage), tuple(abort)


USAGE_ERRORS, ABORTS = _click_exceptions()
EXIT_OK, EXIT_WRONG, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
REPORT = "please report this with the command line that caused it"


# ------------------------------------------------------------------------- building


def _parameter(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
    )


def _field_parameters(spec: CommandSpec) -> list[inspect.Parameter]:
    params = []
    for f in request_fields(spec.request_type()):
        meta = f.metadata
        help_text = meta["help"]
        if f.default not in (None, False, ()) and not meta.get("positional"):
            help_text += f" [default: {f.default}]"
        if meta["kind"] == "choice":
            help_text += f" ({'|'.join(meta['choices'])})"
        many = meta["kind"] == "multi"
        kind = Optional[list[str]] if many else Optional[str]  # noqa: UP045 (typer reads Optional)  # values are parsed by build_request
        if meta.get("positional"):
            arg = typer.Argument(
                help=help_text, show_default=False, metavar=f.name.upper() + ("..." if many else "")
            )
            params.append(_parameter(f.name, Annotated[kind, arg], None))
            if meta.get("also_option"):
                opt = typer.Option(
                    flag_name(f.name),
                    help=f"{help_text} (same as the argument)",
                    show_default=False,
                )
                params.append(_parameter(f"{f.name}__option", Annotated[str | None, opt], None))
        elif meta["kind"] == "flag":
            opt = typer.Option(flag_name(f.name), help=help_text, show_default=False)
            params.append(_parameter(f.name, Annotated[bool, opt], False))
        else:
            metavar = {"integer": "INT", "number": "NUM", "choice": "WORD", "names": "A,B"}.get(
                meta["kind"], "TEXT"
            )
            opt = typer.Option(
                flag_name(f.name), help=help_text, show_default=False, metavar=metavar
            )
            params.append(_parameter(f.name, Annotated[kind, opt], None))
    return params


def _common_parameters(spec: CommandSpec) -> list[inspect.Parameter]:
    def opt(*decls, help, metavar=None):
        return typer.Option(*decls, help=help, show_default=False, metavar=metavar)

    params = [
        _parameter(
            "json_",
            Annotated[bool, opt("--json", help="Print one JSON document (same as --format json).")],
            False,
        ),
        _parameter(
            "format_",
            Annotated[
                str | None,
                opt(
                    "--format",
                    help=f"Output format: {'|'.join(spec.formats)} [default: table]",
                    metavar="WORD",
                ),
            ],
            None,
        ),
        _parameter(
            "standalone_",
            Annotated[
                bool,
                opt("--standalone", help="With --format latex: a complete document to compile."),
            ],
            False,
        ),
        _parameter(
            "digits_",
            Annotated[
                str | None,
                opt("--digits", help="Significant digits in tables [default: 6].", metavar="INT"),
            ],
            None,
        ),
    ]
    if spec.plot:
        params.append(
            _parameter(
                "plot_",
                Annotated[
                    str | None,
                    opt(
                        "--plot",
                        help="Also draw a figure into FILE (.png, .svg, .pdf).",
                        metavar="FILE",
                    ),
                ],
                None,
            )
        )
    if spec.optimizer:
        params.append(
            _parameter(
                "compare_",
                Annotated[
                    str | None,
                    opt(
                        "--compare",
                        help="With --plot: also run these optimizers on the same problem, e.g. sgd,adam.",
                        metavar="A,B",
                    ),
                ],
                None,
            )
        )
    if spec.calculator:
        params += [
            _parameter(
                "claim_",
                Annotated[
                    list[str] | None,
                    opt(
                        "--claim",
                        help="KEY=VALUE to verify (repeatable), e.g. total_params=4640.",
                        metavar="KEY=VALUE",
                    ),
                ],
                None,
            ),
            _parameter(
                "rtol_",
                Annotated[
                    str | None,
                    opt(
                        "--rtol",
                        help="Relative tolerance for float claims [default: 1e-3].",
                        metavar="NUM",
                    ),
                ],
                None,
            ),
            _parameter(
                "atol_",
                Annotated[
                    str | None,
                    opt(
                        "--atol",
                        help="Absolute tolerance for float claims [default: 1e-9].",
                        metavar="NUM",
                    ),
                ],
                None,
            ),
        ]
    return params


def _make_command(spec: CommandSpec):
    def command(**values: Any) -> int:
        return run(spec, values)

    params = _field_parameters(spec) + _common_parameters(spec)
    command.__signature__ = inspect.Signature(params)
    command.__annotations__ = {p.name: p.annotation for p in params}
    command.__name__ = spec.api_name
    return command


def _help(spec: CommandSpec) -> str:
    examples = "\n".join(f"  hwcheck {e}" for e in spec.examples)
    return f"{spec.summary}\n\n\b\nExamples:\n{examples}"


def show_version(value: bool) -> None:
    if value:
        print(f"hwcheck {__version__}")
        raise typer.Exit()


def build_app(only: str | None = None) -> typer.Typer:
    """The Typer app: every command, or just ``only`` (what one invocation needs, so a
    calculator in a loop does not pay for building fifteen commands)."""
    app = typer.Typer(
        name="hwcheck",
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode=None,
        help="Calculator and verifier for deep-learning exercise answers. "
        "Every command shows its work; --claim KEY=VALUE checks an answer; --json prints one JSON document.",
        context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110},
    )

    @app.callback()
    def root(
        version: Annotated[
            bool,
            typer.Option(
                "--version",
                help="Print the version and exit.",
                is_eager=True,
                callback=show_version,
            ),
        ] = False,
    ):
        """Calculator and verifier for deep-learning exercise answers."""

    for spec in COMMANDS.values():
        if only is not None and spec.name != only:
            continue
        app.command(spec.name, help=_help(spec), short_help=spec.summary, no_args_is_help=False)(
            _make_command(spec)
        )
    return app


# -------------------------------------------------------------------------- running


def run(spec: CommandSpec, values: dict[str, Any]) -> int:
    """One command: parse → compute → verify → render. Returns the exit code."""
    json_flag, format_option = values.pop("json_"), values.pop("format_")
    fmt = "json" if json_flag else (format_option or "table")
    digits_raw = values.pop("digits_")
    standalone = values.pop("standalone_", False)
    plot_path, compare = values.pop("plot_", None), values.pop("compare_", None)
    raw_claims = values.pop("claim_", None) or []
    rtol_raw, atol_raw = values.pop("rtol_", None), values.pop("atol_", None)
    try:
        _merge_option_forms(values)
        if fmt not in spec.formats:
            raise HwcheckError(
                "--format", f"expected one of {', '.join(spec.formats)}, got '{fmt}'"
            )
        if standalone and fmt != "latex":
            raise HwcheckError("--standalone", "only with --format latex")
        digits, rtol, atol = _output_settings(digits_raw, rtol_raw, atol_raw)
        claims = []
        if raw_claims:  # the verifier is imported only when there is something to verify
            from hwcheck.claims.lookup import parse_claim
            from hwcheck.core.numbers import check_plain

            claims = [parse_claim(c) for c in raw_claims]
        for key, value in claims:  # the digit bound, before any claim parsing
            where = f"--claim {key if len(key) <= 40 else key[:39] + '…'}"
            check_plain(key, where)
            check_plain(value, where)
        if compare is not None and plot_path is None:
            raise HwcheckError("--compare", "only with --plot FILE")
        if plot_path is not None:
            from hwcheck.render.plot import check_target

            check_target(plot_path, values.values())  # never over a file the command names
        request = build_request(spec.request_type(), values, source="cli")
        result = _run_with_progress(spec, request)
        verdicts = result.verify(claims, rtol=rtol, atol=atol) if claims else []
        for v in verdicts:  # on the command line, a claim that cannot be judged is bad input
            if v.verdict == "error":
                raise HwcheckError(f"--claim {v.key}", v.hint or v.rule)
        if plot_path is not None:
            _plot(spec, request, result, values, plot_path, compare)
        _write_files(result)
        with signals_held(fmt == "json"):  # a JSON document is written whole or not at all
            emit(result, verdicts, fmt, digits, standalone=standalone)
        for line in getattr(result, "stderr_lines", list)():  # check: files it could not read
            print(line, file=sys.stderr)
        wrong = any(not v.ok for v in verdicts)
        return EXIT_WRONG if wrong else result.exit_code()
    except HwcheckError as exc:
        return report_error(spec.name, exc, fmt)
    except RecursionError:
        return report_error(spec.name, HwcheckError("input", "nested too deeply"), fmt)
    except MemoryError:
        return report_error(spec.name, HwcheckError("input", "too large to compute here"), fmt)
    except ValueError as exc:  # Python's int<->str digit limit met on user text: bad input
        if "integer string conversion" not in str(exc):
            raise
        from hwcheck.core.numbers import MAX_DIGITS

        error = HwcheckError("input", f"a number has more than {MAX_DIGITS} digits")
        return report_error(spec.name, error, fmt)


def _write_files(result) -> None:
    """Files a result's ``output_files()`` gives as ``(path, bytes, option)`` (backprop --dot):
    checked, then written whole."""
    files = result.output_files() if hasattr(result, "output_files") else ()
    if files:
        from hwcheck.render.files import check_outputs, write_bytes

        check_outputs([(path, option) for path, _, option in files], [])
        for path, data, option in files:
            write_bytes(path, data, option)


def _plot(spec: CommandSpec, request, result, values, path: str, compare: str | None) -> None:
    """--plot FILE (and --compare A,B: the same problem under other optimizers)."""
    from hwcheck.core.arrays import parse_names
    from hwcheck.render import plot

    others = []
    for name in parse_names(compare, "--compare") if compare else ():
        if name not in optimizers():
            raise HwcheckError(
                "--compare", f"'{name}' is not an optimizer ({', '.join(optimizers())})"
            )
        other = COMMANDS[name]
        fields = {f.name for f in request_fields(other.request_type())}
        options = {k: v for k, v in values.items() if k in fields}
        others.append((name, other.run(build_request(other.request_type(), options, source="cli"))))
    plot.save(path, spec.name, result, request, others)


def _run_with_progress(spec: CommandSpec, request):
    if spec.name != "check" or not sys.stderr.isatty():
        return spec.run(request)
    from hwcheck.core.progress import PROGRESS
    from hwcheck.render.text import StderrProgress

    bar = StderrProgress()
    token = PROGRESS.set(bar)
    try:
        return spec.run(request)
    finally:
        PROGRESS.reset(token)
        bar.close()


def _merge_option_forms(values: dict[str, Any]) -> None:
    """A positional that also has an ``--option`` form (``derive EXPR`` / ``--expr EXPR``)."""
    for key in [k for k in values if k.endswith("__option")]:
        name = key[: -len("__option")]
        option = values.pop(key)
        if option is not None:
            if values.get(name) is not None:
                raise HwcheckError(
                    flag_name(name), f"given both as an argument and as {flag_name(name)}"
                )
            values[name] = option


def _output_settings(digits_raw, rtol_raw, atol_raw) -> tuple[int, float, float]:
    from hwcheck.core.numbers import parse_float, parse_int

    digits = (
        parse_int(digits_raw, "--digits", minimum=1, maximum=17) if digits_raw is not None else 6
    )
    rtol = parse_float(rtol_raw, "--rtol", nonnegative=True) if rtol_raw is not None else 1e-3
    atol = parse_float(atol_raw, "--atol", nonnegative=True) if atol_raw is not None else 1e-9
    return digits, rtol, atol


def emit(result, verdicts, fmt: str, digits: int, *, standalone: bool = False) -> None:
    from hwcheck.core.jsonout import exact_digits

    with exact_digits():  # exact results print in full at any size (issue 12.1)
        _emit(result, verdicts, fmt, digits, standalone=standalone)


def _emit(result, verdicts, fmt: str, digits: int, *, standalone: bool = False) -> None:
    if fmt == "json":  # a machine's output: no renderer to import
        from hwcheck.core.jsonout import json_text

        sys.stdout.write(json_text(result, verdicts))
        return
    from hwcheck.render import text as render

    if fmt == "table" and getattr(result, "plain_text", None):  # a file's text (`hwcheck key`)
        sys.stdout.write(result.plain_text)
        return
    if fmt == "table" and sys.stdout.isatty():
        render.print_rich(render.sections_of(result, verdicts, digits))
        return
    sys.stdout.write(render.render(result, verdicts, fmt, digits, standalone=standalone))


def report_error(command: str, exc: HwcheckError, fmt: str = "table") -> int:
    """One line on stderr (plus a hint line); with --json also the JSON error on stdout."""
    from hwcheck.core.escape import terminal  # user text in a message: no ANSI, no forged line

    line = f"error: {exc.where}: {exc.message}" if exc.where else f"error: {exc.message}"
    print(terminal(" ".join(line.split("\n"))), file=sys.stderr)
    if exc.hint:  # a second line may follow, aligned (a caret under a --spec position)
        hint = "\n      ".join(terminal(part) for part in exc.hint.split("\n"))
        print("hint: " + hint, file=sys.stderr)
    if fmt == "json":
        _json_error(command, exc.to_json())
    return exc.code


def _json_error(command: str, error: dict) -> None:
    from hwcheck.core.jsonout import dumps

    sys.stdout.write(dumps({"hwcheck": __version__, "command": command, "error": error}) + "\n")


def _internal(command: str, exc: BaseException, fmt: str) -> int:
    name = type(exc).__name__
    print(
        f"error: internal error in hwcheck {__version__} ({name}: {str(exc)[:200]}); {REPORT}",
        file=sys.stderr,
    )
    if os.environ.get("HWCHECK_DEBUG"):
        import traceback

        traceback.print_exc()
    if fmt == "json":
        _json_error(
            command,
            {"code": EXIT_INTERNAL, "where": "internal", "message": f"{name}: {str(exc)[:200]}"},
        )
    return EXIT_INTERNAL


def _wants_json(argv: list[str]) -> bool:
    """--json or --format json on the command line (for errors raised before options are parsed)."""
    return "--json" in argv or any(
        a == "--format" and b == "json" for a, b in itertools.pairwise(argv)
    )


def _interrupted(line: str, code: int) -> int:
    """Ctrl-C or SIGTERM: the workers are already ended (``finally`` in hwcheck.core.workers); one
    line on stderr, nothing more on stdout (a JSON document was written whole or not at all)."""
    with signals_held():
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    return code


def _stopped(exc: BaseException) -> int:
    """130 or 143 when ``exc`` is a signal in disguise (a ``SystemError`` whose cause is the
    ``KeyboardInterrupt`` a Ctrl-C raised inside C code), else 0."""
    found = interruption(exc)
    if found is None:
        return 0
    if isinstance(found, Terminated):
        return _interrupted("error: terminated", 143)
    return _interrupted("error: interrupted", 130)


def _expression_arguments(spec: CommandSpec, argv: list[str]) -> list[str]:
    """``derive "-t*log(sigmoid(z))"``: for a command whose positional is an expression, a token
    that starts with ``-`` but is no option of the command (nor the value of one) is that
    positional; a leading space keeps click from reading it as an option (the expression
    parser ignores it). ``--`` and ``--expr`` work as before; ``--wrtt`` stays an unknown option."""
    import re

    if not spec.expressions:
        return argv
    fields = request_fields(spec.request_type())
    flags = {"--json", "-h", "--help"} | {
        flag_name(f.name) for f in fields if f.metadata["kind"] == "flag"
    }
    valued = {"--format", "--digits", "--claim", "--rtol", "--atol"} | {
        flag_name(f.name) for f in fields if f.metadata["kind"] != "flag"
    }
    out, after_value = [], False
    for i, token in enumerate(argv):
        if token == "--":
            return out + argv[i:]
        looks_expression = (
            token.startswith("-")
            and len(token) > 1
            and token.split("=", 1)[0] not in flags | valued
            and not re.fullmatch(r"--[A-Za-z][\w-]*(=.*)?", token, re.DOTALL)
        )
        out.append(" " + token if looks_expression and not after_value else token)
        after_value = token in valued
    return out


def main(argv: list[str] | None = None) -> None:
    whole_process = argv is None  # the console script, not a caller in the same process
    argv = list(sys.argv[1:] if argv is None else argv)
    only = argv[0] if argv and argv[0] in COMMANDS else None  # build just the invoked command
    if only:
        argv = argv[:1] + _expression_arguments(COMMANDS[only], argv[1:])
    command = only or "hwcheck"
    fmt = "json" if _wants_json(argv) else "table"
    child_policy()  # children ignore Ctrl-C and die with hwcheck; hwcheck ends them
    try:
        with sigterm_raises(), inputs_of_run():  # no output of the command overwrites its inputs
            code = build_app(only)(args=argv, prog_name="hwcheck", standalone_mode=False)
        if code == 130:  # typer turns Ctrl-C into a silent exit 130
            code = _interrupted("error: interrupted", 130)
    except USAGE_ERRORS as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare `hwcheck`: the help, not an error
            sys.stdout.write(exc.format_message().rstrip() + "\n")
            sys.exit(0)
        where, help_call = (only, f"hwcheck {only} --help") if only else ("usage", "hwcheck --help")
        message = exc.format_message().replace("\n", " ")
        code = report_error(command, HwcheckError(where, message, hint=f"see '{help_call}'"), fmt)
    except (*ABORTS, KeyboardInterrupt):
        code = _interrupted("error: interrupted", 130)
    except Terminated:
        code = _interrupted("error: terminated", 143)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = 0
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a traceback
        code = _stopped(exc) or _internal(command, exc, fmt)
    if whole_process:  # done: a Ctrl-C from now on must not turn a finished run into a traceback
        hold_signals()
    sys.exit(code if isinstance(code, int) else 0)


def __getattr__(name: str):
    if name == "app":  # the full app, for tests and tools that introspect it
        return build_app()
    raise AttributeError(name)
