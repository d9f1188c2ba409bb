"""IAM policy evaluation: decide whether AWS would allow a request under given policies.

See ``audit.policy.evaluator`` for the semantics and for why the evaluator is written by hand.
"""
from audit.policy.evaluator import (
    ROOT_USER,
    Decision,
    PolicyError,
    Request,
    ResourcePolicyType,
    evaluate,
    statement_matches,
    statement_test,
)

__all__ = ["Decision", "PolicyError", "ROOT_USER", "Request", "ResourcePolicyType", "evaluate", "statement_matches",
           "statement_test"]
