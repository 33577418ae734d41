"""Reading a results file for reporting: JSON, the schema (``results.schema.json``), then the engine's reader.

:func:`load_results` is what ``presence-conformance report`` and ``compare`` use: a file that is not
there, not JSON, of another major schema version or not of the documented shape is a
:class:`~conformance.errors.ConfigError` naming the file and the first problems (with their JSON paths),
never a traceback.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..engine.results import RESULTS_SCHEMA_VERSION, CampaignResult
from ..errors import ConfigError

__all__ = ["load_results", "results_schema", "validate_results"]

_SHOWN_ERRORS = 5


@cache
def results_schema() -> dict[str, Any]:
    """The JSON Schema of the results file (``conformance/report/results.schema.json``)."""
    text = resources.files(__package__).joinpath("results.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _path(parts: Any) -> str:
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def validate_results(data: object) -> list[str]:
    """The problems of ``data`` as a results file (``[]`` when it is one): ``$.cases[3].verdict: …``."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(results_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    return [f"{_path(e.absolute_path)}: {e.message[:200]}" for e in errors]


def load_results(path: Path | str) -> CampaignResult:
    """Read and check the results file at ``path``.

    Raises:
        ConfigError: it cannot be read, is not JSON, has another major schema version, or is not of the
            documented shape.
    """
    file = Path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{file}: no such results file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read the results file: {exc}") from None
    except ValueError as exc:
        raise ConfigError(f"{file}: not a JSON results file: {exc}") from None
    version = str(data.get("schema_version", "")) if isinstance(data, dict) else ""
    if isinstance(data, dict) and version.split(".")[0] != RESULTS_SCHEMA_VERSION.split(".")[0]:
        raise ConfigError(
            f"{file}: results schema version {version or '(none)'!r} cannot be read "
            f"(this version of presence-conformance reads {RESULTS_SCHEMA_VERSION.split('.')[0]}.x)"
        )
    problems = validate_results(data)
    if problems:
        more = f" (and {len(problems) - _SHOWN_ERRORS} more)" if len(problems) > _SHOWN_ERRORS else ""
        raise ConfigError(f"{file}: not a valid results file: {'; '.join(problems[:_SHOWN_ERRORS])}{more}")
    try:
        return CampaignResult.from_json(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{file}: not a valid results file: {exc}") from None
