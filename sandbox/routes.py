"""The sandbox's own HTTP routes (not AWS APIs), served by the moto server's WSGI application.

The runners (``POST /_sandbox/run-backups``, ``/_sandbox/run-restore-tests``), the Cognito import upload
URL (``PUT /_sandbox/cognito-import/<JobId>``) and the recovery point reader
(``GET /_sandbox/recovery-point-data``) need moto's in-memory state, so they are served from the server
process: moto's DomainDispatcherApplication is wrapped once, and a request that no route claims goes on to
moto unchanged.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Iterable

#: (WSGI environ, start_response) -> the response body
Handler = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_routes: dict[str, tuple[str, Callable[[str], bool], Handler]] = {}


def add(name: str, method: str, claims: Callable[[str], bool], handler: Handler) -> None:
    """Serve ``method`` requests whose path ``claims`` accepts with ``handler`` (idempotent: adding a route
    of the same name again replaces it)."""
    _routes[name] = (method, claims, handler)
    _wrap_moto_app()


def json_answer(start_response: Callable[..., Any], status: str, answer: Any) -> list[bytes]:
    """A JSON response with its length (how every sandbox route answers, but the reader's data stream)."""
    payload = json.dumps(answer).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]


def _wrap_moto_app() -> None:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    if getattr(DomainDispatcherApplication, "_sandbox_routes", False):
        return
    original = DomainDispatcherApplication.__call__

    def dispatch(self: Any, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD")
        for wanted, claims, handler in list(_routes.values()):
            if method == wanted and claims(path):
                return handler(environ, start_response)
        return original(self, environ, start_response)

    DomainDispatcherApplication.__call__ = dispatch
    DomainDispatcherApplication._sandbox_routes = True
