@restore
Feature: Recovery is proven, not assumed
  A backup that was never restored is a hope, not a control. This feature gathers what shows that each
  class of data comes back: the DynamoDB tables' own point-in-time recovery, and AWS Backup restore tests of
  every protected resource outside the SSN data, validated and timed against each category's restore-time
  objective (restore drills: docs/restore.md). The numbers come from the configuration of each category
  (config/defaults.json): point_in_time_recovery_days for the tables, rto_hours, restore_test_every_days.
  SSN data is never restore-tested: it is restored only through the break-glass.

  Background:
    Given the posture of the environment

  @RES-01
  Scenario: Every inventory table has point-in-time recovery on, with the window its category configures
    Point-in-time recovery restores a table into a new table as of any second of its window (up to about
    five minutes ago), so a bad write or a deletion between two daily backups can be undone. A shorter window
    than configured loses that reach; a longer one keeps deleted data restorable longer than promised. A table
    whose setting cannot be read fails, naming it. Checked on the templates and on the accounts.
    Then every inventory table has point-in-time recovery on with exactly the window its category configures

  @RES-02
  Scenario: Every protected resource outside the SSN data is restore-tested at its category's cadence, and SSN data never
    A restore testing plan restores the newest recovery point of the resources its selections name. Each protected
    table and bucket outside the SSN category must be named by a selection (by its ARN, or by * without tag
    conditions, which the audit cannot evaluate) of a plan whose schedule runs at least every
    restore_test_every_days of the category (the largest gap between two runs over a year) and whose included and
    excluded vaults admit the general vault. No plan may admit the SSN vault, and no selection may name SSN data.
    Checked on the templates and on the accounts.
    Then every protected resource outside the SSN data is in a restore testing selection whose plan runs at least as often as its category's restore_test_every_days from the general vault
    And no restore testing plan admits the SSN vault and no selection names SSN data

  @RES-03
  Scenario: The restore testing role can restore from the general vault and is denied the SSN vault and key by its own policies
    Decided by the policy evaluator with the role's policies, the vault access policies and the key policies, as
    AWS would decide a restore: AWS Backup may assume the role; a restore from the general vault is not denied; the
    general key allows kms:Decrypt and kms:CreateGrant through AWS Backup; the role may write the restored test
    table or bucket. Its own policies explicitly deny backup:StartRestoreJob on the SSN vault and kms:Decrypt and
    kms:CreateGrant on the SSN key, and so does the whole evaluation with the SSN vault and key policies.
    Then the role of every restore testing selection can restore from the general vault and is denied the SSN vault and the SSN key

  @RES-04
  Scenario: Restored test data stays under a customer-managed key of the environment
    Without overrides AWS restores a test table under an AWS-owned key and a test bucket with SSE-S3. Every
    selection must override the encryption: DynamoDB encryptionType KMS with kmsMasterKeyArn, S3 EncryptionType
    SSE-KMS with KMSKey, naming a customer-managed key of the environment account (not the SSN key).
    Then every restore testing selection keeps the restored data under a customer-managed key of the environment

  @RES-05
  Scenario: Every completed restore is validated, and failed or missing validations reach the alert topics
    AWS's sample "Restore Job State Change" COMPLETED event, placed in the environment, must be matched by an
    enabled rule that invokes the validation function and keeps what it cannot deliver in a dead-letter queue
    EventBridge can write to. Alarms notifying an alert topic watch failed restore jobs, failed validations, the
    function's errors, its dead letters, and, for each tested category, the absence of a SUCCESSFUL validation
    (missing data breaching: a plan that stopped running sends nothing).
    Then restore validation is triggered by every completed restore and its failures and absence alarm to the alert topics

  @RES-06
  Scenario: The newest restore test of every protected resource completed, validated and met the RTO
    Only the accounts hold restore jobs: this control runs in the live audit. For each protected resource outside
    the SSN data, the newest finished restore job a restore testing plan created must be COMPLETED, validated
    SUCCESSFUL, started at most restore_test_every_days plus 1 day of grace ago, and must have taken no longer
    than its category's rto_hours. No restore test at all fails.
    Then the newest restore test of every protected resource outside the SSN data completed, validated SUCCESSFUL, is at most its cadence plus 1 day old and took at most its category's RTO

  @RES-07
  Scenario: No restore-test or drill resource is left behind
    Only the accounts hold them: this control runs in the live audit. A table or bucket tagged (or named)
    awsbackup-restore-test older than the longest validation window plus 1 day, or a scratch resource of a
    retention drill (named <name>-drill-<stamp>, tagged compact-retention:drill) older than 1 day, is a full copy
    of production data outside the backup's protections: each one fails, named.
    Then no restore-test or drill resource is older than its validation window plus 1 day
