"""No cache serves a result that other code computed (issue 15): an edit of each module that contributes to a
cached result changes its key or invalidates its entry, and every cache of the audit is named here.

The caches (all under audit.cache_paths): decoded templates, static snapshots, schedule analyses (pinned in
tests/unit/test_schedule.py), validated configurations, the validated catalogue, compiled report templates.
An edit is simulated by serving the edited bytes for one file (``Path.read_bytes`` / the fingerprint's
digest), so the tests never write into the working tree.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import pytest

from audit import code_fingerprint
from tests.conftest import REPO_ROOT

# every module that reads or writes a cache folder of the audit, and the test of this module that pins it
CACHES = {
    "audit/templates/cache.py": "test_an_edit_of_any_decoder_module_changes_the_template_key",
    "audit/sources/static/cache.py": "tests/unit/test_static_cache.py",
    "audit/schedule.py": "tests/unit/test_schedule.py::test_an_edit_of_the_schedule_code_misses_the_cache",
    "audit/config/validate.py": "test_an_edit_of_the_validating_code_is_validated_again",
    "audit/catalogue/__init__.py": "test_an_edit_of_the_catalogue_code_changes_its_key",
    "audit/report/render.py": "test_compiled_report_templates_are_kept_per_jinja_version",
}


def edited_bytes(monkeypatch: pytest.MonkeyPatch, target: Path) -> None:
    """Path.read_bytes gives ``target``'s bytes with one more line, as if it had been edited."""
    real: Callable[[Path], bytes] = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        data = real(self)
        return data + b"\n# edited\n" if self.resolve() == target.resolve() else data

    monkeypatch.setattr(Path, "read_bytes", read_bytes)


def test_every_cache_of_the_audit_is_pinned_here() -> None:
    users = sorted(p.relative_to(REPO_ROOT).as_posix() for p in (REPO_ROOT / "audit").rglob("*.py")
                   if re.search(r"\b(cache_root|template_cache_dir)\(\)", p.read_text(encoding="utf-8"))
                   and p.name != "cache_paths.py")
    assert users and set(users) <= set(CACHES), f"a cache without a key test: {sorted(set(users) - set(CACHES))}"


@pytest.mark.parametrize("module", sorted((REPO_ROOT / "audit" / "templates").glob("*.py")), ids=lambda p: p.name)
def test_an_edit_of_any_decoder_module_changes_the_template_key(module: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from audit.templates import cache

    cache.code_digest.cache_clear()
    before = cache._key(b"Resources: {}")
    edited_bytes(monkeypatch, module)
    cache.code_digest.cache_clear()
    try:
        assert cache._key(b"Resources: {}") != before
    finally:
        monkeypatch.undo()
        cache.code_digest.cache_clear()
    assert cache._key(b"Resources: {}") == before  # the key is a function of the code, not of the moment


def test_the_template_key_holds_the_cfn_lint_version(monkeypatch: pytest.MonkeyPatch) -> None:
    from audit.templates import cache

    cache.code_digest.cache_clear()
    before = cache._key(b"x")
    monkeypatch.setattr(code_fingerprint, "library_versions", lambda libraries: "cfn-lint==0.0.0")
    cache.code_digest.cache_clear()
    try:
        assert cache._key(b"x") != before
    finally:
        monkeypatch.undo()
        cache.code_digest.cache_clear()


def test_an_edit_of_the_validating_code_is_validated_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The marker of a validated configuration records the project code loaded when it was written: an edit of
    the validator, or of the schedule code it measures with, means a full validation again."""
    from audit.config import validate

    monkeypatch.setenv("RETENTION_CACHE_DIR", str(tmp_path / "cache" / "templates"))
    runs: list[int] = []
    real_problems = validate.problems
    monkeypatch.setattr(validate, "problems", lambda *a, **k: runs.append(1) or real_problems(*a, **k))
    validate.load_config("example", for_audit=True)
    validate.load_config("example", for_audit=True)
    assert len(runs) == 1, "an unchanged configuration and code is validated once"
    for module in ("audit.config.validate", "audit.schedule", "audit.config.loader"):
        origin = code_fingerprint.module_file(module)
        assert origin is not None
        real_sha = code_fingerprint.sha256_file
        monkeypatch.setattr(code_fingerprint, "sha256_file", lambda p, o=origin, r=real_sha: "0" * 64 if p == o else r(p))
        before = len(runs)
        validate.load_config("example", for_audit=True)
        assert len(runs) == before + 1, f"an edit of {module} was served an earlier validation"
        monkeypatch.setattr(code_fingerprint, "sha256_file", real_sha)
        validate.load_config("example", for_audit=True)  # the edit undone is an edit too
        assert len(runs) == before + 2


def test_a_marker_that_records_no_code_is_no_proof(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A marker written by an older version (an empty file) or damaged never skips a validation."""
    from audit.config import validate

    monkeypatch.setenv("RETENTION_CACHE_DIR", str(tmp_path / "cache" / "templates"))
    runs: list[int] = []
    real_problems = validate.problems
    monkeypatch.setattr(validate, "problems", lambda *a, **k: runs.append(1) or real_problems(*a, **k))
    validate.load_config("example", for_audit=True)
    [marker] = (tmp_path / "cache" / "validated").iterdir()
    for content in ("", "{not json", '{"code": {}}'):
        marker.write_text(content)
        before = len(runs)
        validate.load_config("example", for_audit=True)
        assert len(runs) == before + 1, f"a marker holding {content!r} skipped the validation"


@pytest.mark.parametrize("module", ["audit/catalogue/__init__.py", "audit/catalogue/frameworks.py", "audit/yaml_lines.py"])
def test_an_edit_of_the_catalogue_code_changes_its_key(module: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from audit import catalogue

    before = catalogue._cache_file(b"controls: []")
    edited_bytes(monkeypatch, REPO_ROOT / module)
    assert catalogue._cache_file(b"controls: []") != before


def test_compiled_report_templates_are_kept_per_jinja_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Jinja checks each compiled template against its source's checksum and its bytecode format, not its own
    version; the folder per version keeps another version's compiled code out."""
    import jinja2

    from audit.report import render

    monkeypatch.setenv("RETENTION_CACHE_DIR", str(tmp_path / "cache" / "templates"))
    first = render._bytecode_cache()
    monkeypatch.setattr(jinja2, "__version__", "0.0.0-other")
    second = render._bytecode_cache()
    assert isinstance(first, jinja2.FileSystemBytecodeCache) and isinstance(second, jinja2.FileSystemBytecodeCache)
    assert first.directory != second.directory
    assert Path(second.directory).name == "0.0.0-other"
