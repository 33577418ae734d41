"""The ``report`` and ``compare`` commands, and the outputs ``run`` writes after a campaign.

``conformance/cli.py`` wires these in::

    report = commands.add_parser("report", help="...")
    add_report_arguments(report)           # sets handler=run_report
    compare = commands.add_parser("compare", help="...")
    add_compare_arguments(compare)         # sets handler=run_compare
    ...
    paths = write_run_outputs(result.to_json(), results_path.parent)   # after `run`

Usage::

    presence-conformance report RESULTS.json [--html PATH | --no-html] [--markdown PATH|-] [--github-summary]
                                [--report-link URL] [--junit PATH] [--expectations FILE [--update-expectations]]
                                [--strict]
    presence-conformance compare A.json B.json ... [-o reports/compare.html]

``report`` exits with the gate's code when ``--expectations`` or ``--strict`` is given, else with the run's
own code (both as the engine defines them: 0, 1, 2, 5). Problems with its inputs are
:class:`~conformance.errors.ConfigError` (the CLI prints one line and exits 2). ``compare`` exits 0.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TextIO

from ..engine.results import CampaignResult
from ..errors import ConfigError
from ..gate import GateResult, evaluate, load_expectations, update_expectations
from .compare import write_compare
from .html import write_html
from .junit import write_junit
from .markdown import render_markdown, write_markdown
from .results_file import load_results
from .text import LINE_LIMIT, display

__all__ = [
    "DEFAULT_COMPARE",
    "DEFAULT_HTML",
    "RUN_OUTPUTS",
    "add_compare_arguments",
    "add_report_arguments",
    "run_compare",
    "run_report",
    "write_run_outputs",
]

DEFAULT_HTML = Path("reports/report.html")
DEFAULT_COMPARE = Path("reports/compare.html")
RUN_OUTPUTS = {"html": "report.html", "markdown": "summary.md", "junit": "junit.xml", "allure": "allure-results"}
"""The file names :func:`write_run_outputs` uses in its folder."""
GITHUB_SUMMARY_ENV = "GITHUB_STEP_SUMMARY"
_SHOWN_UNEXPECTED = 30


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``report`` command's arguments to ``parser`` (and ``handler=run_report``)."""
    parser.description = (
        "Generate reports from a results file, and apply the CI gate. Without output options, writes the "
        f"HTML report to {DEFAULT_HTML}."
    )
    parser.add_argument("results", type=Path, metavar="RESULTS.json", help="a results file written by `run`")
    html = parser.add_mutually_exclusive_group()
    html.add_argument("--html", type=Path, metavar="PATH", help=f"write the HTML report here (default: {DEFAULT_HTML})")
    html.add_argument("--no-html", action="store_true", help="do not write the HTML report")
    parser.add_argument("--markdown", metavar="PATH", help="write the Markdown summary here ('-': standard output)")
    parser.add_argument(
        "--github-summary",
        action="store_true",
        help=f"append the Markdown summary to ${GITHUB_SUMMARY_ENV} (GitHub Actions' job page), when it is set",
    )
    parser.add_argument("--report-link", metavar="URL", help="link the Markdown summary to the HTML report at this URL")
    parser.add_argument("--junit", type=Path, metavar="PATH", help="write JUnit XML here")
    parser.add_argument("--allure-dir", type=Path, metavar="DIR", help="write Allure results into this folder")
    parser.add_argument(
        "--expectations",
        type=Path,
        metavar="FILE",
        help="apply the gate with this expectations file (YAML: case or clause id -> expected outcome, reason)",
    )
    parser.add_argument(
        "--update-expectations",
        action="store_true",
        help="rewrite the --expectations file from this run first (then the gate applies it)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="gate without expectations: every case must pass (certification)"
    )
    parser.set_defaults(handler=run_report)


def add_compare_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``compare`` command's arguments to ``parser`` (and ``handler=run_compare``)."""
    parser.description = "One HTML report comparing several results files: a column per run, differences first."
    parser.add_argument("results", type=Path, nargs="+", metavar="RESULTS.json", help="two or more results files")
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=DEFAULT_COMPARE,
        metavar="PATH",
        help=f"where to write it (default: {DEFAULT_COMPARE})",
    )
    parser.set_defaults(handler=run_compare)


def _print(text: str, out: TextIO | None = None) -> None:
    print(text, file=out or sys.stdout)


def _gate_lines(gate: GateResult) -> list[str]:
    lines = [gate.summary() + f" (exit code {gate.exit_code})"]
    for item in gate.unexpected[:_SHOWN_UNEXPECTED]:
        detail = item.case_reason if item.actual != "passed" else (item.reason or "")
        line = item.describe() + (f": {detail}" if detail else "")
        lines.append("  " + " ".join(display(line, LINE_LIMIT).split()))
    if len(gate.unexpected) > _SHOWN_UNEXPECTED:
        lines.append(f"  … and {len(gate.unexpected) - _SHOWN_UNEXPECTED} more (see the report)")
    if gate.unused:
        lines.append(f"  {len(gate.unused)} expectation(s) matched no case of this run: {', '.join(gate.unused[:10])}")
    return lines


def _relative_link(target: Path, start: Path) -> str:
    try:
        return os.path.relpath(target, start.parent)
    except ValueError:  # pragma: no cover - different drives on Windows
        return str(target)


def run_report(args: argparse.Namespace) -> int:
    """The ``report`` command (see the module doc). Returns the exit code.

    Raises:
        ConfigError: an unreadable or invalid results or expectations file, or bad option combinations.
    """
    result = load_results(args.results)
    if args.update_expectations:
        if args.expectations is None:
            raise ConfigError("--update-expectations needs --expectations FILE (the file to rewrite)")
        if args.strict:
            raise ConfigError("--update-expectations and --strict do not go together (strict ignores expectations)")
        summary = update_expectations(result, args.expectations)
        _print(
            f"expectations: {summary.path}: {len(summary.added)} added, {len(summary.changed)} changed, "
            f"{len(summary.removed)} removed, {len(summary.kept)} kept"
        )
    gate: GateResult | None = None
    if args.strict:
        gate = evaluate(result, None, strict=True)
    elif args.expectations is not None:
        gate = evaluate(result, load_expectations(args.expectations))
    html_path: Path | None = None
    try:
        if not args.no_html:
            html_path = write_html(result, args.html or DEFAULT_HTML, gate=gate)
            _print(f"report: {html_path}")
        if args.junit is not None:
            _print(f"junit: {write_junit(result, args.junit, gate=gate)}")
        if args.allure_dir is not None:
            from .allure_results import write_allure_results

            _print(f"allure: {write_allure_results(result, args.allure_dir)}")
        if args.markdown == "-":
            sys.stdout.write(render_markdown(result, gate=gate, report_link=args.report_link))
        elif args.markdown:
            markdown = Path(args.markdown)
            link = args.report_link or (_relative_link(html_path, markdown) if html_path is not None else None)
            _print(f"summary: {write_markdown(result, markdown, gate=gate, report_link=link)}")
        if args.github_summary:
            target = os.environ.get(GITHUB_SUMMARY_ENV)
            if target:
                write_markdown(result, target, gate=gate, report_link=args.report_link, append=True)
                _print(f"summary: appended to ${GITHUB_SUMMARY_ENV}")
            else:
                _print(f"summary: ${GITHUB_SUMMARY_ENV} is not set; nothing appended", sys.stderr)
    except OSError as exc:
        raise ConfigError(f"cannot write a report: {exc.strerror or exc} ({exc.filename})") from exc
    if gate is not None:
        for line in _gate_lines(gate):
            _print(line)
        return gate.exit_code
    return int(result.exit_code)


def run_compare(args: argparse.Namespace) -> int:
    """The ``compare`` command. Returns 0.

    Raises:
        ConfigError: fewer than two files, or one that is not a valid results file.
    """
    paths: list[Path] = list(args.results)
    if len(paths) < 2:
        raise ConfigError("compare needs two or more results files")
    results = [(str(path), load_results(path)) for path in paths]
    try:
        output = write_compare(results, args.output)
    except OSError as exc:
        raise ConfigError(f"cannot write {args.output}: {exc.strerror or exc}") from exc
    _print(f"comparison: {output}")
    return 0


def write_run_outputs(
    result_json: Mapping[str, Any],
    out_dir: Path,
    *,
    html: bool = True,
    markdown: bool = True,
    junit: bool = True,
    allure: bool = True,
    secrets: Iterable[str] = (),
    gate: GateResult | None = None,
) -> dict[str, Path]:
    """Write the reports of a run that just ended into ``out_dir``; return them by kind.

    ``result_json`` is :meth:`CampaignResult.to_json` (or a results file's content); the files are
    ``report.html``, ``summary.md``, ``junit.xml`` and the ``allure-results`` folder (:data:`RUN_OUTPUTS`), each
    only when asked.
    ``secrets`` are literal values to redact everywhere (a configuration's client secret, a static token),
    on top of the environment's. ``gate`` (the expectations gate's verdict on this run) is shown in each.

    Raises:
        ConfigError: a file cannot be written.
    """
    result = CampaignResult.from_json(result_json)
    folder = Path(out_dir)
    written: dict[str, Path] = {}
    try:
        if html:
            written["html"] = write_html(result, folder / RUN_OUTPUTS["html"], gate=gate, secrets=secrets)
        if markdown:
            link = RUN_OUTPUTS["html"] if html else None
            written["markdown"] = write_markdown(
                result, folder / RUN_OUTPUTS["markdown"], gate=gate, report_link=link, secrets=secrets
            )
        if junit:
            written["junit"] = write_junit(result, folder / RUN_OUTPUTS["junit"], gate=gate, secrets=secrets)
        if allure:
            from .allure_results import write_allure_results

            written["allure"] = write_allure_results(result, folder / RUN_OUTPUTS["allure"], secrets=secrets)
    except OSError as exc:
        raise ConfigError(f"cannot write the reports in {folder}: {exc.strerror or exc}") from exc
    return written
