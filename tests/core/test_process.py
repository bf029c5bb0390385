"""The garbage collector is tuned in the long-running processes: web workers and the scheduler."""

import gc
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.process import COLLECT_AFTER_ALLOCATIONS, tune_garbage_collection
from app.jobs import cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def restored_collector():
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_tuning_freezes_what_start_up_made_and_collects_less_often(restored_collector):
    gc.unfreeze()
    tune_garbage_collection()
    assert gc.get_freeze_count() > 10_000  # the modules, the app and its mappers
    assert gc.get_threshold()[0] == COLLECT_AFTER_ALLOCATIONS > 700


def test_the_scheduler_process_tunes_the_collector_before_it_runs(app, monkeypatch):
    steps = []
    # The command installs its own SIGTERM and SIGINT handlers: not in the test's process.
    monkeypatch.setattr(signal, "signal", lambda *args: None)
    monkeypatch.setattr(cli, "tune_garbage_collection", lambda: steps.append("tuned"))
    monkeypatch.setattr(cli, "run_scheduler", lambda *args, **kwargs: steps.append("scheduler"))
    result = app.test_cli_runner().invoke(args=["jobs", "run"])
    assert result.exit_code == 0, result.output
    assert steps == ["tuned", "scheduler"]


def test_the_wsgi_entry_point_tunes_the_collector(tmp_path):
    probe = "import gc, wsgi; print(gc.get_threshold()[0], gc.get_freeze_count() > 0)"
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'probe.db'}", "PATH": "/usr/bin:/bin", "SECRET_KEY": "probe"}
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(COLLECT_AFTER_ALLOCATIONS), "True"]
