"""Real receivers for alert tests and the benchmark: an HTTP webhook endpoint that checks
signatures and keeps idempotency keys, and an SMTP server (aiosmtpd) on loopback.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from semgraph.alerts.channels.webhook import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify_signature,
)
from semgraph.neo4j_server.scratch import free_port


@dataclass
class Received:
    key: str
    payload: dict[str, Any]
    at: float  # time.time() on receipt


@dataclass
class WebhookReceiver:
    """Verifies the signature (401 if wrong), processes each idempotency key once."""

    secret: str
    port: int = field(default_factory=free_port)
    delay_s: float = 0.0
    processed: dict[str, Received] = field(default_factory=dict)
    repeats: list[str] = field(default_factory=list)
    rejected: int = 0
    requests: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/semgraph"

    def start(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver._lock:
                    receiver.requests += 1
                if receiver.delay_s:
                    time.sleep(receiver.delay_s)
                ok = verify_signature(
                    receiver.secret,
                    self.headers.get(TIMESTAMP_HEADER, ""),
                    body,
                    self.headers.get(SIGNATURE_HEADER, ""),
                )
                if not ok:
                    with receiver._lock:
                        receiver.rejected += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                key = self.headers.get(IDEMPOTENCY_HEADER, "")
                with receiver._lock:
                    if key in receiver.processed:
                        receiver.repeats.append(key)
                    else:
                        receiver.processed[key] = Received(key, json.loads(body), time.time())
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def wait_for(self, count: int, timeout_s: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if len(self.processed) >= count:
                return True
            time.sleep(0.02)
        return False


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's naming)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.sink.refuse:
            self.sink.refused += 1
            return self.sink.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        raw = envelope.original_content or b""
        msg = message_from_bytes(raw, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.sink.messages.append((list(envelope.rcpt_tos), msg))
        return "250 Message accepted"


class SmtpSink:
    """A real SMTP server on loopback; ``refuse = "451 …"`` makes it refuse recipients."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.refuse: str | None = None
        self.refused = 0
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()
