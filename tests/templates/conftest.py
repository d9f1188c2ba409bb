"""Fixtures for the template tests: every bundled environment's stacks resolved as the deployer would
deploy them, and the principals whose access the break-glass tests evaluate.

Every template test says what it is for with one of two markers (test_every_template_test_says_what_it_backs
enforces it): ``backs(*control_ids)`` when it pins, on the bundled templates, a fact those controls require,
``template_fact(reason)`` when no control checks the fact and the reason says why it matters."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from audit.config import list_environments, load_config
from audit.controls import access
from audit.controls.access import ALLOW_ALL, Principal
from audit.policy import Decision, Request, evaluate
from audit.snapshot import Posture
from audit.sources.static.build import build_snapshot
from audit.sources.static.stacks import resolve_environment


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "backs(*control_ids): the test pins, on the bundled templates, a fact these "
                                       "controls require (the control fails when the fact is broken)")
    config.addinivalue_line("markers", "template_fact(reason): a fact of our templates that no control checks, with "
                                       "the reason it matters")


@pytest.fixture(scope="session", params=list_environments())
def env(request) -> "Env":
    cfg = load_config(request.param).data
    return Env(cfg, resolve_environment(cfg))


@pytest.fixture(scope="session")
def example() -> "Env":
    cfg = load_config("example").data
    return Env(cfg, resolve_environment(cfg))


@dataclass
class Env:
    cfg: dict[str, Any]
    stacks: dict[str, Any]
    _posture: Posture | None = None

    def resources(self, stack: str, type_name: str) -> dict[str, dict[str, Any]]:
        return self.stacks[stack].template.resources_of_type(type_name)

    def resource(self, stack: str, logical_id: str) -> dict[str, Any]:
        return self.stacks[stack].template.resources[logical_id]

    def vault(self, stack: str, name: str) -> dict[str, Any]:
        matches = [r for r in self.resources(stack, "AWS::Backup::BackupVault").values()
                   if r["Properties"]["BackupVaultName"] == name]
        assert len(matches) == 1, f"exactly one vault {name} in {stack}"
        return matches[0]

    def destination_policy(self, kind: str) -> dict[str, Any]:
        """Access policy of the cross-account vault ``kind`` ("general" or "ssn")."""
        return self.vault("backup-vaults", self.cfg["vault_names"][kind])["Properties"]["AccessPolicy"]

    def key_of(self, stack: str, vault: dict[str, Any]) -> dict[str, Any]:
        from audit.templates import Symbol

        refs = Symbol.find_all(vault["Properties"]["EncryptionKeyArn"])
        assert len(refs) == 1
        return self.resource(stack, refs[0][0])

    def role_policies(self, stack: str, logical_id: str) -> list[dict[str, Any]]:
        props = self.resource(stack, logical_id)["Properties"]
        policies = [p["PolicyDocument"] for p in props.get("Policies", [])]
        # AWS managed policies are not in the template: model them as allowing everything, which can only
        # make a "denied" result harder to reach (the tests prove denials despite it).
        if props.get("ManagedPolicyArns"):
            policies.append(ALLOW_ALL)
        return policies

    # principals -------------------------------------------------------------------------------------
    def account(self, side: str) -> str:
        return self.cfg["environment_account_id"] if side == "environment" else self.cfg["backup_account_id"]

    def region(self, side: str) -> str:
        return self.cfg["primary_region"] if side == "environment" else self.cfg["backup_region"]

    # principals: the same ones the audit's break-glass and isolation controls use --------------------
    @property
    def posture(self) -> Posture:
        if self._posture is None:
            self._posture = Posture(build_snapshot(self.cfg))
        return self._posture

    def administrator(self, side: str) -> Principal:
        return access.principal(self.posture, "an administrator", side)

    def root(self, side: str) -> Principal:
        return access.principal(self.posture, "the account root", side)

    def outsider(self) -> Principal:
        return access.principal(self.posture, "an outside account", "environment")

    def break_glass(self, side: str) -> Principal:
        return access.principal(self.posture, "the break-glass role", side)

    def general_role(self, via_backup_region: str | None = None) -> Principal:
        return self._role("the general backup role", via_backup_region)

    def ssn_role(self, via_backup_region: str | None = None) -> Principal:
        return self._role("the SSN backup role", via_backup_region)

    def _role(self, label: str, via_region: str | None) -> Principal:
        role = access.principal(self.posture, label, "environment")
        if via_region:
            role.context["kms:ViaService"] = f"backup.{via_region}.amazonaws.com"
        return role

    def decide(self, principal: Principal, action: str, resource_arn: str, resource_account: str,
               policy: dict[str, Any] | None, kind: str = "resource", **context: Any) -> Decision:
        return evaluate(
            Request(principal.arn, action, resource_arn, {**principal.context, **context}, resource_account=resource_account),
            identity_policies=principal.identity_policies, resource_policy=policy, resource_policy_type=kind,
        )
