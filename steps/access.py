"""Steps of the isolation, break-glass and encryption features."""
from __future__ import annotations

from pytest_bdd import parsers, then

from audit.controls import break_glass, encryption, isolation, ssn_exemptions
from steps.common import rows

DECISIONS = parsers.re(r"each principal below is (?P<decision>allowed|denied|explicitly denied) the action on the target")
DECISIONS_AFTER = parsers.re(r"after the documented break-glass statements are applied, each principal below is "
                             r"(?P<decision>allowed|denied|explicitly denied) the action on the target")


@then(DECISIONS)
def access_decisions(posture, record, decision, datatable):
    record(break_glass.access_decisions(posture, rows(datatable), decision))


@then(DECISIONS_AFTER)
def access_decisions_after(posture, record, decision, datatable):
    record(break_glass.access_decisions(posture, rows(datatable), decision, opened=True))


@then("no break-glass is open on the SSN vaults and keys")
def no_break_glass_open(posture, record):
    record(break_glass.no_break_glass_open(posture))


@then("the SSN DENY statements exempt exactly the documented principals, and no other principal named in the SSN "
      "policies may restore, decrypt, copy out, delete or tag")
def exact_ssn_exemptions(posture, record):
    record(ssn_exemptions.exact_exemptions(posture))


@then("every rule protecting a resource copies into the vault of its category in the backup account and region")
def copies_to_category_vault(posture, record):
    record(isolation.copies_to_category_vault(posture))


@then("the cross-account vault policies allow only backup:CopyIntoBackupVault from the environment account in the organization")
def destination_policies(posture, record):
    record(isolation.destination_vault_policies(posture))


@then("no vault, key or bucket policy allows principal * without a condition")
def no_wildcards(posture, record):
    record(isolation.no_unconditioned_wildcard_principal(posture))


@then("the keys of the cross-account vaults can be used by the environment account only through AWS Backup")
def destination_keys(posture, record):
    record(isolation.destination_keys_only_through_backup(posture))


@then("SSN data is backed up and copied only into the SSN vaults, and no other role can put data there")
def ssn_isolation(posture, record):
    record(isolation.ssn_data_only_in_ssn_vaults(posture))


@then("every backup vault is encrypted with a customer-managed key that rotates")
def vault_keys(posture, record):
    record(encryption.vaults_use_rotating_customer_keys(posture))


@then("every protected bucket uses SSE-KMS, refuses requests without TLS and blocks public access")
def buckets_encrypted(posture, record):
    record(encryption.protected_buckets_encrypted_private_tls_only(posture))


@then("every backup vault and its key are retained on stack deletion and replacement")
def retained(posture, record):
    record(encryption.vaults_and_keys_retained(posture))


@then("cross-account backup is enabled for the organization and DynamoDB advanced features in both accounts' regions")
def account_settings(posture, record):
    record(isolation.account_settings_enabled(posture))
