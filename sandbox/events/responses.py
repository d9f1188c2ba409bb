"""EventBridge ``TestEventPattern`` for the sandbox: moto 5.2.5 routes the call to an empty stub (the
response has no ``Result``). It is answered here with moto's own pattern matcher
(``moto.events.models.EventPattern``, the one moto's rules use to deliver events), so a test can ask
"would this deployed rule match this event" of the sandbox and compare the answer with the audit's own
matcher (``audit.events``): two independent implementations of AWS's documented semantics.

AWS refuses an event without the fields every event has (id, account, source, time, region, resources,
detail-type) and an invalid pattern; both are refused here too. Not a statement about AWS's matcher.
"""
from __future__ import annotations

import json
from typing import Any

REQUIRED_EVENT_FIELDS = ("id", "account", "source", "time", "region", "resources", "detail-type")

_installed = False


def _test_event_pattern(self) -> tuple[str, dict[str, Any]]:
    from moto.events.exceptions import InvalidEventPatternException
    from moto.events.models import EventPattern

    try:
        event = json.loads(self._get_param("Event") or "")
    except ValueError:
        return self.error("ValidationException", "Parameter Event is not valid: not JSON.")
    missing = [f for f in REQUIRED_EVENT_FIELDS if not isinstance(event, dict) or f not in event]
    if missing:
        return self.error("ValidationException", f"Parameter Event is not valid: missing {', '.join(missing)}.")
    try:
        pattern = EventPattern.load(self._get_param("EventPattern"))
    except InvalidEventPatternException as exc:
        return self.error("InvalidEventPatternException", exc.message)
    return self._create_response({"Result": pattern.matches_event(event)})


def install() -> None:
    """Answer TestEventPattern (idempotent; before the first request)."""
    global _installed
    if _installed:
        return
    from moto.events.responses import EventsHandler

    _test_event_pattern.__name__ = "test_event_pattern"
    EventsHandler.test_event_pattern = _test_event_pattern
    _installed = True
