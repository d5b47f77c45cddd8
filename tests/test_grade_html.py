"""The HTML class report in a real headless browser (Chromium from the OS packages).

It opens from a file, shows every student's score, draws the histogram the scores call for
(read back from a screenshot's pixels) and makes no request outside the file (Chromium's network
log, with a positive control that does make one). Skipped when Chromium is not installed.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import DATA

GRADE = DATA / "grade"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
BAR = (0x2B, 0x6C, 0xB0)  # hwcheck.answers.grade.html.BAR
HOSTILE_IDS = ['<script>alert("x")</script>', '"><img src="http://evil.invalid/x.png">']
ANSWERS = {
    "B.output_shape": ["35x35x32", "33x33x32"],
    "B.total_params": [4640, 4641],
    "C-variant.total_params": [266301796, 267465316],
    "I.steps.0.params.w": [0.0727814, 0.5],
    "K.lr_max": [1, 0.5],
    "K.lr_opt": ["2/3", "1/2"],
}


def browser(tmp_path: Path, url: str, *extra: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--force-device-scale-factor=1",
            f"--user-data-dir={profile}",
            *extra,
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """A class of 40 seeded students (two of them with hostile ids), graded with --html."""
    from hwcheck.answers.grade.command import grade
    from hwcheck.answers.grade.request import GradeRequest

    folder = tmp_path_factory.mktemp("html")
    rng = random.Random(5)
    for i in range(40):
        student = HOSTILE_IDS[i] if i < len(HOSTILE_IDS) else f"student{i:02d}"
        lines = [f"student = {json.dumps(student)}", "[answers]"]
        for label, (right, wrong) in ANSWERS.items():
            pick = rng.random()
            if pick < 0.8:
                lines.append(f"{json.dumps(label)} = {json.dumps(right if pick < 0.55 else wrong)}")
        (folder / f"s{i:02d}.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    html = folder / "report.html"
    result = grade(
        GradeRequest(key=str(GRADE / "key.toml"), submissions=(str(folder),), html=str(html))
    )
    return html, result.to_json()


class Rows(HTMLParser):
    """The text cells of each row of <table id="students">."""

    def __init__(self):
        super().__init__()
        self.inside, self.rows, self.cell = False, [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.inside = dict(attrs).get("id") == "students"
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag == "td":
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.rows[-1].append(self.cell)
            self.cell = None
        elif tag == "table":
            self.inside = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


class Attributes(HTMLParser):
    def __init__(self):
        super().__init__()
        self.values, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.values.extend(v or "" for _, v in attrs)


def test_the_page_shows_every_students_score(report, tmp_path):
    html, doc = report
    done = browser(tmp_path, html.as_uri(), "--dump-dom")
    assert done.returncode == 0, done.stderr[-500:]
    parser = Rows()
    parser.feed(done.stdout)
    shown = {row[0]: float(row[1].replace(",", "")) for row in parser.rows if len(row) >= 2}
    assert len(doc["students"]) == 40
    for student in doc["students"]:
        assert shown[student["student"]] == pytest.approx(student["score"], abs=1e-5)
    assert set(HOSTILE_IDS) <= set(shown), "hostile ids are shown as text"
    tags = Attributes()
    tags.feed(done.stdout)
    assert "script" not in tags.tags and "img" not in tags.tags


def test_the_file_names_nothing_outside_itself(report):
    html, _ = report
    attrs = Attributes()
    attrs.feed(html.read_text(encoding="utf-8"))
    assert not [
        v
        for v in attrs.values
        if "//" in v or v.strip().lower().startswith(("http", "data:", "javascript:"))
    ]
    assert "<script" not in html.read_text(encoding="utf-8")
    assert "url(" not in html.read_text(encoding="utf-8")


def page_requests(tmp_path: Path, url: str) -> list[str]:
    """URLs the page itself asked for (initiated by its file:// origin), from Chromium's net log;
    the browser's own background requests are initiated by no origin."""
    log = tmp_path / "net.json"
    done = browser(tmp_path, url, f"--log-net-log={log}", "--dump-dom")
    assert done.returncode == 0
    data = json.loads(log.read_text())
    names = {v: k for k, v in data["constants"]["logEventTypes"].items()}
    found = []
    for event in data["events"]:
        params = event.get("params", {})
        url = params.get("url", "")
        started = names.get(event["type"]) == "URL_REQUEST_START_JOB"
        external = url and not url.startswith("file:")
        if started and external and params.get("initiator") != "not an origin":
            found.append(url)
    return found


def test_the_page_makes_no_request(report, tmp_path):
    html, _ = report
    assert page_requests(tmp_path, html.as_uri()) == []
    canary = tmp_path / "canary.html"
    canary.write_text('<!DOCTYPE html><img src="http://canary.invalid/x.png">')
    assert page_requests(tmp_path, canary.as_uri()) == ["http://canary.invalid/x.png"], (
        "the check sees a page's request"
    )


def test_the_screenshot_shows_the_histogram_of_the_scores(report, tmp_path):
    """Bars read back from the pixels: one per non-empty tenth of the maximum, heights in
    proportion to the number of students in it (counted here from the JSON scores)."""
    from PIL import Image

    html, doc = report
    shot = tmp_path / "shot.png"
    done = browser(tmp_path, html.as_uri(), f"--screenshot={shot}", "--window-size=900,700")
    assert done.returncode == 0 and shot.exists()
    image = Image.open(shot).convert("RGB")
    width, height = image.size
    pixels = image.load()
    top = doc["max"]
    counts = [0] * 10
    for s in doc["students"]:
        counts[min(int(s["score"] / top * 10), 9)] += 1
    columns = [x for x in range(width) if any(pixels[x, y] == BAR for y in range(height))]
    runs: list[list[int]] = []
    for x in columns:
        if runs and x == runs[-1][-1] + 1:
            runs[-1].append(x)
        else:
            runs.append([x])
    assert len(runs) == sum(1 for n in counts if n), (runs and [len(r) for r in runs], counts)
    heights = [sum(1 for y in range(height) if pixels[r[len(r) // 2], y] == BAR) for r in runs]
    nonzero = [n for n in counts if n]
    tallest = max(heights)
    for h, n in zip(heights, nonzero):
        assert h == pytest.approx(tallest * n / max(nonzero), abs=3)
