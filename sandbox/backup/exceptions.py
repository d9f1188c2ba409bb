"""AWS Backup's errors that moto 5.2.5 does not define (its own are in moto.backup.exceptions)."""
from __future__ import annotations

from moto.core.exceptions import JsonRESTError


class AccessDeniedException(JsonRESTError):
    code = 403

    def __init__(self, msg: str):
        super().__init__("AccessDeniedException", msg)


class MissingParameterValueException(JsonRESTError):
    code = 400

    def __init__(self, msg: str):
        super().__init__("MissingParameterValueException", msg)


class LimitExceededException(JsonRESTError):
    code = 400

    def __init__(self, msg: str):
        super().__init__("LimitExceededException", msg)
