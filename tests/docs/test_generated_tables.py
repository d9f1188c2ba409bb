"""docs/audit.md's control table is generated from the catalogue and the control declarations: the file in
the repository is what ``python -m audit.docs_tables`` generates, and the check fails on a stale table."""
from __future__ import annotations

from pathlib import Path

from audit.catalogue import load_catalogue
from audit.controls import registry
from audit.docs_tables import BEGIN, END, expected, main

DOCS = Path(__file__).resolve().parents[2] / "docs" / "audit.md"


def test_the_control_table_of_the_docs_is_the_generated_one():
    assert DOCS.read_text(encoding="utf-8") == expected(DOCS), "run: python -m audit.docs_tables --write"
    block = DOCS.read_text(encoding="utf-8").split(BEGIN)[1].split(END)[0]
    rows = [line for line in block.splitlines() if line.startswith("| ") and not line.startswith("| ID ")]
    assert [row.split(" | ")[0][2:] for row in rows] == load_catalogue().ids()
    live_only = [c.id for c in registry.controls().values() if c.modes == ("live",)]
    assert live_only and all(f"| {cid} |" in block and any(r.startswith(f"| {cid} |") and "| live |" in r for r in rows)
                             for cid in live_only)


def test_a_stale_table_fails_and_write_fixes_it(tmp_path, capsys):
    docs = tmp_path / "audit.md"
    docs.write_text(f"# Audit\n\n{BEGIN}\n| ID | old |\n{END}\nafter\n", encoding="utf-8")
    assert main(["--docs", str(docs)]) == 1 and "stale" in capsys.readouterr().out
    assert main(["--docs", str(docs), "--write"]) == 0
    assert main(["--docs", str(docs)]) == 0
    text = docs.read_text(encoding="utf-8")
    assert text.startswith("# Audit\n\n") and text.endswith(f"{END}\nafter\n") and "| RPO-01 |" in text


def test_a_file_without_the_markers_is_refused(tmp_path, capsys):
    docs = tmp_path / "audit.md"
    docs.write_text("# no markers\n", encoding="utf-8")
    assert main(["--docs", str(docs), "--write"]) == 2
    assert "no '<!-- BEGIN generated" in capsys.readouterr().err and docs.read_text() == "# no markers\n"
