"""REST v1 web forms and their submissions (scope `forms:read|write`)."""

from app.api.blueprint import resource_blueprint
from app.api.crud import Schemas, Summaries, Verbs, add_crud_routes
from app.api.gate import api_actor
from app.auth.permissions import check_permission
from app.crm.forms import services
from app.crm.forms.schemas import (
    SubmissionListArguments,
    SubmissionPage,
    SubmissionSchema,
    WebFormCreate,
    WebFormInput,
    WebFormPage,
    WebFormSchema,
)

blp = resource_blueprint(
    "forms",
    __name__,
    scope_object="forms",
    description="Lead capture forms: the hosted page is `/f/{form_id}`; submissions create or update a "
    "lead or contact (matched by email) and carry UTM, click-id and referrer attribution.",
)


add_crud_routes(
    blp,
    endpoints=("Forms", "FormItem"),
    id_argument="form_id",
    schemas=Schemas(WebFormSchema, WebFormPage, create=WebFormCreate, update=WebFormInput),
    verbs=Verbs(
        services.list_forms, services.get_form, services.create_form, services.update_form, services.delete_form
    ),
    summaries=Summaries.of(
        "web form",
        create="Create a web form (counted against the plan's forms limit)",
        delete="Delete a web form and its submissions (records it created stay)",
    ),
    view_permission="forms.view",
)


@blp.route("/submissions")
@blp.paged(SubmissionListArguments, SubmissionPage)
def list_submissions(args):
    """List submissions of every form, newest first"""
    check_permission(api_actor(), "forms.view")
    form = services.get_form(args["form_id"]) if args.get("form_id") else None
    return services.list_submissions(
        form=form, status=args.get("status"), cursor=args.get("cursor"), limit=args.get("limit")
    )


@blp.route("/<uuid:form_id>/submissions/<uuid:submission_id>")
@blp.response(200, SubmissionSchema)
def get_submission(form_id, submission_id):
    """Get one submission of a form"""
    check_permission(api_actor(), "forms.view")
    return services.get_submission(submission_id, form=services.get_form(form_id))
