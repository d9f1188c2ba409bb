"""EventBridge in the sandbox: ``TestEventPattern`` answered with moto's own matcher (``responses``)."""
