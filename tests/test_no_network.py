"""The suite cannot reach real services: no keys from the environment, no sockets off-machine."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.network_guard import NetworkBlocked

REPO = Path(__file__).resolve().parent.parent
SERVICE_KEYS = {
    "SENDGRID_API_KEY": "SG.real-looking-key",
    "STRIPE_SECRET_KEY": "sk_live_real_looking",
    "STRIPE_WEBHOOK_SECRET": "whsec_real_looking",
    "TWILIO_ACCOUNT_SID": "AC0123456789",
    "TWILIO_AUTH_TOKEN": "twilio-token",
    "TWILIO_FROM_NUMBER": "+15550100",
}


def test_the_test_configuration_ignores_service_keys_in_the_environment():
    # A fresh interpreter: configuration classes read the environment when config.py is imported.
    script = (
        "import json; from app import create_app; "
        "app = create_app('testing', SQLALCHEMY_DATABASE_URI='sqlite://'); "
        f"print(json.dumps({{key: app.config.get(key) for key in {sorted(SERVICE_KEYS)!r}}}))"
    )
    environment = {**os.environ, **SERVICE_KEYS}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=environment, capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == dict.fromkeys(SERVICE_KEYS)


def test_sockets_may_not_leave_the_machine():
    with pytest.raises(NetworkBlocked):
        socket.create_connection(("192.0.2.10", 443), timeout=1)  # TEST-NET-1, never routed
    with pytest.raises(NetworkBlocked):
        socket.getaddrinfo("api.sendgrid.com", 443)
    with pytest.raises(NetworkBlocked), socket.socket() as sock:
        sock.connect_ex(("198.51.100.7", 80))


def test_a_client_library_pointed_at_a_real_service_is_refused():
    with pytest.raises(NetworkBlocked):
        requests.get("https://api.stripe.com/v1/customers", timeout=2)


def test_loopback_still_works(httpserver):
    httpserver.expect_request("/ping").respond_with_data("pong")
    assert requests.get(httpserver.url_for("/ping"), timeout=2).text == "pong"
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        with socket.create_connection(listener.getsockname(), timeout=1):
            pass
