"""BG-04 "No break-glass is open" (``audit.controls.break_glass.no_break_glass_open``) on snapshots: it passes
on a closed posture and fails, naming the ticket and since when, on every other one; it reports every one of
the four SSN resources whatever the others show (a missing resource or unreadable tags do not hide an open
break-glass further on), each closed one as evidence, and a finding names where the resource is declared."""
from __future__ import annotations

import copy

import pytest

from audit import break_glass as bg
from audit.config import load_config
from audit.controls.access import target
from audit.controls.break_glass import no_break_glass_open
from audit.snapshot import Posture
from audit.sources.static.build import build_snapshot


@pytest.fixture(scope="module")
def static():
    return build_snapshot(load_config("example").data)


def live(static):
    snapshot = copy.deepcopy(static)
    snapshot["mode"] = "live"
    return snapshot


def _item(snapshot, label):
    where = target(Posture(snapshot), label)
    collection = snapshot["keys"] if where.kind == "kms_key" else snapshot["vaults"]
    return next(i for i in collection if i["arn"] == where.arn)


def _open(snapshot, label, *, with_record=True, ticket="INC-77"):
    posture = Posture(snapshot)
    env = posture.env
    roles = bg.roles(env["environment_account_id"], env["backup_account_id"], env["break_glass_role_name"])
    item = _item(snapshot, label)
    field = "policy" if "policy" in item else "access_policy"
    opened = bg.open_policy(item[field], bg.change(label, roles, posture.region(bg.SIDE[label])))
    item[field] = opened
    if with_record:
        item["break_glass_tags"] = bg.Record(ticket, "2026-11-27T02:00:00Z", "arn:aws:sts::111111111111:assumed-role/Ops/jane@example.com",
                                             roles.of(bg.SIDE[label]), "0" * 64).tags()


def test_a_closed_posture_passes_with_the_four_ssn_resources_as_subjects(static):
    outcome = no_break_glass_open(Posture(live(static)))
    assert outcome.passed, outcome.message
    assert len(outcome.subjects) == 4 and all("closed" in e for e in outcome.evidence)


@pytest.mark.parametrize("label", bg.RESOURCES)
def test_an_open_resource_fails_naming_the_ticket_and_since_when(static, label):
    snapshot = live(static)
    _open(snapshot, label)
    outcome = no_break_glass_open(Posture(snapshot))
    assert not outcome.passed
    (failure,) = outcome.failures
    assert label in failure and "break-glass open since 2026-11-27T02:00:00Z for ticket INC-77" in failure
    assert "jane" not in outcome.message and "example.com" not in outcome.message  # who, anonymised


def test_statements_without_a_record_fail(static):
    snapshot = live(static)
    _open(snapshot, bg.CROSS_KEY, with_record=False)
    outcome = no_break_glass_open(Posture(snapshot))
    assert not outcome.passed and "break-glass statements without a record" in outcome.message


def test_a_record_without_the_statements_fails(static):
    snapshot = live(static)
    _item(snapshot, bg.LOCAL_VAULT)["break_glass_tags"] = bg.Record("INC-5", "2026-11-27T01:00:00Z", None, None, None).tags()
    outcome = no_break_glass_open(Posture(snapshot))
    assert not outcome.passed and "INC-5" in outcome.message and "carries none of its statements" in outcome.message


def test_unreadable_tags_and_a_missing_vault_fail(static):
    snapshot = live(static)
    _item(snapshot, bg.LOCAL_KEY)["break_glass_tags"] = None
    outcome = no_break_glass_open(Posture(snapshot))
    assert not outcome.passed and "could not be read" in outcome.message
    snapshot = live(static)
    ssn = snapshot["environment"]["vault_names"]["ssn"]
    snapshot["vaults"] = [v for v in snapshot["vaults"] if not (v["name"] == ssn and v["account_id"] == "222222222222")]
    outcome = no_break_glass_open(Posture(snapshot))
    assert not outcome.passed and "cross-account SSN vault: not found" in outcome.message


# -- every resource is reported, whatever the ones before it show ------------------------------------------
def test_every_closed_resource_is_a_piece_of_evidence_naming_it(static):
    snapshot = live(static)
    outcome = no_break_glass_open(Posture(snapshot))
    assert outcome.passed
    assert len(outcome.evidence) == 4
    for label, evidence in zip(bg.RESOURCES, outcome.evidence):
        assert evidence.startswith(f"ok: {label} {target(Posture(snapshot), label).arn}: closed (no break-glass record, "
                                   "none of its statements)")


def test_a_missing_resource_does_not_hide_an_open_one_after_it(static):
    snapshot = live(static)
    local = _item(snapshot, bg.LOCAL_VAULT)
    snapshot["vaults"] = [v for v in snapshot["vaults"] if v is not local]
    _open(snapshot, bg.CROSS_KEY)
    outcome = no_break_glass_open(Posture(snapshot))
    # the local key is found through its vault, so it is missing as well
    assert outcome.failures[:2] == ["local SSN vault: not found in the live posture", "local SSN key: not found in the live posture"]
    assert len(outcome.failures) == 3
    assert "cross-account SSN key" in outcome.failures[2] and "break-glass open since 2026-11-27T02:00:00Z" in outcome.failures[2]


def test_unreadable_tags_do_not_hide_an_open_resource_after_them(static):
    snapshot = live(static)
    _item(snapshot, bg.LOCAL_VAULT)["break_glass_tags"] = None
    _open(snapshot, bg.CROSS_VAULT)
    outcome = no_break_glass_open(Posture(snapshot))
    assert len(outcome.failures) == 2
    assert "its tags could not be read, so an open break-glass cannot be ruled out" in outcome.failures[0]
    assert "cross-account SSN vault" in outcome.failures[1] and "for ticket INC-77" in outcome.failures[1]


def test_a_finding_names_where_the_open_resource_is_declared(static):
    snapshot = live(static)
    _open(snapshot, bg.LOCAL_KEY)
    origin = _item(snapshot, bg.LOCAL_KEY)["origin"]
    assert origin.get("logical_id")
    outcome = no_break_glass_open(Posture(snapshot))
    (finding,) = outcome.findings
    assert finding.origin == origin
    assert f"({origin['logical_id']})" in outcome.failures[0]
