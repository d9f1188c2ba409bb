"""Account-wide global settings and per-Region settings (resource type opt-in and management)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from moto.backup.exceptions import InvalidParameterValueException
from moto.backup.models import BackupBackend
from moto.core.utils import utcnow

from sandbox.backup.models.state import (
    DEFAULT_GLOBAL_SETTINGS,
    DEFAULT_MANAGEMENT,
    DEFAULT_OPT_IN,
    GLOBAL_SETTINGS_HOME_REGION,
    backend_for,
    state,
)

if TYPE_CHECKING:
    from sandbox.backup.models.state import SandboxBackupState


def describe_global_settings(self: BackupBackend) -> SandboxBackupState:
    return state(backend_for(self.account_id, GLOBAL_SETTINGS_HOME_REGION))


def update_global_settings(self: BackupBackend, settings: dict[str, str]) -> None:
    home = state(backend_for(self.account_id, GLOBAL_SETTINGS_HOME_REGION))
    for key, value in (settings or {}).items():
        if key not in DEFAULT_GLOBAL_SETTINGS:
            raise InvalidParameterValueException(msg=f"Unknown global setting {key}.")
        if str(value).lower() not in ("true", "false"):
            raise InvalidParameterValueException(msg=f"Global setting {key} must be 'true' or 'false'.")
        home.global_settings[key] = str(value).lower()
    home.global_settings_updated = utcnow()


def update_region_settings(self: BackupBackend, opt_in: dict[str, Any] | None,
                           management: dict[str, Any] | None) -> None:
    st = state(self)
    for key in opt_in or {}:
        if key not in DEFAULT_OPT_IN:
            raise InvalidParameterValueException(msg=f"Unsupported resource type {key} in ResourceTypeOptInPreference.")
    for key in management or {}:
        if key not in DEFAULT_MANAGEMENT:
            raise InvalidParameterValueException(
                msg=f"Unsupported resource type {key} in ResourceTypeManagementPreference (DynamoDB, EFS).")
    st.opt_in.update({k: bool(v) for k, v in (opt_in or {}).items()})
    st.management.update({k: bool(v) for k, v in (management or {}).items()})
