"""Commands other packages add to ``retention``: the entry-point group ``compact_retention.commands``.

Each entry point names a function ``register(sub)`` that adds its command group to the ``retention``
subcommands ``sub`` (the sandbox's: ``sandbox = "sandbox.commands:register"`` in pyproject.toml). So the
audit's code names no module of those packages (``audit`` never imports ``sandbox``), and a package that is
not installed simply adds nothing. The group is read from the installed distributions' metadata; a checkout
run without installing the project (no metadata) has no ``retention sandbox``, and asking for it says why.
"""
from __future__ import annotations

from typing import Any

GROUP = "compact_retention.commands"
# The groups a user may ask for by name when they were not registered: the message then says how to get them.
KNOWN = {"sandbox": "the local sandbox (moto)"}


def _entry_points() -> list[Any]:
    from importlib.metadata import entry_points

    return sorted(entry_points(group=GROUP), key=lambda point: point.name)


def registered() -> set[str]:
    """The names of the command groups installed packages declare."""
    return {point.name for point in _entry_points()}


def register_all(sub: Any) -> list[str]:
    """Call every registered ``register(sub)``; the names of the groups added."""
    added = []
    for point in _entry_points():
        point.load()(sub)
        added.append(point.name)
    return added


def missing_message(name: str) -> str:
    return (f"'retention {name}' ({KNOWN[name]}) is not installed: no entry point {name!r} in the group {GROUP} "
            f"(install the project, e.g. pip install -e . or pip install ., so its metadata declares the group)")
