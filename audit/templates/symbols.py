"""Symbolic placeholders for values that are only known after deployment."""

from __future__ import annotations

import re

_SYMBOL_RE = re.compile(r"\{\{(AWS::[A-Za-z]+|[A-Za-z0-9]+)\.([A-Za-z0-9_.]+?)\}\}")


class Symbol(str):
    """A value CloudFormation only knows at deploy time, e.g. a KMS key id.

    It *is* a ``str`` (so resolved templates stay JSON-serialisable) rendered
    ``"{{Logical.Attribute}}"``: ``Symbol("SSNKey", "Ref") == "{{SSNKey.Ref}}"``.
    Pseudo parameters use their full name as logical id
    (``"{{AWS::StackId.Ref}}"``). A string built around a symbol (Fn::Sub,
    Fn::Join, an ARN formula) is a plain ``str`` containing the same text; use
    :meth:`find_all` to recover the references.
    """

    logical_id: str
    attribute: str

    def __new__(cls, logical_id: str, attribute: str) -> "Symbol":
        self = super().__new__(cls, "{{" + f"{logical_id}.{attribute}" + "}}")
        self.logical_id = str(logical_id)
        self.attribute = str(attribute)
        return self

    def __reduce__(self):
        return (Symbol, (self.logical_id, self.attribute))

    def __copy__(self) -> "Symbol":
        return self

    def __deepcopy__(self, memo) -> "Symbol":
        return self

    def __repr__(self) -> str:
        return f"Symbol({self.logical_id!r}, {self.attribute!r})"

    @staticmethod
    def find_all(text: str) -> list[tuple[str, str]]:
        """All ``(logical_id, attribute)`` pairs rendered inside ``text``.

        Dynamic references such as ``{{resolve:ssm:name}}`` are not matched.
        """
        if not isinstance(text, str) or "{{" not in text:
            return []
        return _SYMBOL_RE.findall(text)
