"""Promise: every api endpoint admits exactly the callers it should. API-key endpoints answer per
role (and 401 for no, malformed, unknown or revoked keys); Twilio endpoints ignore API keys and
demand a valid X-Twilio-Signature; /healthz and the OpenAPI docs are public. The matrix is checked
against app.routes, so a new endpoint without a row fails here. Also: GET /clients/{id} returns only
the fields the caller's role may read, brokers only their own clients, and refusals are audited."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import fastapi.routing
import httpx
import pytest
from fastapi import FastAPI
from starlette.routing import Mount, Route

from api.app import create_app
from db.api_keys import TOKEN_PREFIX, create_api_key, hash_api_key, revoke_api_key
from db.models import AuditEntry
from db.models_privacy import ApiKey
from db.repositories import audit
from db.session import Database
from domain.enums import Role
from security.keyring import KeyRing
from tests.security import factories as f
from tests.telephony.conftest import PUBLIC_BASE, WORKFLOW_ID, FakeGateway, FakeTelephony, make_settings, sign

ADMITTED = 0  # "any status but 401/403": the caller got past authentication and authorisation
NO_KEY, REVOKED, MALFORMED, UNKNOWN, TWILIO_ONLY = (
    "no_key",
    "revoked_key",
    "malformed_key",
    "unknown_key",
    "twilio_signature_only",
)
INTERNAL_ROLES = (Role.SYSTEM, Role.AI_AGENT)  # no api key can carry them
PERSON_ROLES = [role for role in Role if role not in INTERNAL_ROLES]
CREDENTIALS = [role.value for role in Role] + [NO_KEY, REVOKED, MALFORMED, UNKNOWN, TWILIO_ONLY]
BAD_HEADERS = {MALFORMED: "Bearer not a key!", UNKNOWN: "Bearer gyde_" + "A" * 43}


@dataclass
class Api:
    http: httpx.AsyncClient
    app: FastAPI
    database: Database
    tokens: dict[str, str]  # credential name -> API key (every role, plus the revoked one)

    def auth(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role.value]}"}


async def build_api(
    database: Database, keyring: KeyRing, *, app: FastAPI | None = None, seed: bool = True
) -> Api:
    """The real app (create_app) with a database, two brokers' clients and a key per role."""
    if app is None:
        app = create_app(make_settings(), FakeGateway(), FakeTelephony(), keyring=keyring, database=database)
    tokens: dict[str, str] = {}
    async with database.session() as s:
        if seed:
            await f.seed(s)
        for role in PERSON_ROLES:
            broker_id = "b1" if role is Role.BROKER else None
            tokens[role.value] = await create_api_key(s, f"{role.value}-1", role, broker_id)
        # No api key can carry the system or ai_agent role; a row planted in the table is refused too.
        for internal in INTERNAL_ROLES:
            tokens[internal.value] = TOKEN_PREFIX + f"planted-{internal.value}-key-" + "x" * 24
            s.add(
                ApiKey(
                    key_hash=hash_api_key(tokens[internal.value]),
                    actor=f"{internal.value}:planted",
                    role=internal.value,
                    created_at=datetime.now(UTC),
                )
            )
        tokens[REVOKED] = await create_api_key(s, "auditor-revoked", Role.AUDITOR)
        await s.commit()
    async with database.session() as s:
        assert await revoke_api_key(s, tokens[REVOKED])
        await s.commit()
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.internal")
    return Api(http, app, database, tokens)


@pytest.fixture
async def api(database: Database, keyring: KeyRing) -> Api:
    return await build_api(database, keyring)


# --- the matrix -------------------------------------------------------------------------------


def only(*allowed: Role, denied: int = 403, status: int = 200) -> dict[Role, int]:
    return {role: status if role in allowed else denied for role in Role}


def admitted(*allowed: Role, denied: int = 403) -> dict[Role, int]:
    """Allowed roles get past authorisation (whatever the route then answers: here 404 for an
    unknown id, 503 where the test app has no Temporal client)."""
    return only(*allowed, denied=denied, status=ADMITTED)


CSV_FILE = {"file": ("clients.csv", b"id,broker_id\n", "text/csv")}
CALLBACK = "/brokers/b1/callbacks/cb_0123456789abcdef"


@dataclass(frozen=True)
class Row:
    """One endpoint: how app.routes names it, a concrete request, and who gets in."""

    method: str
    route: str
    kind: str  # public | twilio | api_key | key_form (the key is a form field: /codec/session) | ticket
    url: str = ""
    by_role: Mapping[Role, int] = field(default_factory=dict)
    json: Any = None
    public_status: int = 200  # /readyz: 503 here (schema built without migrations, no Temporal)
    files: Any = None

    @property
    def target(self) -> str:
        return self.url or self.route

    def expected(self, credential: str) -> int:
        if self.kind == "public":
            return self.public_status
        if self.kind == "ticket":  # keys do not matter; the matrix's host is not loopback: refused
            return 403
        if self.kind == "twilio":
            return ADMITTED if credential == TWILIO_ONLY else 403
        if credential in (NO_KEY, TWILIO_ONLY):
            return 422 if self.kind == "key_form" else 401
        if credential in (REVOKED, MALFORMED, UNKNOWN, *(r.value for r in INTERNAL_ROLES)):
            return 401
        return self.by_role[Role(credential)]


def _twilio(path: str) -> Row:
    return Row("POST", path, "twilio", url=f"{path}?workflow_id={WORKFLOW_ID}")


MATRIX = [
    Row("GET", "/healthz", "public"),
    Row("GET", "/readyz", "public", public_status=503),
    Row("GET", "/openapi.json", "public"),
    Row("GET", "/docs", "public"),
    Row("GET", "/docs/oauth2-redirect", "public"),
    Row("GET", "/redoc", "public"),
    _twilio("/twilio/voice/answer"),
    _twilio("/twilio/voice/consent"),
    _twilio("/twilio/voice/voicemail"),
    _twilio("/twilio/voice/whisper"),
    _twilio("/twilio/voice/transfer-result"),
    _twilio("/twilio/status"),
    _twilio("/twilio/amd"),
    _twilio("/twilio/recording"),
    Row(
        "POST",
        "/codec/encode",
        "api_key",
        by_role=only(Role.AUDITOR, Role.CAMPAIGN_MANAGER),
        json={"payloads": []},
    ),
    Row(
        "POST",
        "/codec/decode",
        "api_key",
        by_role=only(Role.AUDITOR, Role.CAMPAIGN_MANAGER),
        json={"payloads": []},
    ),
    Row("POST", "/codec/session", "key_form", by_role=only(Role.AUDITOR, Role.CAMPAIGN_MANAGER, denied=401)),
    Row("DELETE", "/codec/session", "public"),  # sign-out: ends the cookie's session, if any
    Row("GET", "/codec/login", "public"),  # the sign-in form; posting it is POST /codec/session
    Row("GET", "/codec/signin", "ticket"),  # the one-time link `gyde dev` prints (loopback only)
    Row("GET", "/metrics", "public"),  # Prometheus; labels carry kinds, never ids of people
    Row("GET", "/audit/entries", "api_key", by_role=only(Role.AUDITOR)),
    Row("GET", "/audit/verify", "api_key", by_role=only(Role.AUDITOR)),
    Row("GET", "/calls", "api_key", by_role=only(Role.AUDITOR)),
    Row("GET", "/campaigns", "api_key", by_role=only(Role.CAMPAIGN_MANAGER)),
    Row("POST", "/campaigns", "api_key", by_role=admitted(Role.CAMPAIGN_MANAGER), json={"campaign_id": "x"}),
    Row("POST", "/campaigns/upload", "api_key", by_role=admitted(Role.CAMPAIGN_MANAGER), files=CSV_FILE),
    Row("POST", "/clients/import", "api_key", by_role=admitted(Role.CAMPAIGN_MANAGER), files=CSV_FILE),
    Row(
        "GET",
        "/campaigns/{campaign_id}",
        "api_key",
        url="/campaigns/x",
        by_role=admitted(Role.CAMPAIGN_MANAGER),
    ),
    *(
        Row(
            "POST",
            f"/campaigns/{{campaign_id}}/{verb}",
            "api_key",
            url=f"/campaigns/x/{verb}",
            by_role=admitted(Role.CAMPAIGN_MANAGER),
            json={"dials_per_minute": 5} if verb == "throttle" else None,
        )
        for verb in ("start", "pause", "resume", "cancel", "throttle")
    ),
    # The broker key is b1's: its own broker id is admitted; campaign managers may read availability.
    Row(
        "GET",
        "/brokers/{broker_id}/availability",
        "api_key",
        url="/brokers/b1/availability",
        by_role=only(Role.BROKER, Role.CAMPAIGN_MANAGER),
    ),
    Row(
        "GET",
        "/brokers/{broker_id}/callbacks",
        "api_key",
        url="/brokers/b1/callbacks",
        by_role=only(Role.BROKER),
    ),
    Row(
        "GET",
        "/brokers/{broker_id}/appointments",
        "api_key",
        url="/brokers/b1/appointments",
        by_role=only(Role.BROKER),
    ),
    Row(
        "GET",
        "/brokers/{broker_id}/calendar.ics",
        "api_key",
        url="/brokers/b1/calendar.ics",
        by_role=only(Role.BROKER),
    ),
    Row(
        "POST",
        "/brokers/{broker_id}/callbacks/{callback_id}/done",
        "api_key",
        url=f"{CALLBACK}/done",
        by_role=admitted(Role.BROKER),
    ),
    Row(
        "POST",
        "/brokers/{broker_id}/callbacks/{callback_id}/reschedule",
        "api_key",
        url=f"{CALLBACK}/reschedule",
        by_role=admitted(Role.BROKER),
        json={"callback_at": "2099-01-01T10:00:00Z"},
    ),
    # c2 belongs to broker b2; the broker key is b1's (404: looks unknown). Other roles get their fields.
    Row(
        "GET",
        "/clients/{client_id}",
        "api_key",
        url="/clients/c2",
        by_role={
            Role.BROKER: 404,
            Role.CAMPAIGN_MANAGER: 200,
            Role.AUDITOR: 200,
        },
    ),
]


def _flat(routes: list[Any]) -> Iterator[tuple[Any, Any]]:
    """(route object, view with the effective path and methods). FastAPI >= 0.16x keeps included
    routers as lazy branches and exposes iter_route_contexts to see through them."""
    iter_contexts = getattr(fastapi.routing, "iter_route_contexts", None)
    if iter_contexts is None:
        yield from ((route, route) for route in routes)
        return
    for context in iter_contexts(routes):
        yield context.original_route, context


def served_endpoints(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) for every route the app serves, mounted sub-apps included."""

    def walk(routes: list[Any], prefix: str) -> Iterator[tuple[str, str]]:
        for route, view in _flat(routes):
            if isinstance(route, Mount):
                yield from walk(list(route.routes), prefix + view.path)
            elif isinstance(route, Route):
                for method in sorted((view.methods or set()) - {"HEAD"}):
                    yield method, prefix + view.path
            else:
                raise AssertionError(f"unexpected route type {type(route).__name__} at {route!r}")

    return set(walk(list(app.routes), ""))


async def test_every_served_endpoint_has_a_matrix_row(api: Api) -> None:
    rows = {(row.method, row.route) for row in MATRIX}
    assert len(rows) == len(MATRIX), "duplicate matrix rows"
    served = served_endpoints(api.app)
    assert served - rows == set(), "endpoints without an authorisation row: add them to MATRIX"
    assert rows - served == set(), "matrix rows for endpoints that no longer exist"


async def _call(api: Api, row: Row, credential: str, twilio_signature: str | None = None) -> httpx.Response:
    headers: dict[str, str] = {}
    form: dict[str, str] | None = None
    if row.kind == "twilio":
        form = {"CallSid": "CA" + "1" * 32, "CallStatus": "in-progress", "AccountSid": "AC" + "a" * 32}
    authorization = (
        f"Bearer {api.tokens[credential]}" if credential in api.tokens else BAD_HEADERS.get(credential)
    )
    if authorization is not None:
        if row.kind == "key_form":
            form = {"api_key": authorization.removeprefix("Bearer ")}
        else:
            headers["Authorization"] = authorization
    if credential == TWILIO_ONLY:
        headers["X-Twilio-Signature"] = sign(f"{PUBLIC_BASE}{row.target}", form or {})
    elif twilio_signature is not None:
        headers["X-Twilio-Signature"] = twilio_signature
    return await api.http.request(
        row.method, row.target, headers=headers, data=form, json=row.json, files=row.files
    )


@pytest.mark.parametrize("credential", CREDENTIALS)
@pytest.mark.parametrize("row", MATRIX, ids=lambda row: f"{row.method} {row.route}")
async def test_authorisation_matrix(api: Api, row: Row, credential: str) -> None:
    expected = row.expected(credential)
    response = await _call(api, row, credential)
    if expected == ADMITTED:
        assert response.status_code not in (401, 403), response.text
    else:
        assert response.status_code == expected, response.text
    if row.kind == "twilio" and credential != TWILIO_ONLY:
        # An API key next to a forged signature is still a forged webhook.
        forged = await _call(api, row, credential, twilio_signature="c2lnbmF0dXJl")
        assert forged.status_code == 403, forged.text


async def test_data_routes_exist_only_with_a_database() -> None:
    app = create_app(make_settings(), FakeGateway(), FakeTelephony())
    assert not {path for _, path in served_endpoints(app)} & {"/audit/entries", "/clients/{client_id}"}


# --- GET /clients/{client_id} -----------------------------------------------------------------

ALL_CLIENT_FIELDS = {
    "id",
    "broker_id",
    "first_name",
    "last_name",
    "phone",
    "email",
    "timezone",
    "state",
    "date_of_birth",
    "current_plan",
    "coverage_gaps",
    "has_spouse",
    "eligible",
    "ssn",
    "medical_notes",
    "persona",
}
# Written out here (not read from RULES) so a loosened rule fails this test.
FIELDS_BY_ROLE = {
    Role.BROKER: ALL_CLIENT_FIELDS,
    Role.CAMPAIGN_MANAGER: {"id", "broker_id", "state", "timezone", "eligible"},
    Role.AUDITOR: {"id", "broker_id"},
}
SECRETS = {"ssn": f.PHI_SSN, "medical_notes": f.PHI_NOTES, "date_of_birth": f.PHI_DOB.isoformat()}


async def _log(database: Database) -> list[AuditEntry]:
    async with database.session() as s:
        return await audit.list_entries(s, limit=1000)


async def test_broker_reads_its_own_client_in_full(api: Api) -> None:
    response = await api.http.get("/clients/c1", headers=api.auth(Role.BROKER))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == ALL_CLIENT_FIELDS
    assert (body["id"], body["ssn"], body["medical_notes"]) == ("c1", f.PHI_SSN, f.PHI_NOTES)
    assert body["date_of_birth"] == f.PHI_DOB.isoformat() and body["phone"] == f.PHI_PHONE
    [entry] = [e for e in await _log(api.database) if e.entity == "client"]
    assert (entry.actor, entry.action, entry.entity_id) == ("broker-1", "read", "c1")
    assert set(entry.fields) == ALL_CLIENT_FIELDS


async def test_broker_is_refused_another_brokers_client_and_the_refusal_is_audited(api: Api) -> None:
    response = await api.http.get("/clients/c2", headers=api.auth(Role.BROKER))
    unknown = await api.http.get("/clients/c-none", headers=api.auth(Role.BROKER))
    # indistinguishable from an unknown id, so a broker cannot probe which client ids exist
    assert response.status_code == unknown.status_code == 404
    assert response.json()["detail"] == "unknown client 'c2'"
    assert f.PHI_SURNAME not in response.text and f.PHI_SSN not in response.text
    [entry] = [e for e in await _log(api.database) if e.entity == "client"]
    assert (entry.actor, entry.role, entry.action, entry.entity_id) == (
        "broker-1",
        "broker",
        "deny_read",
        "c2",
    )


@pytest.mark.parametrize("role", PERSON_ROLES)
async def test_each_role_gets_exactly_its_fields_and_no_secret_it_may_not_read(api: Api, role: Role) -> None:
    client_id = "c1" if role is Role.BROKER else "c2"
    response = await api.http.get(f"/clients/{client_id}", headers=api.auth(role))
    assert response.status_code == 200
    assert set(response.json()) == FIELDS_BY_ROLE[role]
    for name, secret in SECRETS.items():
        if name not in FIELDS_BY_ROLE[role]:
            assert secret not in response.text, f"{role.value} received {name}"


@pytest.mark.parametrize("role", [r for r in PERSON_ROLES if r is not Role.BROKER])
async def test_asking_for_a_field_the_role_may_not_read_is_refused_and_audited(api: Api, role: Role) -> None:
    response = await api.http.get(
        "/clients/c1", params={"fields": "id,ssn,medical_notes"}, headers=api.auth(role)
    )
    assert response.status_code == 403
    detail = response.json()["detail"]
    assert role.value in detail and "ssn" in detail and "medical_notes" in detail
    assert f.PHI_SSN not in response.text and f.PHI_NOTES not in response.text
    [entry] = [e for e in await _log(api.database) if e.entity == "client"]
    assert (entry.actor, entry.action, entry.entity_id) == (f"{role.value}-1", "deny_read", "c1")
    assert set(entry.fields) == {"ssn", "medical_notes"}


async def test_fields_and_purpose_narrow_the_read_and_reach_the_audit_log(api: Api) -> None:
    response = await api.http.get(
        "/clients/c1",
        params={"fields": "first_name,phone", "purpose": "returning the client's call"},
        headers=api.auth(Role.BROKER),
    )
    assert response.json() == {"first_name": f.PHI_NAME, "phone": f.PHI_PHONE}
    [entry] = [e for e in await _log(api.database) if e.entity == "client"]
    assert (sorted(entry.fields), entry.purpose) == (["first_name", "phone"], "returning the client's call")


async def test_unknown_client_is_404_and_unknown_field_is_400(api: Api) -> None:
    missing = await api.http.get("/clients/nobody", headers=api.auth(Role.BROKER))
    assert missing.status_code == 404
    bad_field = await api.http.get(
        "/clients/c1", params={"fields": "id,shoe_size"}, headers=api.auth(Role.BROKER)
    )
    assert bad_field.status_code == 400 and "shoe_size" in bad_field.json()["detail"]
