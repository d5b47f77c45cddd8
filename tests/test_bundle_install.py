"""The Gradescope bundle from a plain install: hwcheck writes its own wheel from the package that
runs (hwcheck.answers.grade.wheel), so ``--gradescope-bundle`` works from ``pip install hwcheck``
as from the source checkout.

Checked against references computed another way: the wheel holds the same files, bytes, dependencies
and entry points as the one setuptools builds from pyproject.toml (``pip wheel``); every RECORD line
matches its file's SHA-256 and size; and, end to end, a fresh virtual environment runs the bundle's
``setup.sh`` and ``run_autograder`` in a simulated Gradescope tree (``/autograder`` as a temporary
folder), after which the installed hwcheck builds a byte-identical bundle.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.conftest import DATA, ROOT

KEY = DATA / "grade" / "key.toml"
ALICE = DATA / "grade" / "submissions" / "alice.toml"
BASE_PYTHON = getattr(sys, "_base_executable", sys.executable)


def _env(**extra: str) -> dict[str, str]:
    """The environment without this checkout on the path (the installed hwcheck must serve)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return {**env, **extra}


def _bundle(folder: Path, hwcheck: list[str], env: dict[str, str]) -> Path:
    out = folder / "autograder.zip"
    done = subprocess.run(
        [*hwcheck, "grade", str(KEY), "--gradescope-bundle", str(out)],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return out


def _wheel_of(bundle: Path, folder: Path) -> Path:
    with zipfile.ZipFile(bundle) as z:
        name = next(n for n in z.namelist() if n.endswith(".whl"))
        (folder / name).write_bytes(z.read(name))
    return folder / name


def _contents(wheel: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(wheel) as z:
        return {n: z.read(n) for n in z.namelist()}


@pytest.fixture(scope="module")
def checkout_bundle(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("checkout-bundle")
    return _bundle(folder, [sys.executable, "-m", "hwcheck"], _env(PYTHONPATH=str(ROOT)))


# ------------------------------------------------------------------------------- the wheel


def test_every_record_line_matches_its_file(checkout_bundle, tmp_path):
    files = _contents(_wheel_of(checkout_bundle, tmp_path))
    record = next(n for n in files if n.endswith(".dist-info/RECORD"))
    lines = files[record].decode().splitlines()
    assert {line.split(",")[0] for line in lines} == set(files)
    for line in lines:
        name, digest, size = line.rsplit(",", 2)
        if name == record:
            assert digest == size == ""
            continue
        expected = base64.urlsafe_b64encode(hashlib.sha256(files[name]).digest()).rstrip(b"=")
        assert digest == "sha256=" + expected.decode() and int(size) == len(files[name])


def _metadata_fields(text: str) -> dict[str, set[str]]:
    head = text.split("\n\n", 1)[0]
    fields: dict[str, set[str]] = {}
    for line in head.splitlines():
        key, _, value = line.partition(": ")
        fields.setdefault(key, set()).add(_requirement(re.sub(r"\s+", "", value)))
    return fields


def _requirement(value: str) -> str:
    """``typer>=0.12,<0.26`` and ``typer<0.26,>=0.12`` are one requirement."""
    match = re.fullmatch(r"([A-Za-z0-9_.-]+)([<>=!~][^;]*)?(;.*)?", value)
    if not match or not match.group(2):
        return value
    name, specifiers, marker = match.groups()
    return name + ",".join(sorted(specifiers.split(","))) + (marker or "")


def source_copy(folder: Path) -> Path:
    """The checkout's sources as a wheel is built from them: pyproject, README, the package."""
    folder.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, folder)
    shutil.copytree(
        ROOT / "hwcheck", folder / "hwcheck", ignore=shutil.ignore_patterns("__pycache__")
    )
    return folder


@pytest.mark.slow
def test_the_wheel_holds_what_setuptools_would_build(checkout_bundle, tmp_path):
    """The reference: ``pip wheel`` of the checkout with setuptools (from this environment)."""
    pytest.importorskip("setuptools")
    copy = source_copy(tmp_path / "src")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "--no-cache-dir", "-q", "-w", str(tmp_path / "ref"), str(copy)],
        capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"setuptools cannot build here: {done.stderr.strip()[-200:]}")
    reference = _contents(next((tmp_path / "ref").glob("hwcheck-*.whl")))
    mine = _contents(_wheel_of(checkout_bundle, tmp_path))
    package = {n: b for n, b in reference.items() if n.startswith("hwcheck/")}
    assert package == {n: b for n, b in mine.items() if n.startswith("hwcheck/")}
    meta = next(n for n in reference if n.endswith("dist-info/METADATA"))
    ref_fields, my_fields = (
        _metadata_fields(reference[meta].decode()),
        _metadata_fields(mine[meta].decode()),
    )
    for field in ("Name", "Version", "Requires-Python", "Requires-Dist", "Provides-Extra"):
        assert my_fields[field] == ref_fields[field], field
    assert reference[meta].decode().split("\n\n", 1)[1] == mine[meta].decode().split("\n\n", 1)[1]
    entry = next(n for n in reference if n.endswith("entry_points.txt"))
    assert mine[entry].split() == reference[entry].split()


def test_the_build_system_has_bdist_wheel_built_in():
    """setuptools < 70.1 (65 in a fresh Python 3.11 venv) has no bdist_wheel without the wheel
    package: pip's build then ends in "invalid command 'bdist_wheel'" and "See above"."""
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    setuptools = next(r for r in requires if r.startswith("setuptools"))
    floor = tuple(int(p) for p in re.search(r">=\s*([\d.]+)", setuptools).group(1).split("."))
    assert floor >= (70, 1)


# ------------------------------------------------------------------------------- errors


def test_no_metadata_is_a_clear_error(tmp_path, monkeypatch):
    from hwcheck.answers.grade import wheel
    from hwcheck.core.errors import HwcheckError

    (tmp_path / "hwcheck").mkdir()
    monkeypatch.setattr(wheel, "package_folder", lambda: tmp_path / "hwcheck")
    with pytest.raises(HwcheckError, match="neither a pyproject.toml beside it nor an installed"):
        wheel.running_distribution()


def test_a_version_that_disagrees_is_a_clear_error(tmp_path, monkeypatch):
    from hwcheck.answers.grade import wheel
    from hwcheck.core.errors import HwcheckError

    (tmp_path / "hwcheck").mkdir()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "hwcheck"\nversion = "9.9"\n')
    monkeypatch.setattr(wheel, "package_folder", lambda: tmp_path / "hwcheck")
    with pytest.raises(HwcheckError, match="version 9.9"):
        wheel.running_distribution()


def test_an_unreadable_package_file_names_itself(tmp_path):
    from hwcheck.answers.grade import wheel
    from hwcheck.core.errors import HwcheckError

    missing = tmp_path / "gone.py"
    dist = wheel.Distribution(
        "hwcheck", "0.1.0", "Name: hwcheck\n", "", (("hwcheck/gone.py", missing),)
    )
    with pytest.raises(HwcheckError, match="cannot read .*gone.py"):
        wheel.wheel_bytes(dist)


def test_the_bundle_is_byte_identical_run_to_run(checkout_bundle, tmp_path):
    again = _bundle(tmp_path, [sys.executable, "-m", "hwcheck"], _env(PYTHONPATH=str(ROOT)))
    assert again.read_bytes() == checkout_bundle.read_bytes()


# ------------------------------------------------------------------------------- end to end


def _fresh_venv_or_skip(where: Path) -> Path:
    done = subprocess.run(
        [BASE_PYTHON, "-m", "venv", str(where)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0 or not (where / "bin" / "python").exists():
        pytest.skip(f"cannot create a virtual environment: {done.stderr.strip()[-200:]}")
    return where


def _gradescope_tree(root: Path, bundle: Path) -> None:
    for name in ("source", "submission", "results"):
        (root / name).mkdir(parents=True)
    with zipfile.ZipFile(bundle) as z:
        z.extractall(root / "source")
    for script in ("setup.sh", "run_autograder"):
        os.chmod(root / "source" / script, 0o755)
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    shutil.copy(ALICE, root / "submission" / "answers.toml")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_setup_and_run_autograder_from_a_fresh_venv(checkout_bundle, tmp_path):
    """Gradescope's steps in a simulated /autograder: setup.sh (a fresh venv, the bundled wheel
    and its dependencies installed from the package registries), then run_autograder with the
    installed hwcheck (not this checkout). Then that plain install builds the bundle again."""
    probe = _fresh_venv_or_skip(tmp_path / "probe")  # venv creation works here, or skip
    shutil.rmtree(probe)
    root = tmp_path / "autograder"
    _gradescope_tree(root, checkout_bundle)
    env = _env(AUTOGRADER_ROOT=str(root), HWCHECK_PYTHON=BASE_PYTHON)
    setup = subprocess.run(
        ["bash", str(root / "source" / "setup.sh")],
        cwd=root, env=env, capture_output=True, text=True, timeout=1500, check=False,
    )  # fmt: skip
    if setup.returncode != 0 and "No matching distribution" in setup.stdout + setup.stderr:
        pytest.skip("the package registries cannot be reached from here")
    assert setup.returncode == 0, setup.stdout[-2000:] + setup.stderr[-2000:]
    assert setup.stdout.strip().splitlines()[-1] == "hwcheck 0.1.0"
    installed = root / "hwcheck-venv" / "bin" / "hwcheck"
    done = subprocess.run(
        [str(root / "run_autograder")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 4 and len(results["tests"]) == 5
    where = subprocess.run(
        [str(root / "hwcheck-venv" / "bin" / "python"), "-c", "import hwcheck; print(hwcheck.__file__)"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert "site-packages" in where.stdout and str(ROOT) not in where.stdout
    plain = tmp_path / "plain"
    plain.mkdir()
    again = _bundle(plain, [str(installed)], _env())
    assert again.read_bytes() == checkout_bundle.read_bytes()


@pytest.mark.slow
def test_a_fresh_python_3_11_venv_builds_the_project(tmp_path):
    """The fix of pyproject's [build-system]: a fresh venv (setuptools 65 on Python 3.11) builds
    hwcheck's wheel with pip's build isolation, which fetches setuptools >= 70.1."""
    venv = _fresh_venv_or_skip(tmp_path / "venv")
    copy = source_copy(tmp_path / "src")
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "wheel", "--no-deps", "-q", "-w",
         str(tmp_path / "out"), str(copy)],
        cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    if done.returncode != 0 and "No matching distribution" in done.stderr:
        pytest.skip("the package registries cannot be reached from here")
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(list((tmp_path / "out").glob("hwcheck-0.1.0-*.whl"))) == 1
