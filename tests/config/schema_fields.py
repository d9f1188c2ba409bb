"""The string fields of the configuration schema, and a configuration that holds every one of them: what
the whole-value tests and the fuzz test of the configuration mutate."""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Iterator

from audit.config.loader import load_raw

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "audit" / "config" / "schema.json").read_text())
ANY_ITEM = "[]"


def resolve(node: dict[str, Any], location: str) -> tuple[dict[str, Any], str]:
    while "$ref" in node:
        location = node["$ref"]
        node = SCHEMA["$defs"][location.rsplit("/", 1)[1]]
    return node, location


def string_fields(node: dict[str, Any] = SCHEMA, path: tuple[Any, ...] = (),
                  location: str = "#") -> Iterator[tuple[tuple[Any, ...], str, dict[str, Any]]]:
    """(field template, schema location, schema) of every field whose value is a string (``[]`` stands for
    any item of an array), found by walking the schema, so a field added later is covered without being
    listed. Fields sharing a definition (the five backup policies) share its location."""
    node, location = resolve(node, location)
    types = node.get("type", [])
    types = [types] if isinstance(types, str) else types
    if "string" in types or node.get("enum") and all(isinstance(v, str) for v in node["enum"]):
        yield path, location, node
    for key, child in node.get("properties", {}).items():
        yield from string_fields(child, (*path, key), f"{location}/properties/{key}")
    if "items" in node:
        yield from string_fields(node["items"], (*path, ANY_ITEM), f"{location}/items")


def instances(data: Any, template: tuple[Any, ...], at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The concrete paths of ``data`` that a field template names."""
    if not template:
        yield at
        return
    head, rest = template[0], template[1:]
    if head == ANY_ITEM:
        for index, item in enumerate(data if isinstance(data, list) else []):
            yield from instances(item, rest, (*at, index))
    elif isinstance(data, dict) and head in data:
        yield from instances(data[head], rest, (*at, head))


def get(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def put(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    """A copy of ``data`` with ``value`` at ``path``."""
    changed = copy.deepcopy(data)
    get(changed, path[:-1])[path[-1]] = value
    return changed


def valid_example() -> dict[str, Any]:
    """The example environment, merged as the product reads it, with both profiles set: valid for
    `retention config validate`."""
    data = copy.deepcopy(load_raw("example").data)
    data["profiles"] = {"environment": "example-environment", "backup": "example-backup"}
    return data


def full_example() -> dict[str, Any]:
    """``valid_example`` plus the one optional string field it leaves out, a table's exclusion_reason (which
    the audit's reading accepts and reports as a control): every string field of the schema appears."""
    data = valid_example()
    data["inventory"]["dynamodb_tables"][0]["exclusion_reason"] = "kept: the table holds primary data"
    return data
