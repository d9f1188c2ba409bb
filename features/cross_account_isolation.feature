@isolation
Feature: Cross-account isolation
  Every backup is copied out of the environment account and out of its region, into the vault of its
  category in the backup account. The backup account accepts those copies and nothing else: its vault
  policies grant only backup:CopyIntoBackupVault, only to the environment account inside the organization,
  and its keys can be used by the environment account only through AWS Backup. SSN data is kept in the SSN
  vaults only, and nothing else is kept there. Decisions are evaluated as IAM and KMS evaluate policies.

  Background:
    Given the posture of the environment

  @ISO-01
  Scenario: Every rule copies into its category's vault in the backup account and the backup region
    Then every rule protecting a resource copies into the vault of its category in the backup account and region

  @ISO-02
  Scenario: Cross-account vaults accept only copies from the environment account inside the organization
    Then the cross-account vault policies allow only backup:CopyIntoBackupVault from the environment account in the organization

  @ISO-03
  Scenario: No resource policy allows a wildcard principal without a condition
    Then no vault, key or bucket policy allows principal * without a condition

  @ISO-04
  Scenario: The destination keys are usable by the environment account only through AWS Backup
    Then the keys of the cross-account vaults can be used by the environment account only through AWS Backup

  @ISO-05
  Scenario: SSN data is copied only into the SSN vaults, and nothing else is kept there
    Then SSN data is backed up and copied only into the SSN vaults, and no other role can put data there

  @ISO-06
  Scenario: Cross-account backup and DynamoDB advanced features are enabled
    Organization and region settings exist only in the accounts: this control runs in the live audit.
    Then cross-account backup is enabled for the organization and DynamoDB advanced features in both accounts' regions
