"""Steps of the restore feature (features/restore.feature)."""
from __future__ import annotations

from pytest_bdd import then

from audit.controls import restore


@then("every inventory table has point-in-time recovery on with exactly the window its category configures")
def point_in_time_recovery(posture, record):
    record(restore.point_in_time_recovery(posture))
