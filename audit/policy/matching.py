"""Matching primitives of the IAM policy evaluator: request context, wildcards, policy variables, principals.

Kept apart from ``evaluator`` so that the condition operators (``conditions``) and the statement logic share
one implementation of the tricky parts: ``*``/``?`` wildcards, ``${...}`` policy variables with their
``${*}``/``${?}``/``${$}`` escapes and ``${key, 'default'}`` defaults, the six-field ARN comparison of the
``Arn*`` operators, and who a ``Principal``/``NotPrincipal`` element names (``PolicyError`` itself lives in
``errors`` and the save-time grammar in ``grammar``; both are re-exported here for existing importers).
"""
from __future__ import annotations

import base64
import enum
import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, cast

from audit.policy.errors import PolicyError
from audit.policy.grammar import check_aws_principal, check_named_principal, is_unique_id

__all__ = ["ACCOUNT_ID", "Caller", "Context", "PolicyError", "PrincipalMatch", "arn_match", "expand", "glob_match",
           "match_principal", "not_principal_applies", "parse_caller", "principal_values", "tokens_text",
           "tokens_to_regex"]

ACCOUNT_ID = re.compile(r"^\d{12}$")
_ROOT_ARN = re.compile(r"^arn:(?P<partition>[^:]+):iam::(?P<account>\d{12}):root$")
_IAM_ARN = re.compile(r"^arn:(?P<partition>[^:]+):iam::(?P<account>\d{12}):(?P<kind>role|user)/(?P<path>.+)$")
_STS_ARN = re.compile(
    r"^arn:(?P<partition>[^:]+):sts::(?P<account>\d{12}):(?P<kind>assumed-role|federated-user)/(?P<rest>.+)$"
)
_ROLE_PATH = re.compile(r"^/(?:[!-.0-~]+/)*$")  # IAM: "/" or /segments/ of printable ASCII without "/"
_VARIABLE_BODY = re.compile(r"^\s*(?P<key>[^\s,']+)\s*(?:,\s*'(?P<default>(?:[^']|'')*)'\s*)?$")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}


# --------------------------------------------------------------------------------------------- context


def _scalar_text(value: Any) -> str:
    """Render one context value the way IAM compares it: booleans as ``true``/``false``, bytes as base64."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


class Context(Mapping[str, Any]):
    """Read-only request context whose key names are case-insensitive, as AWS documents for condition keys.

    Values stay as given (``str``, ``bool``, ``int`` or a list of them); ``values_of`` gives the normalised
    text form the operators compare. A list marks a multivalued key even when it holds one element.
    """

    def __init__(self, *layers: Mapping[str, Any]) -> None:
        data: dict[str, tuple[str, Any]] = {}
        for layer in layers:  # later layers win, whatever the spelling of the key
            for key, value in layer.items():
                data[key.lower()] = (key, value)
        self._data = data

    def __getitem__(self, key: str) -> Any:
        return self._data[key.lower()][1]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._data

    def __iter__(self) -> Iterator[str]:
        return (original for original, _ in self._data.values())

    def __len__(self) -> int:
        return len(self._data)

    def values_of(self, key: str) -> tuple[str, ...] | None:
        """The key's values as text, ``None`` when absent (a ``None`` value counts as absent)."""
        if key not in self:
            return None
        value = self[key]
        if value is None:
            return None
        if isinstance(value, (list, tuple, set, frozenset)):
            return tuple(_scalar_text(item) for item in value if item is not None)
        return (_scalar_text(value),)

    def single_value(self, key: str) -> str | None:
        """The value usable as a policy variable: AWS cannot substitute missing or multivalued keys."""
        if key not in self:
            return None
        value = self[key]
        if value is None or isinstance(value, (list, tuple, set, frozenset)):
            return None
        return _scalar_text(value)


# ------------------------------------------------------------------------------ wildcards and variables

Token = tuple[str, bool]  # (text, is_wildcard); a wildcard token's text is "*" or "?"


def _plain_tokens(text: str, wildcards: bool) -> list[Token]:
    """Split literal policy text into literal runs and ``*``/``?`` wildcard tokens."""
    if not wildcards:
        return [(text, False)] if text else []
    tokens: list[Token] = []
    for piece in re.split(r"([*?])", text):
        if piece in ("*", "?"):
            tokens.append((piece, True))
        elif piece:
            tokens.append((piece, False))
    return tokens


def _resolve_variable(body: str, context: Context) -> str | None:
    """Value of ``${body}``: an escape, the context value, the quoted default, or ``None`` (unresolvable)."""
    if body in _ESCAPES:
        return _ESCAPES[body]
    match = _VARIABLE_BODY.match(body)
    if not match:
        return None
    value = context.single_value(match["key"])
    if value is not None:
        return value
    if match["default"] is not None:
        return match["default"].replace("''", "'")
    return None


def expand(raw: str, context: Context | None, *, wildcards: bool) -> list[Token] | None:
    """Tokenise a policy string, substituting ``${...}`` variables when ``context`` is given.

    Substituted text (including the ``${*}`` and ``${?}`` escapes) is always literal, so a value from the
    request can never act as a wildcard. Returns ``None`` when a variable cannot be resolved: AWS then
    treats the value as not matching anything. ``context=None`` means variables are not supported here
    (policy ``Version`` 2008-10-17, or operators such as ``Numeric*``) and ``${`` is plain text.
    """
    if context is None or "${" not in raw:
        return _plain_tokens(raw, wildcards)
    tokens: list[Token] = []
    position = 0
    while True:
        start = raw.find("${", position)
        end = raw.find("}", start + 2) if start >= 0 else -1
        if start < 0 or end < 0:
            tokens += _plain_tokens(raw[position:], wildcards)
            return tokens
        tokens += _plain_tokens(raw[position:start], wildcards)
        value = _resolve_variable(raw[start + 2 : end], context)
        if value is None:
            return None
        if value:
            tokens.append((value, False))
        position = end + 1


def tokens_to_regex(tokens: Iterable[Token], *, ignore_case: bool = False) -> re.Pattern[str]:
    """Compile tokens to an anchored regex; ``*`` spans any characters, ``:`` and ``/`` included."""
    return _compiled(tuple(tokens), ignore_case)


@functools.lru_cache(maxsize=4096)
def _compiled(tokens: tuple[Token, ...], ignore_case: bool) -> re.Pattern[str]:
    """Memoised: an audit matches the same few patterns thousands of times (escaping and ``re``'s own
    cache lookup cost more than the match)."""
    parts = [(".*" if text == "*" else ".") if wild else re.escape(text) for text, wild in tokens]
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile("".join(parts), flags)


def tokens_text(tokens: Iterable[Token]) -> str:
    """The literal string a token list spells (for operators without wildcards)."""
    return "".join(text for text, _ in tokens)


def glob_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """``*``/``?`` wildcard match without variables (actions, service principals)."""
    return tokens_to_regex(_plain_tokens(pattern, True), ignore_case=ignore_case).fullmatch(value) is not None


def _split_arn_tokens(tokens: list[Token]) -> list[list[Token]]:
    """Split tokens into at most six colon-separated fields; colons after the fifth belong to the resource."""
    fields: list[list[Token]] = [[]]
    for text, wild in tokens:
        if wild:
            fields[-1].append((text, True))
            continue
        pieces = text.split(":")
        for index, piece in enumerate(pieces):
            if index > 0:
                if len(fields) < 6:
                    fields.append([])
                else:
                    fields[-1].append((":", False))
            if piece:
                fields[-1].append((piece, False))
    return fields


def arn_match(tokens: list[Token], value: str) -> bool:
    """``ArnLike``/``ArnEquals``: compare the six ARN fields one by one, each with its own wildcards.

    A policy value or request value that is not a six-field ARN matches nothing (AWS documents the
    comparison per field, so there is nothing to compare).
    """
    fields = _split_arn_tokens(tokens)
    parts = value.split(":", 5)
    if len(fields) != 6 or len(parts) != 6:
        return False
    return all(tokens_to_regex(field).fullmatch(part) is not None for field, part in zip(fields, parts))


# ----------------------------------------------------------------------------------------- principals

CallerKind = Literal["root", "user", "role", "session", "federated-user", "service"]
_PRINCIPAL_TYPE = {
    "root": "Account",
    "user": "User",
    "role": "AssumedRole",
    "session": "AssumedRole",
    "federated-user": "FederatedUser",
}


@dataclass(frozen=True)
class Caller:
    """The request's principal, parsed once: what it is, which account it belongs to, its principal ARN."""

    raw: str
    kind: CallerKind
    partition: str | None = None
    account: str | None = None
    arn: str | None = None  # aws:PrincipalArn: the role ARN for a role session
    role_name: str | None = None

    @property
    def is_service(self) -> bool:
        return self.kind == "service"

    @property
    def principal_type(self) -> str | None:
        """The ``aws:PrincipalType`` value AWS puts in the request context."""
        return _PRINCIPAL_TYPE.get(self.kind)


def parse_caller(principal: str, *, role_path: str | None = None) -> Caller:
    """Parse an IAM role/user ARN, account root ARN, role session ARN or service principal name.

    ``role_path`` is the path of a role session's role (``/ops/``): a session ARN never shows it, but
    ``aws:PrincipalArn`` does (IAM guide, global condition keys: "the ARN of the role"). Without it the role
    is taken to have the default path ``/``. Raises ``ValueError`` for anything else, so that a typo cannot
    turn into "nobody matches".
    """
    if role_path is not None and not (principal.startswith("arn:") and ":assumed-role/" in principal):
        raise ValueError(f"role_path is for role sessions (arn:...:sts::...:assumed-role/...), not {principal!r}")
    if role_path is not None and not _ROLE_PATH.match(role_path):
        raise ValueError(f"role_path {role_path!r} must be \"/\" or start and end with \"/\" (e.g. /ops/)")
    if ACCOUNT_ID.match(principal):
        return Caller(principal, "root", "aws", principal, f"arn:aws:iam::{principal}:root")
    if match := _ROOT_ARN.match(principal):
        return Caller(principal, "root", match["partition"], match["account"], principal)
    if match := _IAM_ARN.match(principal):
        name = match["path"].rsplit("/", 1)[-1]
        role_name = name if match["kind"] == "role" else None
        return Caller(principal, cast(CallerKind, match["kind"]), match["partition"], match["account"], principal, role_name)
    if match := _STS_ARN.match(principal):
        return _parse_sts_caller(principal, match, role_path or "/")
    if not principal.startswith("arn:") and re.match(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$", principal):
        return Caller(principal, "service")
    raise ValueError(f"unrecognised principal {principal!r}: expected an IAM role/user ARN, an account root "
                     "ARN, a role session ARN or a service principal such as events.amazonaws.com")


def _parse_sts_caller(principal: str, match: re.Match[str], role_path: str) -> Caller:
    """Role sessions act as their role: ``aws:PrincipalArn`` is the role ARN, path included."""
    partition, account = match["partition"], match["account"]
    if match["kind"] == "federated-user":
        return Caller(principal, "federated-user", partition, account, principal)
    role_name = match["rest"].split("/", 1)[0]
    role_arn = f"arn:{partition}:iam::{account}:role{role_path}{role_name}"
    return Caller(principal, "session", partition, account, role_arn, role_name)


class PrincipalMatch(enum.Enum):
    """How a ``Principal`` element names the caller; the difference decides same-account delegation."""

    NONE = "none"
    ACCOUNT = "account"  # the caller's account (bare id or root ARN): delegates to the account's IAM policies
    DIRECT = "direct"  # the caller itself ("*", its role/user/session ARN, its service name)


def principal_values(element: Any, where: str, *, name: str = "Principal") -> dict[str, list[str]]:
    """Normalise a ``Principal``/``NotPrincipal`` element to ``{"AWS": [...], "Service": [...], ...}``,
    refusing what AWS refuses (see ``grammar``): partial wildcards, user groups, malformed names."""
    if element == "*":
        return {"AWS": ["*"]}
    if not isinstance(element, Mapping) or not element:
        raise PolicyError(f"{where}: {name} must be \"*\" or an object such as {{\"AWS\": ...}}")
    result: dict[str, list[str]] = {}
    for kind, values in element.items():
        if kind not in ("AWS", "Service", "Federated", "CanonicalUser"):
            raise PolicyError(f"{where}: {name} type {kind!r} is not AWS, Service, Federated or CanonicalUser")
        listed = [values] if isinstance(values, str) else values
        if not isinstance(listed, list) or not listed or not all(isinstance(v, str) for v in listed):
            raise PolicyError(f"{where}: {name} {kind} must be a string or a non-empty list of strings")
        for entry in listed:
            if kind == "AWS":
                check_aws_principal(entry, name, where)
            else:
                check_named_principal(kind, entry, name, where)
        result[kind] = list(listed)
    return result


def _account_of(entry: str) -> tuple[str | None, str] | None:
    """``(partition, account)`` when an ``AWS`` principal entry means a whole account, else ``None``."""
    if ACCOUNT_ID.match(entry):
        return None, entry
    if match := _ROOT_ARN.match(entry):
        return match["partition"], match["account"]
    return None


def _names_role_of_session(entry: str, caller: Caller) -> bool:
    """A role ARN (any path) names every session of that role: role names are unique in an account."""
    if caller.kind != "session":
        return False
    match = _IAM_ARN.match(entry)
    return bool(
        match
        and match["kind"] == "role"
        and match["partition"] == caller.partition
        and match["account"] == caller.account
        and match["path"].rsplit("/", 1)[-1] == caller.role_name
    )


def _aws_entry_match(entry: str, caller: Caller) -> PrincipalMatch:
    """Match one ``AWS`` principal entry; wildcards other than a lone ``*`` are not allowed by AWS."""
    if entry == "*":
        return PrincipalMatch.DIRECT
    if caller.is_service or is_unique_id(entry):  # a unique id is a deleted principal: it names nobody
        return PrincipalMatch.NONE
    account = _account_of(entry)
    if account is not None:
        partition, account_id = account
        same = account_id == caller.account and partition in (None, caller.partition)
        return PrincipalMatch.ACCOUNT if same else PrincipalMatch.NONE
    if entry == caller.raw or _names_role_of_session(entry, caller):
        return PrincipalMatch.DIRECT
    return PrincipalMatch.NONE


def _service_entry_match(entry: str, caller: Caller) -> PrincipalMatch:
    named = caller.is_service and entry.lower() == caller.raw.lower()
    return PrincipalMatch.DIRECT if named else PrincipalMatch.NONE


def match_principal(element: Any, caller: Caller, where: str) -> PrincipalMatch:
    """The strongest way the ``Principal`` element names the caller (``DIRECT`` beats ``ACCOUNT``).

    ``Federated`` and ``CanonicalUser`` principals never name an IAM or service caller.
    """
    values = principal_values(element, where)
    results = [_aws_entry_match(entry, caller) for entry in values.get("AWS", [])]
    results += [_service_entry_match(entry, caller) for entry in values.get("Service", [])]
    if PrincipalMatch.DIRECT in results:
        return PrincipalMatch.DIRECT
    return PrincipalMatch.ACCOUNT if PrincipalMatch.ACCOUNT in results else PrincipalMatch.NONE


def _listed(values: Mapping[str, list[str]], caller: Caller) -> set[str]:
    """Which of the caller's identities a ``NotPrincipal`` element lists: ``account``, ``entity`` (the user,
    role or federated user itself; the root user is listed as its ``account``), ``role`` (a session's role),
    ``session`` (the session itself), ``service``."""
    if caller.is_service:
        named = any(_service_entry_match(e, caller) is PrincipalMatch.DIRECT for e in values.get("Service", []))
        return {"service"} if named else set()
    found: set[str] = set()
    for entry in values.get("AWS", []):
        if _account_of(entry) is not None and _aws_entry_match(entry, caller) is PrincipalMatch.ACCOUNT:
            found.add("account")
        elif caller.kind == "session":
            if entry == caller.raw:
                found.add("session")
            elif _names_role_of_session(entry, caller):
                found.add("role")
        elif _aws_entry_match(entry, caller) is PrincipalMatch.DIRECT:
            found.add("entity")
    return found


_EXEMPT_WHEN = {
    "service": {"service"},
    "root": {"account"},
    "user": {"account", "entity"},
    "role": {"account", "entity"},
    "federated-user": {"account", "entity"},
    "session": {"account", "role", "session"},
}


def not_principal_applies(element: Any, caller: Caller, where: str, *, effect: str = "Deny") -> bool:
    """Whether a statement with ``NotPrincipal`` applies to the caller (IAM guide, "NotPrincipal").

    ``Deny``: AWS may check the account, then the role, then the role session, so the caller is exempt only
    when every one of them is listed: the account (id or root ARN) and the user/role itself, and for a role
    session the account, the role *and that session's ARN* (listing the role alone exempts no session; a
    wildcard cannot stand for "all sessions"). Anything less and the ``Deny`` applies - the pitfall the page
    warns about.

    ``Allow`` ("allows all principals except the one named"; AWS now calls it unsupported): the statement
    applies only to a caller none of whose identities is listed, so naming the role, its account or the
    session is enough to keep the caller out - the safe reading for an ``Allow``.
    """
    values = principal_values(element, where, name="NotPrincipal")
    if "*" in values.get("AWS", []):
        raise PolicyError(f"{where}: NotPrincipal \"*\" excepts every principal, so the statement could never "
                          "apply; AWS allows no wildcard in NotPrincipal")
    listed = _listed(values, caller)
    if effect == "Allow":
        return not listed
    return not _EXEMPT_WHEN[caller.kind] <= listed
