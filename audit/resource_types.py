"""Which CloudFormation resource types the posture snapshot reads beyond the backup resources, and why.

Both sources need the same answer: the static source reads these types from the templates, the live
source maps the types of the accounts' CloudFormation stacks to the same kinds. A leaf module, so the live
source does not import the template resolver to learn them.
"""
from __future__ import annotations

# Resources that hold data a redeploy of their template does not bring back, by the inventory kind under
# which the configuration lists them, with the property that names them.
PERSISTED_TYPES = {
    "AWS::DynamoDB::Table": ("dynamodb-table", "TableName"),
    "AWS::S3::Bucket": ("s3-bucket", "BucketName"),
    "AWS::Cognito::UserPool": ("user-pool", "UserPoolName"),
    "AWS::Logs::LogGroup": ("log-group", "LogGroupName"),
    "AWS::SecretsManager::Secret": ("secret", "Name"),
    "AWS::SSM::Parameter": ("ssm-parameter", "Name"),
    "AWS::Events::Archive": ("event-archive", "ArchiveName"),
    "AWS::SQS::Queue": ("queue", "QueueName"),
    "AWS::CloudTrail::EventDataStore": ("event-data-store", "Name"),
}

# EventBridge state (docs/eventbridge-backup.md: AWS Backup protects none of it), by kind, with the property
# that names it.
EVENTBRIDGE_TYPES = {
    "AWS::Events::EventBus": ("event-bus", "Name"),
    "AWS::Events::Rule": ("rule", "Name"),
    "AWS::Events::Archive": ("archive", "ArchiveName"),
    "AWS::Events::ApiDestination": ("api-destination", "Name"),
    "AWS::Events::Connection": ("connection", "Name"),
    "AWS::Scheduler::ScheduleGroup": ("schedule-group", "Name"),
    "AWS::Scheduler::Schedule": ("schedule", "Name"),
    "AWS::Pipes::Pipe": ("pipe", "Name"),
}
