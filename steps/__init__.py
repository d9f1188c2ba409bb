"""The step library: short Gherkin bindings that ask the posture snapshot through ``audit.controls``.

Steps never read files or call AWS; each ``Then`` evaluates one control function and records its
outcome (subjects, evidence, message) for the report, then asserts it passed.
"""
