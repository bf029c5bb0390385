"""REST v1 contacts: the kit's resource, plus bulk upsert by email."""

from marshmallow import Schema, fields, validate

from app.api.gate import api_actor
from app.api.inputs import InputSchema
from app.crm.contacts.record import CONTACTS
from app.crm.contacts.services import MAX_UPSERT, bulk_upsert_contacts
from app.records.api import record_api_blueprint
from app.records.schemas import input_schema

blp = record_api_blueprint(CONTACTS)


class UpsertItem(input_schema(CONTACTS, creating=False)):
    class Meta:
        exclude = ("emails",)  # the key is `email`; a contact's other addresses are kept

    email = fields.String(required=True, validate=validate.Length(min=1, max=254), metadata={"description": "The key"})


class BulkUpsertInput(InputSchema):
    items = fields.List(fields.Nested(UpsertItem), required=True, validate=validate.Length(min=1, max=MAX_UPSERT))


class UpsertResultSchema(Schema):
    index = fields.Integer(required=True)
    email = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["created", "updated", "error"]))
    id = fields.UUID(required=True, allow_none=True)
    error = fields.Dict(
        required=True, allow_none=True, metadata={"description": "{code, message, details} of a refused item"}
    )


class BulkUpsertResultSchema(Schema):
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    failed = fields.Integer(required=True)
    results = fields.List(fields.Nested(UpsertResultSchema), required=True)


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
