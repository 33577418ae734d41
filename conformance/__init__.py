"""presence-conformance: a conformance suite for Microsoft Graph-style presence sessions.

The public API, in the order a program uses it::

    from conformance import load_cases, open_target, run_campaign, smoke_check

    cases = load_cases()                  # the bundled corpus (or load_cases([Path("my-cases")]))
    setup = open_target(url="http://localhost:8080")   # no url: the bundled reference server
    try:
        smoke_check(setup)
        result = run_campaign(cases, setup)
    finally:
        setup.close()
    print(result.counts(), result.exit_code)

Names are imported on first use (PEP 562), so ``import conformance`` (and the pytest plugin, which
every pytest run in an environment with this package loads) stays cheap. Everything not listed in
``__all__`` is internal and may change.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .cases.corpus import bundled_corpus, discover
    from .cases.loader import load_cases
    from .cases.model import Case
    from .engine import (
        CampaignOptions,
        CampaignResult,
        CaseResult,
        ProgressEvent,
        StepResult,
        Verdict,
        run_campaign,
    )
    from .errors import (
        CaseFileError,
        ConfigError,
        ConformanceFailure,
        InterpretationDeviation,
        NotVerifiable,
        RunError,
        TargetError,
    )
    from .selection import Selection, compile_selection, select_cases
    from .targets.setup import TargetSetup, open_in_process, open_target, smoke_check

__all__ = [
    "CampaignOptions",
    "CampaignResult",
    "Case",
    "CaseFileError",
    "CaseResult",
    "ConfigError",
    "ConformanceFailure",
    "InterpretationDeviation",
    "NotVerifiable",
    "ProgressEvent",
    "RunError",
    "Selection",
    "StepResult",
    "TargetError",
    "TargetSetup",
    "Verdict",
    "__version__",
    "bundled_corpus",
    "compile_selection",
    "discover",
    "load_cases",
    "open_in_process",
    "open_target",
    "run_campaign",
    "select_cases",
    "smoke_check",
]

try:
    __version__ = version("presence-conformance")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

# Where each public name is defined (relative to this package).
_HOMES = {
    "bundled_corpus": ".cases.corpus",
    "discover": ".cases.corpus",
    "load_cases": ".cases.loader",
    "Case": ".cases.model",
    "CampaignOptions": ".engine",
    "CampaignResult": ".engine",
    "CaseResult": ".engine",
    "ProgressEvent": ".engine",
    "StepResult": ".engine",
    "Verdict": ".engine",
    "run_campaign": ".engine",
    "CaseFileError": ".errors",
    "ConfigError": ".errors",
    "ConformanceFailure": ".errors",
    "InterpretationDeviation": ".errors",
    "NotVerifiable": ".errors",
    "RunError": ".errors",
    "TargetError": ".errors",
    "Selection": ".selection",
    "compile_selection": ".selection",
    "select_cases": ".selection",
    "TargetSetup": ".targets.setup",
    "open_in_process": ".targets.setup",
    "open_target": ".targets.setup",
    "smoke_check": ".targets.setup",
}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'conformance' has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
