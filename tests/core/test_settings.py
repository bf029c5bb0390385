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
