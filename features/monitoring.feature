@monitoring
Feature: Monitoring that really alerts
  A backup failure is only detected if an alert reaches someone. Each failure class AWS Backup documents
  is taken from AWS's own sample events, placed into the environment, and matched against the patterns of
  the deployed EventBridge rules; the rule must be enabled and target an alert topic. Each alert topic must
  be publishable by its sources as the topic policy and the topic's KMS key policy decide (the real project
  this design comes from encrypted its topic with a key that did not trust EventBridge, and no alert ever
  arrived). Events of the SSN vault, restores and policy changes on SSN resources go to the critical topic.

  Background:
    Given the posture of the environment

  @MON-01
  Scenario: Every backup failure class reaches the alerts topic
    Then each failure class below reaches the alerts topic through an enabled EventBridge rule
      | failure class           | sample event            | vault   |
      | backup job failed       | backup-job-failed       | general |
      | backup job aborted      | backup-job-aborted      | general |
      | backup job expired      | backup-job-expired      | general |
      | copy job failed         | copy-job-failed         | general |
      | recovery point partial  | recovery-point-partial  | general |
      | recovery point expired  | recovery-point-expired  | general |
      | recovery point deleting | recovery-point-deleting | general |
      | vault modified          | backup-vault-modified   | general |
      | vault deleted           | backup-vault-deleted    | general |
      | plan modified           | backup-plan-modified    | -       |
      | plan deleted            | backup-plan-deleted     | -       |

  @MON-02
  Scenario: Alert topics are encrypted with a rotating customer-managed key and have subscribers
    Only a customer-managed key's policy can let EventBridge and CloudWatch use it; the AWS-managed SNS key
    cannot.
    Then every alert topic is encrypted with a customer-managed key that rotates and has at least one subscriber

  @MON-03
  Scenario: Every rule and alarm can actually publish to its alert topic
    EventBridge (events.amazonaws.com) and CloudWatch (cloudwatch.amazonaws.com) need sns:Publish from the
    topic policy and kms:GenerateDataKey* and kms:Decrypt from the key policy; otherwise SNS drops the
    message without an error anyone sees.
    Then every rule and alarm that targets an alert topic may publish to it, by the topic policy and by the key policy

  @MON-04
  Scenario: Every alarm notifies an alert topic
    Then every alarm of the environment has its actions enabled and notifies an alert topic

  @MON-05
  Scenario: SSN vault events, restores and policy changes reach the critical alerts topic
    A restore whose event names no vault could be from the SSN vault and is treated as critical. The policy
    changes arrive through CloudTrail, which needs a trail logging management events.
    Then each failure class below reaches the critical alerts topic through an enabled EventBridge rule
      | failure class                       | sample event                              | vault |
      | backup job failed in the SSN vault  | backup-job-failed                         | SSN   |
      | backup job expired in the SSN vault | backup-job-expired                        | SSN   |
      | copy from the SSN vault failed      | copy-job-failed                           | SSN   |
      | SSN recovery point partial          | recovery-point-partial                    | SSN   |
      | SSN recovery point deleting         | recovery-point-deleting                   | SSN   |
      | SSN vault modified                  | backup-vault-modified                     | SSN   |
      | SSN vault deleted                   | backup-vault-deleted                      | SSN   |
      | restore from the SSN vault          | restore-job-completed                     | SSN   |
      | restore naming no vault             | restore-job-failed                        | SSN   |
      | SSN vault access policy changed     | cloudtrail-put-backup-vault-access-policy | SSN   |
      | SSN key policy changed              | cloudtrail-put-key-policy                 | SSN   |

  @MON-06
  Scenario: An alarm fires when a vault misses its RPO
    The threshold is the number of protected resources of the vault, counted from the inventory; no
    datapoint at all (no completed job) counts as a breach.
    Then each local vault has an alarm that fires when it completes fewer backup jobs within 24 hours plus at most 8 hours of grace than it protects resources

  @MON-07
  Scenario: Every local vault alarms on failed, expired and partial backups, the SSN vault to the critical topic
    Then each local vault has an alarm on each metric below that fires on its first occurrence
      | metric                        |
      | NumberOfBackupJobsFailed      |
      | NumberOfCopyJobsFailed        |
      | NumberOfBackupJobsExpired     |
      | NumberOfRecoveryPointsPartial |

  @MON-08
  Scenario: An alert a rule cannot deliver is kept and raises an alarm
    EventBridge retries an event its target refuses for a day and then drops it. Every alert rule's target
    sends what it cannot deliver to an encrypted dead-letter queue that EventBridge may write to, and an
    alarm on that queue (CloudWatch's own path) says an alert was lost.
    Then every alert rule target dead-letters undeliverable events to a queue EventBridge can write to, watched by an alarm
