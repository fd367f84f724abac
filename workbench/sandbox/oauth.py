"""OAuth2 / OIDC like login.datev.de + api.datev.de: discovery, authorize (code + PKCE S256,
auto-approved for a seeded user: the one named by ``login_hint``, else the first), token
(client_secret_basic; authorization_code and refresh_token grants with single-use rotating
refresh tokens), revoke (RFC 7009: a refresh token takes its whole grant with it), userinfo;
plus the bearer check every API call goes through, which also refuses clients of a consultant
the token's user has no rights for (403, as DATEV answers without client access).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import secrets
import uuid
from typing import Any
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from workbench.sandbox.errors import Reject, dco_error, json_response, problem, request_id
from workbench.sandbox.state import SandboxState

CLIENT_ID = "workbench-sandbox"
CLIENT_SECRET = "sandbox-secret"
# Registered apps. dxso-jobs serves web (data-center) apps only; the desktop app exists so
# clients can see DATEV's #DCO01013 AuthentificationTypeFault.
APPS = {
    CLIENT_ID: {"secret": CLIENT_SECRET, "type": "web"},
    "workbench-desktop": {"secret": CLIENT_SECRET, "type": "desktop"},
    # A second Kanzlei's own OAuth app (seed 000: each Kanzlei has its own DATEV connection).
    "workbench-kanzlei-nord": {"secret": "sandbox-secret-nord", "type": "web"},
}
API_SCOPES = (
    "datev:accounting:clients",
    "accounting:clients:read",
    "accounting:dxso-jobs",
    "accounting:documents",
    "datev:accounting:extf-files-import",
    "datev:accounting:exchange",
    "datev:accounting:invoices",
)
OIDC_SCOPES = ("openid", "profile", "email", "offline_access")


def _oauth_error(error: str, description: str, status: int = 400) -> Response:
    headers = {"Cache-Control": "no-store"}
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="token"'
    return json_response(
        {"error": error, "error_description": description},
        status,
        headers=headers,
        media_type="application/json",
    )


def _is_loopback(uri: str) -> bool:
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.fragment:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


async def discovery(request: Request) -> Response:
    origin = str(request.base_url).rstrip("/")
    return json_response(
        {
            "issuer": f"{origin}/openid",
            "authorization_endpoint": f"{origin}/openid/authorize",
            "token_endpoint": f"{origin}/token",
            "revocation_endpoint": f"{origin}/revoke",
            "userinfo_endpoint": f"{origin}/userinfo",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "scopes_supported": list(OIDC_SCOPES + API_SCOPES),
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["HS256"],
        },
        media_type="application/json",
    )


async def authorize(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    q = request.query_params
    redirect_uri = q.get("redirect_uri", "")
    # Never redirect to an unverified target: unknown client or foreign URI is a plain 400.
    if q.get("client_id") not in APPS:
        return _oauth_error("invalid_client", "Unknown client_id.")
    if not _is_loopback(redirect_uri):
        return _oauth_error("invalid_request", "redirect_uri must be a loopback URI.")

    def back(**params: str) -> Response:
        if q.get("state") is not None:
            params["state"] = q["state"]
        sep = "&" if "?" in redirect_uri else "?"
        return RedirectResponse(f"{redirect_uri}{sep}{urlencode(params)}", status_code=302)

    if q.get("response_type") != "code":
        return back(error="unsupported_response_type", error_description="Only 'code'.")
    if not q.get("code_challenge") or q.get("code_challenge_method") != "S256":
        return back(error="invalid_request", error_description="PKCE with S256 is required.")
    scopes = q.get("scope", "openid").split()
    unknown = [s for s in scopes if s not in API_SCOPES + OIDC_SCOPES]
    if unknown:
        return back(error="invalid_scope", error_description=f"Unknown scope {unknown[0]}.")
    user = state.seed.user_for(q.get("login_hint"))
    if user is None:
        return back(error="login_required", error_description="Unknown login_hint.")
    code = secrets.token_urlsafe(24)
    data = {
        "redirect_uri": redirect_uri,
        "challenge": q["code_challenge"],
        "nonce": q.get("nonce"),
        "sub": user["sub"],
    }
    state.store.execute(
        "INSERT INTO tokens (token, kind, client_id, scope, expires_at, data) VALUES (?,?,?,?,?,?)",
        (
            code,
            "code",
            q["client_id"],
            " ".join(scopes),
            state.clock.now() + state.settings.code_seconds,
            json.dumps(data),
        ),
    )
    return back(code=code)


def _client_from_basic(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    app = APPS.get(user)
    return user if app and hmac.compare_digest(password, app["secret"]) else None


def _id_token(
    state: SandboxState, client_id: str, origin: str, nonce: str | None, user: dict[str, Any]
) -> str:
    now = int(state.clock.now())
    claims: dict[str, Any] = {
        "iss": f"{origin}/openid",
        "sub": user["sub"],
        "aud": client_id,
        "iat": now,
        "exp": now + 900,
        "name": user.get("name"),
    }
    if nonce:
        claims["nonce"] = nonce
    head = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64url(json.dumps(claims).encode())
    secret = APPS[client_id]["secret"].encode()
    sig = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64url(sig)}"


def _issue(
    state: SandboxState,
    client_id: str,
    scope: str,
    refresh_expires_at: float | None,
    origin: str,
    nonce: str | None,
    grant: dict[str, Any],
) -> Response:
    """Issue an access and a refresh token; ``grant`` (``sub``, ``grant``) ties them to the
    user and to the authorization they come from, so a revocation can end the whole grant."""
    now = state.clock.now()
    ttl = state.settings.access_token_seconds
    if state.faults.token_ttl is not None:
        ttl = min(ttl, state.faults.token_ttl)
    access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    if refresh_expires_at is None or "offline_access" in scope.split():
        lifetime = (
            state.settings.offline_refresh_token_seconds
            if "offline_access" in scope.split()
            else state.settings.refresh_token_seconds
        )
        refresh_expires_at = now + lifetime
    data = json.dumps({"sub": grant["sub"], "grant": grant["grant"]})
    rows = [
        (access, "access", client_id, scope, now + ttl, data),
        (refresh, "refresh", client_id, scope, refresh_expires_at, data),
    ]
    with state.store.transaction() as conn:
        conn.executemany(
            "INSERT INTO tokens (token, kind, client_id, scope, expires_at, data) "
            "VALUES (?,?,?,?,?,?)",
            rows,
        )
    body = {
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": int(ttl),
        "refresh_token": refresh,
        "scope": scope,
        "refresh_token_expires_in": int(refresh_expires_at - now),
    }
    if "openid" in scope.split():
        user = state.seed.user_for(grant["sub"]) or state.seed.user
        body["id_token"] = _id_token(state, client_id, origin, nonce, user)
    return json_response(
        body,
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
        media_type="application/json",
    )


def _take(state: SandboxState, token: str, kind: str, client_id: str) -> dict[str, Any] | None:
    """Consume a single-use code or refresh token; None if unknown, used, expired or issued
    to another app."""
    with state.store.transaction() as conn:
        row = conn.execute(
            "SELECT * FROM tokens WHERE token = ? AND kind = ? AND client_id = ?",
            (token, kind, client_id),
        ).fetchone()
        if row is None or row["used"] or row["expires_at"] <= state.clock.now():
            return None
        conn.execute("UPDATE tokens SET used = 1 WHERE token = ?", (token,))
        return dict(row)


async def token(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    client_id = _client_from_basic(request)
    if client_id is None:
        return _oauth_error(
            "invalid_client", "Client authentication failed (client_secret_basic required).", 401
        )
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return _oauth_error("invalid_request", "Use application/x-www-form-urlencoded.")
    form = await request.form()
    origin = str(request.base_url).rstrip("/")
    grant = form.get("grant_type")
    if grant == "authorization_code":
        row = _take(state, str(form.get("code", "")), "code", client_id)
        if row is None:
            return _oauth_error("invalid_grant", "Authorization code invalid, used or expired.")
        data = json.loads(row["data"])
        if form.get("redirect_uri") != data["redirect_uri"]:
            return _oauth_error("invalid_grant", "redirect_uri does not match.")
        verifier = str(form.get("code_verifier", ""))
        if _b64url(hashlib.sha256(verifier.encode()).digest()) != data["challenge"]:
            return _oauth_error("invalid_grant", "PKCE verification failed.")
        new_grant = {"sub": data.get("sub", state.seed.user["sub"]), "grant": uuid.uuid4().hex}
        return _issue(state, client_id, row["scope"], None, origin, data.get("nonce"), new_grant)
    if grant == "refresh_token":
        row = _take(state, str(form.get("refresh_token", "")), "refresh", client_id)
        if row is None:
            return _oauth_error("invalid_grant", "Refresh token invalid, already used or expired.")
        return _issue(
            state, client_id, row["scope"], row["expires_at"], origin, None, _grant_of(state, row)
        )
    return _oauth_error("unsupported_grant_type", f"grant_type {grant!r} is not supported.")


async def revoke(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    client_id = _client_from_basic(request)
    if client_id is None:
        return _oauth_error("invalid_client", "Client authentication failed.", 401)
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return _oauth_error("invalid_request", "Use application/x-www-form-urlencoded.")
    form = await request.form()
    token = str(form.get("token", ""))
    with state.store.transaction() as conn:
        row = conn.execute(
            "SELECT * FROM tokens WHERE token = ? AND client_id = ?", (token, client_id)
        ).fetchone()
        # RFC 7009 2.1: revoking a refresh token also ends the access tokens of its grant
        # (and the earlier, already used refresh tokens of the rotation).
        grant = json.loads(row["data"]).get("grant") if row and row["kind"] == "refresh" else None
        if grant:
            conn.execute(
                "DELETE FROM tokens WHERE client_id = ? AND json_extract(data, '$.grant') = ?",
                (client_id, grant),
            )
        else:
            conn.execute("DELETE FROM tokens WHERE token = ? AND client_id = ?", (token, client_id))
        if row is not None:
            conn.execute(
                "INSERT INTO revocations (kind, client_id, sub, revoked_at) VALUES (?,?,?,?)",
                (row["kind"], client_id, json.loads(row["data"]).get("sub"), state.clock.now()),
            )
    # RFC 7009 2.2: an unknown or already invalid token is answered with 200 as well.
    return Response(status_code=200)


async def userinfo(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    row = _bearer(state, request)
    if row is None:
        return _oauth_error("invalid_token", "Access token missing or expired.", 401)
    # OIDC Core 5.4: names come with the scope "profile", the address with "email".
    user = _user_of(state, row)
    scopes = row["scope"].split()
    granted = ["sub"]
    granted += ["name", "given_name", "family_name"] if "profile" in scopes else []
    granted += ["email"] if "email" in scopes else []
    claims = {k: user[k] for k in granted if k in user}
    return json_response(claims, media_type="application/json")


def _grant_of(state: SandboxState, row: Any) -> dict[str, Any]:
    data = json.loads(row["data"] or "{}")
    return {
        "sub": data.get("sub", state.seed.user["sub"]),
        "grant": data.get("grant", row["token"]),
    }


def _user_of(state: SandboxState, row: Any) -> dict[str, Any]:
    return state.seed.user_for(_grant_of(state, row)["sub"]) or state.seed.user


def may_access(request: Request, row: dict[str, Any], consultant_number: int) -> bool:
    """Whether the token's user has rights for the consultant's clients (seed ``users[]``
    ``consultant_numbers``; a user without that list sees every client)."""
    state: SandboxState = request.app.state.sandbox
    allowed = _user_of(state, row).get("consultant_numbers")
    return allowed is None or int(consultant_number) in {int(n) for n in allowed}


def _bearer(state: SandboxState, request: Request) -> dict[str, Any] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    rows = state.store.query(
        "SELECT * FROM tokens WHERE token = ? AND kind = 'access'", (header[7:].strip(),)
    )
    if not rows or rows[0]["expires_at"] <= state.clock.now():
        return None
    return dict(rows[0])


def require(request: Request, scope: str, family: str, *, web_only: bool = False) -> dict[str, Any]:
    """Check X-DATEV-Client-Id, bearer token and scope; raise `Reject` with DATEV's error.

    `family` is "dco" (dxso-jobs, documents) or "problem" (accounting-clients, extf-files).
    """
    state: SandboxState = request.app.state.sandbox
    client_header = request.headers.get("x-datev-client-id")
    if not client_header:
        # dxso/documents: 400 #DCO01018 (OpenAPI); v2/v3 declare only a bare 401 (assumption).
        raise Reject(dco_error("01018", 400 if family == "dco" else 401))
    row = _bearer(state, request)
    if row is None:
        body = {
            "error": "invalid_token",
            "error_description": "The access token is missing, invalid or expired.",
            "request_id": request_id(),
        }
        raise Reject(
            json_response(body, 401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        )
    if client_header != row["client_id"]:
        raise Reject(
            dco_error("01006", 400)
            if family == "dco"
            else problem(  # Assumption: status and code are ours (no OpenAPI names them)
                401, "1008830", "Invalid client id", "X-DATEV-Client-Id does not match the token."
            )
        )
    if web_only and APPS[row["client_id"]]["type"] != "web":
        raise Reject(dco_error("01013", 403))
    if scope not in row["scope"].split():
        if family == "dco":
            raise Reject(dco_error("01005", 403))
        # The detail as each OpenAPI file words it (accounting-clients: "... are: ...").
        are = " are" if request.url.path.startswith("/accounting-clients/") else ""
        raise Reject(
            problem(403, "1008829", "Missing required scope", f"Missing scope(s){are}: {scope}")
        )
    client = state.seed.client(request.path_params.get("client_id", ""))
    if client is not None and not may_access(request, row, client.consultant_number):
        # dxso/documents answer a client without access with 403 and only a request id
        # (FACTS.md §3); the ProblemDetails shape for v2/v3 is an assumption.
        raise Reject(
            json_response({"request_id": request_id()}, 403)
            if family == "dco"
            else problem(403, "1008838", "Forbidden", "The user has no rights for this client.")
        )
    return row
