"""The one exception of the policy evaluator, in its own module so that every other module can raise it."""
from __future__ import annotations


class PolicyError(ValueError):
    """A policy document AWS would reject (or that we cannot evaluate faithfully).

    Raised instead of guessing, so that a typo such as an unknown condition operator can never make a
    ``Deny`` silently stop applying. The message names the statement (position and Sid) and the field.
    """
