"""Steps of the restore feature (features/restore.feature): each binds one control of ``audit.controls.restore*``."""
from __future__ import annotations

from pytest_bdd import then

from audit.controls import restore, restore_jobs, restore_testing, restore_validation


@then("every inventory table has point-in-time recovery on with exactly the window its category configures")
def point_in_time_recovery(posture, record):
    record(restore.point_in_time_recovery(posture))


@then("every protected resource outside the SSN data is in a restore testing selection whose plan runs at least as "
      "often as its category's restore_test_every_days from the general vault")
def restore_tested(posture, record):
    record(restore_testing.every_resource_restore_tested(posture))


@then("no restore testing plan admits the SSN vault and no selection names SSN data")
def ssn_never_restore_tested(posture, record):
    record(restore_testing.ssn_never_restore_tested(posture))


@then("the role of every restore testing selection can restore from the general vault and is denied the SSN vault and "
      "the SSN key")
def testing_role(posture, record):
    record(restore_testing.testing_role_confined(posture))


@then("every restore testing selection keeps the restored data under a customer-managed key of the environment")
def restored_under_cmk(posture, record):
    record(restore_testing.restored_data_under_customer_keys(posture))


@then("restore validation is triggered by every completed restore and its failures and absence alarm to the alert topics")
def validation_wired(posture, record):
    record(restore_validation.validation_wired(posture))


@then("the newest restore test of every protected resource outside the SSN data completed, validated SUCCESSFUL, is at "
      "most its cadence plus 1 day old and took at most its category's RTO")
def newest_restore_tests(posture, record):
    record(restore_jobs.newest_restore_tests_passed(posture))


@then("no restore-test or drill resource is older than its validation window plus 1 day")
def no_leftovers(posture, record):
    record(restore_jobs.no_leftover_test_resources(posture))
