"""The snapshot's record of a DynamoDB table, for the static source and the live one.

One builder serves both, as ``records.function`` does for functions and ``records.bucket`` for lifecycles:
CloudFormation spells point-in-time recovery ``PointInTimeRecoverySpecification`` {``PointInTimeRecoveryEnabled``,
``RecoveryPeriodInDays``} and the API ``ContinuousBackupsDescription.PointInTimeRecoveryDescription``
{``PointInTimeRecoveryStatus``, ``RecoveryPeriodInDays``}; each reader maps its spelling, and only here is
the record's shape written:

  pitr                       True (on), False (off) or None (could not be read)
  pitr_recovery_period_days  the window in days when ``pitr`` is True and the period is known, else None
                             (a table without point-in-time recovery has no window; an unresolved template
                             symbol or an answer without the field is unknown, and a control fails on it)
"""
from __future__ import annotations

from typing import Any, Mapping

# AWS's RecoveryPeriodInDays when point-in-time recovery is enabled without one (CloudFormation and
# UpdateContinuousBackups both document 35 as the default).
DEFAULT_RECOVERY_PERIOD_DAYS = 35


def table_record(*, name: Any, arn: str, account_id: str, region: str, pitr: bool | None, pitr_recovery_period_days: Any,
                 encryption_type: str, kms_key: Any, deletion_protection: bool, origin: Mapping[str, Any]) -> dict[str, Any]:
    return {"name": name, "arn": arn, "account_id": account_id, "region": region,
            "pitr": pitr, "pitr_recovery_period_days": _days(pitr_recovery_period_days) if pitr is True else None,
            "encryption": {"type": encryption_type, "kms_key": kms_key or None},
            "deletion_protection": deletion_protection is True, "origin": dict(origin)}


def _days(value: Any) -> int | None:
    """A whole number of days (a resolved parameter may be "35"); None for anything else (an unresolved
    symbol, an absent field), which a control reports as unreadable rather than passing."""
    if isinstance(value, bool):
        return None
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None
