@break-glass
Feature: SSN break-glass
  Recovery points of the SSN table can be restored or decrypted by nobody until an emergency is declared
  and the documented break-glass statements are applied to the SSN vaults and keys (an explicit, logged
  policy change). Backups and copies keep working all the time. The decisions are evaluated as IAM and KMS
  evaluate the policies (explicit and implicit deny, conditions, key-policy delegation); "an outside
  account" is another account of the same organization, the strongest outsider.

  Background:
    Given the posture of the environment

  @BG-01
  Scenario: People are explicitly denied restore, decrypt, deletion and tagging on the SSN vaults and keys
    An explicit DENY, not only a missing Allow: no statement added later (a key grant, an IAM policy) can
    open these actions without removing the DENY first. Tagging is denied too: the break-glass record lives in
    the tags, and only the break-glass role (and a deployment through CloudFormation) may write them.
    Then each principal below is explicitly denied the action on the target
      | principal                                  | action                                 | target                  |
      | an administrator                           | backup:StartRestoreJob                 | local SSN vault         |
      | an administrator                           | backup:GetRecoveryPointRestoreMetadata | local SSN vault         |
      | an administrator                           | backup:DeleteRecoveryPoint             | local SSN vault         |
      | an administrator                           | backup:UpdateRecoveryPointLifecycle    | local SSN vault         |
      | an administrator                           | kms:Decrypt                            | local SSN key           |
      | an administrator                           | kms:CreateGrant                        | local SSN key           |
      | an administrator                           | backup:StartRestoreJob                 | cross-account SSN vault |
      | an administrator                           | backup:DeleteRecoveryPoint             | cross-account SSN vault |
      | an administrator                           | kms:Decrypt                            | cross-account SSN key   |
      | the account root                           | backup:StartRestoreJob                 | local SSN vault         |
      | the account root                           | backup:DeleteRecoveryPoint             | local SSN vault         |
      | the account root                           | kms:Decrypt                            | local SSN key           |
      | the account root                           | backup:StartRestoreJob                 | cross-account SSN vault |
      | the account root                           | kms:Decrypt                            | cross-account SSN key   |
      | the general backup role                    | backup:StartRestoreJob                 | local SSN vault         |
      | the general backup role through AWS Backup | kms:Decrypt                            | local SSN key           |
      | the general backup role through AWS Backup | kms:GenerateDataKey                    | cross-account SSN key   |
      | the general backup role                    | backup:DeleteRecoveryPoint             | cross-account SSN vault |
      | an outside account                         | backup:StartRestoreJob                 | cross-account SSN vault |
      | an outside account                         | kms:Decrypt                            | cross-account SSN key   |
      | an outside account                         | kms:Decrypt                            | local SSN key           |
      | the SSN backup role                        | kms:Decrypt                            | local SSN key           |
      | the SSN backup role                        | backup:StartRestoreJob                 | local SSN vault         |
      | an administrator                           | backup:TagResource                     | local SSN vault         |
      | an administrator                           | backup:UntagResource                   | local SSN vault         |
      | an administrator                           | kms:TagResource                        | local SSN key           |
      | the account root                           | kms:UntagResource                      | local SSN key           |
      | an administrator                           | backup:TagResource                     | cross-account SSN vault |
      | the account root                           | kms:TagResource                        | cross-account SSN key   |
      | the SSN backup role                        | backup:TagResource                     | local SSN vault         |

  @BG-02
  Scenario: The SSN backup role can still back up and AWS Backup can still copy
    Then each principal below is allowed the action on the target
      | principal                              | action                      | target                  |
      | the SSN backup role through AWS Backup | kms:GenerateDataKey         | local SSN key           |
      | the SSN backup role through AWS Backup | kms:Decrypt                 | local SSN key           |
      | the SSN backup role through AWS Backup | kms:GenerateDataKey         | cross-account SSN key   |
      | the SSN backup role                    | backup:CopyIntoBackupVault  | cross-account SSN vault |

  @BG-03
  Scenario: The break-glass role is denied until the documented break-glass statements are applied
    Then each principal below is denied the action on the target
      | principal            | action                 | target                  |
      | the break-glass role | backup:StartRestoreJob | local SSN vault         |
      | the break-glass role | kms:Decrypt            | local SSN key           |
      | the break-glass role | backup:StartRestoreJob | cross-account SSN vault |
      | the break-glass role | kms:Decrypt            | cross-account SSN key   |
    And after the documented break-glass statements are applied, each principal below is allowed the action on the target
      | principal            | action                 | target                  |
      | the break-glass role | backup:StartRestoreJob | local SSN vault         |
      | the break-glass role | kms:Decrypt            | local SSN key           |
      | the break-glass role | backup:StartRestoreJob | cross-account SSN vault |
      | the break-glass role | kms:Decrypt            | cross-account SSN key   |
    And after the documented break-glass statements are applied, each principal below is denied the action on the target
      | principal        | action                 | target                  |
      | an administrator | backup:StartRestoreJob | local SSN vault         |
      | an administrator | kms:Decrypt            | local SSN key           |
      | an administrator | backup:StartRestoreJob | cross-account SSN vault |
      | an administrator | kms:Decrypt            | cross-account SSN key   |

  @BG-04
  Scenario: No break-glass is open
    An emergency restore opens the SSN vaults and keys with scripts/break-glass.sh, which records the ticket,
    the time, the caller and the role in tags on each of them; until it is closed this control fails and
    names them. Break-glass statements in a policy without that record (a change outside the runbook) fail
    it too. Live only: the templates never carry a record.
    Then no break-glass is open on the SSN vaults and keys

  @BG-05
  Scenario: The SSN DENY statements exempt exactly the documented principals, and nobody else named gains anything
    A fixed list of principals cannot see a DENY that exempts one more named role. For every DENY statement on
    the SSN vaults and keys, the principals it does not apply to (the standard ones of both accounts and every
    principal named anywhere in the four policies, directly and through AWS Backup, DynamoDB and
    CloudFormation) are exactly the documented ones (docs/break-glass-design.md), and no other principal named
    in those policies may restore, decrypt, copy out, delete or tag. The break-glass role itself may tag: it
    writes the break-glass record.
    Then the SSN DENY statements exempt exactly the documented principals, and no other principal named in the SSN policies may restore, decrypt, copy out, delete or tag
    And each principal below is allowed the action on the target
      | principal            | action               | target                  |
      | the break-glass role | backup:TagResource   | local SSN vault         |
      | the break-glass role | kms:TagResource      | local SSN key           |
      | the break-glass role | backup:UntagResource | cross-account SSN vault |
      | the break-glass role | kms:UntagResource    | cross-account SSN key   |
