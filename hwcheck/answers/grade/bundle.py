"""The Gradescope autograder bundle: ``setup.sh``, ``run_autograder``, the key (and the files it
names), and hwcheck itself as a wheel that ``setup.sh`` installs on Gradescope's image.

Gradescope unpacks the zip into ``/autograder/source`` and runs ``setup.sh`` once when it builds
the image; for every submission it runs ``run_autograder`` (copied to ``/autograder``), which
grades ``/autograder/submission`` and writes ``/autograder/results/results.json``. Two variables
let the same script run elsewhere: ``AUTOGRADER_ROOT`` (default ``/autograder``) and ``HWCHECK``
(the command to run; default the hwcheck that ``setup.sh`` installed).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from hwcheck.core.errors import HwcheckError

SETUP_SH = """#!/usr/bin/env bash
# Installs hwcheck (the wheel in this bundle) and its dependencies, once, when Gradescope builds
# the autograder image. hwcheck needs Python 3.11 or later.
set -euo pipefail
SOURCE="$(cd "$(dirname "$0")" && pwd)"
PY=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    PY="$candidate"
    break
  fi
done
if [ -z "$PY" ]; then
  apt-get update
  apt-get install -y python3.11 python3.11-venv
  PY=python3.11
fi
if ! "$PY" -m venv /autograder/hwcheck-venv; then
  apt-get update
  apt-get install -y "$(basename "$PY")-venv" || apt-get install -y python3-venv
  "$PY" -m venv /autograder/hwcheck-venv
fi
/autograder/hwcheck-venv/bin/python -m pip install --upgrade pip
/autograder/hwcheck-venv/bin/python -m pip install "$SOURCE"/hwcheck-*.whl
/autograder/hwcheck-venv/bin/hwcheck --version
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Grades the student's submission against the key; writes results/results.json.
# AUTOGRADER_ROOT (default /autograder) and HWCHECK (default: the hwcheck setup.sh installed)
# let it run elsewhere, e.g. HWCHECK="python -m hwcheck" against a simulated tree.
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
HWCHECK="${HWCHECK:-/autograder/hwcheck-venv/bin/hwcheck}"
$HWCHECK grade "$ROOT/source/key.toml" --gradescope --autograder-root "$ROOT"
"""


def source_tree() -> Path:
    """The folder with hwcheck's pyproject.toml (a source checkout), or an error."""
    root = Path(__file__).resolve().parents[3]  # hwcheck/answers/grade/bundle.py → the checkout
    project = root / "pyproject.toml"
    if not project.is_file() or 'name = "hwcheck"' not in project.read_text(encoding="utf-8"):
        raise HwcheckError(
            "--gradescope-bundle",
            "cannot build hwcheck's wheel: its source tree (pyproject.toml) is not here",
            hint="run this from a source checkout of hwcheck (python -m hwcheck in the repository)",
        )
    return root


def build_wheel(folder: Path) -> Path:
    """``pip wheel --no-deps`` of a copy of the source tree (the checkout itself is untouched)."""
    root = source_tree()
    copy = folder / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")
    copy.mkdir()
    shutil.copy2(root / "pyproject.toml", copy)
    shutil.copy2(root / "README.md", copy)
    shutil.copytree(root / "hwcheck", copy / "hwcheck", ignore=ignore)
    out = folder / "wheel"
    command = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "--no-cache-dir",
        "--quiet",
        "-w",
        str(out),
        str(copy),
    ]
    try:
        done = subprocess.run(
            command, check=False, capture_output=True, text=True, timeout=600, cwd=folder
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise HwcheckError("--gradescope-bundle", f"cannot build hwcheck's wheel: {exc}") from None
    wheels = sorted(out.glob("hwcheck-*.whl")) if out.is_dir() else []
    if done.returncode != 0 or not wheels:
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no wheel written"]
        raise HwcheckError("--gradescope-bundle", f"cannot build hwcheck's wheel: {last[0]}")
    return wheels[0]


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


def write_bundle(key, target: str) -> None:
    from hwcheck.render.files import write_bytes

    if key.path is None:
        raise HwcheckError("--gradescope-bundle", "the key must be a file, not standard input")
    with tempfile.TemporaryDirectory(prefix="hwcheck-bundle-") as temp:
        wheel = build_wheel(Path(temp))
        zipped = Path(temp) / "autograder.zip"
        with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as z:
            _script(z, "setup.sh", SETUP_SH)
            _script(z, "run_autograder", RUN_AUTOGRADER)
            z.write(key.path, "key.toml")
            for path in key_files(key):
                z.write(path, path.relative_to(key.folder.resolve()).as_posix())
            z.write(wheel, wheel.name)
        write_bytes(target, zipped.read_bytes(), "--gradescope-bundle")


def _script(z: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = 0o100755 << 16  # an executable file
    info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, text)
