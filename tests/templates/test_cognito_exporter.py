"""The Cognito export bucket as every bundled environment deploys it: what it keeps, and for how long."""
from __future__ import annotations

import pytest

from audit.controls.cognito_export import expiring_rule, exporters


@pytest.mark.parametrize("name", ["users-00001.jsonl.gz", "manifest.json", "checkpoint.json", "run-002/import-00001.csv"])
def test_every_object_of_an_export_expires_after_the_configured_age(env, name):
    """Every daily export is personal data: the bucket expires each of its objects, and the checkpoint of a
    run that never finished (pending user records), after cognito_export.expire_after_days, which
    `config validate` keeps within the export retention; the backups keep the history."""
    (function,) = exporters(env.posture)
    bucket = env.posture.bucket(f"arn:aws:s3:::{function['environment']['EXPORT_BUCKET']}")
    pool_id = env.cfg["inventory"]["cognito_user_pools"][0]["user_pool_id"]
    key = f"{function['environment']['EXPORT_PREFIX']}/{pool_id}/2026-11-27/{name}"
    rule = expiring_rule(bucket, key)
    assert rule is not None, f"nothing expires {key}"
    assert rule["days"] == env.cfg["cognito_export"]["expire_after_days"]
    assert rule["days"] <= env.cfg["backup_policies"]["export_data"]["retention_days"]
