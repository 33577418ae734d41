"""``python -m reference_impl.server [options]``: the reference server without the project's CLI."""

from __future__ import annotations

import sys

from .runner import main

sys.exit(main())
