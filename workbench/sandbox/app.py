"""Build the sandbox ASGI app: every DATEV API under ARCHITECTURE §4.4's URL layout."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from workbench.sandbox import (
    clients,
    connect,
    control,
    documents,
    dxso,
    exchange,
    extf,
    oauth,
)
from workbench.sandbox.errors import Reject
from workbench.sandbox.faults import FaultMiddleware
from workbench.sandbox.limits import BodyLimitMiddleware
from workbench.sandbox.state import SandboxState


async def _reject(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Reject)
    return exc.response


def build_app(state: SandboxState) -> Starlette:
    """The Starlette app for one `SandboxState` (no I/O until requests arrive)."""
    routes = [
        Route("/.well-known/openid-configuration", oauth.discovery),
        Route("/openid/.well-known/openid-configuration", oauth.discovery),
        Route("/openid/authorize", oauth.authorize),
        Route("/token", oauth.token, methods=["POST"]),
        Route("/revoke", oauth.revoke, methods=["POST"]),
        Route("/userinfo", oauth.userinfo),
        *clients.routes,
        *dxso.routes,
        *extf.routes,
        *documents.routes,
        *exchange.routes,
        *connect.routes,
        *control.routes,
    ]
    app = Starlette(routes=routes, exception_handlers={Reject: _reject})
    app.state.sandbox = state
    app.add_middleware(FaultMiddleware, state=state)
    app.add_middleware(BodyLimitMiddleware)  # outermost: before anything reads a body
    return app
