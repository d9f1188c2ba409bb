"""The ``Condition`` element: every operator of the AWS "IAM JSON policy elements: Condition operators" page.

A ``Condition`` block is parsed once (``parse_conditions``) so that an unknown operator or a malformed value
raises ``PolicyError`` even when an earlier condition already failed: a misspelt operator must never make a
``Deny`` silently stop applying. Evaluation (``conditions_match``) follows the documented rules:

* several values for one key are OR'ed (NOR for negated operators); several keys and operators are AND'ed;
* a key missing from the request context makes a positive operator false and a negated operator
  (``StringNotEquals``, ``ArnNotLike``, ``NotIpAddress``, ...) true; ``...IfExists`` is true on a missing key;
  ``Null: true`` matches a missing key; ``ForAllValues:`` is true and ``ForAnyValue:`` false on a missing or
  empty multivalued key;
* key names are case-insensitive; values are case-sensitive except for the ``*IgnoreCase`` operators.
"""
from __future__ import annotations

import base64
import binascii
import ipaddress
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Literal

from audit.policy.matching import (
    Context,
    PolicyError,
    arn_match,
    expand,
    tokens_text,
    tokens_to_regex,
)

Family = Literal["string", "string_ic", "like", "numeric", "date", "bool", "binary", "ip", "arn", "null"]
SetQualifier = Literal["ForAllValues", "ForAnyValue"] | None

_COMPARATORS: dict[str, Callable[[Any, Any], bool]] = {
    "Equals": operator.eq,
    "NotEquals": operator.eq,  # negated below
    "LessThan": operator.lt,
    "LessThanEquals": operator.le,
    "GreaterThan": operator.gt,
    "GreaterThanEquals": operator.ge,
}

# base operator -> (family, negated, comparator name for Numeric*/Date*)
_BASE_OPERATORS: dict[str, tuple[Family, bool, str]] = {
    "StringEquals": ("string", False, ""),
    "StringNotEquals": ("string", True, ""),
    "StringEqualsIgnoreCase": ("string_ic", False, ""),
    "StringNotEqualsIgnoreCase": ("string_ic", True, ""),
    "StringLike": ("like", False, ""),
    "StringNotLike": ("like", True, ""),
    **{f"Numeric{name}": ("numeric", name == "NotEquals", name) for name in _COMPARATORS},
    **{f"Date{name}": ("date", name == "NotEquals", name) for name in _COMPARATORS},
    "Bool": ("bool", False, ""),
    "BinaryEquals": ("binary", False, ""),
    "IpAddress": ("ip", False, ""),
    "NotIpAddress": ("ip", True, ""),
    "ArnEquals": ("arn", False, ""),
    "ArnLike": ("arn", False, ""),
    "ArnNotEquals": ("arn", True, ""),
    "ArnNotLike": ("arn", True, ""),
    "Null": ("null", False, ""),
}
# Operators whose values may hold ${...} policy variables (AWS: String*, Arn* and Bool).
_VARIABLE_FAMILIES = {"string", "string_ic", "like", "arn", "bool"}
_UNRESOLVED = object()


@dataclass(frozen=True)
class Operator:
    """A parsed operator name such as ``ForAllValues:StringNotEqualsIfExists``."""

    name: str
    base: str
    family: Family
    negated: bool
    comparator: str
    if_exists: bool
    qualifier: SetQualifier


@dataclass(frozen=True)
class Condition:
    """One ``operator -> key -> values`` triple of a ``Condition`` block."""

    operator: Operator
    key: str
    values: tuple[str, ...]
    variables: bool = True  # False for policies of Version 2008-10-17, where ${...} is literal text


def parse_operator(name: str, where: str) -> Operator:
    """Parse an operator name; unknown names raise ``PolicyError`` (they are never ignored)."""
    qualifier: SetQualifier = None
    rest = name
    for prefix in ("ForAllValues", "ForAnyValue"):
        if rest.startswith(prefix + ":"):
            qualifier, rest = prefix, rest[len(prefix) + 1 :]
    if_exists = rest.endswith("IfExists") and rest != "IfExists"
    base = rest[: -len("IfExists")] if if_exists else rest
    if base not in _BASE_OPERATORS:
        raise PolicyError(f"{where}: Condition operator {name!r} is not a known IAM condition operator")
    family, negated, comparator = _BASE_OPERATORS[base]
    if family == "null" and (if_exists or qualifier):
        raise PolicyError(f"{where}: Condition operator {name!r}: Null takes no IfExists or set qualifier")
    return Operator(name, base, family, negated, comparator, if_exists, qualifier)


def _value_texts(raw: Any, where: str) -> tuple[str, ...]:
    """Policy condition values as text (JSON ``true`` -> ``"true"``, numbers -> their decimal form)."""
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise PolicyError(f"{where}: condition values must not be an empty list")
    texts = []
    for item in items:
        if isinstance(item, bool):
            texts.append("true" if item else "false")
        elif isinstance(item, (str, int, float)):
            texts.append(str(item))
        else:
            raise PolicyError(f"{where}: condition value {item!r} must be a string, number or boolean")
    return tuple(texts)


def parse_conditions(block: Any, where: str, *, variables: bool = True) -> tuple[Condition, ...]:
    """Parse and validate a whole ``Condition`` element (``variables``: policy variables are substituted)."""
    if not isinstance(block, Mapping):
        raise PolicyError(f"{where}: Condition must be an object of operator -> {{key: values}}")
    parsed = []
    for name, keys in block.items():
        op = parse_operator(name, where)
        if not isinstance(keys, Mapping) or not keys:
            raise PolicyError(f"{where}: Condition operator {name!r} must map condition keys to values")
        for key, raw in keys.items():
            values = _value_texts(raw, f"{where}: Condition {name} {key}")
            for value in values:
                _validate_value(op, value, f"{where}: Condition {name} {key}")
            parsed.append(Condition(op, key, values, variables))
    return tuple(parsed)


def _validate_value(op: Operator, value: str, where: str) -> None:
    """Reject values AWS would reject for operators whose values cannot hold variables."""
    if op.family == "null" or (op.family == "bool" and "${" not in value):
        if value.lower() not in ("true", "false"):
            raise PolicyError(f"{where}: value {value!r} must be true or false")
    elif op.family in ("numeric", "date", "ip", "binary"):
        _prepare(op, value, None, where)


# ----------------------------------------------------------------------------------------- values


def parse_number(text: str) -> float | None:
    """An integer or decimal ("Numeric condition operators ... comparing a key to an integer or decimal
    value"), nothing else Python's float() takes: "nan" would make a Deny never apply (every comparison with it
    is false), and "inf", "1e3" or "1_000" are no numbers a policy author writes."""
    text = text.strip()
    return float(text) if re.fullmatch(r"[-+]?\d+(\.\d+)?", text) else None


def parse_date(text: str) -> float | None:
    """Seconds since the epoch from ISO 8601 (``2020-01-01``, ``2020-01-01T00:00:00Z``) or epoch seconds."""
    text = text.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return float(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _decode_binary(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _prepare(op: Operator, value: str, context: Context | None, where: str) -> Any:
    """Turn one policy value into what ``_test`` compares, substituting variables where AWS allows them."""
    if op.family in _VARIABLE_FAMILIES:
        tokens = expand(value, context, wildcards=op.family in ("like", "arn"))
        if tokens is None:
            return _UNRESOLVED
        if op.family == "like":
            return tokens_to_regex(tokens)
        return tokens if op.family == "arn" else tokens_text(tokens)
    parsers: dict[str, Callable[[str], Any]] = {
        "numeric": parse_number,
        "date": parse_date,
        "binary": _decode_binary,
        "ip": _parse_network,
    }
    prepared = parsers[op.family](value)
    if prepared is None:
        raise PolicyError(f"{where}: value {value!r} is not valid for {op.base}")
    return prepared


def _parse_network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def _ip_in(network: Any, text: str) -> bool:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return False
    return address.version == network.version and address in network


def _ordered(parse: Callable[[str], float | None], comparator: str) -> Callable[[Any, str], bool]:
    """Numeric/date comparison ``request <op> policy``; an unparsable request value never matches."""

    def test(prepared: float, text: str) -> bool:
        actual = parse(text)
        return actual is not None and _COMPARATORS[comparator](actual, prepared)

    return test


def _test(op: Operator, prepared: Any, text: str) -> bool:
    """The positive (non-negated) comparison of one request value with one prepared policy value."""
    family = op.family
    if family == "string":
        return text == prepared
    if family == "string_ic":
        return text.casefold() == prepared.casefold()
    if family == "like":
        return prepared.fullmatch(text) is not None
    if family == "bool":
        return text.lower() == prepared.lower()
    if family == "binary":
        return _decode_binary(text) == prepared
    if family == "ip":
        return _ip_in(prepared, text)
    if family == "arn":
        return arn_match(prepared, text)
    if family == "numeric":
        return _ordered(parse_number, op.comparator)(prepared, text)
    return _ordered(parse_date, op.comparator)(prepared, text)


# ------------------------------------------------------------------------------------- evaluation


def _value_satisfies(cond: Condition, prepared: list[Any], text: str) -> bool:
    """One request value against all policy values: OR for positive operators, NOR for negated ones.

    A policy value whose variable cannot be resolved matches nothing; for a negated operator it makes the
    condition false, following AWS ("the statement may be invalid") and iam-simulate.
    """
    usable = [p for p in prepared if p is not _UNRESOLVED]
    hit = any(_test(cond.operator, p, text) for p in usable)
    if not cond.operator.negated:
        return hit
    return len(usable) == len(prepared) and not hit


def _missing_key_result(op: Operator) -> bool:
    """The documented result when the key is absent (or an empty multivalued key)."""
    if op.if_exists:
        return True
    if op.qualifier == "ForAllValues":
        return True
    if op.qualifier == "ForAnyValue":
        return False
    return op.negated


def condition_matches(cond: Condition, context: Context) -> bool:
    """Evaluate one condition against the request context."""
    values = context.values_of(cond.key)
    missing = values is None or len(values) == 0
    if cond.operator.qualifier and values == ("",):
        # "If the key values in the request resolve to an empty data set (for example, an empty string),
        # ForAllValues returns true, and ForAnyValue returns false" (IAM guide, multivalued context keys)
        missing = True
    if cond.operator.family == "null":
        return any((v.lower() == "true") == missing for v in cond.values)
    if missing:
        return _missing_key_result(cond.operator)
    scope = context if cond.variables else None
    prepared = [_prepare(cond.operator, v, scope, cond.key) for v in cond.values]
    results = [_value_satisfies(cond, prepared, text) for text in values or ()]
    if cond.operator.qualifier == "ForAllValues":
        return all(results)
    if cond.operator.qualifier == "ForAnyValue":
        return any(results)
    # No set qualifier: a multivalued key matches a positive operator when any value does, and a negated
    # operator only when no value matches its positive form (the negation of the positive result).
    return all(results) if cond.operator.negated else any(results)


def conditions_match(conditions: tuple[Condition, ...], context: Context) -> bool:
    """All conditions of a statement must hold (AND)."""
    return all(condition_matches(cond, context) for cond in conditions)
