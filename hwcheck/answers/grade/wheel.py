"""hwcheck's own wheel, written from the package that is running, for the Gradescope bundle.

The bundle needs hwcheck in a form ``pip install`` takes on Gradescope's image. Building one with
``pip wheel`` needs the source tree and a build backend (setuptools ≥ 70.1, or the ``wheel``
package, for ``bdist_wheel``), neither of which a plain ``pip install hwcheck`` has. So hwcheck
writes the wheel itself (PEP 427, the binary distribution format): the package's files as they
are installed (or as they are in a source checkout), and a ``.dist-info`` folder with
``METADATA``, ``WHEEL``, ``entry_points.txt`` and ``RECORD`` (each file's SHA-256 and size).

Where the metadata comes from:

- a source checkout (``pyproject.toml`` beside the package): written from its ``[project]`` table;
- an installed hwcheck: the installed distribution's own ``METADATA`` and ``entry_points.txt``,
  when that distribution is the one whose files are running.

The wheel is pure Python (``py3-none-any``) and byte-identical for the same files (fixed times).
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from hwcheck.core.errors import HwcheckError

WHERE = "--gradescope-bundle"
ZIP_TIME = (2020, 1, 1, 0, 0, 0)
WHEEL_FILE = "Wheel-Version: 1.0\nGenerator: hwcheck\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


@dataclass(frozen=True)
class Distribution:
    """What the wheel holds: ``files`` (path inside the wheel → file on disk) and metadata."""

    name: str
    version: str
    metadata: str
    entry_points: str
    files: tuple[tuple[str, Path], ...]


def package_folder() -> Path:
    """The folder of the hwcheck package that is running (hwcheck/answers/grade/wheel.py)."""
    return Path(__file__).resolve().parents[2]


def running_distribution() -> Distribution:
    """hwcheck as it runs: from its source checkout, or from its installed distribution."""
    from hwcheck.core.version import __version__

    folder = package_folder()
    found = _from_checkout(folder) or _from_install(folder)
    if found is None:
        raise HwcheckError(
            WHERE,
            f"cannot build hwcheck's wheel: the package at {folder} has neither a pyproject.toml "
            "beside it nor an installed distribution's metadata",
            hint="install hwcheck with pip (pip install hwcheck), or run it from its source checkout",
        )
    if found.version != __version__:
        raise HwcheckError(
            WHERE,
            f"cannot build hwcheck's wheel: its metadata says version {found.version}, "
            f"the package running is {__version__}",
            hint="reinstall hwcheck (pip install --force-reinstall hwcheck)",
        )
    return found


# ------------------------------------------------------------------------------- a checkout


def _from_checkout(folder: Path) -> Distribution | None:
    import tomllib

    project_file = folder.parent / "pyproject.toml"
    try:
        document = tomllib.loads(project_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise HwcheckError(WHERE, f"cannot read {project_file}: {exc}") from None
    project = document.get("project", {})
    if project.get("name") != "hwcheck":
        return None
    readme = _readme(folder.parent, project.get("readme"))
    data = document.get("tool", {}).get("setuptools", {}).get("package-data", {})
    return Distribution(
        "hwcheck",
        str(project["version"]),
        metadata_text(project, readme),
        entry_points_text(project.get("scripts", {})),
        tuple(_checkout_files(folder, data)),
    )


def _readme(root: Path, name) -> str:
    if not isinstance(name, str):
        return ""
    try:
        return (root / name).read_text(encoding="utf-8")
    except OSError as exc:
        raise HwcheckError(WHERE, f"cannot read {root / name}: {exc.strerror or exc}") from None


def metadata_text(project: dict, readme: str) -> str:
    """Core metadata 2.1 (the METADATA file) from a pyproject ``[project]`` table."""
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {project['name']}",
        f"Version: {project['version']}",
    ]
    if project.get("description"):
        lines.append(f"Summary: {project['description']}")
    licence = project.get("license")
    if isinstance(licence, dict) and licence.get("text"):
        lines.append(f"License: {licence['text']}")
    if project.get("requires-python"):
        lines.append(f"Requires-Python: {project['requires-python']}")
    lines += [f"Requires-Dist: {d}" for d in project.get("dependencies", ())]
    for extra, needs in project.get("optional-dependencies", {}).items():
        lines.append(f"Provides-Extra: {extra}")
        lines += [f'Requires-Dist: {d}; extra == "{extra}"' for d in needs]
    if readme:
        lines.append("Description-Content-Type: text/markdown")
    return "\n".join(lines) + "\n\n" + readme


def entry_points_text(scripts: dict[str, str]) -> str:
    if not scripts:
        return ""
    return "[console_scripts]\n" + "".join(f"{k} = {v}\n" for k, v in sorted(scripts.items()))


def _checkout_files(folder: Path, package_data: dict) -> list[tuple[str, Path]]:
    """The package's modules and its declared package data (what setuptools would ship)."""
    found = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder.parent)
        if not path.is_file() or path.is_symlink() or "__pycache__" in rel.parts:
            continue
        package = ".".join(rel.parts[:-1])
        patterns = package_data.get(package, ())
        if path.suffix == ".py" or any(fnmatch.fnmatch(path.name, p) for p in patterns):
            found.append((rel.as_posix(), path))
    return found


# ------------------------------------------------------------------------------- an install


def _from_install(folder: Path) -> Distribution | None:
    """The installed distribution whose ``hwcheck/__init__.py`` is the one running."""
    from importlib import metadata

    try:
        dist = metadata.distribution("hwcheck")
    except metadata.PackageNotFoundError:
        return None
    files = [f for f in dist.files or () if f.parts and f.parts[0] == "hwcheck"]
    init = next((f for f in files if f.as_posix() == "hwcheck/__init__.py"), None)
    if init is None or Path(dist.locate_file(init)).resolve() != folder / "__init__.py":
        return None
    shipped = [
        (f.as_posix(), Path(dist.locate_file(f)).resolve())
        for f in sorted(files, key=lambda f: f.as_posix())
        if "__pycache__" not in f.parts and not f.name.endswith(".pyc")
    ]
    return Distribution(
        "hwcheck",
        dist.version,
        dist.read_text("METADATA") or "",
        dist.read_text("entry_points.txt") or "",
        tuple(shipped),
    )


# ------------------------------------------------------------------------------- the wheel


def wheel_bytes(dist: Distribution) -> tuple[str, bytes]:
    """``(file name, bytes)`` of the wheel of ``dist``."""
    info = f"{dist.name}-{dist.version}.dist-info"
    record: list[str] = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for inside, path in dist.files:
            _add(z, record, inside, _read(path))
        _add(z, record, f"{info}/METADATA", dist.metadata.encode("utf-8"))
        _add(z, record, f"{info}/WHEEL", WHEEL_FILE.encode("utf-8"))
        if dist.entry_points:
            _add(z, record, f"{info}/entry_points.txt", dist.entry_points.encode("utf-8"))
        record.append(f"{info}/RECORD,,")
        _add(z, [], f"{info}/RECORD", ("\n".join(record) + "\n").encode("utf-8"))
    return f"{dist.name}-{dist.version}-py3-none-any.whl", buffer.getvalue()


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise HwcheckError(
            WHERE, f"cannot build hwcheck's wheel: cannot read {path}: {exc.strerror or exc}"
        ) from None


def _add(z: zipfile.ZipFile, record: list[str], name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.external_attr = 0o100644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, data)
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    record.append(f"{name},sha256={digest},{len(data)}")
