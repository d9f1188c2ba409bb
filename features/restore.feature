@restore
Feature: Recovery is proven, not assumed
  A backup that was never restored is a hope, not a control. This feature gathers what shows that each
  class of data comes back: today the DynamoDB tables' own point-in-time recovery; restore tests of every
  protected resource and restore drills, timed against each category's restore-time objective, follow
  (docs/restore.md). The numbers come from the configuration of each category (config/defaults.json):
  point_in_time_recovery_days for the tables, rto_hours, restore_test_every_days.

  Background:
    Given the posture of the environment

  @RES-01 @nist:CP-9 @nist:CP-10 @nist:CP-10(2)
  Scenario: Every inventory table has point-in-time recovery on, with the window its category configures
    Point-in-time recovery restores a table into a new table as of any second of its window (up to about
    five minutes ago), so a bad write or a deletion between two daily backups can be undone. A shorter window
    than configured loses that reach; a longer one keeps deleted data restorable longer than promised. A table
    whose setting cannot be read fails, naming it. Checked on the templates and on the accounts.
    Then every inventory table has point-in-time recovery on with exactly the window its category configures
