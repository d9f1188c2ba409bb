"""The runbook's JSON blocks are the statements the code applies (``audit.break_glass.doc``)."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from audit import break_glass as bg
from audit.break_glass import doc
from audit.break_glass.ops import static_policies_of
from audit.config import load_config

RUNBOOK = Path(__file__).resolve().parents[2] / "docs" / "runbooks" / "break-glass.md"


def test_the_runbook_shows_exactly_what_the_code_applies_to_the_deployed_prod_policies():
    cfg = load_config("prod").data
    part = doc.generated_part(RUNBOOK.read_text(encoding="utf-8"))
    assert part == doc.render(cfg, static_policies_of(cfg, None))
    blocks = [json.loads(b) for b in re.findall(r"```json\n(.*?)\n```", part, re.S)]
    added = [s for b in blocks for s in b if s["Effect"] == "Allow"]
    roles = bg.roles(cfg["environment_account_id"], cfg["backup_account_id"], cfg["roles"]["break_glass_role_name"])
    expected = [s for c in bg.changes(roles, {"environment": cfg["primary_region"], "backup": cfg["backup_region"]}).values()
                for s in c.statements]
    assert added == expected
    # the exempted DENY statements of the deployed templates, each naming its role
    denies = {(s["Sid"], json.dumps(s["Condition"])) for b in blocks for s in b if s["Effect"] == "Deny"}
    assert {sid for sid, _ in denies} == {bg.RESTORE_DENY_SID, bg.COPY_IN_DENY_SID, bg.KEY_USE_DENY_SID}


def test_the_check_fails_when_the_runbook_differs_and_write_repairs_it(tmp_path, capsys):
    copy = tmp_path / "break-glass.md"
    shutil.copy(RUNBOOK, copy)
    text = copy.read_text(encoding="utf-8")
    copy.write_text(text.replace('"backup:StartRestoreJob",\n      "backup:GetRecoveryPointRestoreMetadata"\n'
                                 '    ],\n    "Resource": "*"\n  },',
                                 '"backup:StartRestoreJob"\n    ],\n    "Resource": "*"\n  },', 1), encoding="utf-8")
    assert copy.read_text(encoding="utf-8") != text
    assert doc.main(["--env", "prod", "--check", str(copy)]) == 1
    assert "differ from what the code applies" in capsys.readouterr().err
    assert doc.main(["--env", "prod", "--write", str(copy)]) == 0
    assert copy.read_text(encoding="utf-8") == text
    assert doc.main(["--env", "prod", "--check", str(copy)]) == 0


def test_a_runbook_without_the_markers_is_bad_input(tmp_path):
    bare = tmp_path / "bare.md"
    bare.write_text("# nothing generated here\n", encoding="utf-8")
    assert doc.main(["--env", "prod", "--check", str(bare)]) == 2
