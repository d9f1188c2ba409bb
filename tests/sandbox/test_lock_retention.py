"""Vault-lock retention over time, which the server cannot show (its clock is real): the sandbox's Backup
model is driven in a separate Python process, with recovery points created in the past. (A separate
process, because importing the extension patches moto for every test of the session.)"""
from __future__ import annotations

import json
import subprocess
import sys

from tests.support.sandbox import REPO_ROOT

SCRIPT = r"""
import json
from datetime import timedelta

from moto.backup.exceptions import InvalidRequestException
from moto.backup.models import backup_backends
from moto.core.utils import utcnow

import sandbox.backup.urls  # noqa: F401  (installs the sandbox's Backup APIs in moto)
from sandbox.backup.models.recovery_points import RecoveryPoint, add_recovery_point

backend = backup_backends["111111111111"]["us-east-1"]
for name, lock in (("Governance", (7, None, None)), ("Compliance", (7, 100, 3))):
    backend.create_backup_vault(name, None, None, None)
    backend.put_backup_vault_lock_configuration(name, *lock)

results = {}

def try_delete(vault, days_old):
    rp = RecoveryPoint(
        arn=f"arn:aws:backup:us-east-1:111111111111:recovery-point:{vault}-{days_old}-{len(results)}",
        vault=backend.vaults[vault], resource_arn="arn:aws:dynamodb:us-east-1:111111111111:table/t",
        resource_type="DynamoDB", resource_name="t", iam_role_arn="arn:aws:iam::111111111111:role/r",
        lifecycle={"DeleteAfterDays": 30}, encryption_key_arn=None,
        creation_date=utcnow() - timedelta(days=days_old))
    add_recovery_point(backend, rp, None)
    try:
        backend.delete_recovery_point(vault, rp.arn)
        return "deleted"
    except InvalidRequestException:
        return "refused"

for vault in ("Governance", "Compliance"):
    for days_old in (6, 8):
        results[f"{vault}-{days_old}"] = try_delete(vault, days_old)

# Governance mode: whoever may remove the lock can then delete early. Compliance mode after its lock date:
# nobody can remove the lock.
backend.delete_backup_vault_lock_configuration("Governance")
results["Governance-unlocked-1"] = try_delete("Governance", 1)
backend.vaults["Compliance"].lock_date = (utcnow() - timedelta(days=1)).timestamp()
try:
    backend.delete_backup_vault_lock_configuration("Compliance")
    results["Compliance-unlock"] = "removed"
except InvalidRequestException:
    results["Compliance-unlock"] = "refused"
results["Compliance-locked-1"] = try_delete("Compliance", 1)
print(json.dumps(results))
"""


def test_deletion_is_refused_until_min_retention_has_passed():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, cwd=REPO_ROOT,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout.strip().splitlines()[-1])
    assert results == {
        "Governance-6": "refused", "Governance-8": "deleted",
        "Compliance-6": "refused", "Compliance-8": "deleted",
        "Governance-unlocked-1": "deleted",
        "Compliance-unlock": "refused", "Compliance-locked-1": "refused",
    }
