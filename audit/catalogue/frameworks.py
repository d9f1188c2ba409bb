"""The frameworks the control catalogue maps to, as reference data: which names exist, and their titles.

A mapping to a framework control that is not listed here is refused (``audit.catalogue``), so the
catalogue can never claim a requirement that does not exist (a misspelt Audit Manager control, a NIST
enhancement number that was never issued). Adding a framework control is a one-line edit here, with the
title copied from its source:

- NIST SP 800-53 revision 5: the 20 control families and the controls and enhancements this product
  maps to or is likely to (controls are written ``CP-9``, enhancements ``CP-9(8)``).
- AWS Backup Audit Manager: every ``ControlName`` accepted by ``CreateFramework``, with the control's
  name in the AWS Backup Developer Guide ("Choosing your controls", "Creating frameworks using the AWS
  Backup API").

Kept in Python rather than in the catalogue's YAML because the report reads the family titles on every
audit, and importing a YAML parser costs more than the rest of the report rendering.
"""
from __future__ import annotations

import re

NIST = "nist"
BACKUP_AUDIT_MANAGER = "backup-audit-manager"

FRAMEWORK_TITLES = {
    NIST: "NIST SP 800-53 rev. 5",
    BACKUP_AUDIT_MANAGER: "AWS Backup Audit Manager",
}

NIST_FAMILIES = {
    "AC": "Access Control",
    "AT": "Awareness and Training",
    "AU": "Audit and Accountability",
    "CA": "Assessment, Authorization, and Monitoring",
    "CM": "Configuration Management",
    "CP": "Contingency Planning",
    "IA": "Identification and Authentication",
    "IR": "Incident Response",
    "MA": "Maintenance",
    "MP": "Media Protection",
    "PE": "Physical and Environmental Protection",
    "PL": "Planning",
    "PM": "Program Management",
    "PS": "Personnel Security",
    "PT": "PII Processing and Transparency",
    "RA": "Risk Assessment",
    "SA": "System and Services Acquisition",
    "SC": "System and Communications Protection",
    "SI": "System and Information Integrity",
    "SR": "Supply Chain Risk Management",
}

NIST_CONTROLS = {
    "AC-2": "Account Management",
    "AC-3": "Access Enforcement",
    "AC-5": "Separation of Duties",
    "AC-6": "Least Privilege",
    "AU-2": "Event Logging",
    "AU-3": "Content of Audit Records",
    "AU-5": "Response to Audit Logging Process Failures",
    "AU-6": "Audit Record Review, Analysis, and Reporting",
    "AU-9": "Protection of Audit Information",
    "AU-11": "Audit Record Retention",
    "AU-12": "Audit Record Generation",
    "CA-7": "Continuous Monitoring",
    "CM-2": "Baseline Configuration",
    "CM-3": "Configuration Change Control",
    "CM-6": "Configuration Settings",
    "CM-8": "System Component Inventory",
    "CP-2": "Contingency Plan",
    "CP-4": "Contingency Plan Testing",
    "CP-6": "Alternate Storage Site",
    "CP-6(1)": "Alternate Storage Site | Separation from Primary Site",
    "CP-6(2)": "Alternate Storage Site | Recovery Time and Recovery Point Objectives",
    "CP-9": "System Backup",
    "CP-9(1)": "System Backup | Testing for Reliability and Integrity",
    "CP-9(2)": "System Backup | Test Restoration Using Sampling",
    "CP-9(3)": "System Backup | Separate Storage for Critical Information",
    "CP-9(5)": "System Backup | Transfer to Alternate Storage Site",
    "CP-9(7)": "System Backup | Dual Authorization for Deletion or Destruction",
    "CP-9(8)": "System Backup | Cryptographic Protection",
    "CP-10": "System Recovery and Reconstitution",
    "CP-10(2)": "System Recovery and Reconstitution | Transaction Recovery",
    "IR-4": "Incident Handling",
    "IR-6": "Incident Reporting",
    "SC-8": "Transmission Confidentiality and Integrity",
    "SC-12": "Cryptographic Key Establishment and Management",
    "SC-13": "Cryptographic Protection",
    "SC-28": "Protection of Information at Rest",
    "SC-28(1)": "Protection of Information at Rest | Cryptographic Protection",
    "SI-4": "System Monitoring",
    "SI-12": "Information Management and Retention",
    "SI-12(3)": "Information Management and Retention | Information Disposal",
}

BACKUP_AUDIT_MANAGER_CONTROLS = {
    "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN": "Backup resources are included in at least one backup plan",
    "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK": "Backup plan has minimum frequency and minimum retention",
    "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED": "Vaults prevent manual deletion of recovery points",
    "BACKUP_RECOVERY_POINT_ENCRYPTED": "Recovery points are encrypted",
    "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK": "Minimum retention established for recovery point",
    "BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION": "Cross-Region backup copy is scheduled",
    "BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT": "Cross-account backup copy is scheduled",
    "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK": "Resources are in a backup plan with an AWS Backup Vault Lock",
    "BACKUP_LAST_RECOVERY_POINT_CREATED": "Last recovery point was created",
    "RESTORE_TIME_FOR_RESOURCES_MEET_TARGET": "Restore time for resources meet target",
    "RESOURCES_IN_LOGICALLY_AIR_GAPPED_VAULT": "Resources are in a logically air-gapped vault",
}

FRAMEWORK_CONTROLS = {NIST: NIST_CONTROLS, BACKUP_AUDIT_MANAGER: BACKUP_AUDIT_MANAGER_CONTROLS}
# Frameworks whose whole list of controls is above, so a listing can name the ones no control covers.
COMPLETE_FRAMEWORKS = {BACKUP_AUDIT_MANAGER}

_NIST_ID = re.compile(r"^([A-Z]{2})-\d+(?:\(\d+\))?$")


def split_tag(tag: str) -> tuple[str, str] | None:
    """``"nist:CP-6(1)"`` -> ``("nist", "CP-6(1)")``; None for a tag that is not a framework mapping."""
    framework, sep, control = tag.partition(":")
    return (framework, control) if sep and framework and control else None


def nist_family(control: str) -> str:
    """``"CP-9(8)"`` -> ``"CP"``; "" when ``control`` is not written like a NIST control."""
    match = _NIST_ID.match(control)
    return match.group(1) if match else ""


def control_title(framework: str, control: str) -> str | None:
    """The title of a known framework control, None when the framework or the control is unknown."""
    return FRAMEWORK_CONTROLS.get(framework, {}).get(control)


def group_label(framework: str, control: str) -> tuple[str, str]:
    """Where a mapping is counted in the per-framework summary: NIST by family (``("CP", "Contingency
    Planning")``), every other framework by control (``(name, title)``)."""
    if framework == NIST:
        family = nist_family(control)
        return family or control, NIST_FAMILIES.get(family, "")
    return control, control_title(framework, control) or ""
