"""Set-up of a long-running process (a web worker, the scheduler) once the app is built."""

import gc

# Python collects its youngest generation every 700 net allocations and the older ones
# after 10 of the younger: a request or an import batch that builds thousands of ORM objects
# set off collections that walked every object alive, again and again. Collecting after
# 50,000 allocations keeps the garbage of reference cycles small (one request's worth) and
# took an import from 250 to 500 rows/s on the benchmark (bench/README.md).
COLLECT_AFTER_ALLOCATIONS = 50_000
COLLECT_OLDER_AFTER = (50, 100)


def tune_garbage_collection() -> None:
    """Freeze what start-up made (modules, the app, its mappers and templates: alive for the
    life of the process, so never worth walking again) and collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(COLLECT_AFTER_ALLOCATIONS, *COLLECT_OLDER_AFTER)
