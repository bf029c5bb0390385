"""Contacts, declared once: the people an agency works with."""

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from app.core.extensions import db
from app.crm.activities.capability import NOTES, TIMELINE
from app.crm.attachments.capability import ATTACHMENTS
from app.crm.contacts.fields import ConsentField, EmailList, PhoneList
from app.crm.contacts.models import PREFERRED_CHANNELS, Contact, LifecycleStage
from app.crm.fields.capability import CUSTOM_FIELDS
from app.crm.tags.capability import TAGS
from app.records import fields as f
from app.records.capabilities import Column, Tab
from app.records.loading import together
from app.records.owner import OWNER
from app.records.pages import action_state, permission_action_state
from app.records.record_type import RecordType


class ContactType(RecordType):
    def check(self, cleaned, context):
        record = context.record
        first = cleaned.get("first_name", record.first_name if record else "")
        last = cleaned.get("last_name", record.last_name if record else "")
        emails = cleaned.get("emails", record.emails if record else [])
        if not (first or last or emails) and not context.errors.has("first_name"):
            context.errors.add("first_name", "Give at least a name or an email address.")

    def before_save(self, contact, cleaned, context):
        contact.full_name = " ".join(part for part in (contact.first_name, contact.last_name) if part)
        if contact.company_id is None:
            contact.is_primary_contact = False

    def after_save(self, contact, cleaned, context):
        """A company has one primary contact: the others of its company stop being it."""
        if contact.is_primary_contact and contact.company_id is not None:
            db.session.execute(
                update(Contact)
                .where(Contact.company_id == contact.company_id, Contact.id != contact.id, Contact.is_primary_contact)
                .values(is_primary_contact=False)
                .execution_options(synchronize_session="fetch")
            )

    def search_parts(self, contact):
        return [contact.full_name, *super().search_parts(contact)]

    def related(self, contact):
        return [("company", contact.company_id)] if contact.company_id else []


def _children():
    return [together(Contact.emails), together(Contact.phones)]


PEOPLE_SHOWN = 50


def _company_people(record_type, company) -> dict:
    """The Contacts tab of a company: primary first, then by name."""
    people = list(
        db.session.scalars(
            select(Contact)
            .where(Contact.company_id == company.id)
            .options(selectinload(Contact.emails))
            .order_by(Contact.is_primary_contact.desc(), Contact.full_name, Contact.id)
            .limit(PEOPLE_SHOWN + 1)
        )
    )
    return {
        "company": company,
        "people": people[:PEOPLE_SHOWN],
        "more": len(people) > PEOPLE_SHOWN,
        # Disabled, with the reason, where the plan's contact limit or a read-only workspace refuses.
        "adding": action_state(CONTACTS, "create"),
        "changing": permission_action_state("contacts.edit"),
    }


CONTACTS = ContactType(
    name="contact",
    about_a_person=True,
    model=Contact,
    icon="person-lines-fill",
    title="display_name",
    title_sort="name",
    subtitle=lambda contact: contact.primary_email,
    meter="contacts",
    default_sort="name",
    nav_order=10,
    description="People: emails, phones, company, owner, stage, consent, tags and custom fields.",
    example={"first_name": "Ada", "last_name": "Lovelace", "emails": [{"email": "ada@example.com", "primary": True}]},
    fields=[
        f.Text("first_name", "First name", max_length=100, detail=False),
        f.Text("last_name", "Last name", max_length=100, detail=False),
        f.Text("full_name", "Name", max_length=201, read_only=True, sort=True, sort_key="name", detail=False),
        EmailList(),
        PhoneList(),
        f.Text("title", "Job title", max_length=120),
        f.Reference("company_id", "Company", to="company", relation="company", filter=True, list=True, search=True),
        f.Text("company_role", "Role at the company", max_length=80),
        f.Boolean("is_primary_contact", "Primary contact of the company"),
        f.Choice(
            "lifecycle_stage",
            "Lifecycle stage",
            choices=LifecycleStage.LABELS,
            default=LifecycleStage.LEAD,
            filter=True,
            list=True,
        ),
        f.Address(),
        f.Choice(
            "preferred_channel",
            "Preferred channel",
            choices={key: label for key, label in PREFERRED_CHANNELS.items() if key},
            blank=True,
            section="Communication",
        ),
        ConsentField(),
    ],
    capabilities=[OWNER, TAGS, CUSTOM_FIELDS, TIMELINE, NOTES, ATTACHMENTS],
    columns=[Column("phone", "Phone", "crm/contacts/_phone_cell.html", priority=3)],
    load={"list": _children, "detail": _children, "search": _children, "api": _children},
    templates={"show": "crm/contacts/show.html"},
    contributes=[
        (
            "company",
            Tab("contacts", "Contacts", "crm/contacts/_company_people.html", _company_people, icon="people", order=5),
        ),
    ],
)
