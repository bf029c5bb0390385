"""Settings the app and `make run` derive from the environment."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _make_domain(**variables) -> str:
    """The BASE_DOMAIN `make` exports to its recipes (what `flask run` and the scheduler see)."""
    environment = {key: value for key, value in os.environ.items() if key != "BASE_DOMAIN"}
    arguments = [f"{key}={value}" for key, value in variables.items() if key != "BASE_DOMAIN"]
    if "BASE_DOMAIN" in variables:
        environment["BASE_DOMAIN"] = variables["BASE_DOMAIN"]
    result = subprocess.run(
        ["make", "-s", "--eval", 'show-domain: ; @echo "$$BASE_DOMAIN"', "show-domain", *arguments],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_serves_the_port_it_is_given():
    assert _make_domain() == "localhost:5000"
    assert _make_domain(PORT="5888") == "localhost:5888"
    # A domain set on its own wins (production-like runs behind a real name).
    assert _make_domain(PORT="5888", BASE_DOMAIN="crm.example.org") == "crm.example.org"


def _production(**settings):
    from app import create_app

    return create_app("production", SQLALCHEMY_DATABASE_URI="sqlite://", SENDGRID_API_KEY="SG.key", **settings)


@pytest.mark.parametrize("secret_key", ["dev-only-secret-change-me", "", None])
def test_production_refuses_to_start_with_the_default_secret_key(secret_key):
    from app.core.security import InsecureSettings

    with pytest.raises(InsecureSettings, match="SECRET_KEY"):
        _production(SECRET_KEY=secret_key)


def test_production_starts_with_its_own_secret_key_and_development_with_the_default():
    from app import create_app
    from config import DEV_SECRET_KEY

    assert _production(SECRET_KEY="a-long-random-value-only-this-deployment-knows").config["SECRET_KEY"]
    development = create_app("development", SQLALCHEMY_DATABASE_URI="sqlite://", SECRET_KEY=DEV_SECRET_KEY)
    assert development.config["SECRET_KEY"] == DEV_SECRET_KEY
