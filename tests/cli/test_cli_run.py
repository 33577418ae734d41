"""``presence-conformance run``: exit codes, summary, results file, smoke check and progress display."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest

from conformance.cli import ProgressDisplay, describe_progress, main
from conformance.engine import ProgressEvent

FIXTURES = Path(__file__).parent / "fixtures"
CASES = FIXTURES / "cases"


def test_a_conformant_run_exits_0_and_writes_the_results(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = tmp_path / "out" / "results.json"
    assert main(["run", "--cases", str(CASES), "--results", str(results)]) == 0
    out, err = capsys.readouterr()
    assert "target: http://127.0.0.1:" in err
    assert "3 cases against http://127.0.0.1:" in out
    assert "3 passed, 0 failed, 0 deviated, 0 broken, 0 not verified" in out
    assert f"results: {results}" in out
    data = json.loads(results.read_text(encoding="utf-8"))
    assert data["counts"]["passed"] == 3
    assert data["exit_code"] == 0
    assert [case["id"] for case in data["cases"]] == [
        "fixture.set.busy",
        "fixture.set.exact-status",
        "fixture.timer.fade",
    ]


def test_failures_exit_1_and_are_listed_one_per_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], deviant_target: str
) -> None:
    code = main(["run", "--target", deviant_target, "--cases", str(CASES), "--results", str(tmp_path / "r.json")])
    assert code == 1
    out = capsys.readouterr().out
    assert "2 passed, 1 failed, 0 deviated, 0 broken, 0 not verified" in out
    (failed,) = [line for line in out.splitlines() if line.lstrip().startswith("FAILED")]
    assert failed.split()[1] == "fixture.set.exact-status:"
    assert "expected status 200, got 204" in failed


def test_a_declared_profile_is_passed_to_the_target_setup(tmp_path: Path, deviant_target: str) -> None:
    args = ["run", "--target", deviant_target, "--cases", str(CASES), "-k", "exact-status"]
    assert main([*args, "--results", str(tmp_path / "r.json")]) == 1
    # Declared, the target's choice is what the oracle predicts.
    assert main([*args, "--results", str(tmp_path / "r.json"), "--profile", "write_status=204"]) == 0
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["profile"]["write_status"] == 204


def test_nothing_selected_exits_5(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--cases", str(CASES), "-k", "no-such-case", "--results", str(tmp_path / "r.json")]) == 5
    assert "error: no case selected by -k 'no-such-case'" in capsys.readouterr().err
    assert not (tmp_path / "r.json").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "http://127.0.0.1:{port}"], "cannot connect to http://127.0.0.1:{port}"),
        (["--config", "{config}"], "nonsense"),
        (["--cases", str(FIXTURES / "bad")], "broken.presence.yaml:5: steps[0].at: expected an ISO 8601 duration"),
        (["-k", "busy and"], "-k 'busy and': column 9: expected a word, 'not' or '('"),
        (["--profile", "no_such_key=1"], "unknown profile key"),
        (["--token-secret", "short"], "--token-secret"),
    ],
    ids=["unreachable", "bad-config", "bad-case-file", "bad-expression", "bad-profile", "bad-secret"],
)
def test_a_broken_run_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], closed_port: int, args: list[str], message: str
) -> None:
    config = tmp_path / "target.yaml"
    config.write_text("base_url: http://127.0.0.1:1\nnonsense: true\n", encoding="utf-8")
    port = closed_port
    args = [arg.format(port=port, config=config) for arg in args]
    code = main(["run", "--cases", str(CASES), "--results", str(tmp_path / "r.json"), *args])
    assert code == 2
    err = capsys.readouterr().err
    (line,) = [line for line in err.splitlines() if line.startswith("presence-conformance: error: ")]
    assert message.format(port=port) in line
    assert "Traceback" not in err


def test_a_failed_smoke_check_is_a_broken_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], deviant_target: str
) -> None:
    results = str(tmp_path / "r.json")
    code = main(
        ["run", "--target", deviant_target, "--token-secret", "x" * 40, "--cases", str(CASES), "--results", results]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert f"error: smoke check against {deviant_target} failed: the target rejected the token" in err
    assert "x" * 40 not in err  # never a secret


@pytest.mark.parametrize("option", [["--profile", "write_status"], ["--settle", "ten seconds"], ["--nonsense"]])
def test_a_usage_error_exits_2_through_argparse(option: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["run", *option])
    assert exit_info.value.code == 2
    assert "usage: presence-conformance" in capsys.readouterr().err


def test_list_shows_the_selection_without_contacting_a_target(
    capsys: pytest.CaptureFixture[str], closed_port: int
) -> None:
    target = f"http://127.0.0.1:{closed_port}"
    assert main(["run", "--list", "--target", target, "--cases", str(CASES), "-k", "timer or busy"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[:-1]] == ["fixture.set.busy", "fixture.timer.fade"]
    assert lines[-1] == "2 cases"
    assert main(["run", "--list", "--cases", str(CASES), "-k", "nothing"]) == 5


def _event(cases_left: int, elapsed: float, next_offset: timedelta | None) -> ProgressEvent:
    return ProgressEvent(
        kind="waiting", elapsed=elapsed, offset=timedelta(0), next_offset=next_offset, cases_left=cases_left, total=40
    )


def test_progress_line_shows_done_left_elapsed_and_next_instant() -> None:
    line = describe_progress(_event(28, 185.2, timedelta(minutes=5, seconds=1)))
    assert line == "12/40 cases done, 28 left, 3m05s elapsed, next instant +5m01s"
    assert describe_progress(_event(0, 3.25, None)) == "40/40 cases done, 0 left, 3.2s elapsed"


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_rewrites_one_line_on_a_terminal() -> None:
    stream = _Tty()
    display = ProgressDisplay(stream)
    display(_event(2, 1.0, timedelta(seconds=5)))
    display(_event(1, 2.0, None))
    display.close()
    text = stream.getvalue()
    assert "\n" not in text
    assert text.count("\r") == 4  # two updates, then the line is cleared
    assert "39/40 cases done, 1 left, 2.0s elapsed" in text


def test_progress_prints_a_line_per_period_elsewhere() -> None:
    stream, now = io.StringIO(), [0.0]
    display = ProgressDisplay(stream, period=10.0, clock=lambda: now[0])
    for second in range(35):
        now[0] = float(second)
        display(_event(40 - second, float(second), None))
    display.close()
    assert [line.split(",")[0] for line in stream.getvalue().splitlines()] == [
        "10/40 cases done",
        "20/40 cases done",
        "30/40 cases done",
    ]
