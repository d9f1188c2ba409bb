"""The restore validation function of AWS Backup restore testing (cloudformation/restore-testing.yaml).

AWS Backup restores a recovery point into a new test resource and sends "Restore Job State Change"; this
function checks what it can check of that resource on AWS and reports the result with
``PutRestoreValidationResult`` once per job. Deployed as a Lambda function (``handler.lambda_handler``);
the sandbox runs the same handler in-process (``sandbox.restore_validation``).
"""
