@coverage
Feature: Coverage
  Every DynamoDB table of the application and every S3 bucket that is not explicitly excluded is backed
  up by exactly one plan. An exclusion is written in the inventory with its reason; tables cannot be
  excluded, because each holds primary data. Protected buckets are versioned (AWS Backup needs it) and
  expire noncurrent versions (AWS Backup stores every unexpired version).

  Background:
    Given the posture of the environment

  @COV-01
  Scenario: Every inventory table and non-excluded bucket exists and is selected by exactly one plan
    Then every protected resource exists and is selected by exactly one backup plan

  @COV-02
  Scenario: Every excluded bucket carries its reason and is backed up by no plan
    Then every excluded bucket has a reason and no plan selects it

  @COV-03
  Scenario: No DynamoDB table is excluded
    Then no table is excluded from backup

  @COV-04
  Scenario: Protected buckets are versioned and expire noncurrent versions
    Then every protected bucket is versioned and expires noncurrent versions

  @COV-05
  Scenario: The live audit could read everything it needs
    A read the account refuses would leave a control without evidence; it fails here, naming the missing
    permission.
    Then every read of the audit succeeded

  @COV-06
  Scenario: Every persisted resource the templates create is in the inventory with its protection and reason
    Tables, buckets and user pools go in their lists; log groups, secrets, parameters, event archives, queues,
    event data stores and buckets that hold no application data go in other_data, each protected as code,
    by an exporter, or excluded, with the reason. Static only: an account also holds the application's own
    resources, which its inventory names but this product's templates do not create.
    Then every persisted resource the templates create is in the inventory with its protection and reason
