"""EventBridge event patterns: does a rule's pattern match an event, and if not, where does it fail.

The monitoring controls ask, for each documented AWS Backup failure event, which deployed rules would
match it; the same question is asked of EventBridge itself in the sandbox (``events:TestEventPattern``)
and both must agree (``tests/sandbox/test_monitoring_events.py``).

Why this is written by hand (about 300 lines): the maintained implementation within reach is moto's
``moto.events.models.EventPattern``, but importing it loads moto's core and boto3: 518 ms against 16 ms for
this module (``bench/event_pattern.py``, median of 5), more than a whole static audit, and it accepts
patterns EventBridge rejects; the one PyPI port of AWS's Event Ruler (``event-ruler`` 0.3.0, 2023) is an
unmaintained Go binding built for one Python version. The rules below follow the EventBridge User Guide
("Comparison operators", "Arrays", "Null values and empty strings") and the README of aws/event-ruler, the
engine EventBridge runs; ``tests/conformance/test_event_conformance.py`` holds one case per documented
example and rule, each with its source, and ``docs/conformance.md`` what is inferred where the docs are silent.

Semantics. The event is seen as its *leaves* (strings, numbers, booleans, null) reached by a path of keys;
arrays, at any depth, are flattened into their elements, so an empty array holds no leaf and an object is
never a leaf. Every field of a pattern must match (AND); a field's list of matchers matches when any
matcher matches any leaf at that path (OR); ``$or`` takes a list of sub-patterns. Fields matched inside an
array of objects must come from one element (event-ruler's "array consistency"). ``exists`` looks at leaves
only ("Exists matching only works on leaf nodes"): a field whose value is an object, ``{}`` or ``[]`` does
not exist. ``exists: false`` below an array of objects is decided on the whole array (no element has the
field), the stricter of the answers event-ruler can give (it depends on the order of the field names there),
so that a doubtful case never reads as "this rule would deliver the alert".

Validation raises ``EventPatternError`` for every pattern AWS documents as invalid or event-ruler's
compiler refuses, so a typo never becomes a rule that silently never (or always) matches.
"""
from __future__ import annotations

import ipaddress
import json
import math
import operator
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

__all__ = ["EventPatternError", "matches", "mismatch", "validate", "sample_event", "copy_job_state_change", "SAMPLES_DIR"]

# AWS's documented sample events, shipped as package data (the tests read the same files)
SAMPLES_DIR = Path(__file__).resolve().with_name("backup_events")
MISSING = object()
NAMED = {"prefix", "suffix", "equals-ignore-case", "anything-but", "numeric", "exists", "cidr", "wildcard"}
NUMERIC_OPERATORS = {"<": operator.lt, "<=": operator.le, "=": operator.eq, ">=": operator.ge, ">": operator.gt}
#: "Numeric matching is limited to value between -5.0e9 and +5.0e9 inclusive, with 15 digits of precision,
#: that is to say 6 digits to the right of the decimal point" (event-ruler README, numeric matching).
NUMERIC_LIMIT = 5.0e9
#: the operators anything-but may wrap (User Guide: anything-but begins with / ends with / ignore case / wildcard).
ANYTHING_BUT_OPERATORS = {"prefix", "suffix", "equals-ignore-case", "wildcard"}
#: field names event-ruler refuses inside a ``$or`` branch (its Constants.RESERVED_FIELD_NAMES_IN_OR_RELATIONSHIP).
RESERVED_IN_OR = NAMED | {"exactly", "=", "<", "<=", ">", ">=", "regex", "not-wildcard", "not-equals-ignore-case",
                          "date-after", "date-on-or-after", "date-before", "date-on-or-before", "in-date-range",
                          "ip-address-in-range", "ip-address-not-in-range"}
_IPV4 = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")
_IPV6 = re.compile(r"[0-9a-fA-F:]*:[0-9a-fA-F:]*")


class EventPatternError(ValueError):
    """A pattern EventBridge would reject, with the path of the offending part."""


# validation --------------------------------------------------------------------------------------------
def validate(pattern: Any, path: str = "") -> None:
    """Raise ``EventPatternError`` naming the path when ``pattern`` is not a valid event pattern."""
    _validate_object(pattern, path, in_or=False)


def _validate_object(pattern: Any, path: str, *, in_or: bool) -> None:
    if not isinstance(pattern, Mapping):
        raise EventPatternError(f"{path or 'pattern'}: must be an object, got {_kind(pattern)}")
    if not pattern:
        raise EventPatternError(f"{path or 'pattern'}: empty objects are not allowed")
    for key, value in pattern.items():
        if not isinstance(key, str):
            raise EventPatternError(f"{path or 'pattern'}: field names are strings, got {key!r}")
        where = f"{path}.{key}" if path else key
        if key == "$or":
            _validate_or(value, where)
        elif in_or and key in RESERVED_IN_OR:
            raise EventPatternError(f"{where}: {key!r} is a reserved word and cannot be a field name inside $or")
        else:
            _validate_field(value, where, in_or=in_or)


def _validate_or(branches: Any, where: str) -> None:
    """The value of ``$or``: a list of at least two patterns, each a branch of the ``$or``."""
    if not isinstance(branches, list) or len(branches) < 2:
        raise EventPatternError(f"{where}: must be a list of at least two patterns")
    for index, branch in enumerate(branches):
        _validate_object(branch, f"{where}[{index}]", in_or=True)


def _validate_field(value: Any, where: str, *, in_or: bool) -> None:
    """The value of a field: a nested pattern, or a non-empty list of matchers."""
    if isinstance(value, Mapping):
        _validate_object(value, where, in_or=in_or)
    elif isinstance(value, list):
        if not value:
            raise EventPatternError(f"{where}: empty arrays are not allowed")
        for matcher in value:
            _validate_matcher(matcher, where)
    else:
        raise EventPatternError(f"{where}: must be an object or an array, got {_shown(value)}")


def _kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__)


def _shown(value: Any) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _finite(number: int | float) -> bool:
    """``math.isfinite`` without its OverflowError on integers too large for a float (always finite)."""
    return isinstance(number, int) or math.isfinite(number)


def _validate_matcher(matcher: Any, where: str) -> None:
    """A value of a field's list: a JSON scalar (exact match) or an object naming one operator."""
    if matcher is None or isinstance(matcher, (bool, str)):
        return
    if _is_number(matcher):
        if not _finite(matcher):
            raise EventPatternError(f"{where}: {matcher!r} is not a JSON number")
        return
    if isinstance(matcher, list):
        raise EventPatternError(f"{where}: a matcher cannot be an array (match values are a string, number, "
                                "true, false, null or an operator object)")
    if not isinstance(matcher, Mapping):
        raise EventPatternError(f"{where}: match values are a string, number, true, false, null or an operator "
                                f"object, got {_kind(matcher)}")
    if len(matcher) != 1 or next(iter(matcher)) not in NAMED:
        raise EventPatternError(f"{where}: unknown matcher {_shown(matcher)} (one of: {', '.join(sorted(NAMED))})")
    name, argument = next(iter(matcher.items()))
    _OPERATOR_CHECKS[name](argument, f"{where}: {name}")


def _need_string(argument: Any, where: str) -> None:
    if not isinstance(argument, str):
        raise EventPatternError(f"{where} takes a string, got {_shown(argument)}")


def _check_text(argument: Any, where: str) -> None:
    """prefix / suffix: a string, or ``{"equals-ignore-case": string}``."""
    if isinstance(argument, Mapping):
        if list(argument) != ["equals-ignore-case"]:
            raise EventPatternError(f"{where} takes a string or {{\"equals-ignore-case\": string}}, got {_shown(argument)}")
        _need_string(argument["equals-ignore-case"], f"{where}.equals-ignore-case")
        return
    _need_string(argument, where)


def _check_exists(argument: Any, where: str) -> None:
    if not isinstance(argument, bool):
        raise EventPatternError(f"{where} takes true or false, got {_shown(argument)}")


def _check_number(value: Any, where: str) -> None:
    if not _is_number(value) or not _finite(value):
        raise EventPatternError(f"{where}: {_shown(value)} is not a number")
    if not -NUMERIC_LIMIT <= value <= NUMERIC_LIMIT:
        raise EventPatternError(f"{where}: {value!r} is outside -5.0e9 .. +5.0e9")


def _check_numeric(argument: Any, where: str) -> None:
    """``["=", n]``, ``["<" | "<=", n]``, ``[">" | ">=", n]`` or ``[">" | ">=", low, "<" | "<=", high]``
    with low < high: the only forms event-ruler's compiler accepts."""
    usage = (f"{where} takes [operator, number] (operators {' '.join(NUMERIC_OPERATORS)}) or "
             f"[\">\"|\">=\", low, \"<\"|\"<=\", high]")
    if not isinstance(argument, list) or len(argument) not in (2, 4):
        raise EventPatternError(f"{usage}, got {_shown(argument)}")
    first = argument[0]
    if not isinstance(first, str) or first not in NUMERIC_OPERATORS:
        raise EventPatternError(f"{usage}: unknown operator {_shown(first)}")
    _check_number(argument[1], where)
    if len(argument) == 4:
        second = argument[2]
        if first not in (">", ">=") or not isinstance(second, str) or second not in ("<", "<="):
            raise EventPatternError(f"{usage}: a range is a lower bound (> or >=) then an upper bound (< or <=), "
                                    f"got {_shown(argument)}")
        _check_number(argument[3], where)
        if _comparable(argument[1]) >= _comparable(argument[3]):
            raise EventPatternError(f"{where}: the lower bound {argument[1]!r} must be less than the upper bound {argument[3]!r}")


def _check_cidr(argument: Any, where: str) -> None:
    _need_string(argument, where)
    _cidr_range(argument, where)


@lru_cache(maxsize=256)
def _cidr_range(text: str, where: str = "cidr") -> tuple[int, int, int]:
    """(version, first, last) of a CIDR as event-ruler reads it: the range runs from the address written
    (not the network address) to the last address of the block; the mask is < 32 (IPv4) or < 128 (IPv6)."""
    address, slash, mask = text.partition("/")
    if not slash or "/" in mask or not mask.isdigit() or not mask.isascii():
        raise EventPatternError(f"{where}: {text!r} is not an address/mask-bits CIDR")
    if not (_IPV4.fullmatch(address) or _IPV6.fullmatch(address)):
        raise EventPatternError(f"{where}: {address!r} is not an IPv4 or IPv6 address")
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        raise EventPatternError(f"{where}: {address!r} is not an IPv4 or IPv6 address") from None
    bits, limit = int(mask), (31 if ip.version == 4 else 127)
    if bits > limit:
        raise EventPatternError(f"{where}: IPv{ip.version} mask bits must be at most {limit}, got {bits}")
    host = (1 << (ip.max_prefixlen - bits)) - 1
    return ip.version, int(ip), int(ip) | host


def _check_wildcard(argument: Any, where: str) -> None:
    """"consecutive wildcard characters are not allowed ... A backslash escaping any character other than
    asterisk or backslash is not allowed" (event-ruler README, wildcard matching)."""
    _need_string(argument, where)
    _wildcard(argument, where)


def _check_anything_but(argument: Any, where: str) -> None:
    """A string, a number, a non-empty list of only strings or only numbers, or one of prefix / suffix /
    equals-ignore-case / wildcard with a string or a non-empty list of strings."""
    if isinstance(argument, str):
        return
    if _is_number(argument):
        _check_number(argument, where)
        return
    if isinstance(argument, list):
        _check_anything_but_list(argument, where)
        return
    if isinstance(argument, Mapping):
        _check_anything_but_operator(argument, where)
        return
    raise EventPatternError(f"{where} takes a string, a number, a list of strings or of numbers, or "
                            f"prefix / suffix / equals-ignore-case / wildcard, got {_shown(argument)}")


def _check_anything_but_list(argument: list[Any], where: str) -> None:
    """anything-but's list: not empty, only strings or only numbers."""
    if not argument:
        raise EventPatternError(f"{where}: empty arrays are not allowed")
    if all(isinstance(value, str) for value in argument):
        return
    if all(_is_number(value) for value in argument):
        for value in argument:
            _check_number(value, where)
        return
    raise EventPatternError(f"{where}: a list must hold only strings or only numbers, got {_shown(argument)}")


def _check_anything_but_operator(argument: Mapping[Any, Any], where: str) -> None:
    """anything-but's operator: one of prefix / suffix / equals-ignore-case / wildcard with a string or a
    non-empty list of strings (no empty prefix or suffix, a valid wildcard)."""
    if len(argument) != 1 or next(iter(argument)) not in ANYTHING_BUT_OPERATORS:
        raise EventPatternError(f"{where}: unsupported operator {_shown(argument)} (one of: "
                                f"{', '.join(sorted(ANYTHING_BUT_OPERATORS))})")
    inner, values = next(iter(argument.items()))
    inner_where = f"{where}.{inner}"
    values = values if isinstance(values, list) else [values]
    if not values:
        raise EventPatternError(f"{inner_where}: empty arrays are not allowed")
    for value in values:
        _need_string(value, inner_where)
        if inner in ("prefix", "suffix") and not value:
            raise EventPatternError(f"{inner_where}: an empty {inner} is not allowed")
        if inner == "wildcard":
            _wildcard(value, inner_where)


_OPERATOR_CHECKS: dict[str, Callable[[Any, str], None]] = {
    "prefix": _check_text, "suffix": _check_text, "equals-ignore-case": _need_string,
    "anything-but": _check_anything_but, "numeric": _check_numeric, "exists": _check_exists,
    "cidr": _check_cidr, "wildcard": _check_wildcard,
}


# matching ----------------------------------------------------------------------------------------------
def matches(pattern: Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    return mismatch(pattern, event) is None


def mismatch(pattern: Mapping[str, Any], event: Mapping[str, Any]) -> str | None:
    """None when ``pattern`` matches ``event``; otherwise the first field that does not match, with the
    value the event has (for evidence: ``detail.state: "COMPLETED" matches none of ["FAILED"]``)."""
    validate(pattern)
    return _object_mismatch(pattern, event, (), event)


def _flatten(value: Any) -> Iterator[Any]:
    """The elements of a value with arrays, nested at any depth, flattened out ("the array structure is
    crushed out", event-ruler README, JSON array matching); nothing for an absent value."""
    if value is MISSING:
        return
    if isinstance(value, list):
        for element in value:
            yield from _flatten(element)
    else:
        yield value


def _leaves(value: Any) -> list[Any]:
    return [element for element in _flatten(value) if not isinstance(element, Mapping)]


def _leaves_anywhere(root: Any, keys: tuple[str, ...]) -> bool:
    """Whether the event has a leaf at this path in any element of any array on the way."""
    level = [root]
    for key in keys:
        level = [element.get(key, MISSING) for element in level if isinstance(element, Mapping)]
        level = [element for value in level for element in _flatten(value)]
    return any(not isinstance(element, Mapping) for element in level)


def _object_mismatch(pattern: Mapping[str, Any], obj: Any, keys: tuple[str, ...], root: Any) -> str | None:
    path = ".".join(keys)
    for key, sub in pattern.items():
        if key == "$or":
            failures = [_object_mismatch(branch, obj, keys, root) for branch in sub]
            if all(failures):
                return f"{path or 'event'}: no $or branch matches ({'; '.join(f for f in failures if f)})"
            continue
        here = keys + (key,)
        where = ".".join(here)
        value = obj.get(key, MISSING) if isinstance(obj, Mapping) else MISSING
        if isinstance(sub, Mapping):
            # one element at a time: fields matched within an array of objects come from one element
            elements = list(_flatten(value)) or [MISSING]
            failures = [_object_mismatch(sub, element, here, root) for element in elements]
            if all(failures):
                return failures[0]
            continue
        leaves = _leaves(value)
        if not any(_matcher_matches(matcher, leaves, here, root) for matcher in sub):
            shown = "absent" if value is MISSING else _shown(value)
            return f"{where}: {shown} matches none of {_shown(sub)}"
    return None


def _matcher_matches(matcher: Any, leaves: list[Any], keys: tuple[str, ...], root: Any) -> bool:
    if isinstance(matcher, Mapping):
        name, argument = next(iter(matcher.items()))
        if name == "exists":
            return bool(leaves) if argument else not leaves and not _leaves_anywhere(root, keys)
        return any(_named(name, argument, leaf) for leaf in leaves)
    return any(_equal(matcher, leaf) for leaf in leaves)


def _comparable(number: float) -> int:
    """The number as event-ruler compares it: six digits after the decimal point (truncated), offset so
    that -5e9 is 0 (its ComparableNumber)."""
    return int(1e6 * (NUMERIC_LIMIT + number))


def _in_numeric_range(value: Any) -> bool:
    return _is_number(value) and _finite(value) and -NUMERIC_LIMIT <= value <= NUMERIC_LIMIT


def _equal(expected: Any, actual: Any) -> bool:
    """Exact match: same JSON type and value; numbers compare as numbers (300 is 3.0e2), to six decimals
    inside the numeric range."""
    if _is_number(expected) and _is_number(actual):
        if _in_numeric_range(expected) and _in_numeric_range(actual):
            return _comparable(expected) == _comparable(actual)
        return expected == actual  # outside the numeric range: compared as written (an account number)
    # a boolean is never a number (bool is not among _is_number's types) nor a string: same type, same value
    return type(expected) is type(actual) and expected == actual


def _text_test(argument: Any, value: Any, test: Callable[[str, str], bool]) -> bool:
    """prefix / suffix, plain or ``{"equals-ignore-case": ...}``; strings only."""
    if not isinstance(value, str):
        return False
    if isinstance(argument, Mapping):
        return test(value.lower(), argument["equals-ignore-case"].lower())
    return test(value, argument)


def _named(name: str, argument: Any, value: Any) -> bool:
    """One operator against one leaf of the event."""
    if name == "prefix":
        return _text_test(argument, value, str.startswith)
    if name == "suffix":
        return _text_test(argument, value, str.endswith)
    if name == "equals-ignore-case":
        return isinstance(value, str) and value.lower() == argument.lower()
    if name == "wildcard":
        return isinstance(value, str) and _wildcard(argument).fullmatch(value) is not None
    if name == "anything-but":
        # "matches anything except what's provided in the rule": a leaf of another type is not excluded
        if isinstance(argument, Mapping):
            inner, values = next(iter(argument.items()))
            return not any(_named(inner, v, value) for v in (values if isinstance(values, list) else [values]))
        return not any(_equal(excluded, value) for excluded in (argument if isinstance(argument, list) else [argument]))
    if name == "numeric":
        if not _in_numeric_range(value):
            return False
        number, pairs = _comparable(value), zip(argument[::2], argument[1::2])
        return all(NUMERIC_OPERATORS[op](number, _comparable(bound)) for op, bound in pairs)
    if name == "cidr":
        return _in_cidr(argument, value)
    raise EventPatternError(f"unknown matcher {name}")  # unreachable after validate()


def _in_cidr(cidr: str, value: Any) -> bool:
    if not isinstance(value, str) or not (_IPV4.fullmatch(value) or _IPV6.fullmatch(value)):
        return False
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return False
    version, first, last = _cidr_range(cidr)
    return address.version == version and first <= int(address) <= last


@lru_cache(maxsize=256)
def _wildcard(text: str, where: str = "wildcard") -> re.Pattern[str]:
    """``*`` matches any run of characters; ``\\*`` is a literal star and ``\\\\`` a literal backslash;
    ``**`` and any other backslash are refused (event-ruler README, wildcard matching)."""
    parts, index = [], 0
    while index < len(text):
        char = text[index]
        if char == "\\":
            if index + 1 < len(text) and text[index + 1] in "*\\":
                parts.append(re.escape(text[index + 1]))
                index += 2
                continue
            raise EventPatternError(f"{where}: {text!r} has a backslash at {index} that escapes neither * nor \\")
        if char == "*" and text[index + 1:index + 2] == "*":
            raise EventPatternError(f"{where}: {text!r} has consecutive wildcard characters at {index}")
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
    """A fresh copy of one of AWS's documented sample events (``audit/backup_events/<name>.json``,
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
