"""Quote numbers: a per-workspace pattern, gap-free and without duplicates under concurrency."""

import threading
from datetime import date

import pytest

from app.core.context import tenant_context
from app.core.extensions import db
from app.crm.quotes.numbering import next_number, pattern_problems
from tests.conftest import USE_POSTGRES, in_tenant


def test_patterns_take_only_year_and_sequence():
    assert pattern_problems("Q-{year}-{seq:04d}") == []
    assert pattern_problems("INV{seq}") == []
    assert pattern_problems("Q-{year}") == ["The pattern needs {seq}, the running number."]
    assert pattern_problems("{seq.__class__}") != []
    assert pattern_problems("{seq!r}") != []
    assert pattern_problems("{seq:04d") != []
    assert pattern_problems("{seq:>}{tenant}") != []
    assert pattern_problems("") != []


def test_numbers_count_per_workspace_and_restart_each_year(app, tenant_a, tenant_b):
    with in_tenant(app, tenant_a.id):
        first = [next_number("quote", "Q-{year}-{seq:04d}", date(2026, 5, 1)) for _ in range(3)]
        next_year = next_number("quote", "Q-{year}-{seq:04d}", date(2027, 1, 2))
        forever = [next_number("quote", "Q{seq}", date(year, 1, 1)) for year in (2026, 2027)]
    with in_tenant(app, tenant_b.id):
        other = next_number("quote", "Q-{year}-{seq:04d}", date(2026, 5, 1))
    assert first == ["Q-2026-0001", "Q-2026-0002", "Q-2026-0003"]
    assert next_year == "Q-2027-0001"
    assert forever == ["Q1", "Q2"]
    assert other == "Q-2026-0001"


def test_a_rolled_back_number_is_given_again(app, tenant_a):
    with app.app_context(), tenant_context(tenant_a.id):
        assert next_number("quote", "Q{seq}", date(2026, 1, 1)) == "Q1"
        db.session.rollback()
        assert next_number("quote", "Q{seq}", date(2026, 1, 1)) == "Q1"
        db.session.commit()


@pytest.mark.postgres
@pytest.mark.skipif(not USE_POSTGRES, reason="needs PostgreSQL (ATRIUM_TEST_DB=postgresql)")
def test_concurrent_senders_get_no_gap_and_no_duplicate(app, tenant_a):
    attempts, committed, errors = 16, [], []
    barrier = threading.Barrier(attempts)
    lock = threading.Lock()

    def worker(index: int) -> None:
        with app.app_context(), tenant_context(tenant_a.id):
            try:
                barrier.wait(timeout=30)
                number = next_number("quote", "Q-{seq:03d}", date(2026, 6, 1))
                if index % 4 == 0:
                    db.session.rollback()  # a send that failed after taking its number
                    return
                db.session.commit()
                with lock:
                    committed.append(number)
            except Exception as exc:
                db.session.rollback()
                with lock:
                    errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sorted(committed) == [f"Q-{n:03d}" for n in range(1, attempts - attempts // 4 + 1)]
