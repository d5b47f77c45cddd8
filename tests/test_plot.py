"""Plots (issue 13.6): each file is a valid image of the stated type and size, and holds what it
claims, read back from the file (pixel statistics of a PNG, the text of an SVG)."""

from __future__ import annotations

import struct
import sys
import xml.etree.ElementTree as ET

import pytest

pytest.importorskip("matplotlib")

RF = ["rf", "--spec", "16x16x1 | conv2d 1 3 | conv2d 1 3 stride=2", "--unit", "2,2"]
SADDLE = [
    "--problem",
    "expr",
    "--objective",
    "x**2 - y**2",
    "--init",
    "x=1,y=0.001",
    "--steps",
    "20",
]


def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def pixels(path):
    import matplotlib.image

    return (matplotlib.image.imread(path)[:, :, :3] * 255).round().astype(int)


def near(image, rgb, tol=6):
    import numpy as np

    return np.all(np.abs(image - np.array(rgb)) <= tol, axis=2)


def test_rf_field_is_drawn_where_and_as_large_as_the_result_says(cli, tmp_path):
    import numpy as np

    path = tmp_path / "rf.png"
    code, _, err = cli(*RF, "--plot", str(path))
    assert code == 0, err
    assert png_size(path) == (800, 450)
    image = pixels(path)
    field, rest = near(image, (0xD6, 0x27, 0x28)), near(image, (0xF4, 0xF4, 0xF4))
    # 5×5 of the 16×16 input (unit (2, 2): rows and columns 4…8), the grid lines aside
    share = field.sum() / (field.sum() + rest.sum())
    assert share == pytest.approx(25 / 256, rel=0.15)
    drawn = field | rest  # the input grid: rows and columns mostly covered by it
    rows = np.nonzero(drawn.sum(axis=1) > 100)[0]
    cols = np.nonzero(drawn.sum(axis=0) > 100)[0]
    top, left, size = rows.min(), cols.min(), rows.max() - rows.min() + 1
    assert cols.max() - cols.min() + 1 == pytest.approx(size, abs=2)  # square pixels
    frow, fcol = np.nonzero(field)
    centre = ((frow.mean() - top) / size * 16, (fcol.mean() - left) / size * 16)
    assert centre == pytest.approx((6.5, 6.5), abs=0.3)  # pixel 6's centre is at 6.5


def test_saddle_compare_draws_both_optimizers(cli, tmp_path):
    path = tmp_path / "saddle.png"
    code, _, err = cli("sgd", *SADDLE, "--plot", str(path), "--compare", "adam")
    assert code == 0, err
    assert png_size(path) == (800, 450)
    image = pixels(path)
    assert near(image, (0x1F, 0x77, 0xB4), 10).sum() > 200  # sgd's line (C0)
    assert near(image, (0xFF, 0x7F, 0x0E), 10).sum() > 200  # adam's line (C1)


def test_gd_quadratic_svg_names_eigenvalues_and_both_paths(cli, tmp_path):
    path = tmp_path / "q.svg"
    code, _, err = cli(
        "gd-quadratic",
        "--H",
        "2 0; 0 1",
        "--lr",
        "0.5",
        "--steps",
        "3",
        "--w0",
        "1 1",
        "--plot",
        str(path),
    )
    assert code == 0, err
    root = ET.parse(path).getroot()
    assert (
        root.tag.endswith("svg") and root.get("width") == "576pt" and root.get("height") == "324pt"
    )
    texts = " ".join(t.text or "" for t in root.iter() if t.tag.endswith("text"))
    assert "λ = 2" in texts and "λ = 1" in texts
    assert "GD, ε = 0.5" in texts and "Newton" in texts
    assert sum(1 for e in root.iter() if e.tag.endswith("path")) > 20  # contours and paths


def test_conv_matrix_pdf(cli, tmp_path):
    path = tmp_path / "a.pdf"
    code, _, err = cli("conv-matrix", "--input", "3x3", "--kernel", "2x2", "--plot", str(path))
    assert code == 0, err
    data = path.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")


def test_trace_png_one_parameter_problem(cli, tmp_path):
    path = tmp_path / "t.png"
    code, _, err = cli("adam", "--steps", "4", "--plot", str(path))
    assert code == 0, err
    assert png_size(path) == (800, 450)


def field_share(cli, tmp_path, spec: str, unit: str) -> float:
    """The share of the drawn input grid that ``rf --unit --plot`` shades as the field."""
    path = tmp_path / "rf.png"
    code, _, err = cli("rf", "--spec", spec, "--unit", unit, "--plot", str(path))
    assert code == 0, err
    image = pixels(path)
    field, rest = near(image, (0xD6, 0x27, 0x28)), near(image, (0xF4, 0xF4, 0xF4))
    return field.sum() / (field.sum() + rest.sum())


def test_rf_draws_a_units_own_field_where_windows_differ(cli, tmp_path):
    """Adaptive 5 → 3 after a 3×3 conv: unit (1, 1) pools conv units 1…3, input pixels 1…5."""
    share = field_share(cli, tmp_path, "7x7x1 | conv2d 1 3 | adaptive_avgpool2d 3", "1,1")
    assert share == pytest.approx(25 / 49, rel=0.15)


def test_rf_draws_a_unit_whose_paths_are_not_aligned(cli, tmp_path):
    """A 2×2 'same' branch shifts the centre by half a pixel: rf and start are null, but the
    unit's region (the union of its paths' fields) is known and drawn (exit 3 before)."""
    import hwcheck

    spec = "16x16x1 | conv2d 1 3 | add( conv2d 1 3 padding=same ) | add( conv2d 1 2 padding=same )"
    (r0, r1), (c0, c1) = hwcheck.rf(spec=spec, unit=(5, 5)).region
    share = field_share(cli, tmp_path, spec, "5,5")
    assert share == pytest.approx((r1 - r0 + 1) * (c1 - c0 + 1) / 256, rel=0.15)


@pytest.mark.parametrize(
    "args, where",
    [
        (["adam", "--plot", "x.txt"], "--plot"),
        (["adam", "--plot", "no/such/folder/x.png"], "--plot"),
        (["adam", "--compare", "sgd"], "--compare"),
        (["adam", "--plot", "PLACE", "--compare", "nope"], "--compare"),
        (["gd-quadratic", "--H", "1 0 0; 0 1 0; 0 0 1", "--plot", "PLACE"], "--plot"),
        (
            ["rf", "--spec", "7x7x1 | conv2d 1 3 | adaptive_avgpool2d 3", "--plot", "PLACE"],
            "--plot",
        ),
    ],
)
def test_plot_errors_are_one_line(cli, tmp_path, monkeypatch, args, where):
    monkeypatch.chdir(tmp_path)
    args = [str(tmp_path / "p.png") if a == "PLACE" else a for a in args]
    code, out, err = cli(*args)
    assert code == 2 and err.startswith(f"error: {where}: ") and out == ""
    assert not list(tmp_path.iterdir())


def test_without_matplotlib_the_install_command_is_named(cli, tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "matplotlib" else real(name, *a),
    )
    code, _, err = cli("adam", "--plot", str(tmp_path / "a.png"))
    assert code == 2 and "needs matplotlib" in err and "pip install 'hwcheck[plot]'" in err
    assert not (tmp_path / "a.png").exists()


def test_matplotlib_is_imported_only_for_plot(tmp_path):
    import subprocess

    from tests.conftest import ROOT

    probe = (
        "import sys\nfrom hwcheck.cli import main\ntry:\n    main(sys.argv[1:])\n"
        "except SystemExit:\n    pass\n"
        "print('MPL' if 'matplotlib' in sys.modules else 'NOMPL', file=sys.stderr)\n"
    )
    for args, expected in (
        (["adam", "--steps", "2"], "NOMPL"),
        (["rf", "--spec", "8x8x1 | conv2d 1 3", "--json"], "NOMPL"),
        (["adam", "--steps", "2", "--plot", str(tmp_path / "a.png")], "MPL"),
    ):
        run = subprocess.run(
            [sys.executable, "-c", probe, *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert expected in run.stderr.split(), run.stderr


def test_grade_histogram_bars_are_the_class_scores(cli, tmp_path):
    """grade --plot: ten bars, one per tenth of the maximum, as tall as the students in it
    (counted here from the JSON scores, read back from the SVG's bar paths)."""
    import json
    import re

    args = ["grade", "tests/data/grade/key.toml", "tests/data/grade/submissions"]
    code, out, _ = cli(*args, "--json")
    doc = json.loads(out)
    counts = [0] * 10
    for s in doc["students"]:
        if not s.get("error"):
            counts[min(int(10 * s["score"] / s["max"]), 9)] += 1
    target = tmp_path / "class.svg"
    code, _, err = cli(*args, "--plot", str(target))
    assert code == 0, err
    root = ET.parse(target).getroot()
    heights = []
    for group in root.iter("{http://www.w3.org/2000/svg}g"):
        if not group.get("id", "").startswith("patch_"):
            continue
        for path in group.iter("{http://www.w3.org/2000/svg}path"):
            ys = [float(v) for v in re.findall(r"[ML] [-\d.]+ ([-\d.]+)", path.get("d", ""))]
            heights.append(max(ys) - min(ys))
    bars = heights[2:12]  # after the figure's and the axes' backgrounds
    assert len(bars) == 10
    unit = max(bars) / max(counts)
    assert [round(h / unit) for h in bars] == counts
