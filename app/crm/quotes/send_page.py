"""The page that sends a quote or an invoice by email: the form proposes the recipient, the
type's service sends, and a refusal goes back onto the form."""

from flask import flash, redirect, render_template, request
from flask_login import current_user

from app.core.forms import save_form
from app.crm.quotes.forms import SendForm
from app.crm.quotes.sending import default_recipient
from app.records.crud_pages import record_page_url


def send_page(record_type, document, send):
    """The type's `send.html` with the send form (422 when the form or the service refused
    it), or, once `send(document, data, actor=…)` has sent the document (it returns what it
    sent, never None), back to the document's page."""
    form = SendForm(data={"to": default_recipient(document)})
    sent = save_form(
        form, lambda: send(document, {"to": form.to.data, "message": form.message.data}, actor=current_user)
    )
    if sent is not None:
        flash(f"{record_type.label} {document.number} sent to {document.recipient_email}.", "success")
        return redirect(record_page_url(record_type, document))
    status = 422 if request.method == "POST" else 200
    return render_template(f"crm/{record_type.plural}/send.html", form=form, **{record_type.name: document}), status
