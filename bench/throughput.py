"""Served throughput: `wrk` against gunicorn serving Atrium's API list and HTML list, beside a
bare WSGI app that runs the same SQL through psycopg under the same gunicorn flags, in one run.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/atrium_bench \\
        .venv/bin/python -m bench.throughput [--seconds 10] [--workers 2] [--worker-class sync]

The bare app replays, per request, every statement one Atrium request of the same page sent
(recorded here first, on every engine, with its commits). The API burst limit is lifted for
Atrium here (wrk's thousands of calls a second on one key would be refused by it); the daily
meter is still written on every call. Needs `wrk` (apt-get install wrk).
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from bench.common import BENCH_DOMAIN, BIG_SLUG, admin_url, make_app
from bench.run import StatementRecorder, measure, new_api_key, setup, signed_in_client

GOAL = 0.5  # Atrium's requests/s at least half the bare app's


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def session_cookie(app, facts) -> str:
    serializer = app.session_interface.get_signing_serializer(app)
    value = serializer.dumps({"_user_id": facts["session_user"], "_fresh": True, "tenant_id": facts["tenant_id"]})
    return f"{app.config['SESSION_COOKIE_NAME']}={value}"


def serve(target: str, args, env: dict):
    """gunicorn on a free port; returns (process, base URL) once it answers."""
    port = free_port()
    command = [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "-w", str(args.workers)]
    command += ["-k", args.worker_class, "-b", f"127.0.0.1:{port}", "--log-level", "warning", target]
    if args.worker_class == "gthread":
        command[3:3] = ["--threads", str(args.threads)]
    process = subprocess.Popen(command, env={**os.environ, **env}, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(urllib.request.Request(base + "/health", method="HEAD"), timeout=2)
            break
        except urllib.error.HTTPError:
            break  # it answers
        except OSError:
            time.sleep(0.3)
    return process, base


def wrk(url: str, headers: dict, seconds: int) -> dict:
    command = ["wrk", "-t2", "-c8", f"-d{seconds}s", "--timeout", "30s", "--latency", url]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    failed = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    p50 = re.search(r"50%\s+([\d.]+\w+)", output)
    p99 = re.search(r"99%\s+([\d.]+\w+)", output)
    errors = (int(errors.group(1)) if errors else 0) + (sum(map(int, failed.groups())) if failed else 0)
    return {"rate": rate, "errors": errors, "p50": p50.group(1), "p99": p99.group(1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--switch-interval", type=float, default=None, help="the workers' sys.setswitchinterval (Python's is 0.005)"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    app = make_app(API_BURST_LIMIT=10**9)
    facts = setup(app, cursors=False)
    with app.app_context():
        from app.core.extensions import db

        recorder = StatementRecorder(dict(db.engines))
    client, base = signed_in_client(app, facts)
    key = new_api_key(app, facts)
    pages = {
        "API list /api/v1/contacts": ("/api/v1/contacts", {"Authorization": f"Bearer {key}"}),
        "HTML list /contacts": ("/contacts", {"Cookie": session_cookie(app, facts)}),
    }
    env = {"BENCH_DATABASE_URL": admin_url()}
    if args.switch_interval is not None:
        env["BENCH_SWITCH_INTERVAL"] = str(args.switch_interval)
    host = {"Host": f"{BIG_SLUG}.{BENCH_DOMAIN}"}
    print("the API burst limit is lifted for this run (one key, thousands of calls a second)")
    threads = f" --threads {args.threads}" if args.worker_class == "gthread" else ""
    interval = f"; switch interval {args.switch_interval} s" if args.switch_interval is not None else ""
    print(
        f"wrk -t2 -c8 -d{args.seconds}s; gunicorn -w {args.workers} -k {args.worker_class}{threads}{interval}; requests/s"
    )
    print(f"{'page':28} {'Atrium':>8} {'p50':>8} {'p99':>8} {'bare':>8} {'p50':>8} {'p99':>8} {'share':>6}  goal")
    for label, (path, headers) in pages.items():
        _, steps = measure(recorder, client, base, path, {k: v for k, v in headers.items() if k != "Cookie"}, 1)
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            json.dump(steps, handle, default=str)
        results = {}
        for name, target, extra in (
            ("atrium", "bench.serve:app", {}),
            ("bare", "bench.serve:bare", {"BENCH_REPLAY_FILE": handle.name}),
        ):
            process, url = serve(target, args, {**env, **extra})
            try:
                wrk(url + path, {**host, **headers}, 1)  # warm every worker
                results[name] = wrk(url + path, {**host, **headers}, args.seconds)
            finally:
                process.terminate()
                process.wait(timeout=30)
        os.unlink(handle.name)
        atrium, bare = results["atrium"], results["bare"]
        share = atrium["rate"] / bare["rate"] if bare["rate"] else 0
        errors = f"  ({atrium['errors']} failed or non-2xx)" if atrium["errors"] else ""
        print(
            f"{label:28} {atrium['rate']:8.1f} {atrium['p50']:>8} {atrium['p99']:>8} {bare['rate']:8.1f}"
            f" {bare['p50']:>8} {bare['p99']:>8} {share:6.0%}  ≥{GOAL:.0%} {'ok' if share >= GOAL else 'MISS'}{errors}",
            flush=True,
        )


if __name__ == "__main__":
    main()
