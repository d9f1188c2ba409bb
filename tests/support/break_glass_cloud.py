"""An in-process stand-in for the two accounts the break-glass reads and writes (``audit.break_glass.aws``): the
SSN vault and key of each account with their policies, tags and KMS grants, answering the boto3 calls the
break-glass makes with the parameters AWS names (a wrong parameter or a resource of the other account is an
error, as it is in AWS). A test can make any call of one account fail with an error code, make a write be
silently changed by the account (``on_put``), and read what every resource holds afterwards.

Listings come in pages of two through the ``NextToken`` loop of ``Side.pages`` (``can_paginate`` is False),
whatever marker the real API uses: what is pinned is that the break-glass reads every page, not botocore's
paginators.

Unlike the sandbox (tests/sandbox/test_break_glass_ops.py), it runs in the test's process, so the mutation
run's per-test coverage sees the code of ``audit.break_glass.ops`` and ``.aws`` it exercises.
"""
from __future__ import annotations

import copy
import json
from types import SimpleNamespace
from typing import Any, Callable, Mapping

from botocore.exceptions import ClientError

from audit import break_glass as bg
from audit.sources.live.aws import Credentials

PERSON = {"environment": "jane.doe@example.com", "backup": "john.roe@example.com"}


class FakeCloud:
    def __init__(self, cfg: Mapping[str, Any], templates: Callable[[str], Mapping[str, Any] | None]):
        self.env_account, self.backup_account = cfg["environment_account_id"], cfg["backup_account_id"]
        self.sides = {"environment": self.env_account, "backup": self.backup_account}
        self.regions = {self.env_account: cfg["primary_region"], self.backup_account: cfg["backup_region"]}
        role = cfg["roles"]["break_glass_role_name"]
        self.callers = {account: f"arn:aws:sts::{account}:assumed-role/{role}/{PERSON[side]}" for side, account in self.sides.items()}
        self.reaches: dict[str, str] = {}  # account -> the account its credentials really reach (a misconfiguration)
        self.vaults: dict[str, dict[str, Any]] = {}  # arn -> name, account, key, policy (text or None), tags
        self.keys: dict[str, dict[str, Any]] = {}  # arn -> account, policy (text), tags, grants
        self.arns: dict[str, str] = {}  # label -> arn
        name = cfg["vault_names"]["ssn"]
        for side, vault_label, key_label in (("environment", bg.LOCAL_VAULT, bg.LOCAL_KEY), ("backup", bg.CROSS_VAULT, bg.CROSS_KEY)):
            account = self.sides[side]
            region = self.regions[account]
            key_arn = f"arn:aws:kms:{region}:{account}:key/0000{account}"
            vault_arn = f"arn:aws:backup:{region}:{account}:backup-vault:{name}"
            self.vaults[vault_arn] = {"name": name, "account": account, "key": key_arn, "policy": _text(templates(vault_label)),
                                      "tags": {"compact-retention:vault": "ssn", "Name": name}}
            self.keys[key_arn] = {"account": account, "policy": _text(templates(key_label)),
                                  "tags": {"compact-retention:key": "ssn"}, "grants": []}
            self.arns[vault_label], self.arns[key_label] = vault_arn, key_arn
        self.fail: dict[tuple[str, str], str] = {}  # (account, "service:Operation") -> error code
        self.on_put: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None  # (arn, policy) -> what is stored
        self.calls: list[tuple[str, str, dict[str, Any]]] = []  # (account, "service:Operation", params)
        self.sessions: list[tuple[str, str]] = []  # (account, region) of every session made

    # what the accounts hold ------------------------------------------------------------------------------
    def _item(self, label: str) -> dict[str, Any]:
        arn = self.arns[label]
        return self.vaults[arn] if arn in self.vaults else self.keys[arn]

    def policy(self, label: str) -> dict[str, Any] | None:
        text = self._item(label)["policy"]
        return None if text is None else json.loads(text)

    def set_policy(self, label: str, policy: Mapping[str, Any] | None) -> None:
        self._item(label)["policy"] = _text(policy)

    def tags(self, label: str) -> dict[str, str]:
        return self._item(label)["tags"]

    def state(self) -> dict[str, Any]:
        return copy.deepcopy({"vaults": self.vaults, "keys": self.keys})

    def writes(self) -> list[str]:
        return [api for _, api, _ in self.calls if not api.split(":")[1].startswith(("Get", "List", "Describe"))]

    # sessions ----------------------------------------------------------------------------------------
    def session(self, credentials: Credentials, *, region_name: str, **_: Any) -> "FakeSession":
        """The session factory of ``audit.break_glass.aws.connect``: the profile names the side."""
        account = self.sides[str(credentials.profile)]
        self.sessions.append((account, region_name))
        return FakeSession(self, account)

    def credentials(self) -> dict[str, Credentials]:
        return {side: Credentials(profile=side) for side in self.sides}


class FakeSession:
    def __init__(self, cloud: FakeCloud, account: str):
        self.cloud, self.account = cloud, account

    def client(self, service: str, **_: Any) -> "FakeClient":
        return FakeClient(self.cloud, self.account, service)


def _text(policy: Mapping[str, Any] | None) -> str | None:
    return None if policy is None else json.dumps(policy)


def _error(code: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": f"{operation}: {code}"}}, operation)


class FakeClient:
    PAGE = 2  # tags per page: every listing of more than two tags comes in pages

    def __init__(self, cloud: FakeCloud, account: str, service: str):
        self.cloud, self.account, self.service = cloud, account, service
        self.meta = SimpleNamespace(events=SimpleNamespace(register_first=lambda *a, **k: None))

    def can_paginate(self, _method: str) -> bool:
        return False

    def __getattr__(self, method: str) -> Callable[..., dict[str, Any]]:
        operation = "".join(part.title() for part in method.split("_"))
        handler = getattr(self, f"_{self.service}_{method}", None)
        if handler is None:
            raise AttributeError(method)

        def call(**params: Any) -> dict[str, Any]:
            self.cloud.calls.append((self.account, f"{self.service}:{operation}", params))
            code = self.cloud.fail.get((self.account, f"{self.service}:{operation}"))
            if code:
                raise _error(code, operation)
            return handler(**params)
        return call

    # lookups: a resource of another account is not found, as in AWS
    def _vault(self, name: str) -> dict[str, Any]:
        found = next((v for v in self.cloud.vaults.values() if v["name"] == name and v["account"] == self.account), None)
        if found is None:
            raise _error("ResourceNotFoundException", "vault " + name)
        return found

    def _vault_by_arn(self, arn: str) -> dict[str, Any]:
        found = self.cloud.vaults.get(arn)
        if found is None or found["account"] != self.account:
            raise _error("ResourceNotFoundException", "vault " + arn)
        return found

    def _key(self, key_id: str) -> dict[str, Any]:
        found = self.cloud.keys.get(key_id)
        if found is None or found["account"] != self.account:
            raise _error("NotFoundException", "key " + key_id)
        return found

    @staticmethod
    def _page(items: list[Any], token: str | None) -> tuple[list[Any], str | None]:
        start = int(token or 0)
        end = start + FakeClient.PAGE
        return items[start:end], (str(end) if end < len(items) else None)

    def _stored(self, arn: str, text: str) -> str:
        policy = json.loads(text)
        return json.dumps(self.cloud.on_put(arn, policy)) if self.cloud.on_put else text

    # sts
    def _sts_get_caller_identity(self) -> dict[str, Any]:
        reached = self.cloud.reaches.get(self.account, self.account)
        return {"Account": reached, "Arn": self.cloud.callers[self.account]}

    # backup
    def _backup_describe_backup_vault(self, *, BackupVaultName: str) -> dict[str, Any]:
        vault = self._vault(BackupVaultName)
        arn = next(a for a, v in self.cloud.vaults.items() if v is vault)
        return {"BackupVaultArn": arn, "BackupVaultName": BackupVaultName, "EncryptionKeyArn": vault["key"]}

    def _backup_get_backup_vault_access_policy(self, *, BackupVaultName: str) -> dict[str, Any]:
        vault = self._vault(BackupVaultName)
        if vault["policy"] is None:
            raise _error("ResourceNotFoundException", "policy of " + BackupVaultName)
        return {"Policy": vault["policy"]}

    def _backup_put_backup_vault_access_policy(self, *, BackupVaultName: str, Policy: str) -> dict[str, Any]:
        vault = self._vault(BackupVaultName)
        arn = next(a for a, v in self.cloud.vaults.items() if v is vault)
        vault["policy"] = self._stored(arn, Policy)
        return {}

    def _backup_list_tags(self, *, ResourceArn: str, NextToken: str | None = None) -> dict[str, Any]:
        items, token = self._page(sorted(self._vault_by_arn(ResourceArn)["tags"].items()), NextToken)
        return {"Tags": dict(items), **({"NextToken": token} if token else {})}

    def _backup_tag_resource(self, *, ResourceArn: str, Tags: dict[str, str]) -> dict[str, Any]:
        self._vault_by_arn(ResourceArn)["tags"].update(Tags)
        return {}

    def _backup_untag_resource(self, *, ResourceArn: str, TagKeyList: list[str]) -> dict[str, Any]:
        tags = self._vault_by_arn(ResourceArn)["tags"]
        for key in TagKeyList:
            tags.pop(key, None)
        return {}

    # kms
    def _kms_get_key_policy(self, *, KeyId: str, PolicyName: str) -> dict[str, Any]:
        assert PolicyName == "default"
        return {"Policy": self._key(KeyId)["policy"]}

    def _kms_put_key_policy(self, *, KeyId: str, PolicyName: str, Policy: str) -> dict[str, Any]:
        assert PolicyName == "default"
        self._key(KeyId)["policy"] = self._stored(KeyId, Policy)
        return {}

    def _kms_list_resource_tags(self, *, KeyId: str, NextToken: str | None = None) -> dict[str, Any]:
        items, token = self._page(sorted(self._key(KeyId)["tags"].items()), NextToken)
        return {"Tags": [{"TagKey": k, "TagValue": v} for k, v in items], **({"NextToken": token} if token else {})}

    def _kms_tag_resource(self, *, KeyId: str, Tags: list[dict[str, str]]) -> dict[str, Any]:
        self._key(KeyId)["tags"].update({t["TagKey"]: t["TagValue"] for t in Tags})
        return {}

    def _kms_untag_resource(self, *, KeyId: str, TagKeys: list[str]) -> dict[str, Any]:
        tags = self._key(KeyId)["tags"]
        for key in TagKeys:
            tags.pop(key, None)
        return {}

    def _kms_list_grants(self, *, KeyId: str, NextToken: str | None = None) -> dict[str, Any]:
        items, token = self._page(list(self._key(KeyId)["grants"]), NextToken)
        return {"Grants": items, **({"NextToken": token} if token else {})}

    def _kms_revoke_grant(self, *, KeyId: str, GrantId: str) -> dict[str, Any]:
        key = self._key(KeyId)
        key["grants"] = [g for g in key["grants"] if g["GrantId"] != GrantId]
        return {}
