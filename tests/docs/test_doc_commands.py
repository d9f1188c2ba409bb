"""Every ``retention …`` and ``scripts/….sh`` command written in the repository's Markdown exists, with the
options it is shown with; and the checker does find a missing subcommand, script or option."""
from __future__ import annotations

import pytest

from tests.docs.doc_commands import REPO, commands, documents, problems, snippets


@pytest.mark.parametrize("path", documents(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_command_in_the_docs_exists(path):
    assert problems(path.read_text(encoding="utf-8"), str(path.relative_to(REPO))) == []


def test_the_docs_show_commands_at_all():
    shown = [c for p in documents() for _, s in snippets(p.read_text(encoding="utf-8")) for c in commands(s)]
    assert {c[0] for c in shown} >= {"retention", "scripts/rollout.sh", "scripts/deploy.sh"}
    assert len(shown) > 50


BROKEN = """
Run `retention frobnicate --env prod` first.

```sh
scripts/nope.sh --env prod              # a script that does not exist
retention audit --mode live --colour \\
  --env prod                            # an option audit does not have
scripts/gate.sh --env prod --force && retention config validate --env prod
RETENTION_CACHE_DIR=/tmp retention config frob
```
"""


def test_the_checker_finds_what_does_not_exist():
    found = problems(BROKEN, "broken.md")
    assert [f.split(": ", 2)[0] for f in found] == ["broken.md:2", "broken.md:5", "broken.md:6", "broken.md:8", "broken.md:9"]
    assert "'retention frobnicate' is not a subcommand" in found[0]
    assert "scripts/nope.sh does not exist" in found[1]
    assert "--colour is not an option of retention audit" in found[2]
    assert "--force is not an option of scripts/gate.sh" in found[3]
    assert "'retention config frob' is not a subcommand" in found[4]


def test_snippets_join_continuations_and_drop_comments():
    text = "```sh\nretention audit --mode static \\\n  --env prod   # comment --bogus\n```\n"
    assert snippets(text) == [(2, "retention audit --mode static    --env prod")]
    assert commands("retention audit --mode static --env prod | tee x; ./scripts/gate.sh --env prod") == [
        ("retention", ["audit"], ["--mode", "--env"]), ("scripts/gate.sh", [], ["--env"])]
