"""REST v1 contacts: list, get, create, update, delete and bulk upsert by email."""

from flask.views import MethodView
from marshmallow import INCLUDE

from app.api.blueprint import API_PREFIX, ApiBlueprint
from app.api.gate import api_actor
from app.api.listing import custom_filters_doc, page_body, split_list_arguments
from app.crm.contacts import services
from app.crm.contacts.schemas import (
    BulkUpsertInput,
    BulkUpsertResultSchema,
    ContactInput,
    ContactListArguments,
    ContactPage,
    ContactSchema,
)
from app.crm.contacts.upsert import bulk_upsert_contacts

blp = ApiBlueprint(
    "api_contacts",
    __name__,
    url_prefix=f"{API_PREFIX}/contacts",
    scope_object="contacts",
    description="People: emails, phones, company, owner, stage, consent, tags and custom fields.",
)


@blp.route("")
class Contacts(MethodView):
    @blp.arguments(ContactListArguments, location="query", unknown=INCLUDE)
    @blp.response(200, ContactPage)
    @blp.doc(**custom_filters_doc("contact"))
    def get(self, args):
        """List contacts

        Search (`q`) matches name, email, phone and company. Filter with the listed
        parameters and `cf.<key>` for custom fields.
        """
        return page_body(services.list_contacts(**split_list_arguments(args)))

    @blp.arguments(ContactInput)
    @blp.response(201, ContactSchema)
    def post(self, data):
        """Create a contact (counts against the plan's contact limit: 402 when reached)"""
        return services.create_contact(data, actor=api_actor())


@blp.route("/<uuid:contact_id>")
class ContactItem(MethodView):
    @blp.response(200, ContactSchema)
    def get(self, contact_id):
        """Get a contact"""
        return services.load_contact_for_page(contact_id)

    @blp.arguments(ContactInput)
    @blp.response(200, ContactSchema)
    def patch(self, data, contact_id):
        """Change a contact: only the fields sent change"""
        return services.update_contact(services.get_contact(contact_id), data, actor=api_actor())

    @blp.response(204)
    def delete(self, contact_id):
        """Delete a contact"""
        services.delete_contact(services.get_contact(contact_id), actor=api_actor())


@blp.route("/bulk-upsert", methods=["POST"])
@blp.arguments(BulkUpsertInput)
@blp.response(200, BulkUpsertResultSchema)
def bulk_upsert(data):
    """Create or update up to 1,000 contacts keyed by email

    Each item succeeds or fails on its own (`status` created, updated or error); items that
    would pass the plan's contact limit fail with the error code `plan_limit`.
    """
    results = bulk_upsert_contacts(data["items"], actor=api_actor())
    counts = {
        status: sum(1 for result in results if result["status"] == status) for status in ("created", "updated", "error")
    }
    return {"created": counts["created"], "updated": counts["updated"], "failed": counts["error"], "results": results}
