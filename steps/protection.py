"""Steps of the RPO, retention, coverage and EventBridge features."""
from __future__ import annotations

from pytest_bdd import parsers, then

from audit.controls import coverage, eventbridge, other_data, retention, rpo as rpo_module
from steps.common import rows


@then(parsers.parse("the newest recovery point of every protected resource is at most {rpo:d} hours old plus {grace:d} hours of grace"))
def newest_local_recovery_point(posture, record, rpo, grace):
    record(rpo_module.local_recovery_point_age(posture, rpo, grace))


@then(parsers.parse("the newest copy in the backup account of every protected resource is at most {rpo:d} hours old plus {grace:d} hours of grace"))
def newest_cross_account_copy(posture, record, rpo, grace):
    record(rpo_module.cross_account_copy_age(posture, rpo, grace))


@then("every rule protecting each category below deletes its recovery points after the days stated")
def category_retention(posture, record, datatable):
    record(retention.categories_retention(posture, rows(datatable)))


@then("every rule protecting each category below moves its recovery points to cold storage after the days stated")
def category_cold_storage(posture, record, datatable):
    record(retention.categories_cold_storage(posture, rows(datatable)))


@then("every lifecycle deletes its recovery points at least 90 days after moving them to cold storage")
def delete_after_cold(posture, record):
    record(retention.delete_after_cold_plus_90(posture))


@then("every copy action keeps the lifecycle of its rule")
def copies_keep_lifecycle(posture, record):
    record(retention.copies_keep_the_lifecycle(posture))


@then("the lock of every vault a rule writes into allows exactly that rule's retention")
def locks_fit(posture, record):
    record(retention.vault_locks_fit_the_lifecycles(posture))


@then("every protected resource exists and is selected by exactly one backup plan")
def protected_selected(posture, record):
    record(coverage.protected_resources_selected(posture))


@then("every excluded bucket has a reason and no plan selects it")
def excluded_reasons(posture, record):
    record(coverage.excluded_buckets_have_reasons(posture))


@then("no table is excluded from backup")
def no_table_excluded(posture, record):
    record(coverage.no_table_excluded(posture))


@then("every protected bucket is versioned and expires noncurrent versions")
def buckets_versioned(posture, record):
    record(coverage.protected_buckets_versioned(posture))




@then(parsers.parse("the newest completed recovery point of every protected resource in the environment account is at most {rpo:d} hours old plus {grace:d} hours of grace"))
def newest_completed_recovery_point(posture, record, rpo, grace):
    record(rpo_module.newest_recovery_point_age(posture, rpo, grace, kind="source"))


@then(parsers.parse("the newest completed copy of every protected resource in the backup account is at most {rpo:d} hours old plus {grace:d} hours of grace"))
def newest_completed_copy(posture, record, rpo, grace):
    record(rpo_module.newest_recovery_point_age(posture, rpo, grace, kind="copy"))


@then(parsers.parse("the backup account's vaults have compliance-mode locks changeable for at least {days:d} days and the environment account's vaults have governance-mode locks"))
def lock_modes(posture, record, days):
    record(retention.vault_lock_modes(posture, days))


@then("the newest recovery point and copy of every protected resource of each category below are deleted after the days stated")
def recovery_point_lifecycles(posture, record, datatable):
    record(retention.recovery_point_lifecycles(posture, rows(datatable)))


@then("every read of the audit succeeded")
def every_read(posture, record):
    record(coverage.every_read_succeeded(posture))


@then("every persisted resource the templates create is in the inventory with its protection and reason")
def persisted_inventoried(posture, record):
    record(other_data.persisted_resources_inventoried(posture))


@then("every EventBridge resource in both accounts is defined by a CloudFormation stack or kept by an AWS service")
def eventbridge_in_code(posture, record):
    record(eventbridge.defined_in_code(posture))


@then("every EventBridge archive keeps its events a limited number of days under a customer-managed key")
def eventbridge_archives(posture, record):
    record(eventbridge.archives_bounded(posture))
