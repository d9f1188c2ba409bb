"""What a mutation run prints and writes: the score of each area, and every survivor not justified.

Score = killed / (mutants - justified survivors). A justified survivor is a mutant listed in
``equivalent.toml`` with the reason it cannot change behaviour (or why no test should pin it); one that a
test now kills is reported, so the list does not rot, and so is an entry that names no mutant any more.
"""
from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

from bench.mutation.run import Result

EQUIVALENT = Path(__file__).with_name("equivalent.toml")


@dataclass(frozen=True)
class Justified:
    key: str
    reason: str


def load_justified(path: Path = EQUIVALENT) -> dict[str, Justified]:
    if not path.exists():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    found: dict[str, Justified] = {}
    for index, entry in enumerate(data.get("equivalent", [])):
        key, reason = entry.get("mutant"), entry.get("reason")
        if not isinstance(key, str) or not isinstance(reason, str) or not reason.strip():
            raise SystemExit(f"mutation: {path.name}: entry {index + 1} needs a 'mutant' key and a non-empty 'reason'")
        found[key] = Justified(key, reason.strip())
    return found


@dataclass
class AreaScore:
    area: str
    mutants: int
    killed: int
    justified: int
    survivors: list[Result]
    target: float

    @property
    def score(self) -> float:
        counted = self.mutants - self.justified
        return 100.0 if counted == 0 else 100.0 * self.killed / counted


def score(results: list[Result], justified: dict[str, Justified], targets: dict[str, float]) -> list[AreaScore]:
    scores: list[AreaScore] = []
    for area in dict.fromkeys(r.area for r in results):
        mine = [r for r in results if r.area == area]
        killed = [r for r in mine if r.status in ("killed", "timeout")]
        alive = [r for r in mine if r.status not in ("killed", "timeout")]
        excused = [r for r in alive if r.mutant.key in justified]
        scores.append(AreaScore(area, len(mine), len(killed), len(excused),
                                [r for r in alive if r.mutant.key not in justified], targets.get(area, 90.0)))
    return scores


def render(scores: list[AreaScore], results: list[Result], justified: dict[str, Justified], all_keys: set[str],
           sources: set[str] | None = None) -> str:
    """The table, the survivors, and the entries of equivalent.toml to remove. ``all_keys``: every mutant of
    the ``sources`` the run covered (an entry of a file the run did not cover is not judged)."""
    lines = ["", "area          mutants  killed  justified  survived   score  target"]
    for s in scores:
        lines.append(f"{s.area:<13} {s.mutants:>7} {s.killed:>7} {s.justified:>10} {len(s.survivors):>9} "
                     f"{s.score:>6.1f}% {s.target:>6.0f}%{'' if s.score >= s.target else '  BELOW'}")
    for s in scores:
        if s.survivors:
            lines += ["", f"survivors in {s.area} ({len(s.survivors)}):"]
            for r in s.survivors:
                lines.append(f"  {r.status:<9} {r.mutant.describe()}")
                lines.append(f"            key: {r.mutant.key}")
    stale = [r.mutant.key for r in results if r.mutant.key in justified and r.status in ("killed", "timeout")]
    gone = sorted(k for k in justified if k not in all_keys and (sources is None or k.split("::", 1)[0] in sources))
    if stale:
        lines += ["", "justified in equivalent.toml but killed now (remove the entry):", *(f"  {k}" for k in stale)]
    if gone:
        lines += ["", "entries of equivalent.toml that name no mutant (the code changed):", *(f"  {k}" for k in gone)]
    return "\n".join(lines)


def write_json(path: Path, scores: list[AreaScore], results: list[Result]) -> None:
    path.write_text(json.dumps({
        "scores": [{"area": s.area, "mutants": s.mutants, "killed": s.killed, "justified": s.justified,
                    "survived": len(s.survivors), "score": round(s.score, 1), "target": s.target} for s in scores],
        "results": [{"key": r.mutant.key, "area": r.area, "where": f"{r.mutant.path}:{r.mutant.line}",
                     "status": r.status, "killed_by": r.detail, "seconds": round(r.seconds, 2)} for r in results],
    }, indent=2) + "\n", encoding="utf-8")
