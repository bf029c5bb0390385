"""REST shapes of web forms and their submissions."""

from marshmallow import Schema, validate
from marshmallow import fields as ma

from app.api.crud import SettingSchema
from app.api.inputs import InputSchema
from app.api.listing import UnsearchedListArguments, page_schema, sort_field
from app.crm.forms.models import SubmissionStatus
from app.crm.forms.services import SUBMISSION_SORTS


class FormFieldSchema(Schema):
    key = ma.String(dump_only=True)
    label = ma.String(required=True)
    maps_to = ma.String(required=True, metadata={"description": "A field of the field catalogue, or email/phone"})
    type = ma.String(load_default="text", metadata={"description": "text, email, tel, textarea or hidden"})
    required = ma.Boolean(load_default=False)
    default = ma.String(load_default="", metadata={"description": "The value a hidden field sends"})


class FormConsentSchema(Schema):
    key = ma.String(dump_only=True)
    wording = ma.String(required=True)
    required = ma.Boolean(load_default=False)
    channel = ma.String(load_default="", metadata={"description": "email, sms or empty"})


class FormDealSchema(Schema):
    pipeline_id = ma.String(metadata={"description": "The pipeline the deal goes to"})
    stage_id = ma.String(metadata={"description": "An open stage of that pipeline"})
    value = ma.String(metadata={"description": "The deal's value, in the workspace currency"})


class FormDealInput(InputSchema):
    pipeline_id = ma.UUID(allow_none=True)
    stage_id = ma.UUID(allow_none=True, metadata={"description": "Empty: the pipeline's first open stage"})
    value = ma.Decimal(allow_none=True, as_string=True)


class WebFormSchema(SettingSchema):
    name = ma.String(required=True)
    is_active = ma.Boolean(required=True)
    creates = ma.String(required=True, metadata={"description": "lead or contact"})
    fields = ma.List(ma.Nested(FormFieldSchema), required=True)
    consents = ma.List(ma.Nested(FormConsentSchema), required=True)
    submit_label = ma.String(required=True)
    thank_you_message = ma.String(required=True)
    redirect_url = ma.String(required=True)
    allowed_origins = ma.List(ma.String(), required=True)
    double_opt_in = ma.Boolean(required=True)
    deal = ma.Nested(
        FormDealSchema,
        required=True,
        metadata={"description": "The deal each submission opens for its contact (contact forms); {} for none"},
    )
    created_at = ma.DateTime(dump_only=True, required=True)
    updated_at = ma.DateTime(dump_only=True, required=True)


class WebFormInput(InputSchema):
    name = ma.String(validate=validate.Length(min=1, max=120))
    is_active = ma.Boolean()
    creates = ma.String(validate=validate.OneOf(["lead", "contact"]))
    fields = ma.List(ma.Dict(), validate=validate.Length(max=30))
    consents = ma.List(ma.Dict(), validate=validate.Length(max=5))
    submit_label = ma.String(validate=validate.Length(max=60))
    thank_you_message = ma.String(validate=validate.Length(max=1000))
    redirect_url = ma.String(validate=validate.Length(max=2000))
    allowed_origins = ma.List(ma.String(validate=validate.Length(max=300)), validate=validate.Length(max=20))
    double_opt_in = ma.Boolean()
    deal = ma.Nested(
        FormDealInput,
        allow_none=True,
        metadata={"description": "A contact form can also open a deal for the contact; null or {} for none"},
    )


class WebFormCreate(WebFormInput):
    name = ma.String(required=True, validate=validate.Length(min=1, max=120))
    fields = ma.List(ma.Dict(), required=True, validate=validate.Length(min=1, max=30))


class SubmissionSchema(Schema):
    id = ma.UUID(required=True)
    form_id = ma.UUID(required=True)
    status = ma.String(
        required=True, metadata={"description": "accepted, awaiting_confirmation, waitlisted, spam or failed"}
    )
    email = ma.String(required=True)
    data = ma.Dict(required=True)
    consents = ma.List(ma.Dict(), required=True)
    attribution = ma.Dict(required=True, metadata={"description": "utm_*, gclid, fbclid, referrer, landing_page"})
    ip_address = ma.String(required=True)
    user_agent = ma.String(required=True)
    device = ma.String(required=True)
    record_type = ma.String(allow_none=True, required=True)
    record_id = ma.UUID(allow_none=True, required=True)
    error = ma.String(allow_none=True, required=True)
    created_at = ma.DateTime(required=True)


class SubmissionListArguments(UnsearchedListArguments):
    sort = sort_field(SUBMISSION_SORTS, "-created_at")
    status = ma.String(validate=validate.OneOf(list(SubmissionStatus.LABELS)))
    form_id = ma.UUID()


WebFormPage = page_schema(WebFormSchema, "WebFormPageSchema")
SubmissionPage = page_schema(SubmissionSchema, "FormSubmissionPageSchema")
