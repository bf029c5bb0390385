"""The two WSGI apps `bench.throughput` serves with gunicorn, under the same flags.

`bench.serve:app` is Atrium on the benchmark database (the app and platform roles, as
`bench.run` uses it). `bench.serve:bare` answers every request by running the statements one
Atrium request sent (recorded by `bench.throughput` into BENCH_REPLAY_FILE) through psycopg,
on one connection per worker, and returning the rows as JSON: the same SQL with nothing of
the framework around it.
"""

import json
import os
import sys
import threading

import psycopg

from app.core.process import tune_garbage_collection
from bench.common import make_app, replay_connection, role_urls

# `bench.throughput --switch-interval S`: how often a thread holding the GIL hands it over
# (Python's default is 5 ms), to see what threads waiting for the database lose to it.
if os.environ.get("BENCH_SWITCH_INTERVAL"):
    sys.setswitchinterval(float(os.environ["BENCH_SWITCH_INTERVAL"]))


def _atrium():
    # The API's burst limit is lifted here (and said so in the output): wrk sends thousands
    # of calls a second with one key, which the shipped limit (100 per 10 s) would refuse.
    app = make_app(API_BURST_LIMIT=10**9)
    tune_garbage_collection()  # as wsgi.py does
    return app


def _bare():
    with open(os.environ["BENCH_REPLAY_FILE"], encoding="utf-8") as handle:
        steps = json.load(handle)
    # One connection per role and thread: a gthread worker's threads must not share one.
    local = threading.local()

    def connection(label: str) -> psycopg.Connection:
        connections = local.__dict__.setdefault("connections", {})
        if label not in connections:
            connections[label] = replay_connection(role_urls()[label], custom_plans=label == "app")
        return connections[label]

    def serve(environ, start_response):
        rows = []
        for label, statement, parameters in steps:
            conn = connection(label)
            if statement in ("commit", "rollback"):
                getattr(conn, statement)()
                continue
            cursor = conn.execute(statement, parameters)
            if cursor.description is not None:
                rows.extend(cursor.fetchall())
        for conn in local.connections.values():
            conn.commit()
        body = json.dumps({"rows": len(rows), "items": rows}, default=str).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    return serve


def __getattr__(name):
    # Built on first use, in the gunicorn worker that imports it.
    if name == "app":
        return _atrium()
    if name == "bare":
        return _bare()
    raise AttributeError(name)
