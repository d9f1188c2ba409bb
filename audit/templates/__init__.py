"""CloudFormation templates as plain data.

``load_template`` decodes a YAML/JSON template with cfn-lint's decoder (no
rules are run) and ``resolve_template`` evaluates parameters, conditions and
intrinsic functions into plain JSON-serialisable Python, keeping source lines.
Values known only at deploy time are :class:`Symbol` strings such as
``"{{SSNKey.Arn}}"``.

This module is the package's front door only: its submodules (errors, symbols, cache, functions,
intrinsics, loader, resolved, ...) import one another by their own module path, never through
``audit.templates``, so the foundations sit below this facade and no import runs in a circle.
"""

from audit.templates.errors import ParameterError, TemplateError
from audit.templates.loader import load_template
from audit.templates.resolved import ResolvedTemplate, resolve_template
from audit.templates.symbols import Symbol

__all__ = [
    "ParameterError",
    "ResolvedTemplate",
    "Symbol",
    "TemplateError",
    "load_template",
    "resolve_template",
]
