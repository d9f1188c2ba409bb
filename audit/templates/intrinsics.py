"""Single-pass resolution of CloudFormation intrinsic functions.

:class:`Resolver` walks the decoded template once, building new plain
dict/list/str values (cfn-lint node types are dropped) and evaluating each
intrinsic where it stands; nothing is deep-copied. Values only known at deploy
time are :class:`~audit.templates.symbols.Symbol` strings.

Semantics worth knowing:

* ``AWS::NoValue`` removes the enclosing dict key or list item.
* A list returned by ``Fn::If`` (or any intrinsic) is *not* flattened into an
  enclosing list; CloudFormation keeps it nested too.
* ``Fn::Base64`` returns its (resolved) input unchanged, so audits can read it.
* ``Fn::ToJsonString`` renders compact JSON (``separators=(",", ":")``).
* ``Fn::GetAZs`` returns ``[region+"a", region+"b", region+"c"]``.
* Conditions may not reference resources (as in CloudFormation).
"""

from __future__ import annotations

import datetime
from typing import Any, Callable, Mapping

from audit.templates.errors import Path, TemplateError, error_at
from audit.templates.functions import HANDLERS, cfn_equal
from audit.templates.physical import Env, attribute_value
from audit.templates.symbols import Symbol


class _NoValue:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_VALUE"


NO_VALUE: Any = _NoValue()



class Resolver:
    """Resolve values of one template against concrete parameters."""

    def __init__(
        self,
        template: Mapping,
        parameters: Mapping[str, Any],
        env: Env,
        stack_name: str,
        imports: Mapping[str, Any],
        source: str,
    ) -> None:
        self.params = parameters
        self.env = env
        self.imports = imports
        self.source = source
        resources = template.get("Resources")
        self.resources: Mapping = resources if isinstance(resources, Mapping) else {}
        mappings = template.get("Mappings")
        self.mappings: Mapping = mappings if isinstance(mappings, Mapping) else {}
        conditions = template.get("Conditions")
        self.condition_defs: Mapping = conditions if isinstance(conditions, Mapping) else {}
        self.pseudo = {
            "AWS::AccountId": env.account_id,
            "AWS::Region": env.region,
            "AWS::StackName": stack_name,
            "AWS::Partition": env.partition,
            "AWS::URLSuffix": env.url_suffix,
            "AWS::StackId": Symbol("AWS::StackId", "Ref"),
            "AWS::NoValue": NO_VALUE,
        }
        self.conditions: dict[str, bool] = {}
        self._conditions_active: set[str] = set()
        self._in_condition = 0
        self._props: dict[tuple[str, str], Any] = {}
        self._props_active: set[tuple[str, str]] = set()
        self._enabled: dict[str, bool] = {}

    # -- errors ---------------------------------------------------------------

    def error(self, message: str, path: Path, node: Any = None) -> TemplateError:
        # the path already ends with the function name: don't repeat it
        if path is not None and isinstance(path[1], str) and message.startswith(f"{path[1]}: "):
            message = message[len(path[1]) + 2 :]
        return error_at(message, path, node, self.source)

    # -- generic walk ---------------------------------------------------------

    def resolve(self, node: Any, path: Path) -> Any:  # noqa: C901 - the dispatch over CloudFormation's intrinsic functions, one branch each
        """Resolved plain value of ``node``; ``NO_VALUE`` for AWS::NoValue."""
        if isinstance(node, str):
            return str(node)
        if isinstance(node, dict):
            if len(node) == 1:
                for key in node:
                    handler = _HANDLERS.get(key)
                    if handler is not None:
                        return handler(self, node[key], node, (path, key, node[key]))
                    if isinstance(key, str) and key.startswith("Fn::"):
                        raise self.error(f"unknown intrinsic function {key}", path, node)
            out = {}
            for key, value in node.items():
                if key in _HANDLERS and len(node) > 1:
                    raise self.error(
                        f"intrinsic function {key} must be the only key of its object", path, node
                    )
                resolved = self.resolve(value, (path, key, value))
                if resolved is not NO_VALUE:
                    out[key if type(key) is str else str(key)] = resolved
            return out
        if isinstance(node, list):
            items = []
            for index, item in enumerate(node):
                resolved = self.resolve(item, (path, index, item))
                if resolved is not NO_VALUE:
                    items.append(resolved)
            return items
        if node is None or isinstance(node, (bool, int, float)):
            return node
        if isinstance(node, (datetime.date, datetime.datetime)):
            return node.isoformat()
        raise self.error(f"unsupported value of type {type(node).__name__}", path, node)

    def value(self, node: Any, path: Path, what: str, kinds: tuple = (), owner: Any = None) -> Any:
        """Resolve an intrinsic's argument that must not be AWS::NoValue (and of ``kinds``)."""
        resolved = self.resolve(node, path)
        if resolved is NO_VALUE or (kinds and not isinstance(resolved, kinds)):
            got = "AWS::NoValue" if resolved is NO_VALUE else type(resolved).__name__
            names = " or ".join(_KIND_NAMES.get(k, k.__name__) for k in kinds) or "a value"
            raise self.error(f"{what} must be {names}, got {got}", path, owner if owner is not None else node)
        return resolved

    def text(self, value: Any, what: str, path: Path, node: Any) -> str:
        """A scalar as CloudFormation renders it inside a string."""
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        got = "AWS::NoValue" if value is NO_VALUE else type(value).__name__
        raise self.error(f"{what} must be a string, got {got}", path, node)

    # -- names ----------------------------------------------------------------

    def ref(self, name: str, path: Path, node: Any) -> Any:
        if name in self.params:
            value = self.params[name]
            return list(value) if isinstance(value, list) else value
        if name.startswith("AWS::"):
            if name == "AWS::NotificationARNs":
                return []
            if name in self.pseudo:
                return self.pseudo[name]
            raise self.error(f"Ref to unknown pseudo parameter {name}", path, node)
        if name in self.resources:
            return self.resource_attribute(name, "Ref", path, node)
        raise self.error(f"Ref to {name!r}: no such parameter or resource", path, node)

    def get_att(self, logical_id: str, attribute: str, path: Path, node: Any) -> Any:
        if logical_id not in self.resources:
            kind = "a parameter, not a resource" if logical_id in self.params else "no such resource"
            raise self.error(f"Fn::GetAtt {logical_id}.{attribute}: {kind}", path, node)
        return self.resource_attribute(logical_id, attribute, path, node)

    def resource_attribute(self, logical_id: str, attribute: str, path: Path, node: Any) -> Any:
        what = "Ref" if attribute == "Ref" else f"Fn::GetAtt {logical_id}.{attribute}"
        if self._in_condition:
            raise self.error(f"{what}: conditions cannot reference resources", path, node)
        resource = self.resources[logical_id]
        if not isinstance(resource, Mapping) or not isinstance(resource.get("Type"), str):
            raise self.error(f"{what}: resource {logical_id} has no Type", path, node)
        if not self.resource_enabled(logical_id):
            condition = self.resources[logical_id].get("Condition")
            raise self.error(
                f"{what}: resource {logical_id} is not created (Condition {condition} is false)",
                path, node,
            )
        return attribute_value(
            str(resource.get("Type")), logical_id, attribute,
            lambda prop: self.resource_property(logical_id, prop), self.env,
        )

    def resource_property(self, logical_id: str, prop: str) -> Any:
        """Resolved top-level property of a resource (None if absent), memoised."""
        key = (logical_id, prop)
        if key in self._props:
            return self._props[key]
        properties = self.resources[logical_id].get("Properties")
        if not isinstance(properties, Mapping) or prop not in properties:
            self._props[key] = None
            return None
        node = properties[prop]
        path = ((((None, "Resources", None), logical_id, None), "Properties", properties), prop, node)
        if key in self._props_active:
            raise self.error(f"circular reference through {logical_id}.{prop}", path, node)
        self._props_active.add(key)
        try:
            value = self.resolve(node, path)
        finally:
            self._props_active.discard(key)
        value = None if value is NO_VALUE else value
        self._props[key] = value
        return value

    def resource_enabled(self, logical_id: str) -> bool:
        enabled = self._enabled.get(logical_id)
        if enabled is None:
            resource = self.resources[logical_id]
            name = resource.get("Condition") if isinstance(resource, Mapping) else None
            if name is None:
                enabled = True
            else:
                path = ((None, "Resources", None), logical_id, resource)
                if not isinstance(name, str):
                    raise self.error("Condition must be a condition name", (path, "Condition", name), name)
                enabled = self.condition(str(name), (path, "Condition", name), name)
            self._enabled[logical_id] = enabled
        return enabled

    # -- conditions -----------------------------------------------------------

    def condition(self, name: str, path: Path = None, node: Any = None) -> bool:
        value = self.conditions.get(name)
        if value is not None:
            return value
        if name not in self.condition_defs:
            raise self.error(f"condition {name!r} is not defined in Conditions", path, node)
        if name in self._conditions_active:
            raise self.error(f"condition {name!r} depends on itself", path, node)
        definition = self.condition_defs[name]
        self._conditions_active.add(name)
        self._in_condition += 1
        try:
            value = self._evaluate(definition, ((None, "Conditions", None), name, definition))
        finally:
            self._in_condition -= 1
            self._conditions_active.discard(name)
        self.conditions[name] = value
        return value

    def _evaluate(self, node: Any, path: Path) -> bool:
        if isinstance(node, dict) and len(node) == 1:
            for key in node:
                arg = node[key]
                apath = (path, key, arg)
                if key == "Condition":
                    if not isinstance(arg, str):
                        raise self.error("Condition must name a condition", apath, node)
                    return self.condition(str(arg), apath, node)
                if key == "Fn::Equals":
                    self.arity(key, arg, apath, node, 2)
                    left = self.resolve(arg[0], (apath, 0, arg[0]))
                    right = self.resolve(arg[1], (apath, 1, arg[1]))
                    return cfn_equal(left, right)
                if key in ("Fn::And", "Fn::Or"):
                    self.arity(key, arg, apath, node, 2, 10)
                    results = [self._evaluate(c, (apath, i, c)) for i, c in enumerate(arg)]
                    return all(results) if key == "Fn::And" else any(results)
                if key == "Fn::Not":
                    self.arity(key, arg, apath, node, 1)
                    return not self._evaluate(arg[0], (apath, 0, arg[0]))
        raise self.error(
            "not a condition: expected Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition", path, node
        )

    def arity(self, name: str, arg: Any, path: Path, node: Any, least: int, most: int | None = None) -> None:
        most = least if most is None else most
        if not isinstance(arg, list) or not least <= len(arg) <= most:
            count = str(least) if least == most else f"{least} to {most}"
            raise self.error(f"malformed {name}: expected a list of {count} arguments", path, node)


_KIND_NAMES = {str: "a string", list: "a list", dict: "an object", int: "an integer"}

Handler = Callable[[Resolver, Any, Any, Path], Any]
_HANDLERS: dict[str, Handler] = HANDLERS
