"""The project's folders (audit.project): --project-dir, else RETENTION_PROJECT_DIR, else the current folder;
never where the code is installed."""
from __future__ import annotations

from audit import project
from audit.cli import main
from tests.conftest import REPO_ROOT


def test_the_current_folder_by_default(monkeypatch, tmp_path):
    monkeypatch.delenv(project.ENV_VAR, raising=False)
    monkeypatch.chdir(tmp_path)
    assert (project.config_dir(), project.templates_dir(), project.reports_dir()) == (
        tmp_path / "config", tmp_path / "cloudformation", tmp_path / "reports")


def test_the_variable_then_the_option(monkeypatch, tmp_path):
    monkeypatch.setenv(project.ENV_VAR, str(tmp_path))
    assert project.config_dir() == tmp_path / "config"
    with project.chosen(REPO_ROOT):
        assert project.template_path("cloudformation/backup-plan.yaml") == REPO_ROOT / "cloudformation" / "backup-plan.yaml"
        assert project.template_path("cloudformation/backup-plan.yaml", tmp_path) == tmp_path / "backup-plan.yaml"
    assert project.project_dir() == tmp_path


def test_the_option_sets_every_default(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(project.ENV_VAR, raising=False)
    assert main(["config", "validate", "--env", "example"]) == 2
    assert "--config-dir: no such folder" in capsys.readouterr().err
    assert main(["config", "validate", "--env", "example", "--project-dir", str(REPO_ROOT)]) == 0


def test_a_variable_naming_no_folder_is_refused(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv(project.ENV_VAR, str(tmp_path / "nowhere"))
    assert main(["config", "validate", "--env", "example"]) == 2
    assert f"{project.ENV_VAR}: no such folder" in capsys.readouterr().err


def test_the_features_ship_with_the_package():
    assert sorted(p.name for p in project.features_dir().glob("*.feature")) == \
        sorted(p.name for p in (REPO_ROOT / "features").glob("*.feature"))
