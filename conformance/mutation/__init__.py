"""Mutation testing of the suite: deliberately wrong servers the corpus must catch.

- :mod:`.catalog`: the mutants, one per mistake, each naming the clause it breaks;
- :mod:`.server`: a mutant served over HTTP from a child process (never patched into this one);
- :mod:`.selftest`: the corpus against the reference and every mutant, kills and the mutation score
  (``presence-conformance selftest``);
- :mod:`.fuzzing`: the differential fuzzer against the reference and every mutant
  (``presence-conformance selftest --fuzz``).

See ``docs/mutation-and-fuzzing.md``.
"""

from __future__ import annotations
