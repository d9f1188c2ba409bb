"""The project's mutation run: how much of the evaluators' behaviour the tests pin (docs/testing.md)."""
