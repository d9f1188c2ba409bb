"""EventBridge event patterns: does a rule's pattern match an event, and if not, where does it fail.

The monitoring controls ask, for each documented AWS Backup failure event, which deployed rules would
match it; the same question is asked of EventBridge itself in the sandbox (``events:TestEventPattern``)
and both must agree (``tests/sandbox/test_monitoring_events.py``).

Why this is written by hand (about 150 lines): the maintained implementation within reach is moto's
``moto.events.models.EventPattern``, but importing it loads moto's core and boto3: 518 ms against 16 ms for
this module (``bench/event_pattern.py``, median of 5), more than a whole static audit; the one PyPI port of AWS's Event
Ruler (``event-ruler`` 0.3.0, 2023) is an unmaintained Go binding built for one Python version. The rules
below follow AWS's "Content filtering in event patterns" (EventBridge User Guide); a test runs every pattern
feature used here against moto's implementation as well, and against AWS's sample events.

Semantics: every field of a pattern must match (AND); a field's list of matchers matches when any matcher
does (OR); ``$or`` takes a list of sub-patterns. An array in the event matches when any of its elements
matches (arrays of objects: each nested pattern is matched within one element). Matchers: exact values
(strings, numbers compared as numbers, booleans, null), ``prefix``, ``suffix`` (both optionally
``{"equals-ignore-case": ...}``), ``equals-ignore-case``, ``anything-but`` (a value, a list, or a
prefix / suffix / equals-ignore-case / wildcard), ``numeric``, ``exists``, ``cidr`` and ``wildcard``.
A field that is absent (or an empty array) matches only ``{"exists": false}``.
"""
from __future__ import annotations

import ipaddress
import json
import operator
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

__all__ = ["EventPatternError", "matches", "mismatch", "validate", "sample_event", "copy_job_state_change", "SAMPLES_DIR"]

SAMPLES_DIR = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "backup_events"
MISSING = object()
NAMED = {"prefix", "suffix", "equals-ignore-case", "anything-but", "numeric", "exists", "cidr", "wildcard"}
NUMERIC_OPERATORS = {"<": operator.lt, "<=": operator.le, "=": operator.eq, ">=": operator.ge, ">": operator.gt}


class EventPatternError(ValueError):
    """A pattern EventBridge would reject, with the path of the offending part."""


# validation --------------------------------------------------------------------------------------------
def validate(pattern: Any, path: str = "") -> None:
    """Raise ``EventPatternError`` naming the path when ``pattern`` is not a valid event pattern."""
    if not isinstance(pattern, Mapping):
        raise EventPatternError(f"{path or 'pattern'}: must be an object, got {type(pattern).__name__}")
    for key, value in pattern.items():
        where = f"{path}.{key}" if path else str(key)
        if key == "$or":
            if not isinstance(value, list) or len(value) < 2:
                raise EventPatternError(f"{where}: must be a list of at least two patterns")
            for index, branch in enumerate(value):
                validate(branch, f"{where}[{index}]")
        elif isinstance(value, Mapping):
            validate(value, where)
        elif isinstance(value, list):
            if not value:
                raise EventPatternError(f"{where}: empty arrays are not allowed")
            for matcher in value:
                _validate_matcher(matcher, where)
        else:
            raise EventPatternError(f"{where}: must be an object or an array, got {json.dumps(value)}")


def _validate_matcher(matcher: Any, where: str) -> None:
    if not isinstance(matcher, Mapping):
        if isinstance(matcher, list):
            raise EventPatternError(f"{where}: a matcher cannot be an array")
        return
    if len(matcher) != 1 or next(iter(matcher)) not in NAMED:
        raise EventPatternError(f"{where}: unknown matcher {json.dumps(matcher)} (known: {', '.join(sorted(NAMED))})")
    name, argument = next(iter(matcher.items()))
    if name == "exists" and not isinstance(argument, bool):
        raise EventPatternError(f"{where}: exists takes true or false")
    if name == "numeric" and (not isinstance(argument, list) or len(argument) % 2 or
                              any(op not in NUMERIC_OPERATORS for op in argument[::2])):
        raise EventPatternError(f"{where}: numeric takes [operator, number, ...] with operators {' '.join(NUMERIC_OPERATORS)}")


# matching ----------------------------------------------------------------------------------------------
def matches(pattern: Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    return mismatch(pattern, event) is None


def mismatch(pattern: Mapping[str, Any], event: Mapping[str, Any]) -> str | None:
    """None when ``pattern`` matches ``event``; otherwise the first field that does not match, with the
    value the event has (for evidence: ``detail.state: "COMPLETED" matches none of ["FAILED"]``)."""
    validate(pattern)
    return _object_mismatch(pattern, event, "")


def _object_mismatch(pattern: Mapping[str, Any], obj: Any, path: str) -> str | None:
    for key, sub in pattern.items():
        if key == "$or":
            failures = [_object_mismatch(branch, obj, path) for branch in sub]
            if all(failures):
                return f"{path or 'event'}: no $or branch matches ({'; '.join(f for f in failures if f)})"
            continue
        where = f"{path}.{key}" if path else key
        value = obj.get(key, MISSING) if isinstance(obj, Mapping) else MISSING
        if isinstance(sub, Mapping):
            elements = value if isinstance(value, list) else [{} if value is MISSING else value]
            failures = [_object_mismatch(sub, element, where) for element in elements]
            if not failures or all(failures):
                return failures[0] if failures else f"{where}: absent"
        elif not any(_matcher_matches(matcher, value) for matcher in sub):
            shown = "absent" if value is MISSING else json.dumps(value)
            return f"{where}: {shown} matches none of {json.dumps(sub)}"
    return None


def _values(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _matcher_matches(matcher: Any, value: Any) -> bool:
    exists = value is not MISSING and value != []
    if isinstance(matcher, Mapping):
        name, argument = next(iter(matcher.items()))
        if name == "exists":
            return exists == argument
        return exists and any(_named(name, argument, v) for v in _values(value))
    return exists and any(_equal(matcher, v) for v in _values(value))


def _equal(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return float(expected) == float(actual)
    return type(expected) is type(actual) and expected == actual


def _text_test(argument: Any, value: Any, test) -> bool:
    """prefix / suffix, plain or ``{"equals-ignore-case": ...}``."""
    if not isinstance(value, str):
        return False
    if isinstance(argument, Mapping):
        return test(value.lower(), str(argument["equals-ignore-case"]).lower())
    return test(value, str(argument))


def _named(name: str, argument: Any, value: Any) -> bool:
    if name == "prefix":
        return _text_test(argument, value, str.startswith)
    if name == "suffix":
        return _text_test(argument, value, str.endswith)
    if name == "equals-ignore-case":
        return isinstance(value, str) and any(value.lower() == str(a).lower() for a in _values(argument))
    if name == "anything-but":
        if isinstance(argument, Mapping):
            inner, inner_argument = next(iter(argument.items()))
            return not _named(inner, inner_argument, value)
        return not any(_equal(a, value) for a in _values(argument))
    if name == "numeric":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        return all(NUMERIC_OPERATORS[op](value, bound) for op, bound in zip(argument[::2], argument[1::2]))
    if name == "cidr":
        try:
            return ipaddress.ip_address(value) in ipaddress.ip_network(argument, strict=False)
        except (TypeError, ValueError):
            return False
    if name == "wildcard":
        return isinstance(value, str) and any(_wildcard(a).fullmatch(value) is not None for a in _values(argument))
    raise EventPatternError(f"unknown matcher {name}")


@lru_cache(maxsize=256)
def _wildcard(text: str) -> re.Pattern[str]:
    """``*`` matches any run of characters; ``\\*`` is a literal star and ``\\\\`` a literal backslash."""
    parts, index = [], 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] in "*\\":
            parts.append(re.escape(text[index + 1]))
            index += 2
            continue
        parts.append(".*" if char == "*" else re.escape(char))
        index += 1
    return re.compile("".join(parts), re.DOTALL)


# AWS's sample events -----------------------------------------------------------------------------------
@lru_cache(maxsize=64)
def _sample_text(name: str) -> str:
    path = SAMPLES_DIR / f"{name}.json"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in SAMPLES_DIR.glob("*.json")))
        raise KeyError(f"no sample event {name!r} in {SAMPLES_DIR} (known: {known})")
    return path.read_text(encoding="utf-8")


def sample_event(name: str) -> dict[str, Any]:
    """A fresh copy of one of AWS's documented sample events (``tests/fixtures/backup_events/<name>.json``,
    sources in its README): reference data the monitoring controls place into the environment."""
    return json.loads(_sample_text(name))


def _iso_millis(value: Any) -> str | None:
    from datetime import datetime, timezone

    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):
        value = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return str(value)


def copy_job_state_change(job: Mapping[str, Any], *, region: str, event_id: str = "00000000-0000-0000-0000-000000000000") -> dict[str, Any]:
    """The "Copy Job State Change" event AWS Backup emits for a copy job (a ``DescribeCopyJob`` ``CopyJob``),
    in the shape of AWS's documented sample (``copy-job-failed.json``): the fields the API and the event
    share, renamed to the event's camelCase; a missing destination recovery point is ``{}`` as in AWS's
    sample."""
    detail = {
        "copyJobId": job.get("CopyJobId"), "backupSizeInBytes": job.get("BackupSizeInBytes"),
        "creationDate": _iso_millis(job.get("CreationDate")), "iamRoleArn": job.get("IamRoleArn"),
        "resourceArn": job.get("ResourceArn"), "resourceType": job.get("ResourceType"),
        "sourceBackupVaultArn": job.get("SourceBackupVaultArn"), "state": job.get("State"),
        "statusMessage": job.get("StatusMessage"), "completionDate": _iso_millis(job.get("CompletionDate")),
        "destinationBackupVaultArn": job.get("DestinationBackupVaultArn"),
        "destinationRecoveryPointArn": job.get("DestinationRecoveryPointArn") or {},
    }
    time = _iso_millis(job.get("CompletionDate") or job.get("CreationDate")) or ""
    return {"version": "0", "id": event_id, "detail-type": "Copy Job State Change", "source": "aws.backup",
            "account": job.get("AccountId"), "time": time.split(".")[0] + "Z" if "." in time else time, "region": region,
            "resources": [job["SourceRecoveryPointArn"]] if job.get("SourceRecoveryPointArn") else [],
            "detail": {k: v for k, v in detail.items() if v is not None}}
