"""The pytest plugin: ``*.presence.yaml`` files become pytest items, run by the engine as one campaign.

Loaded through the ``pytest11`` entry point ``presence_conformance`` (or ``-p conformance.pytest_plugin``).
It only translates; the cases, the target and the verdicts are the engine's:

- **Collection.** Every ``*.presence.yaml`` file pytest reaches becomes a :class:`PresenceFile` with one
  :class:`PresenceItem` per case (node id ``path::case-id``, reported at the case's line). A bad file is a
  collection error showing ``file:line: key: message``. ``--presence-corpus`` adds the bundled corpus
  to the collection, and the ``presence_cases`` ini paths are added when pytest is run without
  arguments; both by appending to ``config.args`` in ``pytest_configure`` (the list the session
  collects from), so the usual collection, ``-k``, ``-m``, ``--deselect`` and ``--collect-only`` apply.
- **Markers.** ``presence`` on every case; ``clause_<ID>`` per cited clause (``-`` as ``_``:
  ``-m clause_AGG_PRECEDENCE``) and ``tag_<tag>`` per tag, all registered (``--strict-markers`` passes).
  ``-k`` also matches clause ids, tags and the title as written. With allure-pytest, epic/feature/story
  labels and the clauses' documentation links are added as markers at collection.
- **Execution.** The first case that runs in a process opens the target once (``--presence-target``,
  ``--presence-config``, else the bundled reference server on a free loopback port), makes the smoke
  check, and runs one campaign over every selected case (deselected ones excluded) on one shared
  timeline; each item then reports its case's verdict. Under pytest-xdist each worker opens its own
  target and runs the campaign of the cases it can tell are its own: the cases of the item's file with
  ``--dist loadfile``/``loadscope``, else every selected case (xdist does not tell a worker in advance
  which items it will get; the cases use their own users, so outcomes are the same, but the target
  sees the cases once per worker). A target reached by URL whose clock the suite controls cannot be
  shared by several workers (each campaign would move the one clock): that is reported as a broken run.
- **Outcomes.** passed → passed; failed → failed (a :class:`~conformance.errors.ConformanceFailure`,
  an ``AssertionError``); deviated → failed, with the text saying it is a deviation from a default
  interpretation; broken → failed with a :class:`~conformance.errors.TargetError` (Allure: broken);
  not verified → skipped, the reason starting ``not verified:``. A run that cannot start (bad
  configuration, unreachable target, failed smoke check) fails every case with that one message.
- **Reports.** JUnit ``<property>`` elements ``case_id``, ``clause`` (one per clause), ``verdict``,
  ``target`` and ``clock``; the header names the target; the terminal summary counts verdicts.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest

from .cases.corpus import CASE_SUFFIX
from .errors import CaseFileError, ConformanceFailure, InterpretationDeviation, NotVerifiable, RunError

if TYPE_CHECKING:
    from collections.abc import Generator

    from reference_impl.clause_registry import ClauseRegistry

    from .cases.model import Case
    from .engine import CaseResult
    from .targets.setup import TargetSetup

__all__ = ["PresenceFile", "PresenceItem", "clause_marker", "tag_marker"]

TARGET_URL_ENV = "PRESENCE_TARGET_URL"  # read by the target setup when no URL or file is given


def clause_marker(clause_id: str) -> str:
    """The marker name of a clause: ``AGG-PRECEDENCE`` → ``clause_AGG_PRECEDENCE``."""
    return "clause_" + clause_id.replace("-", "_")


def tag_marker(tag: str) -> str:
    """The marker name of a tag: ``user-preferred`` → ``tag_user_preferred``."""
    return "tag_" + re.sub(r"\W", "_", tag)


# ---- options and configuration -----------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("presence", "presence conformance (presence-conformance)")
    group.addoption(
        "--presence-target",
        metavar="URL",
        help="base URL of the implementation under test (default: ini presence_target, else the bundled "
        "reference server on a free loopback port)",
    )
    group.addoption("--presence-config", metavar="FILE", help="target configuration file (see docs/targets.md)")
    group.addoption("--presence-corpus", action="store_true", help="add the bundled case corpus to the collection")
    group.addoption(
        "--presence-profile",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an interpretation the target chose instead of the default, e.g. write_status=204 (repeatable)",
    )
    group.addoption("--presence-settle", metavar="DURATION", help="wait this long for reads to catch up, e.g. PT10S")
    group.addoption(
        "--presence-tolerance", metavar="DURATION", help="timing tolerance around timer boundaries, e.g. PT5S"
    )
    group.addoption(
        "--presence-token-secret",
        metavar="SECRET",
        help="HS256 secret for minted tokens (default: $PRESENCE_TOKEN_SECRET, else the development secret)",
    )
    parser.addini("presence_target", "base URL of the implementation under test (--presence-target wins)", default="")
    parser.addini(
        "presence_cases", "case files or folders collected when pytest is run without arguments", type="paths"
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class _Settings:
    """The plugin's options, checked; what ``open_target`` and ``CampaignOptions`` are given."""

    url: str | None
    config_file: Path | None
    profile: dict[str, str]
    settle: timedelta | None
    tolerance: timedelta | None
    token_secret: str | None = field(repr=False)

    @classmethod
    def from_config(cls, config: pytest.Config) -> _Settings:
        from .cli import parse_duration_option, parse_profile_setting

        def duration(name: str) -> timedelta | None:
            text = config.getoption(name)
            return None if text is None else parse_duration_option(text)

        config_file = config.getoption("presence_config")
        return cls(
            url=config.getoption("presence_target") or config.getini("presence_target") or None,
            config_file=None if config_file is None else Path(config_file),
            profile=dict(parse_profile_setting(text) for text in config.getoption("presence_profile")),
            settle=duration("presence_settle"),
            tolerance=duration("presence_tolerance"),
            # Not read from the environment here: the target setup does, after a configuration's secret_env.
            token_secret=config.getoption("presence_token_secret"),
        )

    def describe_target(self) -> str:
        """The target as configured (the header is printed before it is opened)."""
        url = self.url or (None if self.config_file else os.environ.get(TARGET_URL_ENV))
        if url:
            return f"{url} (its test-control API if it offers one, else real time)"
        if self.config_file:
            return f"as configured in {self.config_file}"
        return "the bundled reference server on a free loopback port (clock control)"


_SETTINGS = pytest.StashKey[_Settings]()
_RUN = pytest.StashKey["_ProcessRun"]()
_REGISTRY = pytest.StashKey["ClauseRegistry"]()
_MARKERS = pytest.StashKey[set[str]]()


def pytest_configure(config: pytest.Config) -> None:
    from reference_impl.clause_registry import load_registry

    try:
        settings = _Settings.from_config(config)
    except RunError as exc:
        raise pytest.UsageError(f"presence: {exc}") from None
    config.stash[_SETTINGS] = settings
    config.stash[_RUN] = _ProcessRun(config, settings)
    registry = load_registry()
    config.stash[_REGISTRY] = registry
    config.stash[_MARKERS] = set()
    _register_marker(config, "presence", "a presence conformance case (from a *.presence.yaml file)")
    for clause in registry:
        _register_marker(config, clause_marker(clause.id), f"presence case citing {clause.id}: {clause.statement}")
    _add_collection_paths(config)
    config.pluginmanager.register(_Tally(), "presence-conformance-tally")


def _register_marker(config: pytest.Config, name: str, description: str) -> None:
    registered = config.stash[_MARKERS]
    if name not in registered:
        registered.add(name)
        config.addinivalue_line("markers", f"{name}: {description}")


def _add_collection_paths(config: pytest.Config) -> None:
    """Append the bundled corpus (``--presence-corpus``) and ``presence_cases`` to what pytest collects.

    ``config.args`` is the list the session collects from; pytest removes duplicates and overlaps,
    so a path already given is collected once.
    """
    extra: list[Path] = []
    if config.getoption("presence_corpus"):
        from .cases.corpus import bundled_corpus

        try:
            extra.append(bundled_corpus())
        except RunError as exc:
            raise pytest.UsageError(f"--presence-corpus: {exc}") from None
    if config.args_source is not pytest.Config.ArgsSource.ARGS:
        extra.extend(config.getini("presence_cases"))
    config.args.extend(str(path) for path in extra)


def pytest_report_header(config: pytest.Config) -> list[str]:
    settings = config.stash[_SETTINGS]
    lines = [f"presence: target {settings.describe_target()}"]
    if settings.profile:
        lines.append("presence: profile " + ", ".join(f"{k}={v}" for k, v in settings.profile.items()))
    return lines


def pytest_sessionfinish(session: pytest.Session) -> None:
    session.config.stash[_RUN].close()


# ---- collection --------------------------------------------------------------------------------------


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> PresenceFile | None:
    if file_path.name.endswith(CASE_SUFFIX):
        return PresenceFile.from_parent(parent, path=file_path)
    return None


class PresenceFile(pytest.File):
    """A ``*.presence.yaml`` file: one item per case, in the order written."""

    def collect(self) -> Iterator[PresenceItem]:
        """The file's cases; a bad file is a collection error reading ``file:line: key: message``."""
        from .cases.loader import load_case_file

        try:
            cases = load_case_file(self.path)
        except CaseFileError as exc:
            # CollectError is pytest's way to show a collection error as its message, without a traceback.
            shown = _shown_path(self.config, Path(exc.path))
            raise self.CollectError(str(CaseFileError(shown, exc.line, exc.key, exc.detail))) from None
        for case in cases:
            yield PresenceItem.from_parent(self, name=case.id, case=case)


class PresenceItem(pytest.Item):
    """One case. ``result`` is its :class:`~conformance.engine.CaseResult` once the campaign ran."""

    def __init__(self, *, case: Case, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.result: CaseResult | None = None
        self._add_markers()
        # pytest's -k then matches the same words as the CLI's -k: id (the name), title, tags, clauses.
        self.extra_keyword_matches.update((case.title, *case.tags, *case.clauses))
        self.user_properties.append(("case_id", case.id))
        self.user_properties.extend(("clause", clause) for clause in case.clauses)

    def _add_markers(self) -> None:
        config, case = self.config, self.case
        self.add_marker(pytest.mark.presence)
        for clause in case.clauses:
            self.add_marker(getattr(pytest.mark, clause_marker(clause)))
        for tag in case.tags:
            _register_marker(config, tag_marker(tag), f"presence case tagged {tag}")
            self.add_marker(getattr(pytest.mark, tag_marker(tag)))
        if config.pluginmanager.hasplugin("allure_pytest"):
            self._add_allure_markers(config.stash[_REGISTRY])

    def _add_allure_markers(self, registry: ClauseRegistry) -> None:
        """Static Allure labels (epic: clause family, feature: clause, story: case). They exist at
        collection, so ``--allure-epics``, ``--allure-features`` and ``--allure-stories`` select by them."""
        clauses = [registry[c] for c in self.case.clauses if c in registry]
        for family in dict.fromkeys(registry.families.get(c.family, c.family) for c in clauses):
            self.add_marker(pytest.mark.allure_label(family, label_type="epic"))
        for clause in clauses:
            self.add_marker(pytest.mark.allure_label(clause.id, label_type="feature"))
        self.add_marker(pytest.mark.allure_label(self.case.id, label_type="story"))
        for source in dict.fromkeys(c.source for c in clauses):
            self.add_marker(pytest.mark.allure_link(source.url, name=source.title, link_type="link"))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.case.line - 1, f"presence case {self.case.id}"

    def runtest(self) -> None:
        run = self.config.stash[_RUN]
        dynamic = _allure_dynamic(self.config)
        if dynamic is not None:
            dynamic.title(self.case.title)
            if self.case.description:
                dynamic.description(self.case.description)
        self.result = result = run.result_for(self)
        self.user_properties += [("verdict", str(result.verdict)), ("target", run.target), ("clock", run.mode)]
        if dynamic is not None:
            # Tells apart the history of one case run against different targets.
            dynamic.parameter("target", run.target)
            from .report.allure import attach_case

            attach_case(result, run.target, labels=False)  # steps per action, exchanges as attachments
        try:
            result.raise_for_verdict()
        except NotVerifiable:
            pytest.skip(f"not verified: {_redact(str(result.reason))}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: str | None = None) -> str:
        """Plain text for verdicts and run errors (case, clauses, step with its line, expected, observed)."""
        error = excinfo.value
        if self.result is not None and isinstance(error, ConformanceFailure | RunError):
            return _explain(self.result, self.config, deviation=isinstance(error, InterpretationDeviation))
        if isinstance(error, RunError):
            return _redact(f"presence run broken: {error}")
        return str(super().repr_failure(excinfo, cast(Any, style)))


def _shown_path(config: pytest.Config, path: Path) -> str:
    """``path`` relative to the rootdir when it is under it (as node ids show it), else as it is."""
    try:
        return path.resolve().relative_to(config.rootpath).as_posix()
    except ValueError:
        return str(path)


def _explain(result: CaseResult, config: pytest.Config, *, deviation: bool) -> str:
    """The failure text: case and verdict, clauses, each step that went wrong with expected vs observed."""
    from reference_impl.model import format_duration

    path = _shown_path(config, Path(result.path))
    lines = [f"{result.case_id} ({path}:{result.line}): {result.verdict}", f"clauses: {', '.join(result.clauses)}"]
    steps = [step for step in result.steps if str(step.status) not in ("ok", "skipped")]
    if not steps:
        lines.append(" ".join(str(result.reason).split()))
    for step in steps:
        at = format_duration(step.at)
        lines.append(f"step {step.index} at {at} ({path}:{step.line}) {step.description}: {step.status}")
        if step.message:
            lines.append(f"  {step.message}")
        if step.expected is not None:
            lines.append(f"  expected: {_compact(step.expected)}")
        if step.observed is not None:
            lines.append(f"  observed: {_compact(step.observed)}")
    if deviation:
        lines.append(
            "deviated: the target differs from the suite's default for a point the documentation leaves open, "
            "not from documented behaviour:"
        )
        registry = config.stash[_REGISTRY]
        for clause in (registry[c] for c in result.clauses if c in registry and registry[c].is_interpretation):
            choice = clause.profile
            if choice is None:
                lines.append(f"  {clause.id}: default {clause.default}; the suite accepts no alternative")
                continue
            declare = " or ".join(f"--presence-profile {choice.key}={value}" for value in choice.alternatives)
            lines.append(f"  {clause.id}: default {clause.default}; a target that chose otherwise: {declare}")
    # The reason and the observed values come from the target: never let a credential through.
    return _redact("\n".join(lines))


def _redact(text: str) -> str:
    from .report.redaction import redact

    return redact(text)


def _compact(value: object) -> str:
    import json

    return json.dumps(value, sort_keys=True, separators=(", ", ": "), default=str)


def _allure_dynamic(config: pytest.Config) -> Any:
    """``allure.dynamic`` (untyped) when allure-pytest is active, else ``None``."""
    if not config.pluginmanager.hasplugin("allure_pytest"):
        return None
    import allure

    return allure.dynamic


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    """Point a not-verified case's skip at its YAML line rather than at this module."""
    report = yield
    if isinstance(item, PresenceItem) and call.when == "call" and report.skipped and isinstance(report.longrepr, tuple):
        report.longrepr = (str(item.path), item.case.line, report.longrepr[2])
    return report


# ---- execution -----------------------------------------------------------------------------------------


class _ProcessRun:
    """This process's target and campaigns: opened on first use, closed at session end.

    Results are kept per node id (two files may hold cases with the same id). A failure to open the
    target or pass the smoke check is kept too, and every case that needs the target reports it.
    """

    def __init__(self, config: pytest.Config, settings: _Settings) -> None:
        self._config = config
        self._settings = settings
        self._setup: TargetSetup | None = None
        self._open_error: RunError | None = None
        self._crash: Exception | None = None
        self._results: dict[str, CaseResult] = {}
        self.target = settings.describe_target()
        self.mode = "unknown"

    def result_for(self, item: PresenceItem) -> CaseResult:
        """The item's result, running the campaign of its batch first when it has none yet.

        Raises:
            RunError: the target could not be opened, or failed the smoke check.
        """
        if item.nodeid not in self._results:
            if self._crash is not None:  # a bug, not a verdict: report it, do not run the campaign again
                raise self._crash
            self._run(self._batch(item))
        return self._results[item.nodeid]

    def _batch(self, item: PresenceItem) -> list[PresenceItem]:
        """The items to run with ``item``: those this process is sure to run and has no result for."""
        batch = [i for i in item.session.items if isinstance(i, PresenceItem) and i.nodeid not in self._results]
        by_file = self._config.getoption("dist", None) in ("loadfile", "loadscope")
        if by_file and _worker_input(self._config) is not None:
            batch = [i for i in batch if i.parent is item.parent]
        return batch

    def _run(self, items: list[PresenceItem]) -> None:
        from .engine import CampaignOptions, run_campaign

        setup = self._open()
        options = CampaignOptions(settle=self._settings.settle, tolerance=self._settings.tolerance)
        try:
            # Target and configuration problems become broken cases; an exception here is a bug.
            campaign = run_campaign([i.case for i in items], setup, options)
        except Exception as exc:
            self._crash = exc
            raise
        self.mode = campaign.mode
        for item, result in zip(items, campaign.results, strict=True):
            self._results[item.nodeid] = result

    def _open(self) -> TargetSetup:
        if self._open_error is not None:
            raise self._open_error.with_traceback(None)
        if self._setup is None:
            try:
                self._setup = self._open_checked()
            except RunError as exc:
                self._open_error = exc
                raise
        return self._setup

    def _open_checked(self) -> TargetSetup:
        """Open the target and make the smoke check; a target that fails them is closed again."""
        from .targets.setup import open_target, smoke_check

        settings = self._settings
        setup = open_target(
            url=settings.url,
            config=settings.config_file,
            profile_overrides=settings.profile or None,
            token_secret=settings.token_secret,
        )
        try:
            self._refuse_shared_clock(setup)
            try:
                smoke_check(setup)
            except RunError as exc:
                raise RunError(f"smoke check against {setup.description} failed: {exc}") from None
        except BaseException:
            setup.close()
            raise
        self.target = setup.description
        return setup

    def _refuse_shared_clock(self, setup: TargetSetup) -> None:
        """Several xdist workers must not move one target's clock (or reset it) under each other's cases."""
        workers = _worker_input(self._config)
        shared = self._settings.url is not None or self._settings.config_file is not None
        if workers is not None and int(workers.get("workercount", 1)) > 1 and shared and setup.clock.controls_time:
            from .errors import ConfigError

            raise ConfigError(
                f"{setup.description} has a test-control clock, which xdist workers cannot share: run the "
                "presence cases without -n (the campaign already runs them concurrently)"
            )

    def close(self) -> None:
        setup, self._setup = self._setup, None
        if setup is not None:
            setup.close()


def _worker_input(config: pytest.Config) -> dict[str, Any] | None:
    """pytest-xdist's per-worker data, or ``None`` outside a worker (its documented marker of a worker)."""
    return cast("dict[str, Any] | None", getattr(config, "workerinput", None))


# ---- summary ---------------------------------------------------------------------------------------------


class _Tally:
    """Counts verdicts from the reports (under xdist, from the reports the workers send back)."""

    def __init__(self) -> None:
        self.verdicts: Counter[str] = Counter()
        self.targets: dict[str, None] = {}
        self.modes: dict[str, None] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "call":
            return
        properties = dict(report.user_properties)
        if "case_id" not in properties:
            return
        self.verdicts[str(properties.get("verdict", "run broken"))] += 1
        for key, seen in (("target", self.targets), ("clock", self.modes)):
            if key in properties:
                seen[str(properties[key])] = None

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not self.verdicts:
            return
        from .engine import Verdict

        order = [*(str(verdict) for verdict in Verdict), "run broken"]
        counts = ", ".join(f"{self.verdicts[v]} {v.replace('-', ' ')}" for v in order if self.verdicts[v])
        total = sum(self.verdicts.values())
        terminalreporter.write_sep("-", "presence conformance")
        terminalreporter.write_line(f"{total} case{'' if total == 1 else 's'}: {counts}")
        if self.targets:
            terminalreporter.write_line(f"target: {', '.join(self.targets)}; clock: {', '.join(self.modes)}")
