"""The pytest plugin of the mutation run (loaded with ``-p bench.mutation.pytest_plugin``), two jobs by env:

- MUTATION_TRACE=<data file>, MUTATION_TRACE_INCLUDE=<paths>: record which test runs which line of the
  mutated files (coverage.py, one dynamic context per test id). Coverage starts when this module is
  imported, before the conftests, so lines run at import are seen too (with the empty context). Each test
  starts with the project's in-memory caches (``functools`` caches of its modules) emptied and a cache
  folder of its own: otherwise a cached function's lines would be credited only to the first test that
  filled the cache, and a later test that would kill a mutant there would never be picked for it. The
  seconds each test took (traced, so slower than a plain run) are written beside the data: a mutant's
  timeout is counted from the tests it runs.
- MUTATION_SELECT=<file of test ids>: run only those tests (a mutant needs only the tests that reach it).
  Ids are read from a file, not the command line: a parametrised id may hold characters no shell keeps.
"""
from __future__ import annotations

import os
import sys
import tempfile
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


# not audit.code_fingerprint's list: this plugin is imported by the run's workers before they fork, and must
# import nothing of the project (a worker's children import the mutated code afresh; server.py checks it)
PROJECT_PACKAGES = ("audit", "exporter", "restore_validator", "steps")


def _empty_project_caches() -> None:
    for name, module in list(sys.modules.items()):
        if name.split(".", 1)[0] not in PROJECT_PACKAGES or module is None:
            continue
        for value in list(vars(module).values()):
            candidates = [value, *vars(value).values()] if isinstance(value, type) else [value]
            for candidate in candidates:
                clear = getattr(candidate, "cache_clear", None)
                if callable(clear) and getattr(candidate, "__module__", None) == name:
                    clear()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: Any) -> Any:
    if _coverage is not None:
        _empty_project_caches()
        os.environ["RETENTION_CACHE_DIR"] = tempfile.mkdtemp(prefix="trace-", dir=os.environ.get("XDG_CACHE_HOME")) + "/templates"
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


_durations: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if _coverage is not None:
        _durations[report.nodeid] = _durations.get(report.nodeid, 0.0) + report.duration


def pytest_unconfigure(config: pytest.Config) -> None:
    if _coverage is not None:
        _coverage.stop()
        _coverage.save()
        import json

        Path(os.environ["MUTATION_TRACE"] + ".durations").write_text(json.dumps(_durations), encoding="utf-8")
