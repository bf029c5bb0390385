"""CPU per request: the Python one request of a page costs, in process time, through the Flask
test client on the benchmark database.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/atrium_bench \\
        .venv/bin/python -m bench.cpu [--batches 7] [--per-batch 100]

Served throughput (`bench.throughput`) is what a user gets, but on a shared two-core machine
its figures move by a third from run to run; the process time of the same requests moves by a
few per cent, which is what an A/B of a change to the request's Python needs. Prints the
median of the batches, wall and CPU, for the API list and the HTML list of contacts. The API
burst limit is lifted here, as in `bench.throughput`.
"""

import argparse
import statistics
import time

from app.core.process import tune_garbage_collection
from bench.common import make_app
from bench.run import new_api_key, setup, signed_in_client

PAGES = {"API list /api/v1/contacts": "/api/v1/contacts", "HTML list /contacts": "/contacts"}


def per_request(client, url: str, headers: dict, batches: int, per_batch: int) -> tuple[float, float]:
    """(wall ms, CPU ms) per request: the medians over `batches` batches of `per_batch` calls."""
    for _ in range(30):  # warm the caches and the connection pool
        assert client.get(url, headers=headers).status_code == 200
    walls, cpus = [], []
    for _ in range(batches):
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(per_batch):
            client.get(url, headers=headers)
        walls.append((time.perf_counter() - wall) * 1000 / per_batch)
        cpus.append((time.process_time() - cpu) * 1000 / per_batch)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, default=7)
    parser.add_argument("--per-batch", type=int, default=100)
    args = parser.parse_args()
    client, pages = signed_in_pages()
    print("the API burst limit is lifted for this run; medians of", args.batches, "batches of", args.per_batch)
    print(f"{'page':28} {'wall ms':>8} {'CPU ms':>8}")
    for label, url, headers in pages:
        wall, cpu = per_request(client, url, headers, args.batches, args.per_batch)
        print(f"{label:28} {wall:8.2f} {cpu:8.2f}", flush=True)


def signed_in_pages():
    """(test client, [(label, URL, headers)] of PAGES): the big tenant's owner signed in, an API
    key of its own, the burst limit lifted and the collector tuned as the web workers run."""
    app = make_app(API_BURST_LIMIT=10**9)
    facts = setup(app, cursors=False)
    tune_garbage_collection()  # as wsgi.py does
    client, base = signed_in_client(app, facts)
    key = new_api_key(app, facts)
    pages = [
        (label, base + path, {"Authorization": f"Bearer {key}"} if path.startswith("/api/") else {})
        for label, path in PAGES.items()
    ]
    return client, pages


if __name__ == "__main__":
    main()
