"""`retention audit --env all`: one process per environment, one summary table, exit 2 when any
environment had bad input, else 1 when any failed; each environment gets its own evidence pack."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from audit.cli import main
from audit.multi_env import EnvResult, overall_exit, summary_table

REPO = Path(__file__).resolve().parents[2]


def _edit(path: Path, mutate) -> None:
    data = json.loads(path.read_text())
    mutate(data)
    path.write_text(json.dumps(data))


def test_every_environment_audited_with_one_summary_and_the_worst_exit(bundle: Path):
    config = bundle / "config"
    (config / "beta.json").unlink()  # three environments are enough
    _edit(config / "prod.json", lambda d: d.setdefault("backup_policies", {}).setdefault("critical_data", {}).update(
        retention_days=30, lifecycle={"cold_storage_days": None, "delete_after_days": 30}))
    _edit(config / "test.json", lambda d: d.update(backup_region="mars-1"))
    done = subprocess.run([sys.executable, "-m", "audit.cli", "audit", "--mode", "static", "--env", "all",
                           "--config-dir", str(config), "--report-dir", str(bundle / "reports"),
                           "--evidence", str(bundle / "evidence")], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert done.returncode == 2, done.stdout[-3000:] + done.stderr[-3000:]
    table = done.stdout[done.stdout.index("static audit of 3 environment(s)"):].splitlines()[1:]
    rows = {cells[0]: cells for cells in (re.split(r"\s{2,}", line.strip()) for line in table)}
    assert rows["ENV"] == ["ENV", "MODE", "PASSED", "FAILED", "EXIT", "EVIDENCE"]
    assert rows["example"][1:5] == ["static", rows["example"][2], "0", "0"] and int(rows["example"][2]) > 20
    assert rows["prod"][1] == "static" and rows["prod"][3] != "0" and rows["prod"][4] == "1"
    assert rows["test"][1:] == ["static", "-", "-", "2", "-"]
    # each environment that ran has its own pack, and its reports under <base>/<env>/<mode>
    for env in ("example", "prod"):
        assert Path(rows[env][5]).parent == bundle / "evidence" and Path(rows[env][5]).name.startswith(f"{env}-static-")
        assert main(["evidence", "verify", rows[env][5]]) == 0
        assert (bundle / "reports" / env / "static" / "report.json").is_file()
    # the broken environment's own message is shown, naming the field
    assert "backup_region" in done.stdout


def _result(env: str, code: int) -> EnvResult:
    return EnvResult(env, "static", code, None if code == 2 else 3, None if code == 2 else code, None, "")


@pytest.mark.parametrize("codes, expected", [([0, 0], 0), ([0, 1], 1), ([1, 2, 0], 2), ([0, 2], 2), ([0, -9], 2)])
def test_the_overall_exit_is_the_worst(codes, expected):
    assert overall_exit([_result(f"e{i}", c) for i, c in enumerate(codes)]) == expected


def test_the_summary_table_is_sorted_and_aligned():
    lines = summary_table([_result("prod", 1), _result("beta", 2)]).splitlines()
    assert [line.split()[0] for line in lines] == ["ENV", "beta", "prod"]
    assert lines[1].split() == ["beta", "static", "-", "-", "2", "-"]
    assert len({line.index("MODE") if i == 0 else line.index("static") for i, line in enumerate(lines)}) == 1


def test_assume_role_is_refused_with_env_all(capsys):
    assert main(["audit", "--mode", "live", "--env", "all", "--assume-role", "environment=arn:aws:iam::1:role/x"]) == 2
    assert "--assume-role" in capsys.readouterr().err


def test_environments_that_share_an_account_and_region_never_run_at_the_same_time(tmp_path: Path):
    """Four environments, two of them sharing one backup account: those two are never audited together,
    the others run alongside (the fake audit only records who runs with whom)."""
    import threading
    import time

    from audit.multi_env import account_regions, audit_all

    configs = {name: {"environment_account_id": env_account, "primary_region": "us-east-1",
                      "backup_account_id": backup, "backup_region": "us-west-2"}
               for name, env_account, backup in [("a", "1", "9"), ("b", "2", "9"), ("c", "3", "7"), ("d", "4", "8")]}
    running: set[str] = set()
    together: list[set[str]] = []
    guard = threading.Lock()

    def fake(argv, env, mode, report_dir, extra):
        with guard:
            running.add(env)
            together.append(set(running))
        time.sleep(0.05)
        with guard:
            running.discard(env)
        return EnvResult(env, mode, 0, 1, 0, None, "")

    code = audit_all([], list(configs), mode="live", report_base=tmp_path, jobs=4, echo=lambda line: None,
                     shared=lambda env: account_regions(configs[env]), run_one=fake)
    assert code == 0
    assert not any({"a", "b"} <= seen for seen in together)
    assert max(len(seen) for seen in together) >= 2  # the independent environments did overlap
