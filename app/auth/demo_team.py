"""Who the `seed-demo` seeders act as: the workspace owner, and the sellers the demo records are
shared out among."""

from sqlalchemy import select

from app.auth.models import Role, User
from app.core.extensions import db

# The roles that own deals, tasks and meetings in the demo.
SELLING_ROLES = (Role.OWNER, Role.MANAGER, Role.SALES)


def get_demo_owner(*, unless_seeded) -> User | None:
    """The owner (the first by email) a seeder creates its demo records as, or None when there is
    nothing to seed: the workspace already has an `unless_seeded` row (`seed-demo` may run
    twice, and adds its records once) or has no owner."""
    if db.session.scalar(select(unless_seeded.id).limit(1)) is not None:
        return None
    return db.session.scalar(select(User).where(User.role == Role.OWNER).order_by(User.email))


def get_sellers() -> list[User]:
    """The owner, managers and sales people, by email."""
    return list(db.session.scalars(select(User).where(User.role.in_(SELLING_ROLES)).order_by(User.email)))
