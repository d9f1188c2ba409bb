"""The drill of a Cognito user pool: the newest complete export imported into a scratch pool, compared.

Why it differs from a table or bucket: AWS Backup cannot back up a user pool. The exporter (``exporter/``,
``docs/cognito-export.md``) writes each pool nightly to the export bucket, and that bucket is what AWS Backup
protects. So a pool's drill reads the newest COMPLETE export (the newest ``manifest.json``: the exporter writes
it last), checks it (``exporter.restore_check.restore_dry_run``: every object's size and SHA-256 against the
manifest), and does what a restore of the pool would do
(https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-using-import-tool.html):

1. a scratch pool ``<pool name>-drill-<stamp>`` from the exported description (schema with custom attributes,
   username, alias and auto-verified attributes, password policy, account recovery, admin-create-user
   settings), tagged ``compact-retention:drill=<stamp>``. Not copied: Lambda triggers (they belong to the
   application and would run on the scratch users), e-mail and SMS settings, domains, MFA (users set MFA up
   again; TOTP secrets are never exportable), deletion protection (the scratch pool must be deletable);
2. one user import job per ``import-*.csv``: header from ``GetCSVHeader`` of the scratch pool, the CSV's
   columns re-ordered to it by name, uploaded by HTTP PUT to the job's pre-signed URL (valid 15 minutes) with
   ``x-amz-server-side-encryption: aws:kms``, started, polled with progress. The job needs
   ``CloudWatchLogsRoleArn`` (``retention drill --import-role ARN``): a role Cognito assumes to write the job's
   log (trusting ``cognito-idp.amazonaws.com``, allowed ``logs:CreateLogGroup``, ``logs:CreateLogStream``,
   ``logs:DescribeLogStreams``, ``logs:PutLogEvents``); without it the import check fails saying so;
3. the groups (``CreateGroup`` with description, precedence and role), the memberships
   (``AdminAddUserToGroup``) and the disabled users (``AdminDisableUser``) re-applied: an import job does none;
4. the comparison (``compare_pools``, pure and tested on dicts; users matched by ``sign_in_attribute``, the
   e-mail address in a pool that signs in by e-mail, else by username): every exportable user present, no extra
   user, attributes equal except ``sub`` (import assigns a new one) and the verified flags where false and
   absent mean the same, status as ``STATUS_AFTER_IMPORT`` maps it, enabled flag, every group with its
   description, precedence and role, every membership;
5. the restore time (from the scratch pool's creation to the last re-applied setting) against the RTO of the
   export bucket's category; the scratch pool deleted unless ``--keep``, and only if its name and tag say this
   drill made it.

Which users are exportable: the export's CSV rows. AWS imports a row only when an auto-verified attribute of
the pool is verified for it (``email_verified`` true for the example's pools); an unconfirmed sign-up without a
verified address therefore cannot be imported (its row is counted failed by the job); the drill predicts those
users from the export, expects exactly that many failed rows, and reports them (``not importable``) instead of
failing on them. Federated users are not in the CSV (they sign in through their provider again).

No personal data leaves this module: details carry counts, digests, attribute names and, for a user that
fails a check, the first 12 hex digits of the SHA-256 of its username, never the username, e-mail or a value.
"""
from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import time
import urllib.error
import urllib.request
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from botocore.exceptions import BotoCoreError, ClientError

from audit.drill import restore
from audit.drill.compare import FAILED, INFO, PASSED, SHOWN, Check
from audit.drill.plan import TAG_KEY, Target, scratch_name
from exporter import manifest as mf
from exporter.pacer import Pacer
from exporter.restore_check import restore_dry_run

Progress = Callable[[str], None]
EXPORT_PREFIX = "cognito-export"  # the exporter's default (EXPORT_PREFIX of the deployed function)
PAGE = 60  # AWS maximum for ListUsers, ListGroups, ListUsersInGroup
VERIFIED_FLAGS = {"email": "email_verified", "phone_number": "phone_number_verified"}
SSE_HEADER = {"x-amz-server-side-encryption": "aws:kms"}  # the guide's upload: curl -T FILE -H ... URL
REAPPLY_PER_SECOND = 20.0  # under the 25/s AWS gives AdminAddUserToGroup and AdminDisableUser per account
PROGRESS_EVERY = 1000
JOB_ENDED = {"Succeeded", "Failed", "Stopped", "Expired"}
# What a user's status becomes after an import (the guide: imported users are RESET_REQUIRED; passwords are
# never imported). UNCONFIRMED users are imported only with a verified address (see "exportable" above).
STATUS_AFTER_IMPORT = {"CONFIRMED": "RESET_REQUIRED", "RESET_REQUIRED": "RESET_REQUIRED",
                       "FORCE_CHANGE_PASSWORD": "RESET_REQUIRED", "UNCONFIRMED": "RESET_REQUIRED",
                       "ARCHIVED": "RESET_REQUIRED", "COMPROMISED": "RESET_REQUIRED", "UNKNOWN": "RESET_REQUIRED"}
COPIED_SETTINGS = ("UsernameAttributes", "AliasAttributes", "AutoVerifiedAttributes", "UsernameConfiguration",
                   "Policies", "AccountRecoverySetting", "AdminCreateUserConfig", "UserAttributeUpdateSettings")


class NoExport(restore.NoRecoveryPoint):
    """No complete export of the pool in the export bucket: a precondition (exit 2)."""


class PoolRestoreFailed(Exception):
    """A step of the restore could not be done; the message says which (never a user's data)."""


def user_ref(username: str) -> str:
    """How a failing check names a user: a SHA-256 prefix of the username, never the username."""
    return hashlib.sha256(username.encode()).hexdigest()[:12]


# ------------------------------------------------------------------------------------ the export

@dataclass
class Prepared:
    """A pool target with its newest complete export (what ``run.find_point`` is for a table)."""
    target: Target
    bucket: str
    manifest_key: str
    manifest: dict[str, Any]

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.manifest_key}"


def find_export(s3: Any, target: Target, prefix: str = EXPORT_PREFIX) -> Prepared:
    """The newest complete export of the pool: the newest day with a manifest, its newest run."""
    if not target.export_bucket:
        raise NoExport(f"{target.id}: the configuration has no export bucket (inventory.s3_buckets id cognito-export)")
    pool_prefix = f"{prefix.strip('/')}/{target.pool_id}/"  # exporter.export.day_prefix without the day
    try:
        days = sorted({p["Prefix"] for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket=target.export_bucket, Prefix=pool_prefix, Delimiter="/") for p in page.get("CommonPrefixes") or []},
            reverse=True)
        for day in days:
            manifests = [o for page in s3.get_paginator("list_objects_v2").paginate(Bucket=target.export_bucket,
                                                                                    Prefix=day)
                         for o in page.get("Contents") or [] if o["Key"].endswith("/" + mf.NAME)]
            if manifests:
                key = max(manifests, key=lambda o: (o["LastModified"], o["Key"]))["Key"]
                manifest = json.loads(s3.get_object(Bucket=target.export_bucket, Key=key)["Body"].read())
                return Prepared(target, target.export_bucket, key, manifest)
    except (ClientError, BotoCoreError, ValueError) as exc:
        raise NoExport(f"{target.id}: the exports of pool {target.pool_id} in s3://{target.export_bucket}/{pool_prefix} "
                       f"cannot be read: {type(exc).__name__}: {exc}") from None
    raise NoExport(f"{target.id}: no complete export (manifest.json) of pool {target.pool_id} under "
                   f"s3://{target.export_bucket}/{pool_prefix} ({len(days)} day(s) without one)")


@dataclass
class ExportData:
    description: dict[str, Any]
    groups: list[dict[str, Any]]
    users: dict[str, dict[str, Any]]              # username -> exporter user record (CSV users only)
    memberships: set[tuple[str, str]]             # (group, username)
    csv_files: list[tuple[list[str], list[list[str]]]] = field(default_factory=list)  # (header, rows)
    federated: int = 0


def _body(s3: Any, bucket: str, entry: Mapping[str, Any]) -> bytes:
    body = s3.get_object(Bucket=bucket, Key=entry["key"])["Body"].read()
    if len(body) != entry["size"] or hashlib.sha256(body).hexdigest() != entry["sha256"]:
        raise PoolRestoreFailed(f"{entry['key']} differs from the manifest (size or SHA-256)")
    return body


def _jsonl(body: bytes) -> Iterable[dict[str, Any]]:
    return (json.loads(line) for line in gzip.decompress(body).splitlines() if line.strip())


def read_export(s3: Any, prepared: Prepared) -> ExportData:
    """Everything the restore and the comparison need from the export, each object checked against the manifest."""
    data = ExportData({}, [], {}, set())
    importable: set[str] = set()
    records: dict[str, dict[str, Any]] = {}
    for entry in prepared.manifest.get("objects") or []:
        name = entry["key"].rsplit("/", 1)[-1]
        if name == "pool.json":
            data.description = json.loads(_body(s3, prepared.bucket, entry)).get("pool") or {}
        elif name == "groups.json":
            data.groups = json.loads(_body(s3, prepared.bucket, entry))
        elif name.startswith("users-"):
            records.update((u["username"], u) for u in _jsonl(_body(s3, prepared.bucket, entry)))
        elif name.startswith("memberships-"):
            data.memberships.update((m["group"], m["username"]) for m in _jsonl(_body(s3, prepared.bucket, entry)))
        elif name.startswith("federated-"):
            data.federated += sum(1 for _ in _jsonl(_body(s3, prepared.bucket, entry)))
        elif name.startswith("import-") and name.endswith(".csv"):
            rows = list(csv.reader(io.StringIO(_body(s3, prepared.bucket, entry).decode("utf-8"))))
            header, rows = rows[0], rows[1:]
            column = header.index("cognito:username")
            importable.update(r[column] for r in rows)
            data.csv_files.append((header, rows))
    data.users = {u: records[u] for u in importable if u in records}
    missing = importable - set(records)
    if missing:
        raise PoolRestoreFailed(f"{len(missing)} CSV user(s) have no record in users-*.jsonl.gz")
    return data


# ------------------------------------------------------------------------------------ the expectation

@dataclass
class UserFacts:
    attributes: dict[str, str]
    status: str
    enabled: bool


@dataclass
class PoolState:
    """What a pool holds, as the comparison sees it (both the expectation and the restored pool)."""
    users: dict[str, UserFacts]
    groups: dict[str, dict[str, Any]]             # name -> description, precedence, role
    memberships: set[tuple[str, str]]


def comparable_attributes(attributes: Mapping[str, Any]) -> dict[str, str]:
    """Attributes as the comparison sees them: no ``sub`` (import assigns a new one), a verified flag that is
    false the same as an absent one (the CSV has a column for every flag, the export an attribute only when set)."""
    out = {}
    for name, value in attributes.items():
        if name == "sub" or value is None:
            continue
        if name in VERIFIED_FLAGS.values() and str(value).lower() != "true":
            continue
        out[name] = "true" if name in VERIFIED_FLAGS.values() else str(value)
    return out


def importable(record: Mapping[str, Any], auto_verified: Iterable[str]) -> bool:
    """Whether AWS imports the user's row: an auto-verified attribute of the pool verified (the only one, if one)."""
    flags = [VERIFIED_FLAGS[a] for a in auto_verified if a in VERIFIED_FLAGS]
    verified = [f for f in flags if str((record.get("attributes") or {}).get(f, "")).lower() == "true"]
    return bool(verified) and (len(flags) != 1 or verified == flags)


def group_facts(group: Mapping[str, Any]) -> dict[str, Any]:
    return {"description": group.get("Description"), "precedence": group.get("Precedence"),
            "role": group.get("RoleArn")}


def sign_in_attribute(description: Mapping[str, Any]) -> str | None:
    """The attribute users are matched by: in a pool with username attributes (the example's: email) the
    username is an internal id, and the guide does not say that an import keeps it; the sign-in address is
    unique in the pool and is what a user knows. None: match by username."""
    return next(iter(description.get("UsernameAttributes") or []), None)


def user_key(username: str, attributes: Mapping[str, Any], attribute: str | None) -> str:
    return str(attributes.get(attribute) or username) if attribute else username


def expected_state(data: ExportData) -> tuple[PoolState, list[str]]:
    """The pool a restore must produce (users keyed by ``user_key``), and the users AWS will not import."""
    auto = data.description.get("AutoVerifiedAttributes") or []
    attribute = sign_in_attribute(data.description)
    keys = {u: user_key(u, r.get("attributes") or {}, attribute) for u, r in data.users.items()}
    skipped = sorted(keys[u] for u, r in data.users.items() if not importable(r, auto))
    users = {keys[u]: UserFacts(comparable_attributes(r.get("attributes") or {}),
                                STATUS_AFTER_IMPORT.get(r.get("status") or "", "RESET_REQUIRED"), bool(r.get("enabled", True)))
             for u, r in data.users.items() if keys[u] not in set(skipped)}
    groups = {g["GroupName"]: group_facts(g) for g in data.groups}
    memberships = {(g, keys[u]) for g, u in data.memberships if u in keys and keys[u] in users}
    return PoolState(users, groups, memberships), skipped


# ------------------------------------------------------------------------------------ the comparison

def _refs(usernames: Iterable[str]) -> str:
    shown = sorted(user_ref(u) for u in usernames)
    return ", ".join(shown[:SHOWN]) + (f" and {len(shown) - SHOWN} more" if len(shown) > SHOWN else "")


def _check(name: str, bad: set[str] | list[str], ok: str, bad_text: str) -> Check:
    return Check(name, PASSED, ok) if not bad else Check(name, FAILED, f"{len(bad)} {bad_text}: {_refs(bad)}")


def compare_pools(expected: PoolState, restored: PoolState) -> list[Check]:
    """The checks of a restored pool against the export; details name users only by ``user_ref``."""
    both = set(expected.users) & set(restored.users)
    missing, extra = set(expected.users) - set(restored.users), set(restored.users) - set(expected.users)
    differing = {u for u in both if expected.users[u].attributes != restored.users[u].attributes}
    names = sorted({n for u in differing for n in set(expected.users[u].attributes) ^ set(restored.users[u].attributes)
                    | {n for n in expected.users[u].attributes
                       if expected.users[u].attributes.get(n) != restored.users[u].attributes.get(n)}})
    status = {u for u in both if expected.users[u].status != restored.users[u].status}
    enabled = {u for u in both if expected.users[u].enabled != restored.users[u].enabled}
    checks = [
        _check("users present", missing, f"{len(expected.users)} of {len(expected.users)}", "missing"),
        _check("no extra users", extra, f"{len(restored.users)} restored, none extra", "not in the export"),
        Check("attributes", PASSED, f"{len(both)} users, every attribute but sub equal") if not differing else
        Check("attributes", FAILED, f"{len(differing)} user(s) differ in {', '.join(names)}: {_refs(differing)}"),
        _check("status", status, f"{len(both)} users as STATUS_AFTER_IMPORT maps them (RESET_REQUIRED)",
               "with another status"),
        _check("enabled flag", enabled, f"{sum(not f.enabled for f in expected.users.values())} disabled, "
                                        f"the others enabled, as exported", "with another enabled flag"),
    ]
    missing_groups = sorted(set(expected.groups) - set(restored.groups))
    extra_groups = sorted(set(restored.groups) - set(expected.groups))
    changed_groups = sorted(g for g in set(expected.groups) & set(restored.groups)
                            if expected.groups[g] != restored.groups[g])
    parts = [f"{label} {', '.join(found)}" for label, found in (
        ("missing", missing_groups), ("extra", extra_groups), ("different", changed_groups)) if found]
    checks.append(Check("groups", FAILED if parts else PASSED, "; ".join(parts) if parts else
                        f"{len(expected.groups)} with description, precedence and role"))
    lost, added = expected.memberships - restored.memberships, restored.memberships - expected.memberships
    if lost or added:
        checks.append(Check("memberships", FAILED, f"{len(lost)} missing, {len(added)} extra (of "
                                                   f"{len(expected.memberships)}); users {_refs({u for _, u in lost | added})}"))
    else:
        checks.append(Check("memberships", PASSED, f"{len(expected.memberships)} in {len(expected.groups)} groups"))
    return checks


# ------------------------------------------------------------------------------------ the scratch pool

def create_pool_args(description: Mapping[str, Any], name: str, drill_id: str) -> dict[str, Any]:
    """CreateUserPool's arguments from the exported description (see the module docstring for what is left out)."""
    args: dict[str, Any] = {"PoolName": name, "UserPoolTags": {TAG_KEY: drill_id}, "DeletionProtection": "INACTIVE",
                            "MfaConfiguration": "OFF"}
    args.update({k: deepcopy(description[k]) for k in COPIED_SETTINGS if description.get(k)})
    # deprecated: DescribeUserPool may still return it, CreateUserPool wants PasswordPolicy's validity instead
    (args.get("AdminCreateUserConfig") or {}).pop("UnusedAccountValidityDays", None)
    schema = []
    for attribute in description.get("SchemaAttributes") or []:
        custom = attribute["Name"].startswith("custom:")
        if not custom and (not attribute.get("Required") or attribute["Name"] == "sub"):
            continue  # standard attributes exist in every pool (sub always): only a required one is declared
        entry = {k: attribute[k] for k in ("AttributeDataType", "DeveloperOnlyAttribute", "Mutable", "Required",
                                           "NumberAttributeConstraints", "StringAttributeConstraints") if k in attribute}
        entry["Name"] = attribute["Name"].split(":", 1)[1] if custom else attribute["Name"]
        schema.append(entry)
    if schema:
        args["Schema"] = schema
    return args


def reorder(header: list[str], rows: list[list[str]], target: list[str]) -> bytes:
    """The CSV with its columns in the order of ``target`` (the scratch pool's GetCSVHeader), by name. A column
    of the export the scratch pool lacks is an error naming it; a column the export lacks stays empty."""
    lacking = [c for c in header if c not in target]
    if lacking:
        raise PoolRestoreFailed(f"the scratch pool's CSV header lacks the exported column(s) {', '.join(lacking)}")
    where = {c: i for i, c in enumerate(header)}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(target)
    for row in rows:
        writer.writerow([row[where[c]] if c in where else "" for c in target])
    return out.getvalue().encode("utf-8")


def upload_csv(url: str, body: bytes, timeout: float = 300.0) -> None:
    """One HTTP PUT of the CSV to the job's pre-signed URL (urllib: no AWS signature, the URL carries it)."""
    request = urllib.request.Request(url, data=body, method="PUT",
                                     headers={**SSE_HEADER, "Content-Type": "text/csv"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        raise PoolRestoreFailed(f"the upload to the job's pre-signed URL answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise PoolRestoreFailed(f"the upload to the job's pre-signed URL failed: {exc}") from None


def run_import(cognito: Any, pool_id: str, body: bytes, job_name: str, role_arn: str, label: str, progress: Progress,
               *, poll_seconds: float, timeout_seconds: float, clock: Callable[[], float] = time.monotonic,
               sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
    """Create, upload, start and wait for one user import job; the job as DescribeUserImportJob ends it."""
    job = cognito.create_user_import_job(JobName=job_name, UserPoolId=pool_id, CloudWatchLogsRoleArn=role_arn)["UserImportJob"]
    upload_csv(job["PreSignedUrl"], body)
    cognito.start_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])
    started = clock()
    while True:
        job = cognito.describe_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])["UserImportJob"]
        elapsed = clock() - started
        progress(f"{label}: import job {job['JobId']} {job['Status']}: {job.get('ImportedUsers', 0)} imported, "
                 f"{job.get('FailedUsers', 0)} failed ({elapsed:.0f} s)")
        if job["Status"] in JOB_ENDED:
            return job
        if elapsed > timeout_seconds:
            raise PoolRestoreFailed(f"import job {job['JobId']} still {job['Status']} after {elapsed:.0f} s (the RTO)")
        sleep(poll_seconds)


def _pages(call: Callable[..., dict[str, Any]], key: str, token_in: str, token_out: str, **kwargs: Any) -> Iterable[dict]:
    token = None
    while True:
        page = call(**kwargs, **({token_in: token} if token else {}))
        yield from page.get(key) or []
        token = page.get(token_out)
        if not token:
            return


def read_pool(cognito: Any, pool_id: str, attribute: str | None = None) -> PoolState:
    """The restored pool as the comparison sees it (ListUsers, ListGroups, ListUsersInGroup per group), users
    keyed by ``user_key`` with the same sign-in attribute as the expectation."""
    def key(user: Mapping[str, Any]) -> str:
        return user_key(user["Username"], {a["Name"]: a.get("Value") for a in user.get("Attributes") or []}, attribute)

    users = {key(u): UserFacts(comparable_attributes({a["Name"]: a.get("Value") for a in u.get("Attributes") or []}),
                               u.get("UserStatus") or "", bool(u.get("Enabled", True)))
             for u in _pages(cognito.list_users, "Users", "PaginationToken", "PaginationToken", UserPoolId=pool_id, Limit=PAGE)}
    groups = {g["GroupName"]: group_facts(g)
              for g in _pages(cognito.list_groups, "Groups", "NextToken", "NextToken", UserPoolId=pool_id, Limit=PAGE)}
    memberships = {(g, key(u)) for g in groups
                   for u in _pages(cognito.list_users_in_group, "Users", "NextToken", "NextToken", UserPoolId=pool_id,
                                   GroupName=g, Limit=PAGE)}
    return PoolState(users, groups, memberships)


def delete_scratch(cognito: Any, target: Target, pool_id: str, scratch: str, drill_id: str) -> str:
    """Delete the scratch pool if, and only if, its name and its tag say this drill made it."""
    pool = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    if pool.get("Name") != scratch or not scratch.endswith(f"-drill-{drill_id}") or scratch == target.name:
        return f"kept pool {pool_id}: not a name this drill made"
    if (pool.get("UserPoolTags") or {}).get(TAG_KEY) != drill_id:
        return f"kept pool {scratch}: its {TAG_KEY} tag is not {drill_id}"
    cognito.delete_user_pool(UserPoolId=pool_id)
    return f"deleted user pool {scratch} ({pool_id})"


# ------------------------------------------------------------------------------------ one pool, end to end

def drill(prepared: Prepared, clients: Callable[[str], Any], options: Any, progress: Progress,
          clock: Callable[[], float] = time.monotonic) -> dict[str, Any]:
    """The drill.json result of one pool (``options``: ``audit.drill.run.Options``)."""
    target = prepared.target
    scratch = scratch_name(target, options.drill_id)
    result: dict[str, Any] = {
        "id": target.id, "kind": target.kind, "category": target.category, "source": target.arn,
        "recovery_point_arn": None, "export": prepared.uri, "export_day": prepared.manifest.get("day"),
        "account": options.account, "restored_as": scratch, "restore_seconds": None, "rto_seconds": target.rto_seconds,
        "status": FAILED, "checks": [], "reference": "exact: the export the pool is restored from", "cleanup": None}
    checks: list[Check] = []
    s3, cognito = clients("s3"), clients("cognito-idp")
    label, scratch_id = f"{target.id} (user pool)", None
    try:
        report = restore_dry_run(s3, prepared.bucket, prepared.manifest_key)
        checks.append(Check("export", PASSED if report.ok else FAILED,
                            f"{prepared.manifest.get('day')}: {report.objects_verified} objects match the manifest"
                            + ("" if report.ok else f"; {'; '.join(report.errors[:SHOWN])}")))
        data = read_export(s3, prepared)
        expected, skipped = expected_state(data)
        if skipped or data.federated:
            checks.append(Check("not importable", INFO, f"{len(skipped)} user(s) without a verified auto-verified "
                                                        f"attribute (AWS refuses their rows), {data.federated} federated"))
        role = getattr(options, "import_role_arn", None)
        if not role:
            checks.append(Check("user import", FAILED, "no CloudWatchLogsRoleArn: pass --import-role ARN, a role "
                                "trusting cognito-idp.amazonaws.com with logs:CreateLogGroup, logs:CreateLogStream, "
                                "logs:DescribeLogStreams and logs:PutLogEvents (the import job's log)"))
            return _finish(result, checks)
        started = clock()
        progress(f"{label}: restoring {prepared.uri} into {scratch}")
        scratch_id = cognito.create_user_pool(**create_pool_args(data.description, scratch, options.drill_id))["UserPool"]["Id"]
        result["restored_as"] = f"{scratch} ({scratch_id})"
        header = cognito.get_csv_header(UserPoolId=scratch_id)["CSVHeader"]
        imported = failed = 0
        for n, (exported_header, rows) in enumerate(data.csv_files, start=1):
            body = reorder(exported_header, rows, header)
            job = run_import(cognito, scratch_id, body, f"drill-{options.drill_id}-{n}", role, label, progress,
                             poll_seconds=options.poll_seconds, timeout_seconds=max(target.rto_seconds, 60))
            if job["Status"] != "Succeeded":
                raise PoolRestoreFailed(f"import job {job['JobId']} {job['Status']}: {job.get('CompletionMessage')}")
            imported, failed = imported + job.get("ImportedUsers", 0), failed + job.get("FailedUsers", 0)
        checks.append(Check("user import", PASSED if (imported, failed) == (len(expected.users), len(skipped)) else FAILED,
                            f"{len(data.csv_files)} job(s): {imported} imported, {failed} failed; expected "
                            f"{len(expected.users)} and {len(skipped)}"))
        reapply(cognito, scratch_id, data, expected, label, progress)
        seconds = clock() - started
        result["restore_seconds"] = round(seconds, 3)
        checks.append(Check("restore time", PASSED if seconds <= target.rto_seconds else FAILED,
                            f"{seconds:.1f} s against the RTO of {target.rto_seconds} s ({target.rto_seconds / 3600:g} h)"))
        checks += compare_pools(expected, read_pool(cognito, scratch_id, sign_in_attribute(data.description)))
    except (PoolRestoreFailed, restore.RestoreFailed) as exc:
        checks.append(Check("restore", FAILED, str(exc)))
    except (ValueError, KeyError, IndexError) as exc:  # a malformed export: name the kind of error, not its data
        checks.append(Check("restore", FAILED, f"the export cannot be read: {type(exc).__name__}"))
    except ClientError as exc:  # the operation and code only: a Cognito message may quote a username
        checks.append(Check("restore", FAILED, f"{exc.operation_name}: {exc.response.get('Error', {}).get('Code')}"))
    except BotoCoreError as exc:
        checks.append(Check("restore", FAILED, f"{type(exc).__name__}: {exc}"))
    finally:
        if scratch_id:
            result["cleanup"] = _cleanup(cognito, target, scratch_id, scratch, options, progress)
    return _finish(result, checks)


def reapply(cognito: Any, pool_id: str, data: ExportData, expected: PoolState, label: str, progress: Progress,
            pacer: Pacer | None = None) -> None:
    """What an import job does not restore: groups, memberships, disabled users (named by ``user_key``: the
    Admin* calls take a username or, in a pool with username attributes, the sign-in address). One call per membership and per
    disabled user, paced under Cognito's per-account quota for these writes (``REAPPLY_PER_SECOND``) with the
    exporter's pacer, which also retries throttling: a drill must not starve the application's own calls."""
    pacer = pacer or Pacer(REAPPLY_PER_SECOND)
    for group in data.groups:
        pacer.call(cognito.create_group, UserPoolId=pool_id, GroupName=group["GroupName"],
                   **{k: group[k] for k in ("Description", "Precedence", "RoleArn") if group.get(k) is not None})
    for n, (group_name, username) in enumerate(sorted(expected.memberships), start=1):
        pacer.call(cognito.admin_add_user_to_group, UserPoolId=pool_id, Username=username, GroupName=group_name)
        if n % PROGRESS_EVERY == 0:
            progress(f"{label}: {n} of {len(expected.memberships)} memberships")
    disabled = [u for u, f in expected.users.items() if not f.enabled]
    for username in disabled:
        pacer.call(cognito.admin_disable_user, UserPoolId=pool_id, Username=username)
    progress(f"{label}: {len(data.groups)} groups, {len(expected.memberships)} memberships, {len(disabled)} users "
             f"disabled again")


def _finish(result: dict[str, Any], checks: list[Check]) -> dict[str, Any]:
    result["status"] = FAILED if any(c.status == FAILED for c in checks) or not checks else PASSED
    result["checks"] = [c.to_json() for c in checks]
    return result


def _cleanup(cognito: Any, target: Target, pool_id: str, scratch: str, options: Any, progress: Progress) -> str:
    if options.keep:
        note = f"kept pool {scratch} ({pool_id}) (--keep): delete it when done; its {TAG_KEY} tag is {options.drill_id}"
    else:
        try:
            note = delete_scratch(cognito, target, pool_id, scratch, options.drill_id)
        except (ClientError, BotoCoreError) as exc:
            note = f"NOT deleted pool {scratch} ({pool_id}): {type(exc).__name__}: {exc}"
    progress(f"{target.id}: {note}")
    return note
