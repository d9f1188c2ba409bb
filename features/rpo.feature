@rpo
Feature: Recovery point objective
  The platform promises a recovery point objective (RPO) of one day: after any loss, the newest recovery
  point of every protected table and bucket is at most one day old, in the environment account and in the
  backup account, plus a stated grace for the backup job to start and finish (8 hours).
  The worst case is computed from each rule's schedule (the largest gap between two scheduled starts over
  a year, evaluated with an AWS-cron library) plus its start window plus its completion window, because a
  recovery point is dated at the start of its job. A copy is counted within its rule's completion window.

  Background:
    Given the posture of the environment

  @RPO-01
  Scenario: The newest local recovery point of every protected resource is within the RPO
    Then the newest recovery point of every protected resource is at most 24 hours old plus 8 hours of grace

  @RPO-02
  Scenario: The newest cross-account copy of every protected resource is within the RPO
    Then the newest copy in the backup account of every protected resource is at most 24 hours old plus 8 hours of grace

  @RPO-03
  Scenario: The newest completed recovery point of every protected resource is younger than the RPO
    Only the accounts hold recovery points: this control runs in the live audit.
    Then the newest completed recovery point of every protected resource in the environment account is at most 24 hours old plus 8 hours of grace

  @RPO-04
  Scenario: The newest completed copy of every protected resource in the backup account is younger than the RPO
    Only the accounts hold recovery points: this control runs in the live audit.
    Then the newest completed copy of every protected resource in the backup account is at most 24 hours old plus 8 hours of grace
