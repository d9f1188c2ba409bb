"""Build the validation function's Lambda code folder: ``python -m restore_validator.build OUT_DIR``.

``scripts/deploy.sh`` runs this before ``aws cloudformation package`` uploads the folder the template's
``Code`` names (``.build/restore-validator``). The folder holds ``restore_validator`` and the ``exporter``
package, whose manifest check the function reuses for the Cognito export bucket (built by
``exporter.build`` into the same folder, so both functions ship the same exporter code). The Lambda runtime
provides boto3; nothing else is vendored. Fixed timestamps as in ``exporter.build``.
"""
from __future__ import annotations

import sys
from pathlib import Path

from exporter.build import build as build_exporter, cli_main, copy_package

PACKAGE = Path(__file__).resolve().parent


def build(out_dir: Path) -> list[Path]:
    out_dir = Path(out_dir)
    return build_exporter(out_dir) + copy_package(PACKAGE, out_dir)  # build_exporter empties out_dir first


def main(argv: list[str] | None = None) -> int:
    return cli_main("restore_validator.build", build, argv)


if __name__ == "__main__":
    sys.exit(main())
