"""The live source: the posture snapshot read from the accounts with boto3."""
