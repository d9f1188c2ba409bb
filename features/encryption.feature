@encryption
Feature: Encryption and durability of the backups
  Every vault is encrypted with a customer-managed KMS key that rotates (the AWS-managed key cannot be
  shared across accounts and leaves key policy to AWS). The buckets that hold protected data (documents,
  Cognito exports) use SSE-KMS, refuse requests without TLS and block public access. Vaults and their
  keys survive the deletion or replacement of the stack that created them.

  Background:
    Given the posture of the environment

  @ENC-01
  Scenario: Every vault uses a customer-managed key with rotation
    Then every backup vault is encrypted with a customer-managed key that rotates

  @ENC-02
  Scenario: Protected buckets are encrypted with KMS, TLS-only and private
    Then every protected bucket uses SSE-KMS, refuses requests without TLS and blocks public access

  @ENC-03
  Scenario: Vaults and their keys are retained when their stack is deleted or replaced
    Deletion policies exist only in templates; the live audit checks the vaults and keys themselves.
    Then every backup vault and its key are retained on stack deletion and replacement
