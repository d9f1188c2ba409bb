"""Lambda in the sandbox (moto's package name): ``DeadLetterConfig`` and ``KmsKeyArn`` kept (``models``)."""
