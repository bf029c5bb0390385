"""The attachments capability: a Files tab on any record type that declares it."""

from flask import current_app

from app.crm.attachments.services import attachments_of, forget_files_of
from app.records.capabilities import Capability, Tab
from app.records.forms import ConfirmForm


class AttachmentsCapability(Capability):
    key = "attachments"
    label = "Files"

    def tabs(self, record_type):
        return [Tab("files", "Files", "crm/attachments/_files.html", _files, icon="paperclip", order=30)]

    def before_delete(self, record_type, records, actor):
        forget_files_of([record.id for record in records])


def _files(record_type, record) -> dict:
    return {
        "files": attachments_of(record),
        "max_megabytes": current_app.config["MAX_UPLOAD_MB"],
        "confirm_form": ConfirmForm(),
    }


ATTACHMENTS = AttachmentsCapability()
