"""``python -m bench.mutation`` (scripts/mutation.sh): the project's mutation run.

    scripts/mutation.sh [--module M]... [--sample N] [--seed S] [--jobs J] [--rerun RESULTS.json]
                        [--json OUT] [--list] [--fail-under]

M is an area (policy, schedule, events, break_glass, waivers: bench/mutation/areas.py), or one of an area's
source files (path or dotted module), which narrows that area to the file. Without --module: every area.

Why the project's own script and not mutmut or cosmic-ray (docs/testing.md): mutmut 3 mutates only inside
functions (module constants such as the default RPO windows are out of its reach) and runs in its own
``mutants/`` tree with no per-area test sets or sampling; cosmic-ray needs a session database and a config per
module. What is hand-written here is the part they do not share: the operators the issue names, mutants keyed
without line numbers (so a justification survives an edit above it), and a run per area in copies of the
working tree. The per-test coverage that picks the tests of each mutant is coverage.py's.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

from bench.mutation.areas import AREAS, Area
from bench.mutation.operators import Mutant, iter_sources, mutants_of
from bench.mutation.report import load_justified, render, score, write_json
from bench.mutation.run import Coverage, Result, baseline, make_copies, run_all

ROOT = Path(__file__).resolve().parents[2]


def _selected(names: list[str]) -> list[tuple[Area, list[str]]]:
    """(area, its source files) for each --module; an area's file narrows the area to that file."""
    if not names:
        return [(area, _sources(area)) for area in AREAS.values()]
    chosen: dict[str, tuple[Area, list[str]]] = {}
    for name in names:
        if name in AREAS:
            chosen[name] = (AREAS[name], _sources(AREAS[name]))
            continue
        path = name if name.endswith(".py") else name.replace(".", "/") + ".py"
        owner = next((area for area in AREAS.values() if path in _sources(area)), None)
        if owner is None:
            raise SystemExit(f"mutation: --module {name!r} is neither an area ({', '.join(AREAS)}) nor a source file of one")
        previous = chosen.get(owner.name, (owner, []))[1]
        chosen[owner.name] = (owner, sorted({*previous, path}))
    return list(chosen.values())


def _sources(area: Area) -> list[str]:
    return [p.relative_to(ROOT).as_posix() for p in iter_sources(ROOT, list(area.sources))]


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/mutation.sh", description=__doc__.split("\n\n")[0])
    parser.add_argument("--module", action="append", default=[], metavar="M", help="an area or a source file of one (repeatable)")
    parser.add_argument("--sample", type=int, metavar="N", help="run N mutants per area, drawn at random (with --seed)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="copies run at once (default: one per core)")
    parser.add_argument("--rerun", type=Path, metavar="RESULTS", help="only the mutants a previous --json run did not kill")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write every result and score to OUT")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--fail-under", action="store_true", help="exit 1 when an area scores below its target")
    arguments = parser.parse_args(argv)
    if arguments.sample is not None and arguments.sample < 1:
        parser.error("--sample must be at least 1")
    if arguments.jobs < 1:
        parser.error("--jobs must be at least 1")
    if arguments.rerun is not None and not arguments.rerun.is_file():
        parser.error(f"--rerun: no such file: {arguments.rerun}")
    return arguments


def _plan(arguments: argparse.Namespace) -> list[tuple[Area, list[str], list[Mutant]]]:
    import json

    wanted: set[str] | None = None
    if arguments.rerun is not None:
        previous = json.loads(arguments.rerun.read_text(encoding="utf-8"))
        wanted = {r["key"] for r in previous.get("results", []) if r["status"] not in ("killed", "timeout")}
    plan = []
    for area, sources in _selected(arguments.module):
        mutants = [m for source in sources for m in mutants_of(ROOT / source, ROOT)]
        if wanted is not None:
            mutants = [m for m in mutants if m.key in wanted]
        if arguments.sample is not None and arguments.sample < len(mutants):
            mutants = sorted(random.Random(arguments.seed).sample(mutants, arguments.sample), key=lambda m: (m.path, m.start))
        plan.append((area, sources, mutants))
    return plan


def main(argv: list[str] | None = None) -> int:
    arguments = _arguments(argv)
    plan = _plan(arguments)
    justified = load_justified()
    if arguments.list:
        for area, _, mutants in plan:
            for mutant in mutants:
                print(f"{area.name:<12} {mutant.describe()}\n             key: {mutant.key}")
        print(f"{sum(len(m) for _, _, m in plan)} mutants", file=sys.stderr)
        return 0
    started = time.perf_counter()
    holder, copies = make_copies(ROOT, arguments.jobs)
    with holder:
        work: list[tuple[Mutant, str, list[str]]] = []
        coverages: dict[str, Coverage] = {}
        cap = 60.0
        for area, sources, mutants in plan:
            began = time.perf_counter()
            coverages[area.name] = covered = baseline(copies[0], area, sources)
            took = time.perf_counter() - began
            cap = max(cap, 5 * took)
            print(f"baseline {area.name}: {len(covered.tests)} tests, {took:.1f} s traced; {len(mutants)} mutants",
                  file=sys.stderr, flush=True)
            work += [(m, area.name, covered.tests_for(m)) for m in mutants]

        def progress(done: int, total: int, result: Result) -> None:
            print(f"[{done}/{total}] {result.status:<9} {result.mutant.describe()} ({result.seconds:.1f} s)",
                  file=sys.stderr, flush=True)

        results = run_all(copies, work, cap, progress, lambda area, tests: coverages[area].timeout_for(tests, cap))
    scores = score(results, justified, {area.name: area.target for area, _, _ in plan})
    all_keys = {m.key for area, sources, _ in plan for s in sources for m in mutants_of(ROOT / s, ROOT)}
    print(render(scores, results, justified, all_keys, {s for _, sources, _ in plan for s in sources}))
    print(f"\n{len(results)} mutants in {time.perf_counter() - started:.0f} s on {len(copies)} copies")
    if arguments.json is not None:
        write_json(arguments.json, scores, results)
    return 1 if arguments.fail_under and any(s.score < s.target for s in scores) else 0


if __name__ == "__main__":
    sys.exit(main())
