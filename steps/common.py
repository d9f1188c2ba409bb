"""Steps every feature shares."""
from __future__ import annotations

from pytest_bdd import given


@given("the posture of the environment")
def the_posture(posture):
    assert posture.data["vaults"] or posture.data["plans"] or posture.data["inventory"], "empty posture snapshot"


def rows(datatable: list[list[str]]) -> list[dict[str, str]]:
    """A Gherkin data table as one dict per row, keyed by the header row."""
    header, *body = datatable
    return [dict(zip(header, row)) for row in body]
