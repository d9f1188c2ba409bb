"""What AWS refuses when a policy is saved: the grammar of ``Action``, ``Resource`` and ``Principal`` values.

Kept apart from matching because it answers a different question: not "does this statement apply?" but
"would AWS have accepted this statement at all?". Every refusal is a ``PolicyError`` naming the statement
and the field. The reason is the project's rule that a typo must never silently disable a ``Deny``: a
``Deny`` naming ``arn:aws:iam::111122223333:role/*`` (a wildcard AWS does not allow in a principal) would
otherwise match nobody, and the audit would report a protection that AWS would never have stored.

Sources (IAM User Guide): "Principal" ("You cannot use a wildcard to match part of a principal name or
ARN"; "You cannot identify a user group as a principal"), "NotPrincipal" ("you cannot use a wildcard (*)
to mean all sessions"), "Action" (``service:action``, the service prefix is required), "Resource" (an ARN
or ``*``), "Grammar of the IAM JSON policy language".
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from audit.policy.errors import PolicyError

__all__ = ["check_actions", "check_aws_principal", "check_named_principal", "check_resources", "is_unique_id"]

_ACTION = re.compile(r"^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$")
_ACCOUNT = re.compile(r"^\d{12}$")
_ROOT = re.compile(r"^arn:[a-z-]+:iam::\d{12}:root$")
_USER_OR_ROLE = re.compile(r"^arn:[a-z-]+:iam::\d{12}:(?:user|role)/(?:[^*?\s/]+/)*[^*?\s/]+$")
_SESSION = re.compile(r"^arn:[a-z-]+:sts::\d{12}:assumed-role/[^*?\s/]+/[^*?\s/]+$")
_FEDERATED_USER = re.compile(r"^arn:[a-z-]+:sts::\d{12}:federated-user/[^*?\s/]+$")
# unique ids AWS shows in place of a deleted user or role (AIDA..., AROA...): they name no current principal
_UNIQUE_ID = re.compile(r"^A(?:IDA|ROA)[A-Z0-9]{12,}$")
_SERVICE = re.compile(r"^[a-z0-9-]+(?:\.[a-z0-9-]+)+$")
_CANONICAL_USER = re.compile(r"^[0-9a-f]{64}$")
_FEDERATED = re.compile(r"^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)+|arn:[a-z-]+:iam::\d{12}:(?:saml|oidc)-provider/\S+)$")


def check_actions(items: Iterable[str], name: str, where: str) -> None:
    """``*`` or ``service:action`` (wildcards allowed in the action part): AWS rejects an action without its
    service prefix ("Decrypt" for "kms:Decrypt"), and the evaluator would otherwise match it to nothing."""
    for item in items:
        if item != "*" and not _ACTION.match(item):
            raise PolicyError(f"{where}: {name} {item!r} is not \"*\" or service:action (e.g. kms:Decrypt); "
                              "AWS requires the service prefix")


def check_resources(items: Iterable[str], name: str, where: str) -> None:
    """``*`` or an ARN: ``arn:partition:service:region:account:resource``, where a wildcard in the last field
    given may stand for the fields after it (``arn:aws:kms:*``). A bucket name or a key id is refused."""
    for item in items:
        if item == "*":
            continue
        fields = item.split(":", 5)
        complete = len(fields) == 6 and fields[5] != ""
        truncated = 2 <= len(fields) < 6 and fields[-1].endswith("*")
        if fields[0] != "arn" or not (complete or truncated) or not fields[1] or (len(fields) > 2 and not fields[2]):
            raise PolicyError(f"{where}: {name} {item!r} is neither \"*\" nor an ARN "
                              "(arn:partition:service:region:account:resource)")


def is_unique_id(entry: str) -> bool:
    """A user or role unique id (``AIDA...``/``AROA...``): what AWS shows after the principal was deleted."""
    return bool(_UNIQUE_ID.match(entry))


def check_aws_principal(entry: str, element: str, where: str) -> None:
    """An ``AWS`` principal entry: ``*``, an account id, an account root / user / role / role-session /
    federated-user ARN, or the unique id of a deleted user or role. No partial wildcard, no user group."""
    if entry == "*" or any(p.match(entry) for p in (_ACCOUNT, _ROOT, _USER_OR_ROLE, _SESSION, _FEDERATED_USER)):
        return
    if is_unique_id(entry):
        return
    if "*" in entry or "?" in entry:
        raise PolicyError(f"{where}: {element} AWS {entry!r}: AWS allows no wildcard inside a principal ARN or "
                          "account id (only \"*\" alone); use \"*\" with an aws:PrincipalArn condition instead")
    if ":group/" in entry:
        raise PolicyError(f"{where}: {element} AWS {entry!r}: a user group cannot be a principal")
    raise PolicyError(f"{where}: {element} AWS {entry!r} is not \"*\", a 12-digit account id or the ARN of an "
                      "account root, IAM user, IAM role, role session or federated user")


def check_named_principal(kind: str, entry: str, element: str, where: str) -> None:
    """A ``Service``, ``Federated`` or ``CanonicalUser`` entry: a name, never a wildcard."""
    pattern = {"Service": _SERVICE, "Federated": _FEDERATED, "CanonicalUser": _CANONICAL_USER}[kind]
    if not pattern.match(entry):
        expected = {"Service": "a service principal such as backup.amazonaws.com",
                    "Federated": "an identity provider (cognito-identity.amazonaws.com, a saml-provider ARN)",
                    "CanonicalUser": "a 64-hex-digit S3 canonical user id"}[kind]
        raise PolicyError(f"{where}: {element} {kind} {entry!r} is not {expected} (no wildcards)")
