"""Python function calls per request: the API list and the HTML list of contacts, counted by
cProfile over `--requests` requests after 30 warm-up, through the Flask test client on the
benchmark database.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/atrium_bench \\
        .venv/bin/python -m bench.calls [--requests 50] [--top 30]

Unlike `bench.cpu`'s process time, the count does not move with the machine's load, so it tells
whether a change to the request's Python did less work even on a busy machine; `--top` prints
the functions with the most time of their own under the profiler.
"""

import argparse
import cProfile
import pstats

from bench.cpu import signed_in_pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--top", type=int, default=0)
    args = parser.parse_args()
    client, pages = signed_in_pages()
    for label, url, headers in pages:
        for _ in range(30):
            assert client.get(url, headers=headers).status_code == 200
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.requests):
            client.get(url, headers=headers)
        profile.disable()
        stats = pstats.Stats(profile)
        print(f"{label:28} {round(stats.total_calls / args.requests):>8,} calls per request", flush=True)
        if args.top:
            stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
