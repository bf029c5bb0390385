"""Quote and invoice PDFs, rendered by WeasyPrint from the same document the public page shows,
with the workspace's logo, colour, address and terms. The `quote_pdf` plan feature gates them."""

import base64

from flask import Response, render_template
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from app.api.gate import api_actor
from app.auth.permissions import check_permission, requires_permission
from app.core.uploads import upload_response
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


def pdf_page_response(document: dict) -> Response:
    """The document's PDF as the pages serve it: a download, inert, never cached."""
    return upload_response(render_document_pdf(document), "pdf", filename=pdf_filename(document).removesuffix(".pdf"))


def add_pdf_page(bp, record_type, document_of) -> None:
    """`/<plural>/<id>/pdf` among the type's pages: the PDF of `document_of(id)`, for those
    who may view the type."""

    @bp.route(f"/{record_type.plural}/<uuid:{record_type.id_arg}>/pdf")
    @requires_permission(record_type.permission("view"))
    def pdf(**ids):
        return pdf_page_response(document_of(ids[record_type.id_arg]))


# The OpenAPI description of an API endpoint that answers with a document's PDF.
_PDF_API_RESPONSES = {
    "200": {
        "description": "The PDF",
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
    }
}


def _pdf_api_response(document: dict) -> Response:
    """The document's PDF as the API serves it: a download."""
    response = Response(render_document_pdf(document), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{pdf_filename(document)}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def add_pdf_route(blp, record_type, document_of, *, summary: str) -> None:
    """`GET /<id>/pdf` on the type's API resource: the PDF of `document_of(id)`, for those who
    may view the type."""

    @blp.route(f"/<uuid:{record_type.id_arg}>/pdf", methods=["GET"])
    @blp.doc(summary=summary, responses=_PDF_API_RESPONSES)
    def pdf(**ids):
        """Needs the quote_pdf plan feature (402 without it)."""
        check_permission(api_actor(), record_type.permission("view"))
        return _pdf_api_response(document_of(ids[record_type.id_arg]))
