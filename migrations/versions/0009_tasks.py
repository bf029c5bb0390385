"""tasks, meetings, booking pages and the notification centre: tasks and meetings (record types),
meeting attendees, private calendar feeds, booking types and bookings, reminders, notifications
and each user's delivery choices

Revision ID: 0009_tasks
Revises: 0006_record_kit
Create Date: 2026-12-02 10:26:08.501969
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009_tasks"
down_revision = "0010_data"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "booking_types",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("location", sa.String(length=300), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("availability", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("buffer_before_minutes", sa.Integer(), nullable=False),
        sa.Column("buffer_after_minutes", sa.Integer(), nullable=False),
        sa.Column("min_notice_minutes", sa.Integer(), nullable=False),
        sa.Column("max_days_ahead", sa.Integer(), nullable=False),
        sa.Column("daily_cap", sa.Integer(), nullable=True),
        sa.Column("member_ids", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("last_assigned", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("duration_minutes BETWEEN 5 AND 480", name=op.f("ck_booking_types_duration_range")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_booking_types_tenant_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_booking_types_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_booking_types")),
        sa.UniqueConstraint("tenant_id", "slug", name=op.f("uq_booking_types_tenant_id_slug")),
    )
    op.create_table(
        "calendar_feeds",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_calendar_feeds_tenant_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_calendar_feeds_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("tenant_id", "token_hash", name=op.f("uq_calendar_feeds_tenant_id_token_hash")),
    )
    with op.batch_alter_table("calendar_feeds", schema=None) as batch_op:
        batch_op.create_index("ix_calendar_feeds_tenant_user", ["tenant_id", "user_id"], unique=False)

    op.create_table(
        "meetings",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("location", sa.String(length=300), nullable=False),
        sa.Column("video_url", sa.String(length=2000), nullable=False),
        sa.Column("agenda", sa.Text(), nullable=False),
        sa.Column("related_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("reminders", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_meetings_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "created_by_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_meetings_tenant_id_created_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "id"],
            ["records.tenant_id", "records.id"],
            name=op.f("fk_meetings_tenant_id_id_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "owner_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_meetings_tenant_id_owner_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "related_id"],
            ["records.tenant_id", "records.id"],
            name=op.f("fk_meetings_tenant_id_related_id_records"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_meetings_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_meetings")),
    )
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_meetings_search_trgm",
            ["tenant_id", "search_text"],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        )
        batch_op.create_index("ix_meetings_tenant_created", ["tenant_id", "created_at", "id"], unique=False)
        batch_op.create_index("ix_meetings_tenant_owner", ["tenant_id", "owner_id"], unique=False)
        batch_op.create_index("ix_meetings_tenant_owner_starts", ["tenant_id", "owner_id", "starts_at"], unique=False)
        batch_op.create_index("ix_meetings_tenant_related", ["tenant_id", "related_id"], unique=False)
        batch_op.create_index("ix_meetings_tenant_starts", ["tenant_id", "starts_at", "id"], unique=False)
        batch_op.create_index("ix_meetings_tenant_title", ["tenant_id", "title", "id"], unique=False)
        batch_op.create_index("ix_meetings_tenant_updated", ["tenant_id", "updated_at", "id"], unique=False)

    op.create_table(
        "notification_preferences",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_notification_preferences_tenant_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_notification_preferences_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_notification_preferences")),
        sa.UniqueConstraint(
            "tenant_id", "user_id", "kind", name=op.f("uq_notification_preferences_tenant_id_user_id_kind")
        ),
    )
    op.create_table(
        "notifications",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "record_id"],
            ["records.tenant_id", "records.id"],
            name=op.f("fk_notifications_tenant_id_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_notifications_tenant_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_notifications_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notifications_tenant_user_created", ["tenant_id", "user_id", "created_at", "id"], unique=False
        )
        batch_op.create_index("ix_notifications_tenant_user_unread", ["tenant_id", "user_id", "read_at"], unique=False)

    op.create_table(
        "reminders",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("offset_minutes", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "record_id"],
            ["records.tenant_id", "records.id"],
            name=op.f("fk_reminders_tenant_id_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_reminders_tenant_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_reminders_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_reminders")),
        sa.UniqueConstraint(
            "tenant_id",
            "record_id",
            "user_id",
            "offset_minutes",
            name=op.f("uq_reminders_tenant_id_record_id_user_id_offset_minutes"),
        ),
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_index("ix_reminders_tenant_due", ["tenant_id", "sent_at", "due_at"], unique=False)

    op.create_table(
        "tasks",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("due_time", sa.Time(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("related_id", sa.Uuid(), nullable=True),
        sa.Column("recurrence", sa.String(length=8), nullable=False),
        sa.Column("recurrence_interval", sa.Integer(), nullable=False),
        sa.Column("recurrence_until", sa.Date(), nullable=True),
        sa.Column("recurrence_anchor", sa.Date(), nullable=True),
        sa.Column("occurrence", sa.Integer(), nullable=False),
        sa.Column("reminders", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("previous_id", sa.Uuid(), nullable=True),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("recurrence_interval BETWEEN 1 AND 365", name=op.f("ck_tasks_recurrence_interval_range")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "created_by_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_tasks_tenant_id_created_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "id"],
            ["records.tenant_id", "records.id"],
            name=op.f("fk_tasks_tenant_id_id_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "owner_id"], ["users.tenant_id", "users.id"], name=op.f("fk_tasks_tenant_id_owner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "previous_id"],
            ["tasks.tenant_id", "tasks.id"],
            name=op.f("fk_tasks_tenant_id_previous_id_tasks"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "related_id"],
            ["records.tenant_id", "records.id"],
            name=op.f("fk_tasks_tenant_id_related_id_records"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_tasks_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_tasks")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tasks_search_trgm",
            ["tenant_id", "search_text"],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        )
        batch_op.create_index("ix_tasks_tenant_created", ["tenant_id", "created_at", "id"], unique=False)
        batch_op.create_index("ix_tasks_tenant_owner", ["tenant_id", "owner_id"], unique=False)
        batch_op.create_index(
            "ix_tasks_tenant_owner_status_due", ["tenant_id", "owner_id", "status", "due_at"], unique=False
        )
        batch_op.create_index("ix_tasks_tenant_previous", ["tenant_id", "previous_id"], unique=False)
        batch_op.create_index("ix_tasks_tenant_related", ["tenant_id", "related_id"], unique=False)
        batch_op.create_index("ix_tasks_tenant_status_due", ["tenant_id", "status", "due_at", "id"], unique=False)
        batch_op.create_index("ix_tasks_tenant_due_at", ["tenant_id", "due_at", "id"], unique=False)
        batch_op.create_index("ix_tasks_tenant_title", ["tenant_id", "title", "id"], unique=False)
        batch_op.create_index("ix_tasks_tenant_updated", ["tenant_id", "updated_at", "id"], unique=False)

    op.create_table(
        "bookings",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("booking_type_id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("host_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "booking_type_id"],
            ["booking_types.tenant_id", "booking_types.id"],
            name=op.f("fk_bookings_tenant_id_booking_type_id_booking_types"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "host_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_bookings_tenant_id_host_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "meeting_id"],
            ["meetings.tenant_id", "meetings.id"],
            name=op.f("fk_bookings_tenant_id_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_bookings_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_bookings")),
        sa.UniqueConstraint("tenant_id", "token_hash", name=op.f("uq_bookings_tenant_id_token_hash")),
    )
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index("ix_bookings_tenant_host_starts", ["tenant_id", "host_id", "starts_at"], unique=False)

    op.create_table(
        "meeting_attendees",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=48), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("contact_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "contact_id"],
            ["contacts.tenant_id", "contacts.id"],
            name=op.f("fk_meeting_attendees_tenant_id_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "meeting_id"],
            ["meetings.tenant_id", "meetings.id"],
            name=op.f("fk_meeting_attendees_tenant_id_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_meeting_attendees_tenant_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_meeting_attendees_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_meeting_attendees")),
        sa.UniqueConstraint(
            "tenant_id", "meeting_id", "key", name=op.f("uq_meeting_attendees_tenant_id_meeting_id_key")
        ),
    )
    with op.batch_alter_table("meeting_attendees", schema=None) as batch_op:
        batch_op.create_index("ix_meeting_attendees_tenant_contact", ["tenant_id", "contact_id"], unique=False)
        batch_op.create_index("ix_meeting_attendees_tenant_user", ["tenant_id", "user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("meeting_attendees", schema=None) as batch_op:
        batch_op.drop_index("ix_meeting_attendees_tenant_user")
        batch_op.drop_index("ix_meeting_attendees_tenant_contact")

    op.drop_table("meeting_attendees")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_bookings_tenant_host_starts")

    op.drop_table("bookings")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_tenant_updated")
        batch_op.drop_index("ix_tasks_tenant_title")
        batch_op.drop_index("ix_tasks_tenant_due_at")
        batch_op.drop_index("ix_tasks_tenant_status_due")
        batch_op.drop_index("ix_tasks_tenant_related")
        batch_op.drop_index("ix_tasks_tenant_previous")
        batch_op.drop_index("ix_tasks_tenant_owner_status_due")
        batch_op.drop_index("ix_tasks_tenant_owner")
        batch_op.drop_index("ix_tasks_tenant_created")
        batch_op.drop_index(
            "ix_tasks_search_trgm", postgresql_using="gin", postgresql_ops={"search_text": "gin_trgm_ops"}
        )

    op.drop_table("tasks")
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_reminders_tenant_due")

    op.drop_table("reminders")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_tenant_user_unread")
        batch_op.drop_index("ix_notifications_tenant_user_created")

    op.drop_table("notifications")
    op.drop_table("notification_preferences")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_index("ix_meetings_tenant_updated")
        batch_op.drop_index("ix_meetings_tenant_title")
        batch_op.drop_index("ix_meetings_tenant_starts")
        batch_op.drop_index("ix_meetings_tenant_related")
        batch_op.drop_index("ix_meetings_tenant_owner_starts")
        batch_op.drop_index("ix_meetings_tenant_owner")
        batch_op.drop_index("ix_meetings_tenant_created")
        batch_op.drop_index(
            "ix_meetings_search_trgm", postgresql_using="gin", postgresql_ops={"search_text": "gin_trgm_ops"}
        )

    op.drop_table("meetings")
    with op.batch_alter_table("calendar_feeds", schema=None) as batch_op:
        batch_op.drop_index("ix_calendar_feeds_tenant_user")

    op.drop_table("calendar_feeds")
    op.drop_table("booking_types")
