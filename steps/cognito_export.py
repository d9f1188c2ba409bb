"""Steps of the Cognito export feature."""
from __future__ import annotations

from pytest_bdd import parsers, then

from audit.controls import cognito_export
from steps.common import rows


@then(parsers.parse("every user pool of the inventory has an enabled schedule into the exporter with its id, at least every {hours:d} hours"))
def pools_scheduled(posture, record, hours):
    record(cognito_export.every_pool_exported_daily(posture, hours))


@then("the export bucket, the exporter's environment and its dead-letter queue are encrypted, and the bucket is versioned, private and TLS-only")
def exports_encrypted(posture, record):
    record(cognito_export.exports_encrypted_and_private(posture))


@then("the exporter's role is decided as below")
def exporter_role(posture, record, datatable):
    record(cognito_export.exporter_role_decisions(posture, rows(datatable)))


@then("no statement of the exporter's role allows every action of a service, or every resource without a condition")
def exporter_role_scoped(posture, record):
    record(cognito_export.exporter_role_has_no_unconditioned_wildcards(posture))


@then("the bucket the exporter writes to is in the inventory, selected by a backup plan, and copied to the backup account")
def export_bucket_backed_up(posture, record):
    record(cognito_export.export_bucket_backed_up(posture))


@then(parsers.parse('the exporter has a dead-letter queue, an errors alarm and per pool a "no complete export in {hours:d} hours" '
                    'alarm, all notifying an alert topic'))
def exporter_alerts(posture, record, hours):
    record(cognito_export.exporter_failures_alert(posture, hours))


@then(parsers.parse("every user pool of the inventory has a complete export at most {hours:d} hours old"))
def recent_export(posture, record, hours):
    record(cognito_export.recent_complete_export(posture, hours))


@then(parsers.parse("the export bucket expires every current object under the export prefix after at most {days:d} days"))
def exports_expire(posture, record, days):
    record(cognito_export.exports_expire_within_retention(posture, days))
