"""The sandbox fixture for every test module of this folder (tests/support/sandbox.py has it and says how it
works)."""
from tests.support.sandbox import sandbox  # noqa: F401
