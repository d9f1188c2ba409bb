"""Where the project's folders are: the one place that answers, so no module guesses the repository root.

The tool runs from an installed package (``pip install .``, ``pipx install .``), so where its code sits says
nothing about where the user's configuration, templates and reports are. They come from the command line
(``--config-dir``, ``--templates-dir``, ``--report-dir``), and what is not given defaults to a folder of the
*project directory*: ``--project-dir``, else ``RETENTION_PROJECT_DIR``, else the current directory::

    <project>/config/          the environments' configuration
    <project>/cloudformation/  the templates
    <project>/reports/         the reports (<env>/<mode>/)

What ships with the tool comes from the package itself, never from the project: the feature files (the
controls) and the catalogue (``audit/catalogue/catalogue.yaml``). The feature files stay at the repository's top-level
``features/`` where the auditors read them; ``audit/features`` is a symbolic link to that folder, declared as
package data, so a wheel (``pip install .`` copies what the link points to) and an editable install or a
checkout (the link itself) both find them at ``audit/features``. A link, not a setuptools ``package-dir``
mapping of a data package: setuptools cannot map a package that ``packages.find`` did not discover, and an
explicit package list would silently drop every subpackage added later.
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator

ENV_VAR = "RETENTION_PROJECT_DIR"
PACKAGE_DIR = Path(__file__).resolve().parent  # the audit package: its own data, never the project's

_chosen: list[Path] = []  # --project-dir of the running command (innermost last)


def project_dir() -> Path:
    """``--project-dir`` of the running command, else ``$RETENTION_PROJECT_DIR``, else the current folder."""
    if _chosen:
        return _chosen[-1]
    return Path(os.environ.get(ENV_VAR) or os.getcwd()).absolute()


@contextlib.contextmanager
def chosen(folder: Path | None) -> Iterator[None]:
    """Within the block, ``folder`` (when given) is the project directory."""
    if folder is None:
        yield
        return
    _chosen.append(Path(folder).absolute())
    try:
        yield
    finally:
        _chosen.pop()


def config_dir() -> Path:
    return project_dir() / "config"


def templates_dir() -> Path:
    return project_dir() / "cloudformation"


def reports_dir() -> Path:
    return project_dir() / "reports"


def template_path(relative: str | Path, folder: Path | None = None) -> Path:
    """A template the configuration names by its project-relative path (``cloudformation/x.yaml``): in
    ``folder`` (``--templates-dir``) by its file name, else under the project directory."""
    relative = Path(relative)
    return Path(folder) / relative.name if folder else project_dir() / relative


def features_dir() -> Path:
    """The feature files shipped with the tool (``audit/features``, see the module docstring)."""
    return PACKAGE_DIR / "features"
