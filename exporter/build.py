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
from typing import Callable

PACKAGE = Path(__file__).resolve().parent
FIXED_MTIME = 315532800  # 1980-01-01, the earliest time a zip can hold


def copy_package(package: Path, out_dir: Path) -> list[Path]:
    """Copy a package's modules into ``out_dir/<package name>`` with the fixed timestamp (shared with
    ``restore_validator.build``, which ships this package beside its own)."""
    target = Path(out_dir) / package.name
    target.mkdir(parents=True)
    written = []
    for source in sorted(package.glob("*.py")):
        destination = target / source.name
        shutil.copyfile(source, destination)
        os.utime(destination, (FIXED_MTIME, FIXED_MTIME))
        written.append(destination)
    return written


def build(out_dir: Path) -> list[Path]:
    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    return copy_package(PACKAGE, out_dir)


def cli_main(module: str, build_into: Callable[[Path], list[Path]], argv: list[str] | None = None) -> int:
    """``python -m MODULE OUT_DIR``: build, say how many modules, exit 2 on a bad command line."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(f"usage: python -m {module} OUT_DIR", file=sys.stderr)
        return 2
    files = build_into(Path(args[0]))
    print(f"built {len(files)} modules into {args[0]}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    return cli_main("exporter.build", build, argv)


if __name__ == "__main__":
    sys.exit(main())
