"""Where case files are: the bundled corpus, the shipped schema, and discovery of ``*.presence.yaml`` files.

The corpus is written in the repository's top-level ``cases/`` folder. A wheel ships it inside the package
as ``conformance/corpus`` (hatch ``force-include``), so a plain install runs it; a source checkout has no
``conformance/corpus`` and uses ``cases/`` next to the package instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..errors import ConfigError

__all__ = ["CASE_SUFFIX", "bundled_corpus", "discover", "schema_path"]

CASE_SUFFIX = ".presence.yaml"

_PACKAGE = Path(__file__).resolve().parent.parent


def schema_path() -> Path:
    """The JSON Schema of one case document (``case.schema.json``, shipped inside the package)."""
    return Path(__file__).resolve().with_name("case.schema.json")


def bundled_corpus() -> Path:
    """The folder of the corpus that comes with the suite.

    Raises:
        ConfigError: when neither the installed corpus nor a checkout's ``cases/`` folder exists.
    """
    installed = _PACKAGE / "corpus"
    if installed.is_dir():
        return installed
    checkout = _PACKAGE.parent / "cases"
    if checkout.is_dir():
        return checkout
    raise ConfigError(f"no bundled corpus: neither {installed} nor {checkout} is a folder (is the install complete?)")


def discover(paths: Sequence[Path] | None = None) -> list[Path]:
    """The case files named by ``paths``, sorted by path, each once.

    A file is taken as it is, whatever its name; a folder contributes every ``*.presence.yaml`` file
    below it, except under hidden folders (``.git``, ``.venv``). ``None`` means the bundled corpus.
    A folder without case files contributes nothing: deciding that an empty selection is an error is
    the caller's business.

    Raises:
        ConfigError: a path that does not exist.
    """
    roots = [bundled_corpus()] if paths is None else [Path(p) for p in paths]
    found: dict[Path, Path] = {}  # resolved path -> the path as the caller spelled it (for messages)
    for root in roots:
        if root.is_file():
            found.setdefault(root.resolve(), root)
        elif root.is_dir():
            for file in root.rglob(f"*{CASE_SUFFIX}"):
                if file.is_file() and not any(part.startswith(".") for part in file.relative_to(root).parts[:-1]):
                    found.setdefault(file.resolve(), file)
        else:
            raise ConfigError(f"{root}: no such file or folder")
    return sorted(found.values())
