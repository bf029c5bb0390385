"""Where the pages and the API serve a quote's or an invoice's PDF (rendered by quotes.pdf): a
page's download, and the routes a type's pages and API resource add for it."""

from flask import Response

from app.api.gate import api_actor
from app.auth.permissions import check_permission, requires_permission
from app.core.uploads import upload_response
from app.crm.quotes.pdf import pdf_filename, render_document_pdf


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
