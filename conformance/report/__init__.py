"""Reports generated from a results file: HTML, comparison, JUnit, Allure, Markdown, and the redaction they share.

The results file (``CampaignResult.to_json()``, schema in ``results.schema.json``, documented in
``docs/reports.md``) is the single source of truth: every output here is a pure function of it (plus the
bundled clause registry for clause texts and, for the gate, an expectations file), so it can be generated
again later with ``presence-conformance report RESULTS.json``.

==================  =========================================================================
module              what it holds
==================  =========================================================================
``html``            :func:`render_html` / :func:`write_html`: the self-contained HTML report
``timeline_svg``    the timeline picture of a case (session lanes, aggregate, checks)
``matrix``          the clause matrix and the per-family summary (a clause fails when a case fails)
``compare``         one page comparing several runs, differences first
``junit``           JUnit XML with clause ids as properties
``allure``          :func:`attach_case`: Allure labels, steps and attachments for the pytest plugin
``markdown``        the Markdown summary for CI job pages (``$GITHUB_STEP_SUMMARY``)
``redaction``       :func:`redact`: the last line of defence against secrets, used by every writer
``text``            redacted, clipped, printable text for any format
``results_file``    reading and validating a results file
``commands``        the ``report`` and ``compare`` commands and the outputs of ``run``
==================  =========================================================================

The CI gate (expectations files) lives in :mod:`conformance.gate`.
"""

from __future__ import annotations

from .html import render_html, write_html
from .redaction import redact
from .results_file import load_results, validate_results

__all__ = ["load_results", "redact", "render_html", "validate_results", "write_html"]
