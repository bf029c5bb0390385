"""Quote pages: the kit's pages, plus sending, marking rejected, the PDF, kept versions and the quote
settings."""

from decimal import Decimal

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from app.auth.permissions import requires_permission
from app.core.currencies import round_amount
from app.core.errors import Conflict
from app.core.extensions import db
from app.core.forms import PageForm, act_on_form, save_form
from app.crm.products.services import active_products
from app.crm.quotes import services
from app.crm.quotes.documents import quote_document
from app.crm.quotes.models import QuoteVersion
from app.crm.quotes.numbering import peek_number
from app.crm.quotes.pdf_routes import add_pdf_page, pdf_page_response
from app.crm.quotes.record import QUOTES
from app.crm.quotes.send_page import send_page
from app.crm.quotes.settings import get_quote_settings, update_quote_settings
from app.plans.services import entitlements
from app.records.normalize import workspace_today
from app.records.views import record_blueprint

bp = record_blueprint(QUOTES)


@bp.app_template_filter("amount")
def amount(value, currency: str = "", *, of: str = "") -> str:
    """ "1234.5" → "1,234.50", with the currency code when given ("USD 1,234.50"), in the places
    of that currency or of the one `of` names ("JPY 1,500": yen have no decimals). A document's
    amount (text, already in its currency's places: "1500") keeps its places."""
    if isinstance(value, str) and not (currency or of):
        text = f"{Decimal(value):,}"
    else:
        text = f"{round_amount(value, currency or of or 'USD'):,}"
    return f"{currency} {text}" if currency else text


@bp.app_template_global("quote_pdf_available")
def quote_pdf_available() -> bool:
    """Whether this workspace's plan has quote PDFs (the PDF buttons show only then)."""
    return entitlements(g.tenant).has_feature("quote_pdf")


@bp.app_template_global("quote_products")
def quote_products() -> list:
    """The active products a quote line may pick (one query per form)."""
    return active_products()


class SettingsForm(PageForm):
    number_pattern = StringField("Quote number pattern", validators=[Length(max=40)])
    invoice_number_pattern = StringField("Invoice number pattern", validators=[Length(max=40)])
    validity_days = IntegerField("Quotes are valid for (days)", validators=[Optional()])
    payment_terms_days = IntegerField("Invoices are due after (days)", validators=[Optional()])
    renewal_reminder_days = IntegerField("Remind before a subscription renews (days)", validators=[Optional()])
    default_terms = TextAreaField("Default terms", validators=[Length(max=20_000)])
    sender_address = TextAreaField("Your address on quotes", validators=[Length(max=1_000)])
    mark_deal_won_on_acceptance = BooleanField(
        "Mark the deal won when its quote is accepted, worth the quote before tax"
    )


@bp.route("/quotes/<uuid:quote_id>/send", methods=["GET", "POST"])
@requires_permission("quotes.edit")
def send(quote_id):
    return send_page(QUOTES, services.load_quote_for_page(quote_id), services.send_quote)


add_pdf_page(bp, QUOTES, lambda quote_id: quote_document(services.load_quote_for_page(quote_id)))


class DeclinedForm(PageForm):
    reason = TextAreaField("What did the customer say?", validators=[Length(max=1000)])


@bp.route("/quotes/<uuid:quote_id>/reject", methods=["POST"])
@requires_permission("quotes.edit")
def reject(quote_id):
    """The customer said no another way (a call, an email): the quote is marked rejected."""
    quote = services.get_quote(quote_id)
    form = DeclinedForm()
    try:
        declined = act_on_form(
            form, lambda: services.reject_quote(quote, {"reason": form.reason.data}, actor=current_user)
        )
    except Conflict as exc:
        declined, form.reason.errors = False, [exc.message]
    if declined:
        flash("The quote is marked rejected.", "success")
    else:
        flash(" ".join(form.reason.errors) or "The quote was not marked rejected.", "danger")
    return redirect(url_for("quotes.show", quote_id=quote.id))


@bp.route("/quotes/<uuid:quote_id>/versions/<int:version>")
@requires_permission("quotes.view")
def version(quote_id, version):
    quote = services.get_quote(quote_id)
    kept = db.session.scalar(
        select(QuoteVersion).where(QuoteVersion.quote_id == quote.id, QuoteVersion.version == version)
    )
    if kept is None:
        abort(404)
    if request.args.get("format") == "pdf":
        return pdf_page_response(kept.snapshot)
    return render_template("crm/quotes/version.html", quote=quote, kept=kept, document=kept.snapshot)


@bp.route("/quotes/settings", methods=["GET", "POST"])
@requires_permission("settings.manage")
def settings():
    current = get_quote_settings()
    form = SettingsForm(obj=current)
    if save_form(form, lambda: update_quote_settings(form.data, actor=current_user)) is not None:
        flash("Quote settings saved.", "success")
        return redirect(url_for("quotes.settings"))
    status = 422 if request.method == "POST" else 200
    next_number = peek_number("quote", current.number_pattern, workspace_today())
    return render_template("crm/quotes/settings.html", form=form, next_number=next_number), status
