"""Personal data in text a person wrote, which must never reach a report: e-mail addresses and phone numbers.

Reports and evidence packs are kept for years and handed to auditors; they name resources, roles, teams and
tickets, never people (docs/evidence.md). Text that people write by hand and that the reports copy (a
waiver's justification, owner or ticket) is therefore checked before it is used, and refused when it holds
what looks like a way to reach a person. The caller says which field is wrong and where, never the value:
repeating the value in an error message would copy it into CI logs instead of the report.

What is flagged (a refusal is cheap to fix, a leak is not, so the rules lean towards flagging):
- an e-mail address: ``name@host.tld``, also written ``name (at) host (dot) tld`` or with brackets;
- a phone number written the way phone numbers are written: ``+`` then 7 digits or more (spaces, dots,
  hyphens and parentheses allowed between them); ``(555) 123-4567``, ``555-123-4567``, ``555.123.4567``,
  ``555 123 4567``; a national number starting with ``0`` in three to five groups separated by one and the
  same separator (``020 7946 0958``, ``06 12 34 56 78``), 9 to 13 digits in all; a ``tel:`` link.

What is not: a bare run of digits (an AWS account id is twelve of them, and ARNs, timestamps and ticket
numbers hold more), ISO dates and times, version numbers, ticket ids such as ``OPS-1234``.
"""
from __future__ import annotations

import functools
import re

EMAIL = "an e-mail address"
PHONE = "a phone number"

_AT = r"(?:@|\s*[\[(]\s*at\s*[\])]\s*)"
_DOT = r"(?:\.|\s*[\[(]\s*dot\s*[\])]\s*)"
_LOCAL = r"[^\s@<>()\[\],;:\"']"
# the two cheap tests every text goes through: an "at", or seven digits
_AT_WORD = re.compile(r"[\[(]\s*at\s*[\])]", re.IGNORECASE)
_SEVEN_DIGITS = re.compile(r"\d(?:\D*\d){6}")


@functools.cache
def _rules() -> tuple[re.Pattern, re.Pattern, re.Pattern, re.Pattern, re.Pattern]:
    """The patterns, compiled on first need (a few milliseconds a process that reads no such text saves)."""
    # the local part starts where a run of its characters starts and is taken whole (possessive): linear
    # time on a megabyte of text without an "@", where a plain "+" would retry every suffix of the run
    email = re.compile(rf"(?<!{_LOCAL}){_LOCAL}++{_AT}[A-Za-z0-9-]+(?:{_DOT}[A-Za-z0-9-]+)*{_DOT}[A-Za-z]{{2,}}", re.IGNORECASE)
    international = re.compile(r"(?<![\w+])\+\s?\(?\d(?:[\s.()-]{0,2}\d)+")
    north_american = re.compile(r"(?<![\w])(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?![\w])")
    national = re.compile(r"(?<![\w.-])0\d{1,4}(?P<sep>[ .-])\d{2,4}(?:(?P=sep)\d{2,4}){1,3}(?![\w])")
    tel = re.compile(r"\btel:\s*\+?\d", re.IGNORECASE)
    return email, international, north_american, national, tel


def _digits(text: str) -> int:
    return sum(c.isdigit() for c in text)


def find(text: str) -> tuple[str, int] | None:
    """``(what, position)`` of the first e-mail address or phone number in ``text``, or None. ``what`` is
    :data:`EMAIL` or :data:`PHONE`; ``position`` (0-based) lets a message point at it without repeating it."""
    if not isinstance(text, str):
        return None
    if "@" not in text and _AT_WORD.search(text) is None and _SEVEN_DIGITS.search(text) is None:
        return None  # no address without an "at", no phone number of fewer than 7 digits: most text stops here
    email, international, north_american, national, tel = _rules()
    found: list[tuple[int, str]] = []
    if (match := email.search(text)) is not None:
        found.append((match.start(), EMAIL))
    for pattern, low, high in ((international, 7, None), (national, 9, 13)):
        found += [(m.start(), PHONE) for m in pattern.finditer(text) if low <= _digits(m.group()) <= (high or len(m.group()))]
    for pattern in (north_american, tel):
        if (match := pattern.search(text)) is not None:
            found.append((match.start(), PHONE))
    if not found:
        return None
    position, what = min(found)
    return what, position
