"""The break-glass tests' deployment: the SSN vaults and keys of the example environment in a sandbox, with
the break-glass operations run as a user runs them (script and in-process) and the resources read back."""
from __future__ import annotations

import copy
import io
import json
import subprocess
from pathlib import Path

from audit import break_glass as bg, deployment
from audit.break_glass import aws, ops
from audit.cli.stacks import declared_parameters
from audit.config import load_config
from audit.controls.break_glass import no_break_glass_open
from audit.snapshot import Posture
from audit.sources.live.build import Credentials
from sandbox import accounts
from tests.support.sandbox import ENV_ACCOUNT, REPO_ROOT, VENV_BIN

ROLE = f"arn:aws:iam::{ENV_ACCOUNT}:role/CompactConnect-SSNBreakGlassRole"


TICKET = "INC-4711"


class Deployment:
    def __init__(self, sandbox, out: Path):
        self.sandbox = sandbox
        files = accounts.setup("example", out, REPO_ROOT / "config")
        self.config_dir = Path(files["config_dir"])
        self.aws_config = files["aws_config_file"]
        self.env = {**sandbox.env, "AWS_CONFIG_FILE": self.aws_config}
        self.cfg = load_config("example", self.config_dir).data
        self.reports = out / "reports"
        profiles = self.cfg["profiles"]
        self.credentials = {side: Credentials(profile=profiles[side], endpoint_url=sandbox.url) for side in profiles}

    def deploy(self) -> None:
        """The backup account's vaults and the environment's backup infrastructure, as deploy.sh creates them."""
        for key in ("backup-vaults", "backup-infrastructure"):
            spec = deployment.find_stack(deployment.stack_plan(self.cfg), key)
            path = REPO_ROOT / spec.template
            values = deployment.resolve_parameters(spec, {}, declared=declared_parameters(path))
            cfn = self.sandbox.client("cloudformation", spec.account_id, spec.region)
            cfn.create_stack(StackName=spec.name, TemplateBody=path.read_text(), Capabilities=["CAPABILITY_NAMED_IAM"],
                             Parameters=[{"ParameterKey": k, "ParameterValue": deployment.render_value(v)} for k, v in values.items()])
            status = cfn.describe_stacks(StackName=spec.name)["Stacks"][0]["StackStatus"]
            assert status == "CREATE_COMPLETE", (spec.name, status, self.sandbox.log()[-2000:])

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(a) for a in args], env=self.env, capture_output=True, text=True, timeout=300, cwd=REPO_ROOT)

    def script(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run(REPO_ROOT / "scripts" / "break-glass.sh", *args, "--env", "example", "--config-dir", self.config_dir,
                        "--endpoint-url", self.sandbox.url)

    def ops(self, action: str, **kwargs) -> tuple[int, str]:
        """``retention break-glass`` in this process (so a test can make one call of it fail)."""
        out = io.StringIO()
        code = ops.run(action, self.cfg, self.credentials, out=out,
                       static_policies=ops.static_policies_of(self.cfg, None), **kwargs)
        return code, out.getvalue()

    def resources(self) -> list[aws.Resource]:
        """The four SSN resources as the sandbox holds them now (policies and tags)."""
        sides, callers = aws.connect(self.cfg, self.credentials, "test")
        return aws.read_resources(self.cfg, sides, callers)

    def policies(self) -> dict[str, dict]:
        return {r.label: r.policy for r in self.resources()}

    def posture(self) -> Posture:
        """The live snapshot read once at deployment, with the policies and break-glass tags the sandbox
        holds now (what the live source would read again; the live audit itself runs in audit_bg04)."""
        snapshot = copy.deepcopy(self.snapshot)
        for resource in self.resources():
            item = next(i for i in snapshot["vaults" if resource.kind == "vault" else "keys"] if i["arn"] == resource.arn)
            item["access_policy" if resource.kind == "vault" else "policy"] = resource.policy
            item["break_glass_tags"] = bg.break_glass_tags(resource.tags)
        return Posture(snapshot)

    def bg04(self):
        return no_break_glass_open(self.posture())

    def audit_bg04(self) -> dict:
        return self.audit_control("BG-04")

    def audit_control(self, control_id: str) -> dict:
        """The live audit of one control against the sandbox, as a user runs it."""
        result = self.run(VENV_BIN / "retention", "audit", "--mode", "live", "--env", "example", "--config-dir",
                          self.config_dir, "--endpoint-url", self.sandbox.url, "--tags", control_id, "--report-dir", self.reports)
        assert result.returncode in (0, 1), result.stderr[-3000:]
        control = next(c for c in json.loads((self.reports / "report.json").read_text())["controls"] if c["id"] == control_id)
        return {"exit": result.returncode, **control}

    def put(self, label: str, policy: dict) -> None:
        """Write a policy on one of the four resources behind the tool's back (an attacker, a hand change)."""
        resource = next(r for r in self.resources() if r.label == label)
        aws.put_policy(resource, policy)

    def tag(self, label: str, tags: dict) -> None:
        resource = next(r for r in self.resources() if r.label == label)
        aws.tag(resource, tags)
