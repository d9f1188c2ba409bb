"""The CloudFormation resource types moto 5.2.5 skips, by service; ``base`` holds what they share."""
