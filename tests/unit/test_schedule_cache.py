"""The on-disk cache of schedule analyses: what it serves equals what the code computes, a damaged entry is
recomputed, and nothing is cached under a key that cannot say which library computed it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from audit import schedule

START = datetime(2026, 1, 1, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("RETENTION_CACHE_DIR", str(tmp_path / "deep" / "templates"))
    schedule._analyse_cached.cache_clear()
    yield
    schedule._analyse_cached.cache_clear()


def entries(tmp_path):
    return sorted((tmp_path / "deep" / "schedules").glob("*.json"))


def from_disk(expression, **kwargs):
    schedule._analyse_cached.cache_clear()
    return schedule.analyse(expression, start=START, **kwargs)


@pytest.mark.parametrize("expression,kwargs", [
    ("cron(0 12 29 2 ? *)", {}),                       # no run in the horizon: every gap and run is None
    ("cron(0 5 1 1 ? *)", {}),                         # one run
    ("cron(0 5 * * ? *)", {"timezone": "Europe/Paris"}),
    (None, {"default": schedule.BACKUP_RULE_DEFAULT_SCHEDULE}),
    ("rate(7 days)", {}),
])
def test_an_analysis_read_back_from_disk_equals_the_computed_one(tmp_path, expression, kwargs):
    computed = schedule.analyse(expression, start=START, **kwargs)
    assert len(entries(tmp_path)) == 1  # written, even into a cache folder that did not exist
    served = from_disk(expression, **kwargs)
    assert served == computed and served is not computed


def test_every_analysis_gets_its_own_entry_in_the_same_folder(tmp_path):
    for expression in ("cron(0 5 * * ? *)", "cron(0 6 * * ? *)", "rate(1 day)"):
        schedule.analyse(expression, start=START)
    schedule.analyse("cron(0 5 * * ? *)", start=START + timedelta(days=1))
    schedule.analyse("cron(0 5 * * ? *)", start=START, horizon=timedelta(days=30))
    assert len(entries(tmp_path)) == 5


def test_a_damaged_entry_is_recomputed_and_rewritten(tmp_path):
    computed = schedule.analyse("cron(0 2 ? * MON-FRI *)", start=START)
    (entry,) = entries(tmp_path)
    for damage in ("not json", '{"expression": "cron(0 2 ? * MON-FRI *)"}', '{"max_gap": "a day"}', "[]"):
        entry.write_text(damage, encoding="utf-8")
        assert from_disk("cron(0 2 ? * MON-FRI *)") == computed
        assert from_disk("cron(0 2 ? * MON-FRI *)") == computed  # the rewritten entry serves it


def test_an_entry_is_served_without_recomputing(tmp_path, monkeypatch):
    computed = schedule.analyse("cron(0 2 ? * MON-FRI *)", start=START)

    def refuse(*args, **kwargs):
        raise AssertionError("recomputed although the cache holds the analysis")

    monkeypatch.setattr(schedule, "_analyse", refuse)
    assert from_disk("cron(0 2 ? * MON-FRI *)") == computed


def test_nothing_is_cached_when_the_cron_librarys_version_is_unknown(tmp_path, monkeypatch):
    """The key holds aws-croniter's version: without it, a key could serve another version's analysis."""
    from importlib import metadata

    def unknown(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", unknown)
    analysis = schedule.analyse("cron(0 5 * * ? *)", start=START)
    assert analysis.max_gap == timedelta(hours=24) and entries(tmp_path) == []
    assert from_disk("cron(0 5 * * ? *)") == analysis


def test_an_unwritable_cache_does_not_stop_the_analysis(tmp_path):
    (tmp_path / "deep").mkdir()
    (tmp_path / "deep" / "schedules").write_text("a file where the folder should be", encoding="utf-8")
    assert schedule.analyse("cron(0 5 * * ? *)", start=START).max_gap == timedelta(hours=24)


def test_the_code_digest_follows_the_schedule_modules_own_bytes(monkeypatch):
    """An edit of audit/schedule.py changes the digest in every key; an edit of another file does not."""
    from pathlib import Path

    real = Path.read_bytes

    def edited(target):
        def read_bytes(self):
            data = real(self)
            return data + b"\n# edited\n" if self.resolve() == Path(target).resolve() else data
        return read_bytes

    schedule.code_digest.cache_clear()
    before = schedule.code_digest()
    for target, changes in ((schedule.__file__, True), (Path(schedule.__file__).with_name("events.py"), False)):
        monkeypatch.setattr(Path, "read_bytes", edited(target))
        schedule.code_digest.cache_clear()
        assert (schedule.code_digest() != before) is changes, target
        monkeypatch.undo()
    schedule.code_digest.cache_clear()
    assert schedule.code_digest() == before
