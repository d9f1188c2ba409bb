"""Binds every scenario of the features folder as a test (run by ``audit.runner``, not collected by the
project's own test suite). The folder comes from RETENTION_FEATURES_DIR."""
import os

from pytest_bdd import scenarios

scenarios(os.environ["RETENTION_FEATURES_DIR"])
