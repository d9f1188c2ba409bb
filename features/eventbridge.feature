@eventbridge
Feature: EventBridge state is recoverable from code
  AWS Backup protects no EventBridge resource (docs/eventbridge-backup.md). Buses, rules, schedules, pipes,
  API destinations and connections are configuration: they are recovered by deploying the templates that
  define them, so each must be defined by one. Archives are the one place EventBridge keeps event data; an
  archive keeps it a limited time, encrypted with a customer-managed key, and is listed in the inventory.

  Background:
    Given the posture of the environment

  @EVB-01
  Scenario: Every EventBridge resource of both accounts is defined by a CloudFormation stack
    Live only: a template defines what it defines; only the accounts show what was created by hand. A rule
    an AWS service created and keeps (its ManagedBy field) is that service's.
    Then every EventBridge resource in both accounts is defined by a CloudFormation stack or kept by an AWS service

  @EVB-02
  Scenario: Every EventBridge archive keeps events a limited time under a customer-managed key
    Then every EventBridge archive keeps its events a limited number of days under a customer-managed key
