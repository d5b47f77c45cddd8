"""The Gradescope autograder bundle: ``setup.sh``, ``run_autograder``, the key (and the files it
names), and hwcheck itself as a wheel that ``setup.sh`` installs on Gradescope's image.

Gradescope unpacks the zip into ``/autograder/source`` and runs ``setup.sh`` once when it builds
the image; for every submission it runs ``run_autograder`` (copied to ``/autograder``), which
grades ``/autograder/submission`` and writes ``/autograder/results/results.json``. Variables let
the same scripts run elsewhere: ``AUTOGRADER_ROOT`` (default ``/autograder``; the virtual
environment goes in ``<root>/hwcheck-venv``), ``HWCHECK_PYTHON`` (the Python ``setup.sh`` uses)
and ``HWCHECK`` (the command ``run_autograder`` runs; default the hwcheck ``setup.sh``
installed).

The wheel is written by hwcheck from the package that is running (:mod:`.wheel`), so the bundle
is built the same from a source checkout and from ``pip install hwcheck``; the whole zip is built
in memory and written once by :mod:`hwcheck.render.files` (no temporary folder, nothing partial).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from hwcheck.core.errors import HwcheckError

SETUP_SH = """#!/usr/bin/env bash
# Installs hwcheck (the wheel in this bundle) and its dependencies, once, when Gradescope builds
# the autograder image. hwcheck needs Python 3.11 or later. AUTOGRADER_ROOT (default /autograder)
# and HWCHECK_PYTHON (default: the first Python 3.11+ found) let it run elsewhere.
set -euo pipefail
SOURCE="$(cd "$(dirname "$0")" && pwd)"
ROOT="${AUTOGRADER_ROOT:-/autograder}"
VENV="$ROOT/hwcheck-venv"
PY="${HWCHECK_PYTHON:-}"
if [ -z "$PY" ]; then
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      PY="$candidate"
      break
    fi
  done
fi
if [ -z "$PY" ]; then
  apt-get update
  apt-get install -y python3.11 python3.11-venv
  PY=python3.11
fi
if ! "$PY" -m venv "$VENV"; then
  apt-get update
  apt-get install -y "$(basename "$PY")-venv" || apt-get install -y python3-venv
  "$PY" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --upgrade pip || echo "setup.sh: pip not upgraded; going on"
"$VENV/bin/python" -m pip install "$SOURCE"/hwcheck-*.whl
"$VENV/bin/hwcheck" --version
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Grades the student's submission against the key; writes results/results.json.
# AUTOGRADER_ROOT (default /autograder) and HWCHECK (default: the hwcheck setup.sh installed)
# let it run elsewhere, e.g. HWCHECK="python -m hwcheck" against a simulated tree.
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
HWCHECK="${HWCHECK:-$ROOT/hwcheck-venv/bin/hwcheck}"
$HWCHECK grade "$ROOT/source/key.toml" --gradescope --autograder-root "$ROOT"
"""


def key_files(key) -> list[Path]:
    """Files the key names (``model`` paths, ``@file`` matrices), relative to its folder."""
    found = []
    for ex in key.exercises:
        for name, value in ex.exercise.options.items():
            if isinstance(value, str) and (name == "model" or value.startswith("@")):
                path = (key.folder / value.removeprefix("@")).resolve()
                if path.is_file() and path.is_relative_to(key.folder.resolve()):
                    found.append(path)
    return found


def check_bundle_target(request) -> None:
    """The bundle's path is a ``.zip`` (what Gradescope takes): a slip such as naming a
    submission is caught even when it is not an input of this run. That it is no input, link or
    FIFO is checked with the other outputs, before the work."""
    target = request.gradescope_bundle
    if not str(target).lower().endswith(".zip"):
        raise HwcheckError("--gradescope-bundle", f"expected a file ending in .zip, got '{target}'")


def write_bundle(key, target: str) -> None:
    """The zip, built in memory (no temporary folder to leave behind) and written whole by the
    one writer of outputs: never over an input, never through a link."""
    from hwcheck.render.files import write_bytes

    if key.path is None:
        raise HwcheckError("--gradescope-bundle", "the key must be a file, not standard input")
    write_bytes(target, bundle_bytes(key), "--gradescope-bundle")


def bundle_bytes(key) -> bytes:
    """The bundle: the scripts, the key, the files it names and hwcheck's wheel (fixed times:
    the same key and the same hwcheck give the same bytes). Ctrl-C and SIGTERM wait for the
    zip (under a second; zipfile cannot close an archive stopped inside an entry), then stop
    the run before anything is written."""
    from hwcheck.answers.grade.wheel import running_distribution, wheel_bytes
    from hwcheck.render.files import signals_deferred

    with signals_deferred():  # a zip stopped inside an entry cannot be closed: build it whole
        wheel_name, wheel = wheel_bytes(running_distribution())
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
            _script(z, "setup.sh", SETUP_SH)
            _script(z, "run_autograder", RUN_AUTOGRADER)
            _file(z, "key.toml", _read(key.path))
            for path in key_files(key):
                _file(z, path.relative_to(key.folder.resolve()).as_posix(), _read(path))
            _file(z, wheel_name, wheel)
    return buffer.getvalue()


def _read(path) -> bytes:
    """A file the bundle carries, read as every input is (bounded, regular, noted as an input)."""
    from hwcheck.core.inputs import read_bytes_file

    return read_bytes_file(str(path), "--gradescope-bundle")


def _file(z: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = 0o100644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, data)


def _script(z: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = 0o100755 << 16  # an executable file
    info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, text)
