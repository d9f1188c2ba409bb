@cognito-export
Feature: Cognito user pools are exported daily, completely and safely
  AWS Backup cannot back up Cognito user pools. A scheduled exporter writes every user, attribute, status,
  group and membership of each pool to an S3 bucket, with a Cognito import CSV (a restore lands users in
  RESET_REQUIRED, from where they reset their own password) and a manifest written last; AWS Backup protects
  that bucket like any other. The chain holds only if every pool is scheduled, the exporter can do exactly
  its job and no more, the exports are encrypted and backed up across accounts, and a failure is noticed.

  Background:
    Given the posture of the environment

  @EXP-01
  Scenario: Every user pool of the inventory is exported at least once a day
    Then every user pool of the inventory has an enabled schedule into the exporter with its id, at least every 24 hours

  @EXP-02
  Scenario: Exports are encrypted with a customer-managed key, versioned, private and TLS-only
    Then the export bucket, the exporter's environment and its dead-letter queue are encrypted, and the bucket is versioned, private and TLS-only

  @EXP-03
  Scenario: The exporter's role reads only the exported pools and writes only the export prefix
    The decisions are evaluated as IAM evaluates the role's policies with the bucket and key policies.
    Then the exporter's role is decided as below
      | action                      | resource                             | decision |
      | cognito-idp:ListUsers        | each exported user pool              | allowed  |
      | cognito-idp:ListUsersInGroup | each exported user pool              | allowed  |
      | cognito-idp:ListGroups       | each exported user pool              | allowed  |
      | cognito-idp:DescribeUserPool | each exported user pool              | allowed  |
      | cognito-idp:GetCSVHeader     | each exported user pool              | allowed  |
      | cognito-idp:ListUsers        | another user pool                    | denied   |
      | cognito-idp:AdminCreateUser  | each exported user pool              | denied   |
      | cognito-idp:AdminDeleteUser  | each exported user pool              | denied   |
      | cognito-idp:AdminSetUserPassword | each exported user pool          | denied   |
      | cognito-idp:DeleteUserPool   | each exported user pool              | denied   |
      | s3:PutObject                 | an object under the export prefix    | allowed  |
      | s3:GetObject                 | an object under the export prefix    | allowed  |
      | s3:DeleteObject              | a checkpoint under the export prefix | allowed  |
      | s3:DeleteObject              | an object under the export prefix    | denied   |
      | s3:PutObject                 | an object outside the export prefix  | denied   |
      | s3:PutObject                 | another bucket                       | denied   |
      | s3:PutBucketPolicy           | the export bucket                    | denied   |
      | s3:PutLifecycleConfiguration | the export bucket                    | denied   |
      | s3:DeleteBucket              | the export bucket                    | denied   |
      | kms:GenerateDataKey          | the export key                       | allowed  |
      | kms:Decrypt                  | another key                          | denied   |
      | kms:ScheduleKeyDeletion      | the export key                       | denied   |
      | cloudwatch:PutMetricData     | the export metrics namespace         | allowed  |
      | cloudwatch:PutMetricData     | another metrics namespace            | denied   |
      | iam:PassRole                 | any role                             | denied   |
    And no statement of the exporter's role allows every action of a service, or every resource without a condition

  @EXP-04
  Scenario: The export bucket is itself backed up and copied to the backup account
    Then the bucket the exporter writes to is in the inventory, selected by a backup plan, and copied to the backup account

  @EXP-05
  Scenario: A failed or missing export reaches an alert topic
    Then the exporter has a dead-letter queue, an errors alarm and per pool a "no complete export in 26 hours" alarm, all notifying an alert topic

  @EXP-06
  Scenario: Every user pool has a complete export from the last 26 hours
    A complete export has its manifest (written last), and every object the manifest names is present with
    its recorded size. Its age counts from when it began reading the pool, not from its manifest: a day's
    export resumed and finished the next day holds the pool as it was the day before.
    Then every user pool of the inventory has a complete export at most 26 hours old

  @EXP-07
  Scenario: The export bucket keeps each export no longer than the export retention
    Every daily export is a full copy of the users' personal data; the backups keep the history for the
    export retention, so the bucket itself expires every current object (exports, manifests, checkpoints of
    runs that never finished) after the configured age, at most that retention.
    Then the export bucket expires every current object under the export prefix after at most 365 days
