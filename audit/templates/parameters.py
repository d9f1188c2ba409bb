"""Effective parameter values: defaults, type coercion and constraint checks."""

from __future__ import annotations

import re
from typing import Any, Mapping

from audit.templates.errors import ParameterError, TemplateError, mark_line

_INT_RE = re.compile(r"[+-]?\d+")

# AWS-specific list types ("List<AWS::EC2::Subnet::Id>", SSM-backed lists)
# behave like CommaDelimitedList; scalar AWS types ("AWS::EC2::VPC::Id") like String.


def _kind(ptype: str) -> str:
    """'string', 'number', 'list' or 'number-list' for a parameter Type."""
    if ptype == "String":
        return "string"
    if ptype == "Number":
        return "number"
    if ptype == "List<Number>":
        return "number-list"
    if ptype == "CommaDelimitedList" or ptype.startswith("List<"):
        return "list"
    if ptype.startswith("AWS::SSM::Parameter::Value<"):
        # The caller supplies the already-resolved SSM value.
        inner = ptype[len("AWS::SSM::Parameter::Value<") : -1]
        return "list" if inner == "CommaDelimitedList" or inner.startswith("List<") else "string"
    if ptype.startswith("AWS::"):
        return "string"
    raise ValueError(ptype)


def _fmt_number(value: Any) -> str:
    return str(value)


def _to_number(name: str, value: Any) -> int | float:
    if isinstance(value, bool):
        raise ParameterError(f"parameter {name}: value {value!r} is not a Number", parameter=name)
    if isinstance(value, (int, float)):
        return value
    text = str(value).strip()
    if _INT_RE.fullmatch(text):
        return int(text)
    try:
        return float(text)
    except ValueError:
        raise ParameterError(
            f"parameter {name}: value {str(value)!r} is not a Number", parameter=name
        ) from None


def _to_text(name: str, value: Any) -> str:
    if isinstance(value, (list, tuple, dict)):
        raise ParameterError(
            f"parameter {name}: value {value!r} must be a single string", parameter=name
        )
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _to_list(name: str, value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [_to_text(name, item) for item in value]
    # CommaDelimitedList members are space-trimmed by CloudFormation.
    return [item.strip() for item in _to_text(name, value).split(",")]


def _coerce(name: str, kind: str, value: Any) -> Any:
    if kind == "string":
        return _to_text(name, value)
    if kind == "number":
        if isinstance(value, (list, tuple)):
            raise ParameterError(
                f"parameter {name}: value {value!r} must be a single Number", parameter=name
            )
        return _to_number(name, value)
    items = _to_list(name, value)
    if kind == "number-list":
        return [_to_number(name, item) for item in items]
    return items


def _same(value: Any, allowed: Any) -> bool:
    if isinstance(value, (int, float)) and not isinstance(allowed, bool):
        try:
            return float(allowed) == float(value)
        except (TypeError, ValueError):
            return False
    if isinstance(allowed, bool):
        allowed = "true" if allowed else "false"
    return str(allowed) == value


def _check(name: str, decl: Mapping, kind: str, value: Any) -> None:  # noqa: C901 - one branch per CloudFormation parameter constraint
    hint = decl.get("ConstraintDescription")
    suffix = f" ({hint})" if hint else ""

    def fail(message: str) -> ParameterError:
        return ParameterError(f"parameter {name}: {message}{suffix}", parameter=name)

    members = value if isinstance(value, list) else [value]
    allowed = decl.get("AllowedValues")
    if allowed is not None:
        allowed_list = list(allowed) if isinstance(allowed, list) else [allowed]
        for member in members:
            if not any(_same(member, a) for a in allowed_list):
                shown = [a if not isinstance(a, str) else str(a) for a in allowed_list]
                raise fail(f"value {member!r} is not one of AllowedValues {shown}")
    pattern = decl.get("AllowedPattern")
    if pattern is not None and kind in ("string", "list"):
        try:
            regex = re.compile(str(pattern))
        except re.error as exc:
            raise ParameterError(
                f"parameter {name}: AllowedPattern {str(pattern)!r} is not a valid regex: {exc}",
                parameter=name,
            ) from None
        for member in members:
            if regex.fullmatch(member) is None:
                raise fail(f"value {member!r} does not match AllowedPattern {str(pattern)!r}")
    if kind == "string":
        min_len, max_len = decl.get("MinLength"), decl.get("MaxLength")
        if min_len is not None and len(value) < int(min_len):
            raise fail(f"value {value!r} is shorter than MinLength {int(min_len)}")
        if max_len is not None and len(value) > int(max_len):
            raise fail(f"value {value!r} is longer than MaxLength {int(max_len)}")
    if kind in ("number", "number-list"):
        min_val, max_val = decl.get("MinValue"), decl.get("MaxValue")
        for member in members:
            if min_val is not None and member < float(min_val):
                raise fail(f"value {member!r} is less than MinValue {_fmt_number(min_val)}")
            if max_val is not None and member > float(max_val):
                raise fail(f"value {member!r} is greater than MaxValue {_fmt_number(max_val)}")


def effective_parameters(
    declarations: Any, given: Mapping[str, Any], source: str = "<template>"
) -> dict[str, Any]:
    """Apply defaults, coerce to the declared type and enforce constraints.

    Returns plain values: ``str`` for String and scalar AWS types, ``int`` or
    ``float`` for Number, ``list[str]`` for CommaDelimitedList and list types,
    ``list[int | float]`` for ``List<Number>``.
    """
    if declarations is None:
        declarations = {}
    if not isinstance(declarations, Mapping):
        raise TemplateError("Parameters must be a mapping", source=source, line=mark_line(declarations))
    for name in given:
        if name not in declarations:
            raise ParameterError(
                f"parameter {name}: not declared in the template's Parameters", parameter=name
            )
    values: dict[str, Any] = {}
    for name, decl in declarations.items():
        name = str(name)
        if not isinstance(decl, Mapping) or not isinstance(decl.get("Type"), str):
            raise TemplateError(
                "parameter declaration needs a Type", source=source,
                line=mark_line(decl), path=f"Parameters.{name}",
            )
        try:
            kind = _kind(str(decl["Type"]))
        except ValueError:
            raise TemplateError(
                f"unsupported parameter Type {str(decl['Type'])!r}", source=source,
                line=mark_line(decl["Type"]) or mark_line(decl), path=f"Parameters.{name}.Type",
            ) from None
        if name in given:
            raw = given[name]
        elif "Default" in decl:
            raw = decl["Default"]
        else:
            raise ParameterError(f"parameter {name}: no value and no default", parameter=name)
        value = _coerce(name, kind, raw)
        _check(name, decl, kind, value)
        values[name] = value
    return values
