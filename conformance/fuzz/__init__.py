"""Differential fuzzing: Hypothesis-generated operation sequences, the target against the oracle.

- :mod:`.strategies`: what is generated (operations by several apps on several users, clock moves);
- :mod:`.runner`: one example played on a target with the oracle in lockstep, every user read after;
- :mod:`.search`: the Hypothesis search, shrinking, and the fuzzing run's numbers;
- :mod:`.clauses`: which clauses a finding is about;
- :mod:`.casewriter`: a finding as a ready-to-use case file;
- :mod:`.commands`: ``presence-conformance fuzz``.

Nothing is imported here: the fuzzer needs Hypothesis, the rest of the suite does not. See
``docs/mutation-and-fuzzing.md``.
"""

from __future__ import annotations
