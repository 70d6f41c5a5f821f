"""docs/python.md runs as written: its ```python blocks, in order, in one namespace, with the outputs it shows.

Each block is a doctest session (``>>>`` lines and the output they print),
so the page cannot drift from what :mod:`app.library` answers.  Blocks that
use pandas are skipped, saying so, where pandas is not installed.
"""

from __future__ import annotations

import doctest
import importlib.util
import re
from dataclasses import dataclass

import pytest

from tests.conftest import ROOT

DOC = ROOT / "docs" / "python.md"
FENCE = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)
OPTIONS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


@dataclass(frozen=True)
class Block:
    line: int
    text: str

    @property
    def needs_pandas(self) -> bool:
        """Whether the block uses the comparison's DataFrame (``compare_frame`` or the page's ``frame``)."""
        return re.search(r"\b(compare_frame|frame)\b", self.text) is not None


def python_blocks(markdown: str) -> list[Block]:
    """Every ```python block, with the line of the page its code starts on."""
    return [Block(markdown.count("\n", 0, m.start(1)) + 1, m.group(1)) for m in FENCE.finditer(markdown)]


def run_blocks(blocks: list[Block], name: str, skip_pandas: bool = False) -> tuple[list[str], int]:
    """Run the blocks in order in one namespace: the failure reports (doctest's words), and how many were skipped."""
    namespace: dict = {}
    parser = doctest.DocTestParser()
    failures: list[str] = []
    skipped = 0
    for block in blocks:
        if skip_pandas and block.needs_pandas:
            skipped += 1
            continue
        test = parser.get_doctest(block.text, namespace, f"{name}:{block.line}", name, block.line - 1)
        report: list[str] = []
        runner = doctest.DocTestRunner(optionflags=OPTIONS)
        runner.run(test, out=report.append, clear_globs=False)
        namespace = test.globs  # a DocTest works on a copy: the next block continues from this one
        failures += report
    return failures, skipped


def test_every_block_of_the_page_is_a_session_that_checks_its_output():
    blocks = python_blocks(DOC.read_text(encoding="utf-8"))
    assert len(blocks) >= 8, "docs/python.md lost its examples"
    parser = doctest.DocTestParser()
    for block in blocks:
        examples = parser.get_examples(block.text)
        assert examples, f"docs/python.md line {block.line}: a python block without >>> would never be run"
        assert any(e.want for e in examples), f"docs/python.md line {block.line}: the block shows no output to check"


def test_the_page_runs_as_written(monkeypatch):
    monkeypatch.chdir(ROOT)  # the page reads sample_localities/ from a clone, as its reader does
    skip_pandas = importlib.util.find_spec("pandas") is None
    blocks = python_blocks(DOC.read_text(encoding="utf-8"))
    failures, skipped = run_blocks(blocks, "docs/python.md", skip_pandas)
    assert not failures, "\n".join(failures)
    if skipped:
        pytest.skip(f"{skipped} block(s) of docs/python.md need pandas, which is not installed; the rest ran")


def test_a_wrong_output_on_the_page_is_caught():
    page = "Text.\n\n```python\n>>> x = 2\n>>> x + 1\n4\n```\n\n```python\n>>> x * 10\n20\n```\n"
    blocks = python_blocks(page)
    assert [b.line for b in blocks] == [4, 10]
    failures, _ = run_blocks(blocks, "page.md")
    report = "\n".join(failures)
    assert 'File "page.md", line 5' in report and "Expected:\n    4\nGot:\n    3" in report
    assert report.count("Failed example") == 1  # the second block saw the first one's ``x``
