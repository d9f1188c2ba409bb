@retention
Feature: Retention
  Each category of data keeps its recovery points exactly as long as promised, in the environment account
  and in the backup account: critical data and SSN data 7 years, configuration data 3 years, documents 7
  years (they back the provider records), Cognito exports 1 year (each is a complete daily snapshot).
  Nothing shortens that (a lifecycle AWS would reject, a vault lock) and nothing stretches it.

  Background:
    Given the posture of the environment

  @RET-01
  Scenario: Each category keeps its recovery points exactly as long as promised
    Then every rule protecting each category below deletes its recovery points after the days stated
      | category           | days |
      | critical_data      | 2555 |
      | configuration_data | 1095 |
      | ssn_data           | 2555 |
      | document_storage   | 2555 |
      | export_data        | 365  |

  @RET-02
  Scenario: Cold storage is used where the resource type supports it, and only there
    Then every rule protecting each category below moves its recovery points to cold storage after the days stated
      | category           | cold |
      | critical_data      | 30   |
      | configuration_data | 30   |
      | ssn_data           | 30   |
      | document_storage   | none |
      | export_data        | none |

  @RET-03
  Scenario: Every lifecycle keeps recovery points at least 90 days after the move to cold storage
    Then every lifecycle deletes its recovery points at least 90 days after moving them to cold storage

  @RET-04
  Scenario: Copies in the backup account keep the lifecycle of their source
    Then every copy action keeps the lifecycle of its rule

  @RET-05
  Scenario: Vault locks neither cut retention short nor let it run longer
    Then the lock of every vault a rule writes into allows exactly that rule's retention

  @RET-06
  Scenario: Vault locks are in the promised mode
    Compliance mode in the backup account (after its cooling-off nobody, not even the account root, can
    shorten retention or remove the lock); governance mode in the environment account.
    Then the backup account's vaults have compliance-mode locks changeable for at least 3 days and the environment account's vaults have governance-mode locks

  @RET-07
  Scenario: Recovery points carry the retention of their category
    Only the accounts hold recovery points: this control runs in the live audit.
    Then the newest recovery point and copy of every protected resource of each category below are deleted after the days stated
      | category           | days |
      | critical_data      | 2555 |
      | configuration_data | 1095 |
      | ssn_data           | 2555 |
      | document_storage   | 2555 |
      | export_data        | 365  |
