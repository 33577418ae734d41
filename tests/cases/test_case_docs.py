"""The examples of docs/case-format.md load: the guide cannot drift from the loader."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conformance.cases import load_case_file

GUIDE = Path(__file__).parents[2] / "docs" / "case-format.md"
BLOCKS: list[str] = [
    block
    for block in re.findall(r"```yaml\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.DOTALL)
    if any(line.strip() and not line.lstrip().startswith("#") for line in block.splitlines())  # not the header alone
]
HEAD = "id: docs.example\ntitle: an example of the guide\nclauses: [FADE-FIRST]\n"
ACTORS = next(block for block in BLOCKS if block.startswith("users:"))


def as_case(block: str) -> str:
    """A block of the guide as a whole case: whole cases as they are, fragments with the guide's actors."""
    if block.startswith("id:") or "\nid:" in block:
        return block
    if block.startswith("users:"):
        return HEAD + block + "steps: [{check: {}}]\n"
    steps = block if block.startswith("steps:") else "steps:\n" + block
    return HEAD + ACTORS + steps


@pytest.mark.parametrize("block", BLOCKS)
def test_guide_example_loads(tmp_path: Path, block: str) -> None:
    path = tmp_path / "example.presence.yaml"
    path.write_text(as_case(block), encoding="utf-8")
    assert load_case_file(path)


def test_guide_has_examples() -> None:
    assert len(BLOCKS) >= 5
