"""Handlers of the intrinsic functions, used by :class:`~audit.templates.intrinsics.Resolver`.

Each handler takes ``(resolver, argument, node, path)`` where ``path`` points
at the function (``...Fn::Join``) and returns the resolved value. Only the
branch of ``Fn::If`` that is taken gets resolved.
"""

from __future__ import annotations

import ipaddress
import json
import re
from typing import TYPE_CHECKING, Any, Mapping

from audit.templates.errors import Path
from audit.templates.symbols import Symbol

if TYPE_CHECKING:  # pragma: no cover
    from audit.templates.intrinsics import Handler, Resolver

_SUB_RE = re.compile(r"\$\{([^}]*)\}")
_CONDITION_FUNCTIONS = ("Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not")
_UNSUPPORTED = ("Fn::Transform", "Fn::ForEach")


def _cmp(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return tuple(_cmp(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _cmp(v)) for k, v in value.items()))
    return value


def cfn_equal(left: Any, right: Any) -> bool:
    """Fn::Equals: compares values as CloudFormation strings (35 == "35")."""
    return _cmp(left) == _cmp(right)


def plain(value: Any) -> Any:
    """Copy caller-supplied data (imports) into plain JSON types."""
    if isinstance(value, Symbol):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def _arg(r: "Resolver", arg: list, index: int, path: Path, node: Any, what: str, kinds: tuple = ()) -> Any:
    return r.value(arg[index], (path, index, arg[index]), what, kinds, node)


def _ref(r: "Resolver", arg: Any, node: Any, path: Path) -> Any:
    if not isinstance(arg, str):
        raise r.error("malformed Ref: expected a name", path, node)
    return r.ref(str(arg), path, node)


def _get_att(r: "Resolver", arg: Any, node: Any, path: Path) -> Any:
    if isinstance(arg, str) and "." in arg:
        logical_id, attribute = str(arg).split(".", 1)
    elif isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
        logical_id = str(arg[0])
        attribute = r.value(arg[1], (path, 1, arg[1]), "Fn::GetAtt attribute", (str,), node)
    else:
        raise r.error("malformed Fn::GetAtt: expected [LogicalId, Attribute]", path, node)
    return r.get_att(logical_id, str(attribute), path, node)


def _sub(r: "Resolver", arg: Any, node: Any, path: Path) -> str:
    variables: dict[str, Any] = {}
    if isinstance(arg, str):
        template = str(arg)
    elif isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], dict):
        template = str(arg[0])
        vpath = (path, 1, arg[1])
        for key, value in arg[1].items():
            variables[str(key)] = r.value(value, (vpath, key, value), f"Fn::Sub variable {key}")
    else:
        raise r.error("malformed Fn::Sub: expected a string or [string, {variables}]", path, node)
    if "${" not in template:
        return template

    def substitute(match: re.Match) -> str:
        inner = match.group(1)
        if inner.startswith("!"):
            return "${" + inner[1:] + "}"
        name = inner.strip()
        if name in variables:
            value = variables[name]
        elif name in r.params or name in r.resources or name.startswith("AWS::"):
            value = r.ref(name, path, node)
        elif "." in name:
            logical_id, attribute = name.split(".", 1)
            value = r.get_att(logical_id, attribute, path, node)
        else:
            raise r.error(f"Fn::Sub: ${{{name}}} is not a parameter, resource or variable", path, node)
        return r.text(value, f"Fn::Sub ${{{name}}}", path, node)

    return _SUB_RE.sub(substitute, template)


def _if(r: "Resolver", arg: Any, node: Any, path: Path) -> Any:
    r.arity("Fn::If", arg, path, node, 3)
    if not isinstance(arg[0], str):
        raise r.error("malformed Fn::If: the first argument must be a condition name", path, node)
    branch = 1 if r.condition(str(arg[0]), (path, 0, arg[0]), node) else 2
    return r.resolve(arg[branch], (path, branch, arg[branch]))


def _condition_function(r: "Resolver", arg: Any, node: Any, path: Path) -> Any:
    assert path is not None  # a function is always reached through its parent's path
    name = path[1]
    raise r.error(f"{name} can only be used in the Conditions section", path, node)


def _unsupported(r: "Resolver", arg: Any, node: Any, path: Path) -> Any:
    assert path is not None  # a function is always reached through its parent's path
    raise r.error(f"intrinsic function {path[1]} is not supported", path, node)


def _join(r: "Resolver", arg: Any, node: Any, path: Path) -> str:
    r.arity("Fn::Join", arg, path, node, 2)
    delimiter = _arg(r, arg, 0, path, node, "Fn::Join delimiter", (str,))
    items = _arg(r, arg, 1, path, node, "Fn::Join list", (list,))
    ipath = (path, 1, arg[1])
    return delimiter.join(r.text(item, f"Fn::Join item [{i}]", ipath, node) for i, item in enumerate(items))


def _select(r: "Resolver", arg: Any, node: Any, path: Path) -> Any:
    r.arity("Fn::Select", arg, path, node, 2)
    index = _arg(r, arg, 0, path, node, "Fn::Select index", (int, str))
    if isinstance(index, str):
        if not index.strip().isdigit():
            raise r.error(f"Fn::Select index {index!r} is not an integer", path, node)
        index = int(index)
    elif isinstance(index, bool):
        raise r.error("Fn::Select index must be an integer", path, node)
    items = _arg(r, arg, 1, path, node, "Fn::Select list", (list,))
    if not 0 <= index < len(items):
        raise r.error(f"Fn::Select index {index} is out of range for a list of {len(items)}", path, node)
    return items[index]


def _split(r: "Resolver", arg: Any, node: Any, path: Path) -> list[str]:
    r.arity("Fn::Split", arg, path, node, 2)
    delimiter = _arg(r, arg, 0, path, node, "Fn::Split delimiter", (str,))
    if not delimiter:
        raise r.error("Fn::Split delimiter must not be empty", path, node)
    text = _arg(r, arg, 1, path, node, "Fn::Split source", (str,))
    return text.split(delimiter)


def _lookup(mapping: Any, key: str) -> tuple[bool, Any]:
    if not isinstance(mapping, Mapping):
        return False, None
    if key in mapping:
        return True, mapping[key]
    for candidate, value in mapping.items():  # YAML may have parsed a key as int
        if str(candidate) == key:
            return True, value
    return False, None


def _find_in_map(r: "Resolver", arg: Any, node: Any, path: Path) -> Any:
    r.arity("Fn::FindInMap", arg, path, node, 3, 4)
    keys = [
        r.text(_arg(r, arg, i, path, node, "Fn::FindInMap key"), "Fn::FindInMap key", path, node)
        for i in range(3)
    ]
    default = None
    if len(arg) == 4:  # AWS::LanguageExtensions: [Map, Top, Second, {DefaultValue: x}]
        if not isinstance(arg[3], Mapping) or "DefaultValue" not in arg[3]:
            raise r.error("malformed Fn::FindInMap: the 4th argument must be {DefaultValue: ...}", path, node)
        default = arg[3]
    value: Any = r.mappings
    mpath: Path = (None, "Mappings", None)
    for depth, key in enumerate(keys):
        found, value = _lookup(value, key)
        if not found:
            if default is not None:
                dpath = ((path, 3, default), "DefaultValue", default["DefaultValue"])
                return r.value(default["DefaultValue"], dpath, "Fn::FindInMap DefaultValue")
            where = "Mappings" if depth == 0 else f"mapping {'.'.join(keys[:depth])}"
            raise r.error(f"Fn::FindInMap: key {key!r} not found in {where}", path, node)
        mpath = (mpath, key, value)
    return r.resolve(value, mpath)


def _get_azs(r: "Resolver", arg: Any, node: Any, path: Path) -> list[str]:
    region = r.value(arg, path, "Fn::GetAZs region", (str,), node) if arg is not None else ""
    region = region or r.env.region
    return [f"{region}a", f"{region}b", f"{region}c"]


def _base64(r: "Resolver", arg: Any, node: Any, path: Path) -> str:
    # Deliberately not encoded: audits want to read the user data.
    return r.value(arg, path, "Fn::Base64 input", (str,), node)


def _import_value(r: "Resolver", arg: Any, node: Any, path: Path) -> Any:
    name = r.value(arg, path, "Fn::ImportValue export name", (str,), node)
    if name not in r.imports:
        raise r.error(f"Fn::ImportValue: export {name!r} is not in the given imports", path, node)
    return plain(r.imports[name])


def _to_json_string(r: "Resolver", arg: Any, node: Any, path: Path) -> str:
    value = r.value(arg, path, "Fn::ToJsonString input", (dict, list), node)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _length(r: "Resolver", arg: Any, node: Any, path: Path) -> int:
    return len(r.value(arg, path, "Fn::Length input", (list,), node))


def _cidr(r: "Resolver", arg: Any, node: Any, path: Path) -> list[str]:
    r.arity("Fn::Cidr", arg, path, node, 3)
    block = _arg(r, arg, 0, path, node, "Fn::Cidr ipBlock", (str,))
    try:
        count = int(_arg(r, arg, 1, path, node, "Fn::Cidr count", (int, str)))
        bits = int(_arg(r, arg, 2, path, node, "Fn::Cidr cidrBits", (int, str)))
        network = ipaddress.ip_network(block, strict=False)
        subnets = network.subnets(new_prefix=network.max_prefixlen - bits)
        result: list[str] = []
        for subnet in subnets:
            if len(result) == count:
                break
            result.append(str(subnet))
    except ValueError as exc:
        raise r.error(f"Fn::Cidr: {exc}", path, node) from None
    if len(result) < count:
        raise r.error(f"Fn::Cidr: {block} has fewer than {count} /{network.max_prefixlen - bits} subnets", path, node)
    return result


HANDLERS: dict[str, "Handler"] = {
    "Ref": _ref,
    "Fn::GetAtt": _get_att,
    "Fn::Sub": _sub,
    "Fn::If": _if,
    "Fn::Join": _join,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::FindInMap": _find_in_map,
    "Fn::GetAZs": _get_azs,
    "Fn::Base64": _base64,
    "Fn::ImportValue": _import_value,
    "Fn::ToJsonString": _to_json_string,
    "Fn::Length": _length,
    "Fn::Cidr": _cidr,
}
HANDLERS.update({name: _condition_function for name in _CONDITION_FUNCTIONS})
HANDLERS.update({name: _unsupported for name in _UNSUPPORTED})
