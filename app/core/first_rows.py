"""A short list on a panel (my day's tasks, its waiting leads) and how many rows it stands for,
so the panel can say "Showing 10 of 23" instead of passing ten rows off as all of them."""

from dataclasses import dataclass

from sqlalchemy import Select, func, select

from app.core.extensions import db


@dataclass(frozen=True)
class FirstRows:
    rows: list
    total: int

    @property
    def cut(self) -> bool:
        return self.total > len(self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def first_rows(stmt: Select, limit: int) -> FirstRows:
    """The first `limit` rows of `stmt` (in its order) and its number of rows in all, counted
    only when the rows fill the limit: a shorter list is its own count."""
    rows = list(db.session.scalars(stmt.limit(limit)))
    if len(rows) < limit:
        return FirstRows(rows, len(rows))
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    return FirstRows(rows, total)
