"""Build the exporter's Lambda code folder: ``python -m exporter.build OUT_DIR``.

``scripts/deploy.sh`` runs this before ``aws cloudformation package`` uploads the folder the template's
``Code`` names (``.build/cognito-exporter``). The folder holds the ``exporter`` package alone: the Lambda
Python runtime provides boto3 and botocore, and the exporter needs nothing else, so nothing is vendored.
The folder is emptied first so a removed module never ships; files get a fixed timestamp so an unchanged
package zips to the same bytes and 'package' does not upload it again.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
FIXED_MTIME = 315532800  # 1980-01-01, the earliest time a zip can hold


def build(out_dir: Path) -> list[Path]:
    out_dir = Path(out_dir)
    target = out_dir / PACKAGE.name
    if out_dir.exists():
        shutil.rmtree(out_dir)
    target.mkdir(parents=True)
    written = []
    for source in sorted(PACKAGE.glob("*.py")):
        destination = target / source.name
        shutil.copyfile(source, destination)
        os.utime(destination, (FIXED_MTIME, FIXED_MTIME))
        written.append(destination)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m exporter.build OUT_DIR", file=sys.stderr)
        return 2
    files = build(Path(args[0]))
    print(f"built {len(files)} modules into {args[0]}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
