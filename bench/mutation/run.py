"""Run an area's tests against each of its mutants, in copies of the working tree, on every core.

For each area: one traced run of its tests on the unmutated copy (it must pass: a red baseline would kill
every mutant) records which test reaches which line. Then each mutant is written into a copy, only the tests
that reach its lines run (all of the area's tests for code that runs at import), with ``-x``, and the
original file is put back. A non-zero exit or a timeout kills the mutant; a mutant no test reaches survives
without a run ("uncovered").
"""
from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from bench.mutation.areas import Area
from bench.mutation.operators import Mutant
from bench.mutation.workspace import copy_tree, run_env

# pytest's arguments for every run: quiet (one test id a line when collecting), no cache folder, the plugin
# of the run, none of pyproject's addopts, the failures summarised (the killing test is read from them)
PYTEST_ARGS = ["-q", "-p", "no:cacheprovider", "-p", "bench.mutation.pytest_plugin", "-o", "addopts=", "--no-header",
               "-rf", "-W", "ignore"]
PYTEST = [sys.executable, "-m", "pytest", *PYTEST_ARGS]


@dataclass
class Result:
    mutant: Mutant
    area: str
    status: str          # killed | survived | uncovered | timeout | error
    detail: str = ""     # the test that killed it
    seconds: float = 0.0


@dataclass
class Coverage:
    """Which tests of an area reach which line of which file (paths relative to the copy)."""

    tests: list[str]
    by_line: dict[tuple[str, int], set[str]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # each test's traced duration

    def timeout_for(self, tests: list[str], cap: float) -> float:
        """Room for pytest to start and the tests to run three times over their traced time (a mutant that
        loops forever is stopped in seconds, not at the area's worst case), at most ``cap``."""
        return min(cap, 20.0 + 3.0 * sum(self.seconds.get(test, 1.0) for test in tests))

    def tests_for(self, mutant: Mutant) -> list[str]:
        if mutant.at_import:
            return list(self.tests)
        reached: set[str] = set()
        for line in range(mutant.line, mutant.end_line + 1):
            reached |= self.by_line.get((mutant.path, line), set())
        return sorted(reached)


def test_files(copy: Path, area: Area) -> list[str]:
    files: set[str] = set()
    for pattern in area.tests:
        files.update(p.relative_to(copy).as_posix() for p in copy.glob(pattern) if p.is_file())
    return sorted(files)


def baseline(copy: Path, area: Area, sources: list[str]) -> Coverage:
    """The traced, unmutated run of the area's tests; refuses a red baseline, naming the failing tests."""
    files = test_files(copy, area)
    if not files:
        raise SystemExit(f"mutation: area {area.name!r}: no test file matches {list(area.tests)}")
    data = copy / ".mutation-cache" / f"coverage-{area.name}"
    data.parent.mkdir(parents=True, exist_ok=True)
    env = run_env(copy)
    env["MUTATION_TRACE"] = str(data)
    env["MUTATION_TRACE_INCLUDE"] = os.pathsep.join(str(copy / s) for s in sources)
    done = subprocess.run([*PYTEST, *files], cwd=copy, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"mutation: area {area.name!r}: the tests fail before any mutation (exit {done.returncode}); "
                         f"fix them first:\n{done.stdout[-3000:]}{done.stderr[-2000:]}")
    import coverage

    covered = coverage.CoverageData(basename=str(data))
    covered.read()
    result = Coverage(tests=[])
    every: set[str] = set()  # the tests that reached the area's code
    for measured in covered.measured_files():
        relative = Path(measured).resolve().relative_to(copy.resolve()).as_posix()
        for line, contexts in covered.contexts_by_lineno(measured).items():
            tests = {c.removesuffix("|run") for c in contexts if c}
            result.by_line[(relative, line)] = tests
            every |= tests
    # every test of the area, not only those that reached its code while traced: a mutant of code that runs at
    # import (a dataclass decorator, a module constant) shapes values a test may only read
    result.tests = _collect(copy, files) or sorted(every)
    try:
        result.seconds = json.loads(Path(str(data) + ".durations").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    return result


def _collect(copy: Path, files: list[str]) -> list[str]:
    """The ids of every test in ``files`` (untraced: a traced collection would overwrite the baseline's data)."""
    done = subprocess.run([*PYTEST, "--collect-only", *files], cwd=copy, env=run_env(copy), capture_output=True, text=True)
    return [line for line in done.stdout.splitlines() if "::" in line]


class Worker:
    """One copy of the working tree and its server (bench/mutation/server.py), which runs one mutant at a time."""

    def __init__(self, copy: Path) -> None:
        self.copy = copy
        self.cache = copy / ".mutation-cache"
        self.cache.mkdir(parents=True, exist_ok=True)
        self.server = subprocess.Popen([sys.executable, "-m", "bench.mutation.server"], cwd=copy, env=run_env(copy),
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        if self._answer().get("ready") is not True:
            raise SystemExit(f"mutation: the worker in {copy} did not start")

    def _answer(self) -> dict[str, Any]:
        assert self.server.stdout is not None
        line = self.server.stdout.readline()
        if not line:
            raise SystemExit(f"mutation: the worker in {self.copy} stopped (exit {self.server.wait()})")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def close(self) -> None:
        if self.server.stdin is not None:
            self.server.stdin.close()
        self.server.wait(timeout=30)

    def run(self, mutant: Mutant, area: str, tests: list[str], timeout: float) -> Result:
        if not tests:
            return Result(mutant, area, "uncovered")
        target = self.copy / mutant.path
        original = target.read_text(encoding="utf-8")
        selection, log = self.cache / "selected-tests", self.cache / "pytest.log"
        selection.write_text("\0".join(tests), encoding="utf-8")
        env = run_env(self.copy)
        env["MUTATION_SELECT"] = str(selection)
        files = sorted({test.split("::", 1)[0] for test in tests})
        started = time.perf_counter()
        try:
            target.write_text(mutant.apply(original), encoding="utf-8")
            assert self.server.stdin is not None
            self.server.stdin.write(json.dumps({"args": [*PYTEST_ARGS, "-x", *files], "env": env, "timeout": timeout,
                                                "log": str(log)}) + "\n")
            self.server.stdin.flush()
            answer = self._answer()
        finally:
            target.write_text(original, encoding="utf-8")
        seconds = time.perf_counter() - started
        if answer["timed_out"]:
            return Result(mutant, area, "timeout", f"over {timeout:.0f} s", seconds)
        if answer["rc"] == 0:
            return Result(mutant, area, "survived", "", seconds)
        output = log.read_text(encoding="utf-8", errors="replace")
        failed = next((line.removeprefix("FAILED ").removeprefix("ERROR ").split(" - ")[0] for line in output.splitlines()
                       if line.startswith(("FAILED ", "ERROR "))), f"exit {answer['rc']}")
        return Result(mutant, area, "killed", failed, seconds)


def run_all(copies: list[Path], work: list[tuple[Mutant, str, list[str]]], timeout: float,
            progress: Callable[[int, int, Result], None],
            budget: Callable[[str, list[str]], float] | None = None) -> list[Result]:
    """Each copy is one worker; a thread per worker hands it the next mutant. A worker that breaks records
    its mutant as an error (never counted as killed) and the others go on. ``budget(area, tests)``, when
    given, is a mutant's timeout; else ``timeout``."""
    todo: queue.Queue[tuple[int, tuple[Mutant, str, list[str]]]] = queue.Queue()
    for index, item in enumerate(work):
        todo.put((index, item))
    results: list[Result | None] = [None] * len(work)
    lock = threading.Lock()
    finished = [0]

    def drive(copy: Path) -> None:
        try:
            worker = Worker(copy)
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - shown; its mutants go to the other workers
            print(f"mutation: a worker did not start in {copy}: {exc}", file=sys.stderr)
            return
        try:
            while True:
                try:
                    index, (mutant, area, tests) = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    result = worker.run(mutant, area, tests, budget(area, tests) if budget else timeout)
                except (Exception, SystemExit) as exc:  # noqa: BLE001 - recorded, shown, never a kill
                    result = Result(mutant, area, "error", f"{type(exc).__name__}: {exc}")
                with lock:
                    results[index] = result
                    finished[0] += 1
                    progress(finished[0], len(work), result)
        finally:
            worker.close()

    threads = [threading.Thread(target=drive, args=(copy,), daemon=True) for copy in copies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # a mutant no worker could take (every worker failed to start) is an error, never silently left out
    return [r if r is not None else Result(w[0], w[1], "error", "no worker ran it") for r, w in zip(results, work)]


def make_copies(root: Path, count: int) -> tuple[tempfile.TemporaryDirectory[str], list[Path]]:
    holder = tempfile.TemporaryDirectory(prefix="mutation-")
    copies = [copy_tree(root, Path(holder.name) / f"copy-{n}") for n in range(count)]
    return holder, copies
