"""record kit: shared records index, tag links, timeline links, attachments, saved views, domain events

Revision ID: 0006_record_kit
Revises: 0005_security
Create Date: 2026-12-02 02:49:17.970349
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006_record_kit"
down_revision = "0005_security"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "domain_events",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("record_type", sa.String(length=32), nullable=True),
        sa.Column("record_id", sa.Uuid(), nullable=True),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_label", sa.String(length=254), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("payload", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_domain_events_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_domain_events")),
    )
    with op.batch_alter_table("domain_events", schema=None) as batch_op:
        batch_op.create_index("ix_domain_events_tenant_occurred", ["tenant_id", "occurred_at"], unique=False)
        batch_op.create_index(
            "ix_domain_events_tenant_record", ["tenant_id", "record_type", "record_id", "id"], unique=False
        )

    op.create_table(
        "records",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_records_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_records")),
    )
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.create_index("ix_records_tenant_type_title", ["tenant_id", "type", "title"], unique=False)

    op.create_table(
        "attachments",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "record_id"],
            ["records.tenant_id", "records.id"],
            name=op.f("fk_attachments_tenant_id_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "uploaded_by_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_attachments_tenant_id_uploaded_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_attachments_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_attachments")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index("ix_attachments_tenant_record", ["tenant_id", "record_id", "created_at"], unique=False)

    op.create_table(
        "event_deliveries",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("consumer", sa.String(length=64), nullable=False),
        sa.Column("record_key", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id", "event_id"],
            ["domain_events.tenant_id", "domain_events.id"],
            name=op.f("fk_event_deliveries_tenant_id_event_id_domain_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_event_deliveries_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_event_deliveries")),
    )
    with op.batch_alter_table("event_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_event_deliveries_tenant_order", ["tenant_id", "consumer", "record_key", "event_id"], unique=False
        )
        batch_op.create_index(
            "ix_event_deliveries_tenant_pending",
            ["tenant_id", "next_attempt_at"],
            unique=False,
            postgresql_where=sa.text("status = 'pending'"),
            sqlite_where=sa.text("status = 'pending'"),
        )

    op.create_table(
        "record_tags",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("tag_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "record_id"],
            ["records.tenant_id", "records.id"],
            name=op.f("fk_record_tags_tenant_id_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "tag_id"],
            ["tags.tenant_id", "tags.id"],
            name=op.f("fk_record_tags_tenant_id_tag_id_tags"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_record_tags_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "record_id", "tag_id", name=op.f("pk_record_tags")),
    )
    with op.batch_alter_table("record_tags", schema=None) as batch_op:
        batch_op.create_index("ix_record_tags_tenant_tag", ["tenant_id", "tag_id", "record_id"], unique=False)

    op.create_table(
        "saved_views",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("record_type", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("query", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_saved_views_tenant_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_saved_views_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_saved_views")),
        sa.UniqueConstraint(
            "tenant_id",
            "user_id",
            "record_type",
            "name",
            name=op.f("uq_saved_views_tenant_id_user_id_record_type_name"),
        ),
    )
    op.create_table(
        "activity_links",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("activity_id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "activity_id"],
            ["activities.tenant_id", "activities.id"],
            name=op.f("fk_activity_links_tenant_id_activity_id_activities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "record_id"],
            ["records.tenant_id", "records.id"],
            name=op.f("fk_activity_links_tenant_id_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_activity_links_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "activity_id", "record_id", name=op.f("pk_activity_links")),
    )
    with op.batch_alter_table("activity_links", schema=None) as batch_op:
        batch_op.create_index(
            "ix_activity_links_tenant_record_occurred",
            ["tenant_id", "record_id", "occurred_at", "activity_id"],
            unique=False,
        )

    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("record_id", sa.Uuid(), nullable=True))
        batch_op.create_index("ix_activities_tenant_record", ["tenant_id", "record_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_activities_tenant_id_record_id_records"),
            "records",
            ["tenant_id", "record_id"],
            ["tenant_id", "id"],
        )

    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_companies_tenant_id_id_records"),
            "records",
            ["tenant_id", "id"],
            ["tenant_id", "id"],
            ondelete="CASCADE",
        )

    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_contacts_tenant_id_id_records"),
            "records",
            ["tenant_id", "id"],
            ["tenant_id", "id"],
            ondelete="CASCADE",
        )

    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.create_index("ix_leads_tenant_owner", ["tenant_id", "owner_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_leads_tenant_id_id_records"),
            "records",
            ["tenant_id", "id"],
            ["tenant_id", "id"],
            ondelete="CASCADE",
        )

    # Existing rows: every contact, company and lead gets its row in `records`; tag links and
    # the timeline's contact/company/lead columns become links to those rows.
    _copy_into_shared_tables()
    with op.batch_alter_table("lead_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lead_tags_tenant_tag"))

    op.drop_table("lead_tags")
    with op.batch_alter_table("company_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_company_tags_tenant_tag"))

    op.drop_table("company_tags")
    with op.batch_alter_table("contact_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_tags_tenant_tag"))

    op.drop_table("contact_tags")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activities_tenant_company"))
        batch_op.drop_index(batch_op.f("ix_activities_tenant_contact"))
        batch_op.drop_index(batch_op.f("ix_activities_tenant_lead"))
        batch_op.drop_constraint(batch_op.f("fk_activities_tenant_id_lead_id_leads"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_activities_tenant_id_contact_id_contacts"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_activities_tenant_id_company_id_companies"), type_="foreignkey")
        batch_op.drop_column("company_id")
        batch_op.drop_column("contact_id")
        batch_op.drop_column("lead_id")


READ_TABLES = (
    "contacts",
    "contact_emails",
    "companies",
    "leads",
    "contact_tags",
    "company_tags",
    "lead_tags",
    "activities",
)


def _copy_into_shared_tables():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # The owner is subject to the forced tenant policy too; the migration environment
        # forces it again on every table once the upgrade is done.
        for table in READ_TABLES:
            op.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
    op.execute(
        """
        INSERT INTO records (tenant_id, id, type, title, created_at, updated_at)
        SELECT c.tenant_id, c.id, 'contact',
               COALESCE(NULLIF(c.full_name, ''),
                        (SELECT e.email FROM contact_emails e
                          WHERE e.tenant_id = c.tenant_id AND e.contact_id = c.id
                          ORDER BY e.is_primary DESC, e.position LIMIT 1),
                        'Unnamed contact'),
               c.created_at, c.updated_at
        FROM contacts c
        """
    )
    op.execute(
        "INSERT INTO records (tenant_id, id, type, title, created_at, updated_at) "
        "SELECT tenant_id, id, 'company', name, created_at, updated_at FROM companies"
    )
    op.execute(
        "INSERT INTO records (tenant_id, id, type, title, created_at, updated_at) "
        "SELECT tenant_id, id, 'lead', COALESCE(NULLIF(name, ''), email, 'Unnamed lead'), created_at, updated_at "
        "FROM leads"
    )
    for table, column in (("contact_tags", "contact_id"), ("company_tags", "company_id"), ("lead_tags", "lead_id")):
        op.execute(
            f"INSERT INTO record_tags (tenant_id, record_id, tag_id) SELECT tenant_id, {column}, tag_id FROM {table}"
        )
    op.execute("UPDATE activities SET record_id = COALESCE(contact_id, lead_id, company_id)")
    for column in ("contact_id", "company_id", "lead_id"):
        op.execute(
            "INSERT INTO activity_links (tenant_id, activity_id, record_id, occurred_at) "
            f"SELECT tenant_id, id, {column}, occurred_at FROM activities WHERE {column} IS NOT NULL"
        )


def downgrade():
    # The schema goes back; links made since are not copied into the old columns.
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_leads_tenant_id_id_records"), type_="foreignkey")
        batch_op.drop_index("ix_leads_tenant_owner")

    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_contacts_tenant_id_id_records"), type_="foreignkey")

    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_companies_tenant_id_id_records"), type_="foreignkey")

    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lead_id", sa.CHAR(length=32), nullable=True))
        batch_op.add_column(sa.Column("contact_id", sa.CHAR(length=32), nullable=True))
        batch_op.add_column(sa.Column("company_id", sa.CHAR(length=32), nullable=True))
        batch_op.drop_constraint(batch_op.f("fk_activities_tenant_id_record_id_records"), type_="foreignkey")
        batch_op.create_foreign_key(
            batch_op.f("fk_activities_tenant_id_company_id_companies"),
            "companies",
            ["tenant_id", "company_id"],
            ["tenant_id", "id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_activities_tenant_id_contact_id_contacts"),
            "contacts",
            ["tenant_id", "contact_id"],
            ["tenant_id", "id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_activities_tenant_id_lead_id_leads"), "leads", ["tenant_id", "lead_id"], ["tenant_id", "id"]
        )
        batch_op.drop_index("ix_activities_tenant_record")
        batch_op.create_index(
            batch_op.f("ix_activities_tenant_lead"), ["tenant_id", "lead_id", "occurred_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_activities_tenant_contact"), ["tenant_id", "contact_id", "occurred_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_activities_tenant_company"), ["tenant_id", "company_id", "occurred_at"], unique=False
        )
        batch_op.drop_column("record_id")

    op.create_table(
        "contact_tags",
        sa.Column("tenant_id", sa.CHAR(length=32), nullable=False),
        sa.Column("contact_id", sa.CHAR(length=32), nullable=False),
        sa.Column("tag_id", sa.CHAR(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "contact_id"],
            ["contacts.tenant_id", "contacts.id"],
            name=op.f("fk_contact_tags_tenant_id_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "tag_id"],
            ["tags.tenant_id", "tags.id"],
            name=op.f("fk_contact_tags_tenant_id_tag_id_tags"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_contact_tags_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "contact_id", "tag_id", name=op.f("pk_contact_tags")),
    )
    with op.batch_alter_table("contact_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_tags_tenant_tag"), ["tenant_id", "tag_id"], unique=False)

    op.create_table(
        "company_tags",
        sa.Column("tenant_id", sa.CHAR(length=32), nullable=False),
        sa.Column("company_id", sa.CHAR(length=32), nullable=False),
        sa.Column("tag_id", sa.CHAR(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "company_id"],
            ["companies.tenant_id", "companies.id"],
            name=op.f("fk_company_tags_tenant_id_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "tag_id"],
            ["tags.tenant_id", "tags.id"],
            name=op.f("fk_company_tags_tenant_id_tag_id_tags"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_company_tags_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "company_id", "tag_id", name=op.f("pk_company_tags")),
    )
    with op.batch_alter_table("company_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_company_tags_tenant_tag"), ["tenant_id", "tag_id"], unique=False)

    op.create_table(
        "lead_tags",
        sa.Column("tenant_id", sa.CHAR(length=32), nullable=False),
        sa.Column("lead_id", sa.CHAR(length=32), nullable=False),
        sa.Column("tag_id", sa.CHAR(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "lead_id"],
            ["leads.tenant_id", "leads.id"],
            name=op.f("fk_lead_tags_tenant_id_lead_id_leads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "tag_id"],
            ["tags.tenant_id", "tags.id"],
            name=op.f("fk_lead_tags_tenant_id_tag_id_tags"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_lead_tags_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "lead_id", "tag_id", name=op.f("pk_lead_tags")),
    )
    with op.batch_alter_table("lead_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lead_tags_tenant_tag"), ["tenant_id", "tag_id"], unique=False)

    with op.batch_alter_table("activity_links", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_links_tenant_record_occurred")

    op.drop_table("activity_links")
    op.drop_table("saved_views")
    with op.batch_alter_table("record_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_record_tags_tenant_tag")

    op.drop_table("record_tags")
    with op.batch_alter_table("event_deliveries", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_event_deliveries_tenant_pending",
            postgresql_where=sa.text("status = 'pending'"),
            sqlite_where=sa.text("status = 'pending'"),
        )
        batch_op.drop_index("ix_event_deliveries_tenant_order")

    op.drop_table("event_deliveries")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index("ix_attachments_tenant_record")

    op.drop_table("attachments")
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index("ix_records_tenant_type_title")

    op.drop_table("records")
    with op.batch_alter_table("domain_events", schema=None) as batch_op:
        batch_op.drop_index("ix_domain_events_tenant_record")
        batch_op.drop_index("ix_domain_events_tenant_occurred")

    op.drop_table("domain_events")
