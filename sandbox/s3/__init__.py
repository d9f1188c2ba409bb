"""S3 in the sandbox: object requests checked against the bucket policy by the project's evaluator
(``models``)."""
