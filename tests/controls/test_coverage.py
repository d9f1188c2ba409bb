"""COV-01..06 on snapshot fixtures: the healthy example passes; a protected resource missing or selected
by no plan or by two, an exclusion without a reason or still selected, an excluded table, a bucket without
versioning or noncurrent expiry, a refused read (live) and a persisted resource the inventory does not name
each fail, naming the resource, bucket or permission."""
from __future__ import annotations

from tests.controls.support import ABSENT, Case, emptied, family_tests, named, plan_of

PROVIDER = "dynamodb table compact-connect-example-provider"
PROVIDER_ARN = "arn:aws:dynamodb:us-east-1:111111111111:table/compact-connect-example-provider"
DOCUMENTS = "compact-connect-example-provider-users-111111111111"
BULK = "compact-connect-example-bulk-uploads-111111111111"


def drop_from(section: str, name: str):
    def mutate(snapshot: dict) -> None:
        snapshot[section] = [item for item in snapshot[section] if item["name"] != name]
    return mutate


def select_in(category: str, arn: str):
    """Add ``arn`` to the first selection of ``category``'s plan."""
    def mutate(snapshot: dict) -> None:
        plan_of(snapshot, category)["selections"][0]["resources"].append(arn)
    return mutate


def unselect(arn: str):
    def mutate(snapshot: dict) -> None:
        for plan in snapshot["plans"]:
            for selection in plan["selections"]:
                selection["resources"] = [r for r in selection["resources"] if r != arn]
    return mutate


def inventory_item(section: str, name: str, **fields):
    def mutate(snapshot: dict) -> None:
        named(snapshot["inventory"][section], name).update(fields)
    return mutate


def bucket(name: str, **fields):
    return lambda snapshot: named(snapshot["buckets"], name).update(fields)


def read_refused(**error):
    def mutate(snapshot: dict) -> None:
        snapshot["errors"] = [{"account_id": "222222222222", "region": "us-west-2", "resource": "arn:aws:kms:us-west-2:222222222222:key/k",
                               "error": "AccessDeniedException", **error}]
    return mutate


def persisted(kind: str, name: str):
    return lambda snapshot: snapshot["persisted"].append({"kind": kind, "name": name, "origin": {"file": "cloudformation/x.yaml"}})


def drop_other_data(name: str):
    def mutate(snapshot: dict) -> None:
        snapshot["inventory"]["other_data"] = [e for e in snapshot["inventory"]["other_data"] if e["name"] != name]
    return mutate


CASES = {
    "COV-01": [
        Case("table missing from the posture", drop_from("tables", "compact-connect-example-provider"),
             f"{PROVIDER}: does not exist in the static posture"),
        Case("selected by two plans", select_in("configuration_data", PROVIDER_ARN),
             f"{PROVIDER}: selected by 2 backup plan(s)"),
        Case("selected by no plan", unselect(PROVIDER_ARN), f"{PROVIDER}: selected by 0 backup plan(s) (none)"),
        Case("no protected resource", emptied("inventory.tables", "inventory.buckets"), ABSENT),
    ],
    "COV-02": [
        Case("exclusion without a reason", inventory_item("buckets", BULK, exclusion_reason="  "),
             f"s3 bucket {BULK}: excluded, reason: NONE"),
        Case("excluded bucket still selected", select_in("document_storage", f"arn:aws:s3:::{BULK}"),
             f"s3 bucket {BULK} is excluded but a plan selects it"),
    ],
    "COV-03": [
        Case("table excluded", inventory_item("tables", "compact-connect-example-provider", excluded=True),
             f"{PROVIDER}: EXCLUDED"),
        Case("table with an exclusion reason", inventory_item("tables", "compact-connect-example-provider", exclusion_reason="old"),
             f"{PROVIDER}: not excluded"),
        Case("no table", emptied("inventory.tables"), ABSENT),
    ],
    "COV-04": [
        Case("versioning suspended", bucket(DOCUMENTS, versioning="Suspended"), f"s3 bucket {DOCUMENTS}: versioning Suspended"),
        Case("noncurrent versions kept for ever", bucket(DOCUMENTS, noncurrent_expiration_days=None),
             f"s3 bucket {DOCUMENTS}: noncurrent versions never expire"),
        Case("bucket missing from the posture", drop_from("buckets", DOCUMENTS),
             f"s3 bucket {DOCUMENTS}: not found in the static posture"),
        Case("no protected bucket", emptied("inventory.buckets"), ABSENT),
    ],
    "COV-05": [
        Case("key policy read refused", read_refused(api="kms:GetKeyPolicy", missing_permission="kms:GetKeyPolicy"),
             "kms:GetKeyPolicy on arn:aws:kms:us-west-2:222222222222:key/k in 222222222222 us-west-2: AccessDeniedException "
             "(needs kms:GetKeyPolicy)"),
        Case("throttled read naming no permission", read_refused(api="backup:ListRestoreJobs", error="ThrottlingException"),
             "ThrottlingException (needs backup:ListRestoreJobs)"),
    ],
    "COV-06": [
        Case("log group the inventory does not name", persisted("log-group", "/aws/lambda/new-function"),
             "log-group /aws/lambda/new-function: not in the inventory (inventory.other_data)"),
        Case("queue with a generated name", persisted("queue", "{{NewQueue.QueueName}}"),
             "queue {{NewQueue.QueueName}}: no fixed name"),
        Case("table dropped from the inventory", emptied("inventory.tables"),
             "dynamodb-table compact-connect-example-provider: not in the inventory (inventory.dynamodb_tables)"),
        Case("audit trail bucket dropped from other_data", drop_other_data("compact-retention-example-ssn-audit-111111111111"),
             "s3-bucket compact-retention-example-ssn-audit-111111111111: not in the inventory (inventory.s3_buckets)"),
        Case("no persisted resource", emptied("persisted"), ABSENT),
    ],
}

test_healthy_passes, test_each_violation_fails = family_tests(CASES)
