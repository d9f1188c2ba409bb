"""The tests of compact-retention: a package, so that pytest puts the repository root (not tests/) on the
import path and ``import audit`` finds the product under test, never tests/audit (tests/unit/test_working_tree.py)."""
