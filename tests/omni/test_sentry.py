"""Error reporting (issue 12): with SENTRY_DSN an error in a view reaches the server over real
HTTP without personal data; without it, nothing is started."""

import gzip
import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import sentry_sdk
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

from omni.error_reporting import sentry_init
from omni.factories import UserFactory


def failing_view(request: HttpRequest) -> HttpResponse:
    customer_email = request.user.email  # personal data known only at run time
    raise RuntimeError(f"The till broke for {customer_email}")


urlpatterns = [path("broken/", failing_view)]


@dataclass
class Received:
    bodies: list[bytes] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def sentry_server() -> Iterator[tuple[str, Received]]:
    """A tiny HTTP server that keeps what it is sent, as a Sentry server would receive it."""
    received = Received()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            received.bodies.append(body)
            received.arrived.set()
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *_args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://publickey@127.0.0.1:{server.server_port}/1", received
    server.shutdown()
    server.server_close()


@pytest.fixture
def sentry_stopped() -> Iterator[None]:
    yield
    sentry_sdk.get_client().close()
    # Back to the client of a process without SENTRY_DSN: none, nothing recorded.
    sentry_sdk.get_global_scope().set_client(None)


@pytest.mark.django_db
@pytest.mark.urls("tests.omni.test_sentry")
def test_an_error_in_a_view_is_sent_without_personal_data(
    sentry_server: tuple[str, Received], sentry_stopped: None
) -> None:
    dsn, received = sentry_server
    assert sentry_init(dsn=dsn, environment="staging", release="omni@1.2.3")
    user = UserFactory(
        username="claire", first_name="Claire", last_name="Martin", email="claire@example.fr"
    )
    client = Client(raise_request_exception=False)
    client.force_login(user)

    response = client.post(
        "/broken/?q=claire@example.fr&phone=0612345678",
        {"note": "Claire's address: 3 rue de la Paix"},
        headers={"X-Request-ID": "till-7", "Authorization": "Bearer secret-token"},
    )
    sentry_sdk.flush(timeout=10)

    assert response.status_code == 500
    assert received.arrived.wait(10)
    sent = b"\n".join(received.bodies).decode()
    assert "RuntimeError" in sent
    assert "The till broke for [email]" in sent
    assert '"mechanism":{"type":"django"' in sent
    assert '"environment":"staging"' in sent
    assert '"release":"omni@1.2.3"' in sent
    assert f'"user":{{"id":"{user.pk}"}}' in sent
    assert '"request_id":"till-7"' in sent
    for personal in (
        "claire@example.fr",
        "Claire",
        "Martin",
        "0612345678",
        "rue de la Paix",
        "sessionid",
        "csrftoken",
        "secret-token",
        "q=",
    ):
        assert personal not in sent, personal


def test_without_a_dsn_nothing_is_started(settings: object) -> None:
    assert settings.SENTRY_DSN == ""  # the test settings, as a deployment without it
    assert sentry_init(dsn="") is False
    assert not sentry_sdk.get_client().is_active()
    assert sentry_sdk.get_client().dsn is None
