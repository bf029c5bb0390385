"""Tags, and the one link table that attaches them to records of any type."""

from sqlalchemy import Column, Index, Integer, String, UniqueConstraint, Uuid, and_, literal, select
from sqlalchemy.orm import Mapped, declared_attr, foreign, mapped_column, relationship

from app.core.context import require_tenant_id
from app.core.models import Base, TenantScoped, Timestamps, tenant_foreign_key, tenant_link_table

DEFAULT_TAG_COLOR = "#6c757d"


class Tag(TenantScoped, Timestamps, Base):
    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)
    __repr_label__ = ("name",)

    name: Mapped[str] = mapped_column(String(60))
    color: Mapped[str] = mapped_column(String(7), default=DEFAULT_TAG_COLOR)
    # Records carrying the tag, of every type: kept by triggers on record_tags (migration
    # 0020), whatever writes or cascades the links; never written by the app.
    record_count: Mapped[int] = mapped_column(Integer, server_default="0")


# (tenant_id, record, tag): both foreign keys include tenant_id, and a record's links go
# with its row in `records`. Each link also carries its record's type, filled in by the
# database from `records` (migration 0021) since the ORM writes only the keys: a tag filter
# names the type, so the planner sees how many of a tag's links are companies (none, say)
# instead of walking every company by name looking for one. The (tenant, tag, type, record)
# index answers "records of this type with tag X" as a plain semi-join.
record_tags = tenant_link_table(
    "record_tags",
    Column("record_id", Uuid, primary_key=True),
    Column("tag_id", Uuid, primary_key=True),
    Column("record_type", String(32)),
    tenant_foreign_key("record_id", "records", ondelete="CASCADE"),
    tenant_foreign_key("tag_id", "tags", ondelete="CASCADE"),
    Index("ix_record_tags_tenant_tag_type", "tenant_id", "tag_id", "record_type", "record_id"),
)


def tagged_ids(record_type_name: str, tag_id):
    """SELECT of the ids of `record_type_name` records carrying a tag, for `id IN (…)`.

    Uncorrelated on purpose: PostgreSQL runs it as one semi-join over the tag's links. The
    link table is not an ORM class, so the tenant is named here explicitly. The tag and the
    type are written into the statement's text, not bound: a statement psycopg has prepared
    gets a generic plan after five runs, and one plan for every tag cannot be right both for
    a tag on 15,000 contacts (walk the names) and for one on none (start from the links) —
    the generic plan took 270 ms where the tag's own took 15."""
    return select(record_tags.c.record_id).where(
        record_tags.c.tenant_id == require_tenant_id(),
        record_tags.c.tag_id == literal(tag_id, Uuid, literal_execute=True),
        record_tags.c.record_type == literal(record_type_name, String, literal_execute=True),
    )


class Taggable:
    """Mixin for a record type's model: `record.tags`, ordered by name."""

    @declared_attr
    def tags(cls):  # noqa: N805 - a declared_attr receives the mapped class
        return relationship(
            Tag,
            secondary=record_tags,
            primaryjoin=lambda: and_(
                cls.tenant_id == foreign(record_tags.c.tenant_id), cls.id == foreign(record_tags.c.record_id)
            ),
            secondaryjoin=lambda: and_(
                Tag.tenant_id == foreign(record_tags.c.tenant_id), Tag.id == foreign(record_tags.c.tag_id)
            ),
            order_by=Tag.name,
            # Every record type's `tags` writes the same link table, each its own rows.
            overlaps="tags",
        )
