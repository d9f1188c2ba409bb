"""BG-04 "No break-glass is open" (``audit.controls.break_glass.no_break_glass_open``) reports every one of
the four SSN resources, whatever the others show: a missing resource or unreadable tags do not hide an open
break-glass further on, a closed resource is evidence, and a finding names where the resource is declared."""
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


@pytest.fixture
def snapshot(static):
    live = copy.deepcopy(static)
    live["mode"] = "live"
    return live


def _item(snapshot, label):
    where = target(Posture(snapshot), label)
    return next(i for i in snapshot["keys" if where.kind == "kms_key" else "vaults"] if i["arn"] == where.arn)


def _open(snapshot, label):
    posture = Posture(snapshot)
    env = posture.env
    roles = bg.roles(env["environment_account_id"], env["backup_account_id"], env["break_glass_role_name"])
    item = _item(snapshot, label)
    field = "policy" if "policy" in item else "access_policy"
    item[field] = bg.open_policy(item[field], bg.change(label, roles, posture.region(bg.SIDE[label])))
    item["break_glass_tags"] = bg.Record("INC-77", "2026-11-27T02:00:00Z", None, roles.of(bg.SIDE[label]), None).tags()


def test_every_closed_resource_is_a_piece_of_evidence_naming_it(snapshot):
    outcome = no_break_glass_open(Posture(snapshot))
    assert outcome.passed
    assert len(outcome.evidence) == 4
    for label, evidence in zip(bg.RESOURCES, outcome.evidence):
        assert evidence.startswith(f"ok: {label} {target(Posture(snapshot), label).arn}: closed (no break-glass record, "
                                   "none of its statements)")


def test_a_missing_resource_does_not_hide_an_open_one_after_it(snapshot):
    local = _item(snapshot, bg.LOCAL_VAULT)
    snapshot["vaults"] = [v for v in snapshot["vaults"] if v is not local]
    _open(snapshot, bg.CROSS_KEY)
    outcome = no_break_glass_open(Posture(snapshot))
    # the local key is found through its vault, so it is missing as well
    assert outcome.failures[:2] == ["local SSN vault: not found in the live posture", "local SSN key: not found in the live posture"]
    assert len(outcome.failures) == 3
    assert "cross-account SSN key" in outcome.failures[2] and "break-glass open since 2026-11-27T02:00:00Z" in outcome.failures[2]


def test_unreadable_tags_do_not_hide_an_open_resource_after_them(snapshot):
    _item(snapshot, bg.LOCAL_VAULT)["break_glass_tags"] = None
    _open(snapshot, bg.CROSS_VAULT)
    outcome = no_break_glass_open(Posture(snapshot))
    assert len(outcome.failures) == 2
    assert "its tags could not be read, so an open break-glass cannot be ruled out" in outcome.failures[0]
    assert "cross-account SSN vault" in outcome.failures[1] and "for ticket INC-77" in outcome.failures[1]


def test_a_finding_names_where_the_open_resource_is_declared(snapshot):
    _open(snapshot, bg.LOCAL_KEY)
    origin = _item(snapshot, bg.LOCAL_KEY)["origin"]
    assert origin.get("logical_id")
    outcome = no_break_glass_open(Posture(snapshot))
    (finding,) = outcome.findings
    assert finding.origin == origin
    assert f"({origin['logical_id']})" in outcome.failures[0]
