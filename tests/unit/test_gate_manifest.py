"""The gate's manifest of the templates it checked, and the deployer's refusal of anything else (issue 11,
section 3): a template outside the manifest, one whose bytes changed since the gate read them, one that
changed while the gate ran, and a packaged template that differs from its checked source in more than the
code location 'aws cloudformation package' writes. Also the size cap of section 5: a template over
CloudFormation's limit is refused before it is decoded."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from audit import gate_manifest
from audit.cli import main
from audit.templates import TemplateError, load_template
from audit.templates.loader import MAX_TEMPLATE_BYTES

REPO = Path(__file__).resolve().parents[2]
BUCKET = "compact-retention-example-artifacts-111111111111"


@pytest.fixture
def tree(tmp_path):
    """A copy of cloudformation/ (and of the folder its Lambda code is packaged from) in a scratch root,
    with the manifest the gate would write for it."""
    shutil.copytree(REPO / "cloudformation", tmp_path / "cloudformation")
    code = tmp_path / ".build" / "cognito-exporter"
    code.mkdir(parents=True)
    (code / "handler.py").write_text("def handler(event, context):\n    return {}\n")
    manifest = tmp_path / "templates.json"
    manifest.write_text(gate_manifest.render(gate_manifest.build(tmp_path, tmp_path / "cloudformation")))
    return tmp_path, manifest


def verify(manifest, template, *extra) -> int:
    return main(["gate", "verify", "--manifest", str(manifest), "--template", str(template), *map(str, extra)])


def test_the_manifest_names_every_template_the_gate_lints(tree):
    root, manifest = tree
    paths = [e["path"] for e in gate_manifest.load(manifest)["templates"]]
    assert paths == sorted(f"cloudformation/{p.name}" for p in (REPO / "cloudformation").glob("*.yaml"))
    assert all(verify(manifest, root / path) == 0 for path in paths)


def test_a_template_the_gate_did_not_check_is_refused_naming_it(tree, tmp_path, capsys):
    root, manifest = tree
    other = tmp_path / "elsewhere.yaml"
    shutil.copy(root / "cloudformation" / "backup-plan.yaml", other)
    assert verify(manifest, other) == 1
    assert f"REFUSED: {other} is not a template the gate checked" in capsys.readouterr().err


def test_a_template_changed_after_the_gate_is_refused_naming_it(tree, capsys):
    root, manifest = tree
    template = root / "cloudformation" / "backup-account.yaml"
    copy = root / "deployer-copy.yaml"
    copy.write_text(template.read_text().replace("Effect: Deny", "Effect: Allow", 1))
    assert verify(manifest, template, "--file", copy) == 1
    assert f"REFUSED: {template} changed since the gate checked it" in capsys.readouterr().err
    assert verify(manifest, template, "--file", template) == 0


def test_a_template_changed_while_the_gate_ran_fails_the_gate(tree, capsys):
    root, started = tree
    (root / "cloudformation" / "monitoring.yaml").write_text("# edited during cfn-lint\n", encoding="utf-8")
    out = root / "after.json"
    assert main(["gate", "manifest", "--templates-dir", str(root / "cloudformation"), "--out", str(out),
                 "--expect", str(started)]) == 1
    assert "changed while the gate ran" in capsys.readouterr().err
    assert not out.exists()


def _package(root: Path, key: str, bucket: str = BUCKET, edit=None) -> Path:
    """What 'aws cloudformation package' writes, produced by the AWS CLI's own exporter with an uploader
    that records instead of uploading."""
    from awscli.customizations.cloudformation.artifact_exporter import Template
    from awscli.customizations.cloudformation.yamlhelper import yaml_dump

    class Uploader:
        def upload_with_dedup(self, path, extension=None):
            return f"s3://{bucket}/example/{key}/0123456789abcdef.zip"

    template = Template(str(root / "cloudformation" / f"{key}.yaml"), str(root), Uploader()).export()
    if edit:
        edit(template)
    out = root / f"{key}.packaged.yaml"
    out.write_text(yaml_dump(template))
    return out


def _exporter(template) -> dict:
    return next(r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function")


def test_a_packaged_template_that_differs_only_in_its_code_location_is_accepted(tree):
    root, manifest = tree
    template = root / "cloudformation" / "cognito-exporter.yaml"
    assert verify(manifest, template, "--packaged", _package(root, "cognito-exporter"), "--bucket", BUCKET) == 0


def test_a_packaged_template_with_any_other_change_is_refused_naming_where(tree, capsys):
    root, manifest = tree
    template = root / "cloudformation" / "cognito-exporter.yaml"
    packaged = _package(root, "cognito-exporter", edit=lambda t: _exporter(t)["Properties"].update(Timeout=1))
    assert verify(manifest, template, "--packaged", packaged, "--bucket", BUCKET) == 1
    err = capsys.readouterr().err
    assert "REFUSED:" in err and ".Properties.Timeout differs" in err


def test_code_packaged_into_another_bucket_is_refused(tree, capsys):
    root, manifest = tree
    template = root / "cloudformation" / "cognito-exporter.yaml"
    packaged = _package(root, "cognito-exporter", bucket="someone-elses-bucket")
    assert verify(manifest, template, "--packaged", packaged, "--bucket", BUCKET) == 1
    assert "not an object of s3://" + BUCKET in capsys.readouterr().err


def _oversized(folder: Path) -> Path:
    """A syntactically valid template one byte over the cap (its size alone makes it unacceptable)."""
    path = folder / "backup-account.yaml"
    head = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n"
    body = "".join(f"  Topic{i}:\n    Type: AWS::SNS::Topic\n" for i in range(MAX_TEMPLATE_BYTES // 30))
    path.write_text((head + body)[:MAX_TEMPLATE_BYTES - 1] + "\n\n")
    assert path.stat().st_size == MAX_TEMPLATE_BYTES + 1
    return path


def test_a_template_over_cloudformations_size_limit_is_refused_before_it_is_decoded(tmp_path, capsys):
    """CloudFormation accepts template bodies up to 1 MB (through S3; 51,200 bytes inline):
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
    Decoding a file of that size took minutes; the refusal must come from its size alone."""
    shutil.copytree(REPO / "cloudformation", tmp_path / "cloudformation")
    big = _oversized(tmp_path / "cloudformation")
    began = time.monotonic()
    with pytest.raises(TemplateError, match="over CloudFormation's template size limit of 1,000,000 bytes"):
        load_template(big)
    assert main(["gate", "manifest", "--templates-dir", str(tmp_path / "cloudformation"), "--out",
                 str(tmp_path / "m.json")]) == 2
    assert f"{big}: 1,000,001 bytes, over CloudFormation's template size limit" in capsys.readouterr().err
    assert main(["audit", "--mode", "static", "--env", "example", "--templates-dir", str(tmp_path / "cloudformation"),
                 "--report-dir", str(tmp_path / "reports")]) == 2
    assert f"template: {big}: 1,000,001 bytes" in capsys.readouterr().err
    assert time.monotonic() - began < 5


def test_a_template_at_the_limit_is_not_refused_for_its_size(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("AWSTemplateFormatVersion: '2010-09-09'\n" + "#" * (MAX_TEMPLATE_BYTES - 40) + "\n")
    assert path.stat().st_size == MAX_TEMPLATE_BYTES
    assert gate_manifest.file_digest(path)[0] == MAX_TEMPLATE_BYTES


def test_stacks_as_tsv_refuse_a_value_that_would_forge_a_field(monkeypatch, capsys):
    """The configuration refuses such values; TSV output is still never written with one."""
    from dataclasses import replace

    from audit import deployment

    plan = deployment.stack_plan
    monkeypatch.setattr(deployment, "stack_plan", lambda cfg, **kw: [replace(s, profile="p\tx\ny") for s in plan(cfg, **kw)])
    assert main(["stacks", "--env", "example"]) == 2
    assert "holds a control character" in capsys.readouterr().err
    assert main(["stacks", "--env", "example", "--format", "json"]) == 0
    assert '"profile": "p\\tx\\ny"' in capsys.readouterr().out
