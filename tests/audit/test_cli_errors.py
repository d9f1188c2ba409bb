"""Bad input to the audit CLI: a one-line message naming what is wrong, exit 2, no traceback."""
from __future__ import annotations

import pytest

from audit.cli import main
from tests.conftest import TEMPLATES_DIR


@pytest.fixture
def no_aws(monkeypatch, tmp_path):
    for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def test_live_audit_with_a_missing_profile_names_it(no_aws, capsys):
    assert main(["audit", "--mode", "live", "--env", "prod", "--report-dir", "/tmp/never"]) == 2
    err = capsys.readouterr().err
    assert "profile compact-prod" in err and "Traceback" not in err


def test_bad_assume_role_argument(no_aws, capsys):
    assert main(["audit", "--mode", "live", "--env", "example", "--assume-role", "prod=arn:aws:iam::1:role/x"]) == 2
    assert "expected environment=ARN or backup=ARN" in capsys.readouterr().err


def test_unknown_templates_dir(capsys, tmp_path):
    assert main(["audit", "--mode", "static", "--env", "example", "--templates-dir", str(tmp_path / "nope")]) == 2
    assert "--templates-dir" in capsys.readouterr().err


def test_a_broken_template_names_file_and_line(capsys, tmp_path):
    import shutil

    templates = tmp_path / "cloudformation"
    shutil.copytree(TEMPLATES_DIR, templates)
    path = templates / "backup-plan.yaml"
    path.write_text(path.read_text().replace("Resources:\n", "Resources:\n  Broken: [\n", 1))
    assert main(["audit", "--mode", "static", "--env", "example", "--templates-dir", str(templates),
                 "--report-dir", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "backup-plan.yaml:" in err


def test_tags_that_select_nothing(capsys, tmp_path):
    assert main(["audit", "--mode", "static", "--env", "example", "--tags", "no-such-tag",
                 "--report-dir", str(tmp_path)]) == 2
    assert "no control was run" in capsys.readouterr().err
