"""A stand-in for a Salesforce org's REST API on https://127.0.0.1:<port>: the sObject paths
simple-salesforce calls for Task upserts by external id, with Salesforce's status codes and JSON
error arrays. One record per external-id value, like a unique External ID field."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from tests.adapters.tls import server_context

API_VERSION = "59.0"
SESSION_ID = "00Dxx0000000001!sessiontoken"
TASK_PREFIX = f"/services/data/v{API_VERSION}/sobjects/Task/"
EXTERNAL_ID_FIELD = "Gyde_Idempotency_Key__c"
TASK_FIELDS = frozenset(
    {
        "Subject",
        "Description",
        "Status",
        "Priority",
        "ActivityDate",
        "Gyde_Client_Id__c",
        "Gyde_Campaign_Id__c",
        "Gyde_Broker_Id__c",
        "Gyde_Appointment_Id__c",
    }
)


@dataclass
class Org:
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)  # by external id
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path)
    fail_with: int | None = None  # answer every request with this status (500: UNKNOWN_EXCEPTION)
    legacy_update_204: bool = False  # answer updates like API <= 45.0: 204 without a body
    lock: threading.Lock = field(default_factory=threading.Lock)

    def task_ids(self) -> set[str]:
        return {t["Id"] for t in self.tasks.values()}


def _handler(org: Org) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return

        def _send(self, status: int, body: Any = None) -> None:
            payload = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            if payload:
                self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _external_id(self) -> str | None:
            if not self.path.startswith(TASK_PREFIX + EXTERNAL_ID_FIELD + "/"):
                return None
            return unquote(self.path[len(TASK_PREFIX + EXTERNAL_ID_FIELD + "/") :])

        def _guard(self) -> str | None:
            with org.lock:
                org.requests.append((self.command, self.path))
            if self.headers.get("Authorization") != f"Bearer {SESSION_ID}":
                self._send(
                    401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
                )
                return None
            if org.fail_with is not None:
                self._send(
                    org.fail_with, [{"errorCode": "UNKNOWN_EXCEPTION", "message": "An unexpected error"}]
                )
                return None
            ext = self._external_id()
            if not ext or "/" in ext:
                self._send(
                    404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
                )
                return None
            return ext

        def do_PATCH(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
            ext = self._guard()
            if ext is None:
                return
            if self.headers.get("Content-Type") != "application/json":
                self._send(415, [{"errorCode": "UNSUPPORTED_MEDIA_TYPE", "message": "bad content type"}])
                return
            unknown = sorted(set(body) - TASK_FIELDS)
            if unknown:
                message = f"No such column '{unknown[0]}' on sobject of type Task"
                self._send(400, [{"errorCode": "INVALID_FIELD", "message": message}])
                return
            with org.lock:
                existing = org.tasks.get(ext)
                if existing is None:
                    task_id = f"00T{len(org.tasks) + 1:012d}AAA"
                    org.tasks[ext] = {"Id": task_id, EXTERNAL_ID_FIELD: ext, **body}
                    created = True
                else:
                    existing.update(body)
                    task_id, created = existing["Id"], False
            if not created and org.legacy_update_204:
                self._send(204)
                return
            self._send(
                201 if created else 200, {"id": task_id, "success": True, "errors": [], "created": created}
            )

        def do_GET(self) -> None:
            ext = self._guard()
            if ext is None:
                return
            with org.lock:
                task = org.tasks.get(ext)
            if task is None:
                self._send(
                    404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
                )
                return
            url = f"{TASK_PREFIX}{task['Id']}"
            self._send(200, {"attributes": {"type": "Task", "url": url}, **task})

    return Handler


class SalesforceStub:
    def __init__(self, cert: Path, key: Path) -> None:
        self.org = Org()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.org))
        self._server.socket = server_context(cert, key).wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def instance_url(self) -> str:
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> SalesforceStub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
