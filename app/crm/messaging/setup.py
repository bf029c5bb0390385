"""Installing messaging into the app: permissions, API scopes, the consent ledger, the outbox
listener, navigation and jobs (the app's wiring calls `install_messaging`)."""

from app.api.scopes import register_scope_object
from app.auth.models import Role
from app.auth.permissions import MANAGERS, WRITERS, register_record_permissions
from app.crm.messaging.campaigns.audiences import keep_segments_of_scheduled_campaigns
from app.crm.messaging.consent import install_consent_ledger
from app.crm.messaging.record_pages import install_record_pages
from app.crm.messaging.sending import install_outbox_listener
from app.crm.messaging.views.public import allow_while_read_only
from app.crm.segments.services import register_segment_deletion_check

MARKETERS = frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER, Role.MARKETING})


def install_messaging(app) -> None:
    register_record_permissions("messages", "Messages", grants={"create": WRITERS, "edit": WRITERS})
    register_record_permissions(
        "message_templates", "Message templates", grants={"create": MARKETERS, "edit": MARKETERS, "delete": MARKETERS}
    )
    register_record_permissions(
        "campaigns", "Campaigns", grants={"create": MARKETERS, "edit": MARKETERS, "delete": MARKETERS}
    )
    register_record_permissions(
        "suppressions",
        "Suppression list",
        grants={"view": MARKETERS, "create": MARKETERS, "edit": MARKETERS, "delete": MANAGERS},
    )
    for name, label in (
        ("messages", "Messages and conversations"),
        ("message_templates", "Message templates"),
        ("campaigns", "Campaigns"),
        ("suppressions", "Suppression list"),
    ):
        register_scope_object(name, label)
    register_segment_deletion_check(keep_segments_of_scheduled_campaigns)
    install_record_pages()
    install_consent_ledger()
    install_outbox_listener()
    allow_while_read_only()
