"""The lifecycle facts of a bucket record, for the static source and the live one.

One builder serves both, as ``records.function`` does for functions: CloudFormation and the S3 API spell a
lifecycle rule differently (``ExpirationInDays`` / ``Expiration.Days``, ``Prefix`` / ``Filter.Prefix`` or
``Filter.And.Prefix``, ``TagFilters`` / ``Filter.Tag`` or ``Filter.And.Tags``, object-size filters), each
reader maps its spelling to ``lifecycle_rule``, and only here is the record's shape written:

  noncurrent_expiration_days  the shortest NoncurrentDays of an enabled rule; None when noncurrent versions
                              never expire
  expiration_rules            every enabled rule that expires CURRENT objects after a number of days:
                              [{id, prefix, filtered, days}]; ``prefix`` "" for the whole bucket, ``filtered``
                              when tags or object sizes narrow the rule to some objects only

A rule that expires on a date, or only delete markers, expires no current object after an age, so it is
not an expiration rule here.
"""
from __future__ import annotations

from typing import Any, Iterable


def lifecycle_rule(*, rule_id: Any, enabled: bool, prefix: Any, filtered: bool, expiration_days: Any,
                   noncurrent_days: Any) -> dict[str, Any]:
    """One rule as either reader hands it over; ``lifecycle_fields`` makes the record's fields of them."""
    return {"id": rule_id or None, "enabled": bool(enabled), "prefix": str(prefix or ""), "filtered": bool(filtered),
            "expiration_days": _days(expiration_days), "noncurrent_days": _days(noncurrent_days)}


def lifecycle_fields(rules: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The bucket record's lifecycle fields from the rules of ``lifecycle_rule``."""
    enabled = [r for r in rules if r["enabled"]]
    noncurrent = [r["noncurrent_days"] for r in enabled if r["noncurrent_days"] is not None]
    return {
        "noncurrent_expiration_days": min(noncurrent) if noncurrent else None,
        "expiration_rules": [{"id": r["id"], "prefix": r["prefix"], "filtered": r["filtered"], "days": r["expiration_days"]}
                             for r in enabled if r["expiration_days"] is not None],
    }


def _days(value: Any) -> int | None:
    """Days as an integer (a resolved template parameter may be "35"); None when absent or not a number (an
    unresolved symbol), which reads as "never": a control then fails rather than passes on what it cannot read."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
