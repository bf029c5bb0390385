"""REST shapes of a contact: the record the API returns and the fields a client may send."""

from marshmallow import Schema, fields, validate

from app.api.inputs import InputSchema
from app.api.listing import ListArguments, custom_fields_field, page_schema, sort_field
from app.api.records import AddressSchema, RecordSchema, owner_id_field, tag_ids_field
from app.crm.contacts.models import PHONE_LABELS, PREFERRED_CHANNELS, Consent, LifecycleStage
from app.crm.contacts.services import FILTERS, MAX_EMAILS, MAX_PHONES, SORTS
from app.crm.validation import address_of

CHANNELS = list(Consent.CHANNELS)


class EmailSchema(InputSchema):
    email = fields.String(required=True, validate=validate.Length(max=254))
    primary = fields.Boolean(attribute="is_primary")


class PhoneSchema(InputSchema):
    number = fields.String(required=True, validate=validate.Length(max=40), metadata={"description": "Stored as E.164"})
    label = fields.String(validate=validate.OneOf(list(PHONE_LABELS)))


class ConsentInput(InputSchema):
    status = fields.String(required=True, validate=validate.OneOf(Consent.ALL))
    source = fields.String(
        validate=validate.OneOf(["", *Consent.SOURCES]), metadata={"description": "Needed unless unknown"}
    )


class ConsentSchema(ConsentInput):
    recorded_at = fields.DateTime(required=True, allow_none=True)


class ContactSchema(RecordSchema):
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    full_name = fields.String(dump_only=True, required=True)
    title = fields.String(required=True)
    emails = fields.List(fields.Nested(EmailSchema), required=True)
    phones = fields.List(fields.Nested(PhoneSchema), required=True)
    company_id = fields.UUID(required=True, allow_none=True)
    company_role = fields.String(required=True)
    is_primary_contact = fields.Boolean(required=True)
    lifecycle_stage = fields.String(required=True, validate=validate.OneOf(LifecycleStage.ALL))
    address = fields.Nested(AddressSchema, required=True)
    consent = fields.Dict(
        keys=fields.String(validate=validate.OneOf(CHANNELS)), values=fields.Nested(ConsentSchema), required=True
    )
    preferred_channel = fields.String(required=True, validate=validate.OneOf(list(PREFERRED_CHANNELS)))
    custom_fields = custom_fields_field("contact", required=True)

    def get_attribute(self, obj, attr, default):
        if attr == "address":
            return address_of(obj)
        if attr == "consent":
            return {channel: obj.consent(channel) for channel in CHANNELS}
        return super().get_attribute(obj, attr, default)


class ContactInput(InputSchema):
    """What a client may set; the service checks every rule (the key is the field name)."""

    first_name = fields.String(validate=validate.Length(max=100))
    last_name = fields.String(validate=validate.Length(max=100))
    title = fields.String(validate=validate.Length(max=120))
    emails = fields.List(
        fields.Nested(EmailSchema),
        validate=validate.Length(max=MAX_EMAILS),
        metadata={"description": "Replaces them all; one primary"},
    )
    phones = fields.List(fields.Nested(PhoneSchema), validate=validate.Length(max=MAX_PHONES))
    company_id = fields.UUID(allow_none=True)
    company_role = fields.String(validate=validate.Length(max=80))
    is_primary_contact = fields.Boolean()
    owner_id = owner_id_field()
    lifecycle_stage = fields.String(validate=validate.OneOf(LifecycleStage.ALL))
    address = fields.Nested(AddressSchema)
    tag_ids = tag_ids_field()
    custom_fields = custom_fields_field("contact")
    consent = fields.Dict(keys=fields.String(validate=validate.OneOf(CHANNELS)), values=fields.Nested(ConsentInput))
    preferred_channel = fields.String(validate=validate.OneOf(list(PREFERRED_CHANNELS)))


class ContactListArguments(ListArguments):
    sort = sort_field(SORTS, "name")
    owner_id = fields.String(metadata={"description": FILTERS["owner_id"]})
    tag_id = fields.UUID(metadata={"description": FILTERS["tag_id"]})
    lifecycle_stage = fields.String(validate=validate.OneOf(LifecycleStage.ALL))
    company_id = fields.UUID(metadata={"description": FILTERS["company_id"]})
    created_after = fields.Date(metadata={"description": FILTERS["created_after"]})
    created_before = fields.Date(metadata={"description": FILTERS["created_before"]})


ContactPage = page_schema(ContactSchema, "ContactPageSchema")


class UpsertItem(ContactInput):
    class Meta:
        exclude = ("emails",)  # the key is `email`; a contact's other addresses are kept

    email = fields.String(required=True, validate=validate.Length(min=1, max=254), metadata={"description": "The key"})


class BulkUpsertInput(InputSchema):
    items = fields.List(fields.Nested(UpsertItem), required=True, validate=validate.Length(min=1, max=1000))


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
