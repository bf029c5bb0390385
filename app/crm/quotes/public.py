"""The customer's side of a quote, on the agency's host without signing in: the quote behind
an unguessable link (first view recorded), its PDF, acceptance with a typed name and a
consent tick, or rejection with a reason. A forged, replaced or other workspace's token is a
404 and a link past its date a 410, both on a page that tells the customer to ask the sender
for a new link and shows nothing of the quote."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import Length

from app.core.errors import Conflict
from app.core.forms import PageForm, act_on_form
from app.core.hosts import TenantBlueprint
from app.crm.quotes import services
from app.crm.quotes.documents import quote_document
from app.crm.quotes.pdf import logo_data_uri
from app.crm.quotes.pdf_routes import pdf_page_response
from app.crm.quotes.settings import get_quote_settings
from app.plans.services import entitlements
from app.records.normalize import current_tenant, workspace_today

bp = TenantBlueprint("quote_links", __name__)


class AcceptForm(PageForm):
    name = StringField("Your full name", validators=[Length(max=200)])
    consent = BooleanField("I accept this quote and its terms")


class RejectForm(PageForm):
    reason = TextAreaField("Why do you decline?", validators=[Length(max=1000)])


# The token is in the address: these pages never send it on as a referrer, nor are kept in a cache.
PRIVATE_HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "private, no-store"}


class LinkNotValid(Exception):
    """The link leads to no quote any more: 404 when forged or replaced, 410 when past its date."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


@bp.errorhandler(LinkNotValid)
def link_not_valid(error: LinkNotValid):
    return render_template("crm/quotes/link_not_valid.html", expired=error.status == 410), error.status, PRIVATE_HEADERS


def _quote_or_abort(token: str):
    quote = services.quote_for_token(token)
    if quote is None:
        raise LinkNotValid(404)
    if services.link_expired(quote):
        raise LinkNotValid(410)
    return quote


def _page(quote, token, *, accept=None, reject=None, status=200):
    tenant = current_tenant()
    return render_template(
        "crm/quotes/public.html",
        quote=quote,
        token=token,
        document=quote_document(quote),
        settings=get_quote_settings(),
        accept_form=accept or AcceptForm(),
        reject_form=reject or RejectForm(),
        logo=logo_data_uri(tenant),
        pdf_available=entitlements(tenant).has_feature("quote_pdf"),
        today_iso=workspace_today().isoformat(),
    ), status


@bp.route("/q/<token>")
def show(token):
    quote = _quote_or_abort(token)
    if not current_user.is_authenticated:  # a member checking the link is not the customer viewing it
        services.record_view(quote)
    response = _page(quote, token)
    return response[0], response[1], PRIVATE_HEADERS


@bp.route("/q/<token>/pdf")
def pdf(token):
    document = quote_document(_quote_or_abort(token))
    return pdf_page_response(document)


def _answer(token, kind: str, form_class, answer, thanks: tuple[str, str]):
    """The customer's answer from the quote's page: `kind` ("accept" or "reject") names the
    form, shown again with its messages when it or `answer(quote, form)` refuses it; a quote
    that can no longer be answered says so. `thanks` is the (message, category) flashed after."""
    quote = _quote_or_abort(token)
    form = form_class()
    back = url_for("quote_links.show", token=token)
    try:
        answered = act_on_form(form, lambda: answer(quote, form))
    except Conflict as exc:  # answered already, or expired: said on the quote's page
        flash(exc.message, "warning")
        return redirect(back)
    if not answered:
        return _page(quote, token, **{kind: form}, status=422)
    flash(*thanks)
    return redirect(back)


def _accept(quote, form) -> None:
    services.accept_quote(
        quote,
        {"name": form.name.data, "consent": form.consent.data},
        ip=request.remote_addr or "",
        user_agent=request.headers.get("User-Agent", ""),
    )


def _reject(quote, form) -> None:
    services.reject_quote(quote, {"reason": form.reason.data})


@bp.route("/q/<token>/accept", methods=["POST"])
def accept(token):
    return _answer(
        token, "accept", AcceptForm, _accept, ("Thank you: the quote is accepted. We will be in touch.", "success")
    )


@bp.route("/q/<token>/reject", methods=["POST"])
def reject(token):
    return _answer(token, "reject", RejectForm, _reject, ("Thank you for letting us know.", "info"))
