"""Turning anything a results file holds into safe, bounded, printable text for a report.

Every string a report shows from a results file (and so possibly from the target) goes through
:func:`display`: secrets are redacted (:func:`~conformance.report.redaction.redact`), then the text is cut
to a limit, then characters that would hide or reorder text are made visible (C0/C1 controls other than
tab and newline as ``\\xNN``, bidirectional overrides and lone surrogates as ``\\uNNNN``). The result is
still *text*: writers escape it for their format (:func:`html_text` for HTML and SVG).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from typing import Any

from .redaction import redact

__all__ = ["BODY_LIMIT", "LINE_LIMIT", "TEXT_LIMIT", "clip", "display", "html_text", "pretty_json", "printable"]

LINE_LIMIT = 300
"""Short fields: ids, titles, reasons in summaries, labels."""
TEXT_LIMIT = 4_000
"""Longer fields: messages, reasons in full."""
BODY_LIMIT = 20_000
"""HTTP bodies (the engine already keeps at most 16 KiB of a response)."""

# Redaction runs on a window this much longer than the limit, so a secret cut by the limit is still seen
# whole (or long enough for its pattern) and a megabyte of hostile text costs no more than the window.
_REDACT_MARGIN = 8_192

_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufeff\ufff9-\ufffb]"
)


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with control, bidi-override and surrogate characters written as escapes (``\\x07``)."""
    return _INVISIBLE.sub(_visible, text)


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [{len(text) - limit} more characters]"


def display(value: object, limit: int = TEXT_LIMIT, *, secrets: Iterable[str] = ()) -> str:
    """Safe text for ``value`` (``None`` is the empty string): redacted, clipped to ``limit``, printable."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    window = text[: limit + _REDACT_MARGIN]
    redacted = redact(window, secrets=secrets)
    left_out = len(redacted) - limit + (len(text) - len(window))
    if left_out > 0:
        redacted = f"{redacted[:limit]}… [{left_out} more characters]"
    return printable(redacted)


def html_text(value: object, limit: int = TEXT_LIMIT, *, secrets: Iterable[str] = ()) -> str:
    """:func:`display`, escaped for HTML and SVG text and attribute values (quotes included)."""
    return html.escape(display(value, limit, secrets=secrets), quote=True)


def pretty_json(body: str) -> str:
    """``body`` re-indented when it is a JSON object or array, else unchanged."""
    stripped = body.strip()
    if not stripped or stripped[0] not in "{[":
        return body
    try:
        value: Any = json.loads(stripped)
        return json.dumps(value, indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):  # RecursionError: nested too deep to parse or print; shown as sent
        return body
