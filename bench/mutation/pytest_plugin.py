"""The pytest plugin of the mutation run (loaded with ``-p bench.mutation.pytest_plugin``), two jobs by env:

- MUTATION_TRACE=<data file>, MUTATION_TRACE_INCLUDE=<paths>: record which test runs which line of the
  mutated files (coverage.py, one dynamic context per test id). Coverage starts when this module is
  imported, before the conftests, so lines run at import are seen too (with the empty context).
- MUTATION_SELECT=<file of test ids>: run only those tests (a mutant needs only the tests that reach it).
  Ids are read from a file, not the command line: a parametrised id may hold characters no shell keeps.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

_coverage: Any = None
if os.environ.get("MUTATION_TRACE"):
    import coverage

    _coverage = coverage.Coverage(data_file=os.environ["MUTATION_TRACE"],
                                  include=[p for p in os.environ.get("MUTATION_TRACE_INCLUDE", "").split(os.pathsep) if p],
                                  branch=False, config_file=False)
    _coverage.start()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: Any) -> Any:
    if _coverage is not None:
        _coverage.switch_context(item.nodeid)
    yield
    if _coverage is not None:
        _coverage.switch_context("")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    selection = os.environ.get("MUTATION_SELECT")
    if not selection:
        return
    wanted = set(Path(selection).read_text(encoding="utf-8").split("\0"))
    keep = [item for item in items if item.nodeid in wanted]
    config.hook.pytest_deselected(items=[item for item in items if item.nodeid not in wanted])
    items[:] = keep


def pytest_unconfigure(config: pytest.Config) -> None:
    if _coverage is not None:
        _coverage.stop()
        _coverage.save()
