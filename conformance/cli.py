"""The ``presence-conformance`` command: a thin shell over the loader, the target setup and the engine.

Commands::

    presence-conformance run [--target URL] [--config FILE] [--cases PATH ...] [-k EXPR] ...
    presence-conformance serve [--port N] ...                 the reference server, in the foreground
    presence-conformance token --app-id ID ...                a token the reference server accepts
    presence-conformance clauses [--markdown]                 the clause registry (docs/clauses.md)
    presence-conformance cases [--cases PATH ...] [-k EXPR]   the cases, and how many cite each clause

Exit codes of ``run``: ``0`` conformant, ``1`` failures, ``2`` the run is broken (bad options or
configuration, unreachable target, failed smoke check, bad case file, interrupted), ``5`` nothing ran
(no case selected). The campaign's code (:attr:`~conformance.engine.CampaignResult.exit_code`) is
returned as it is; this module only adds the codes of what happens before the campaign. The other
commands exit ``0``, or ``2`` on a usage or run error.

Every :class:`~conformance.errors.RunError` ends as one line on stderr and exit ``2``, without a
traceback. Nothing here prints a token or a secret, except ``token``, which prints the token asked for.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeVar

from .errors import ConfigError, RunError

if TYPE_CHECKING:
    from reference_impl.clause_registry import Clause, ClauseRegistry

    from .cases.model import Case
    from .engine import CampaignResult, ProgressEvent
    from .gate import GateResult

__all__ = [
    "DEFAULT_RESULTS",
    "ProgressDisplay",
    "build_parser",
    "clauses_markdown",
    "describe_progress",
    "main",
    "parse_duration_option",
    "parse_profile_setting",
]

PROG = "presence-conformance"
DEFAULT_RESULTS = Path("reports/results.json")

EXIT_BROKEN = 2
EXIT_NOTHING_RAN = 5

_T = TypeVar("_T")


# ---- option values (shared with the pytest plugin) ------------------------------------------------


def parse_profile_setting(text: str) -> tuple[str, str]:
    """``KEY=VALUE`` as a profile override (``write_status=204``); the target setup checks key and value.

    Raises:
        ConfigError: the text is not ``KEY=VALUE``.
    """
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"a profile setting is KEY=VALUE, such as write_status=204 (got {text!r})")
    return key.strip(), value.strip()


def parse_duration_option(text: str) -> timedelta:
    """An ISO 8601 duration given as an option (``PT10S``).

    Raises:
        ConfigError: the text is not one.
    """
    from reference_impl.model import DurationError, parse_duration

    try:
        return parse_duration(text)
    except DurationError as exc:
        raise ConfigError(str(exc)) from None


def _option_type(parse: Callable[[str], _T]) -> Callable[[str], _T]:
    """``parse`` as an argparse ``type``: its ConfigError becomes a usage error (exit 2, usage line)."""

    def convert(text: str) -> _T:
        try:
            return parse(text)
        except ConfigError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


# ---- the parser -------------------------------------------------------------------------------------


def _version() -> str:
    from . import __version__

    return __version__


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command (``serve`` and ``token`` options come from their modules)."""
    from reference_impl.server.runner import add_serve_arguments
    from reference_impl.service.tokens import SECRET_ENV, add_token_arguments

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Conformance suite for Microsoft Graph-style presence: run it, serve the reference, list it.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run cases against a target (default: the whole corpus against the bundled reference server)",
        description="Run cases against a target. Without --target or --config the bundled reference server "
        "is started on a free loopback port; without --cases the bundled corpus is run.",
    )
    run.add_argument("--target", metavar="URL", help="base URL of the implementation under test")
    run.add_argument("--config", metavar="FILE", type=Path, help="target configuration file (see docs/targets.md)")
    _add_case_arguments(run)
    run.add_argument(
        "--profile",
        type=_option_type(parse_profile_setting),
        nargs="+",
        action="extend",
        default=[],
        metavar="KEY=VALUE",
        help="an interpretation the target chose instead of the default, e.g. write_status=204",
    )
    run.add_argument(
        "--settle",
        type=_option_type(parse_duration_option),
        metavar="DURATION",
        help="wait this long after writes before checking, e.g. PT10S (default: the target configuration's)",
    )
    run.add_argument(
        "--tolerance",
        type=_option_type(parse_duration_option),
        metavar="DURATION",
        help="timing tolerance around timer boundaries, e.g. PT5S (default: the target configuration's)",
    )
    run.add_argument(
        "--results",
        type=Path,
        default=DEFAULT_RESULTS,
        metavar="PATH",
        help=f"where to write the results file (default: {DEFAULT_RESULTS})",
    )
    run.add_argument(
        "--no-reports",
        action="store_true",
        help="write only the results file, not report.html, summary.md and junit.xml beside it",
    )
    run.add_argument(
        "--expectations",
        type=Path,
        metavar="FILE",
        help="expected outcomes on this target (the CI gate): any other outcome fails, an unexpected pass too",
    )
    run.add_argument(
        "--update-expectations",
        action="store_true",
        help="rewrite --expectations FILE from this run's outcomes",
    )
    run.add_argument("--strict", action="store_true", help="ignore expectations: every case must pass")
    run.add_argument("--list", action="store_true", help="list the selected cases and exit without running them")
    run.add_argument("--quiet", action="store_true", help="no progress display; only the summary")
    run.add_argument(
        "--token-secret",
        metavar="SECRET",
        help=f"HS256 secret for minted tokens (default: ${SECRET_ENV}, else the development secret)",
    )
    run.set_defaults(handler=_run)

    from .report.commands import add_compare_arguments, add_report_arguments

    report = commands.add_parser("report", help="reports and the CI gate from a results file")
    add_report_arguments(report)

    compare = commands.add_parser("compare", help="one report comparing results files, differences first")
    add_compare_arguments(compare)

    from .fuzz.commands import add_fuzz_arguments, run_fuzz
    from .mutation.selftest import add_selftest_arguments, run_selftest

    selftest = commands.add_parser("selftest", help="the corpus against the reference and every mutant server")
    add_selftest_arguments(selftest)
    selftest.set_defaults(handler=run_selftest)

    fuzz = commands.add_parser("fuzz", help="differential fuzzing against a target; a mismatch becomes a YAML case")
    add_fuzz_arguments(fuzz)
    fuzz.set_defaults(handler=run_fuzz)

    serve = commands.add_parser("serve", help="run the reference server in the foreground")
    add_serve_arguments(serve)
    serve.set_defaults(handler=_serve)

    token = commands.add_parser("token", help="print a bearer token the reference server accepts")
    add_token_arguments(token)
    token.set_defaults(handler=_token)

    clauses = commands.add_parser("clauses", help="list the clause registry")
    clauses.add_argument("--markdown", action="store_true", help="emit Markdown (the content of docs/clauses.md)")
    clauses.set_defaults(handler=_clauses)

    cases = commands.add_parser("cases", help="list cases and how many cases cite each clause")
    _add_case_arguments(cases)
    cases.set_defaults(handler=_cases)
    return parser


def _add_case_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cases",
        type=Path,
        nargs="+",
        action="extend",
        metavar="PATH",
        help="case files or folders (default: the bundled corpus)",
    )
    parser.add_argument(
        "-k",
        dest="keyword",
        metavar="EXPR",
        help="select cases: words (substrings of id, title, tag or clause) with and/or/not and parentheses",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``) and return the exit code.

    Usage errors exit through argparse (``SystemExit(2)`` with a usage line), as every argparse tool does.
    """
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except RunError as exc:
        _error(str(exc))
        return EXIT_BROKEN
    except KeyboardInterrupt:
        _error("interrupted")
        return EXIT_BROKEN


def _error(message: str) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr)


# ---- run ----------------------------------------------------------------------------------------------


def _select(paths: Sequence[Path] | None, expression: str | None) -> list[Case]:
    """Load the cases of ``paths`` (default: the bundled corpus) and keep those ``expression`` selects."""
    from .cases.loader import load_cases
    from .selection import compile_selection

    selection = compile_selection(expression)  # a bad expression fails before any file is read
    return [case for case in load_cases(paths) if selection(case)]


def _run(args: argparse.Namespace) -> int:
    cases = _select(args.cases, args.keyword)
    if args.list:
        _print_case_list(cases)
        return 0 if cases else EXIT_NOTHING_RAN
    from .engine import CampaignOptions, run_campaign
    from .targets.setup import open_target, smoke_check

    if not cases:
        _error("no case selected" + (f" by -k {args.keyword!r}" if args.keyword else ""))
        return EXIT_NOTHING_RAN
    options = CampaignOptions(settle=args.settle, tolerance=args.tolerance)
    _prepare_results_folder(args.results)  # before the run, not after an hour of it
    err = sys.stderr
    setup = open_target(
        url=args.target,
        config=args.config,
        profile_overrides=dict(args.profile) or None,
        token_secret=args.token_secret,  # the setup reads $PRESENCE_TOKEN_SECRET, after a file's secret_env
    )
    try:
        if not args.quiet:
            print(f"target: {setup.description}", file=err)
        try:
            smoke_check(setup)
        except RunError as exc:
            _error(f"smoke check against {setup.description} failed: {exc}")
            return EXIT_BROKEN
        progress = None if args.quiet else ProgressDisplay(err)
        try:
            result = run_campaign(cases, setup, options, progress=progress)
        finally:
            if progress is not None:
                progress.close()
    finally:
        setup.close()
    _print_summary(result, setup.description, sys.stdout)
    _write_results(result, args.results)
    print(f"results: {args.results}")
    gate = _gate(result, args)
    if not args.no_reports:
        from .report.commands import write_run_outputs

        written = write_run_outputs(result.to_json(), args.results.parent, gate=gate)
        for kind, path in written.items():
            print(f"{kind}: {path}")
    if gate is None:
        return result.exit_code
    print(gate.summary())
    return gate.exit_code


def _gate(result: CampaignResult, args: argparse.Namespace) -> GateResult | None:
    """The expectations gate's verdict on ``result``, when ``--expectations`` or ``--strict`` asks for one."""
    from .gate import evaluate, load_expectations, update_expectations

    if args.update_expectations:
        if args.expectations is None or args.strict:
            raise ConfigError("--update-expectations needs --expectations FILE and no --strict")
        summary = update_expectations(result, args.expectations)
        print(f"expectations: {summary.path} updated")
    if args.strict:
        return evaluate(result, None, strict=True)
    if args.expectations is not None:
        return evaluate(result, load_expectations(args.expectations))
    return None


def _prepare_results_folder(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"--results {path}: cannot create its folder: {exc.strerror or exc}") from exc


def _write_results(result: CampaignResult, path: Path) -> None:
    try:
        path.write_text(json.dumps(result.to_json(), indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"--results {path}: cannot write it: {exc.strerror or exc}") from exc


class ProgressDisplay:
    """Campaign progress on a stream: one line rewritten in place on a terminal, else a line per period
    (so a CI log of a long real-time run shows it moving without a line per event).

    Call it with each :class:`~conformance.engine.ProgressEvent`; :meth:`close` ends the display (clears
    the terminal line). It shows cases done and left, the elapsed time and, while the campaign waits for
    the next instant of its timeline, that instant (offset from the start).
    """

    def __init__(self, stream: TextIO, *, period: float = 15.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._stream = stream
        self._tty = stream.isatty()
        self._period = period
        self._clock = clock
        self._last_shown = clock()  # the first periodic line comes one period after the start
        self._width = 0

    def __call__(self, event: ProgressEvent) -> None:
        line = describe_progress(event)
        if self._tty:
            padding = " " * max(0, self._width - len(line))
            self._stream.write(f"\r{line}{padding}")
            self._width = len(line)
            self._stream.flush()
            return
        now = self._clock()
        if now - self._last_shown >= self._period:
            self._last_shown = now
            print(line, file=self._stream, flush=True)

    def close(self) -> None:
        if self._tty and self._width:
            self._stream.write("\r" + " " * self._width + "\r")
            self._stream.flush()
            self._width = 0


def describe_progress(event: ProgressEvent) -> str:
    """One line for a progress event: ``12/40 cases done, 28 left, 3m05s elapsed, next instant +5m``."""
    done = event.total - event.cases_left
    text = f"{done}/{event.total} cases done, {event.cases_left} left, {_span(event.elapsed)} elapsed"
    if event.next_offset is not None and event.cases_left:
        text += f", next instant +{_span(event.next_offset)}"
    return text


def _span(value: timedelta | float) -> str:
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"


def _print_summary(result: CampaignResult, target: str, out: TextIO) -> None:
    """Counts per verdict, wall time, and the failed, deviated and broken cases with their reason."""
    counts = result.counts()  # every verdict, in the Verdict enum's order
    print(f"{sum(counts.values())} cases against {target}, clock: {result.mode}, {_span(result.wall_time)}", file=out)
    print("  " + ", ".join(f"{count} {verdict.replace('-', ' ')}" for verdict, count in counts.items()), file=out)
    for case in result.results:
        verdict = str(case.verdict)
        if verdict in ("failed", "deviated", "broken"):
            reason = " ".join(str(case.reason or "").split())  # one line, whatever the reason holds
            print(f"  {verdict.upper():<9}{case.case_id}: {reason}", file=out)
    if result.setup_error:
        print(f"  the run could not go on: {result.setup_error}", file=out)


def _print_case_list(cases: Sequence[Case]) -> None:
    """One line per case: id, clauses, title (in columns)."""
    rows = [(case.id, ", ".join(case.clauses), case.title) for case in cases]
    id_width = max((len(row[0]) for row in rows), default=0)
    clause_width = max((len(row[1]) for row in rows), default=0)
    for case_id, clauses, title in rows:
        print(f"{case_id:<{id_width}}  {clauses:<{clause_width}}  {title}")
    print(f"{len(cases)} case{'' if len(cases) == 1 else 's'}")


# ---- cases ---------------------------------------------------------------------------------------------


def _cases(args: argparse.Namespace) -> int:
    from reference_impl.clause_registry import load_registry

    cases = _select(args.cases, args.keyword)
    _print_case_list(cases)
    if not cases:
        return EXIT_NOTHING_RAN
    per_clause = Counter(clause for case in cases for clause in case.clauses)
    registry = load_registry()
    print("\ncases per clause:")
    width = max(len(clause) for clause in per_clause)
    for clause in sorted(per_clause, key=_registry_order(registry)):
        print(f"  {clause:<{width}}  {per_clause[clause]}")
    if args.cases is None and args.keyword is None:
        uncovered = [clause.id for clause in registry if clause.id not in per_clause]
        if uncovered:
            print(f"clauses without a case: {', '.join(uncovered)}")
    return 0


def _registry_order(registry: ClauseRegistry) -> Callable[[str], tuple[int, str]]:
    position = {clause_id: i for i, clause_id in enumerate(registry.clauses)}
    return lambda clause_id: (position.get(clause_id, len(position)), clause_id)


# ---- clauses -------------------------------------------------------------------------------------------


def _clauses(args: argparse.Namespace) -> int:
    from reference_impl.clause_registry import load_registry

    registry = load_registry()
    if args.markdown:
        sys.stdout.write(clauses_markdown(registry))
        return 0
    width = max(len(clause.id) for clause in registry)
    for clause in registry:
        print(f"{clause.id:<{width}}  {clause.kind!s:<14}  {clause.family:<6}  {clause.statement}")
    return 0


def clauses_markdown(registry: ClauseRegistry) -> str:
    """The registry as Markdown, for ``docs/clauses.md``: a table per family, then every interpretation."""
    documented = sum(1 for clause in registry if not clause.is_interpretation)
    lines = [
        "# Clause registry",
        "",
        "<!-- Generated by `presence-conformance clauses --markdown` from reference_impl/clauses.yaml."
        " Do not edit by hand. -->",
        "",
        "Every statement of the presence API the suite checks (*documented*: the Microsoft Graph documentation"
        " says so) and every interpretation it makes where the documentation is silent (*interpretation*)."
        " Cases cite these ids, reports group results by them, and the pytest plugin marks each case"
        " `clause_<ID>` (with `-` as `_`). Ids are never renamed or reused.",
        "",
        f"Registry version {registry.version}: {len(registry)} clauses, {documented} documented,"
        f" {len(registry) - documented} interpretations.",
    ]
    for family, title in registry.families.items():
        members = [clause for clause in registry if clause.family == family]
        if not members:
            continue
        lines += [
            "",
            f"## {family}: {title}",
            "",
            "| id | kind | statement | source | oracle |",
            "|---|---|---|---|---|",
        ]
        for clause in members:
            statement = _cell(clause.statement)
            if clause.quote:
                statement += f"<br>*“{_cell(clause.quote)}”*"
            elif clause.is_interpretation:
                statement += f"<br>See [{clause.id}](#{clause.id.lower()})."
            lines.append(f"| `{clause.id}` | {clause.kind} | {statement} | {_link(clause)} | `{clause.rule}` |")
    interpretations = [clause for clause in registry if clause.is_interpretation]
    if interpretations:
        lines += [
            "",
            "## Interpretations",
            "",
            "Where the documentation is silent the suite stands behind a default. A target that made another"
            " choice the suite accepts declares it in its profile (`--profile KEY=VALUE`, or `profile:` in a"
            " target configuration); the oracle then predicts with that choice, and a difference from the"
            " default without such a declaration is reported as *deviated*, not *failed*.",
        ]
        for clause in interpretations:
            lines += ["", f"### {clause.id}", "", clause.statement, ""]
            lines.append(f"- **Default:** {_value(clause.default)}")
            lines.append(f"- **Alternatives:** {_alternatives(clause)}")
            if clause.reason:
                lines.append(f"- **Why:** {' '.join(clause.reason.split())}")
            lines.append(f"- **Source:** {_link(clause)}")
            lines.append(f"- **Oracle:** `{clause.rule}`")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _link(clause: Clause) -> str:
    return f"[{_cell(clause.source.title)}]({clause.source.url})"


def _value(value: str | None) -> str:
    return "none stated" if value is None else f"`{value}`"


def _alternatives(clause: Clause) -> str:
    if clause.profile is None:
        return "none: the suite accepts only the default"
    choices = ", ".join(f"`{alternative}`" for alternative in clause.profile.alternatives)
    return f"{choices} (profile key `{clause.profile.key}`)"


# ---- serve and token -------------------------------------------------------------------------------------


def _serve(args: argparse.Namespace) -> int:
    from reference_impl.server.runner import run_serve

    return run_serve(args)


def _token(args: argparse.Namespace) -> int:
    from reference_impl.service.tokens import run_token

    return run_token(args)
