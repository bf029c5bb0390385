"""Contact pages: the kit's list, 360 page and forms; nothing here is special to contacts."""

from app.crm.contacts.record import CONTACTS
from app.records.views import record_blueprint

bp = record_blueprint(CONTACTS)
