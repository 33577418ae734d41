"""The report in a real headless Chromium: its script runs under its own Content-Security-Policy, offline."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from report_helpers import HOSTILE, campaign, case, fade_case

from conformance.engine.results import Verdict
from conformance.report.html import write_html

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed")
def test_the_script_runs_and_nothing_injected_does(tmp_path: Path) -> None:
    results = campaign(
        [fade_case(Verdict.FAILED, case_id="a.bad", reason=HOSTILE, title=HOSTILE), case("a.ok")], target=HOSTILE
    )
    page = write_html(results, tmp_path / "report.html")
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory() as profile:
        run = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--no-first-run", f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    dom = run.stdout
    assert '<html lang="en" data-ready="1">' in dom, run.stderr[-2000:]  # the pinned script ran to its end
    assert '<form class="filters" id="filters">' in dom  # and showed the filters
    assert "2 of 2 shown" in dom
    assert "<img" not in dom
