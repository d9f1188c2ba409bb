"""How scripts/test.sh spreads the tests over its pytest-xdist workers (the hooks of tests/conftest.py):
every module is one unit of work, and the modules that deploy Lambda code into a sandbox (they share the
repository's .build/ folder) are one unit together."""
from __future__ import annotations

from collections import OrderedDict
from types import SimpleNamespace

from tests.conftest import DEPLOY_GROUP, _deploys, pytest_xdist_make_scheduler


def scheduler(dist: str = "loadgroup"):
    config = SimpleNamespace(getoption=lambda name: {"dist": dist}[name], getvalue=lambda name: {"tx": ["2*popen"]}[name])
    return pytest_xdist_make_scheduler(config, None)


def test_a_module_naming_the_deployer_the_demo_or_the_code_folder_deploys(tmp_path):
    for text in ('run(REPO_ROOT / "scripts" / "deploy.sh")', "scripts/demo.sh --port 1", '".build" / "cognito-exporter"'):
        (tmp_path / "test_x.py").write_text(text)
        assert _deploys(tmp_path / "test_x.py"), text


def test_a_module_that_only_calls_the_sandbox_does_not_deploy(tmp_path):
    (tmp_path / "test_x.py").write_text('sandbox.client("backup").list_backup_vaults()  # a deploy_sh-free module\n')
    assert not _deploys(tmp_path / "test_x.py")


def test_tests_in_no_group_are_scheduled_by_module_and_grouped_tests_by_group():
    split = scheduler()._split_scope
    assert split("tests/unit/test_a.py::test_one") == "tests/unit/test_a.py"
    assert split("tests/unit/test_a.py::TestClass::test_two[a@b]") == "tests/unit/test_a.py"
    assert split(f"tests/sandbox/test_b.py::test_three@{DEPLOY_GROUP}") == DEPLOY_GROUP
    assert split(f"tests/sandbox/test_c.py::test_four[x]@{DEPLOY_GROUP}") == DEPLOY_GROUP


def test_other_distribution_modes_keep_xdists_own_scheduler():
    assert scheduler("load") is None
    assert scheduler("loadfile") is None


def test_the_deployments_group_is_handed_out_first():
    """It is the longest chain of the run; xdist alone would hand out units with more tests first."""
    class Node:  # the one method of xdist's WorkerController that handing out work calls
        def send_runtest_some(self, indexes: list[int]) -> None:
            sent.extend(indexes)

    sched, sent, node = scheduler(), [], Node()
    ids = ["tests/unit/test_a.py::t1", "tests/unit/test_a.py::t2", f"tests/sandbox/test_b.py::t@{DEPLOY_GROUP}"]
    sched.registered_collections[node] = ids
    sched.workqueue.update(OrderedDict([("tests/unit/test_a.py", {ids[0]: False, ids[1]: False}),
                                        (DEPLOY_GROUP, {ids[2]: False})]))
    sched._assign_work_unit(node)
    assert sent == [2] and list(sched.assigned_work[node]) == [DEPLOY_GROUP]
    sched._assign_work_unit(node)
    assert sent == [2, 0, 1]
