"""Lead pages: the kit's pages, plus converting a lead into a contact (and company, and deal)."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import BooleanField

from app.auth.permissions import requires_permission
from app.core.errors import Conflict, PlanRefusal, ValidationFailed
from app.core.forms import PageForm
from app.core.transactions import undone_if_refused
from app.crm.contacts.record import CONTACTS
from app.crm.leads import services
from app.crm.leads.models import LeadStatus
from app.crm.leads.record import LEADS
from app.records.pages import action_state, permission_action_state
from app.records.views import record_blueprint

bp = record_blueprint(LEADS)


class ConvertForm(PageForm):
    create_deal = BooleanField("Also create a deal")


@bp.route("/leads/<uuid:lead_id>/convert", methods=["GET", "POST"])
@requires_permission("leads.edit")
def convert(lead_id):
    lead = services.get_lead(lead_id)
    if lead.status == LeadStatus.CONVERTED:
        flash("This lead was already converted.", "info")
        return redirect(url_for("leads.show", lead_id=lead.id))
    form = ConvertForm()
    error = plan_refusal = None
    creator = services.DEAL_CREATORS[0] if services.DEAL_CREATORS else None
    if form.validate_on_submit():
        # The deal's own inputs (name, value, pipeline) are named deal_<key> by its creator's form.
        deal = {key.removeprefix("deal_"): value for key, value in request.form.items() if key.startswith("deal_")}
        try:
            with undone_if_refused():
                result = services.convert_lead(
                    lead, actor=current_user, create_deal=bool(form.create_deal.data), deal=deal or None
                )
        except ValidationFailed as exc:
            error = exc
        except PlanRefusal as exc:
            # Said on the form, which keeps what was typed (the deal's name and value): the plan
            # page it led to lost them. The contact's limit is told before; the deal's, with
            # "Also create a deal" ticked, only now.
            plan_refusal = exc
        except Conflict as exc:
            flash(exc.message, "danger")
            return redirect(url_for("leads.show", lead_id=lead.id))
        else:
            verb = "created" if result.contact_created else "matched"
            flash(f"Lead converted: contact {result.contact.display_name} {verb}.", "success")
            return redirect(url_for("contacts.show", contact_id=result.contact.id))
    matches = services.conversion_matches(lead)
    return render_template(
        "crm/leads/convert.html",
        lead=lead,
        form=form,
        matches=matches,
        # Refused before it is sent: a read-only workspace, or a new contact past the plan's limit.
        converting=permission_action_state("leads.edit") if matches["contact"] else action_state(CONTACTS, "create"),
        error=error,
        plan_refusal=plan_refusal,
        deals_available=creator is not None,
        deal_form=getattr(creator, "form_template", None),
        deal_form_context=creator.form_context(lead, request.form) if hasattr(creator, "form_context") else {},
    ), (422 if error else plan_refusal.status_code if plan_refusal else 200)
