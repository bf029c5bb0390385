"""Quote and invoice PDFs, rendered by WeasyPrint from the same document the public page shows,
with the workspace's logo, colour, address and terms. The `quote_pdf` plan feature gates them."""

import base64

from flask import render_template
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from app.crm.quotes.settings import get_quote_settings
from app.plans.services import check_feature
from app.records.normalize import current_tenant


def logo_data_uri(tenant) -> str | None:
    """The logo inline, so rendering never fetches a URL."""
    if not tenant.logo_mime or not tenant.logo_data:
        return None
    return f"data:{tenant.logo_mime};base64,{base64.b64encode(tenant.logo_data).decode()}"


def render_document_pdf(document: dict) -> bytes:
    """A PDF of a quote document (`documents.quote_document`, or a kept version's)."""
    check_feature("quote_pdf")
    tenant = current_tenant()
    html = render_template(
        "crm/quotes/pdf.html",
        document=document,
        agency=tenant,
        logo=logo_data_uri(tenant),
        settings=get_quote_settings(),
    )
    # Only data: URLs load (the inline logo): rendering never reaches the network or the disk.
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()


def pdf_filename(document: dict) -> str:
    name = document["number"] or f"draft-{(document.get('kind') or 'quote').lower()}"
    if document.get("version", 1) > 1:
        name += f"-v{document['version']}"
    return f"{name}.pdf"
