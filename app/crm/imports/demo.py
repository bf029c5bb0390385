"""Demo imports for seed-demo: a trade-fair contact list with a bad row and a known address,
and this year's price list, which updates the catalogue's products by SKU and adds a new
one; both queued, then run once committed (`finish_imports_demo`), as the scheduler would
have run them: the imports page shows them done even without a scheduler."""

import io

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.auth.demo_team import get_demo_owner
from app.core.context import require_tenant_id
from app.core.extensions import db
from app.crm.imports.models import DataImport, ImportStatus
from app.crm.imports.services import JOB_KIND, JOB_REF, queue_import, save_mapping, start_import
from app.crm.products.models import Product
from app.jobs.runner import execute
from app.jobs.tenant_jobs import tenant_job_id

FAIR_LIST = """First name,Last name,E-mail,Phone,Company,Stage,Tags
Lena,Hoffmann,lena.hoffmann@kestrel.example,+49 30 1234567,,lead,Newsletter
Marco,Bianchi,marco@trattoria-bianchi.example,,,subscriber,
Aiko,Tanaka,aiko.tanaka@lumen.example,+81 3 1234 5678,,mql,Hot
Sam,O'Neill,not-an-address,,,lead,
Priya,Shah,priya.shah@quanta.example,,,sql,VIP
"""
# SKUs of the catalogue seeded with the quotes demo: two new prices and one new service.
PRICE_LIST = """Name,SKU,Unit price,Tax rate (%)
Website audit,AUD-100,1350.00,20
Copywriting,COP-110,105.00,20
Accessibility review,ACC-120,750.00,20
"""


def seed_imports_demo(tenant) -> None:
    owner = get_demo_owner(unless_seeded=DataImport)
    if owner is None:
        return
    upload = FileStorage(io.BytesIO(FAIR_LIST.encode("utf-8")), filename="trade-fair-2026.csv")
    data_import = start_import("contact", upload, actor=owner)
    save_mapping(data_import, data_import.mapping, "skip", actor=owner, template_name="Trade fair list")
    queue_import(data_import, actor=owner)
    if db.session.scalar(select(Product.id).where(Product.sku == "AUD-100")) is None:
        return
    upload = FileStorage(io.BytesIO(PRICE_LIST.encode("utf-8")), filename="price-list-2026.csv")
    price_list = start_import("product", upload, actor=owner)
    save_mapping(price_list, price_list.mapping, "update", actor=owner)
    queue_import(price_list, actor=owner)


def finish_imports_demo() -> None:
    """Each queued import's first run, as the scheduler runs it (after seed-demo's commit): a
    logged job run that commits in the tenant's context and leaves no transaction open."""
    tenant_id = require_tenant_id()
    import_ids = db.session.scalars(
        select(DataImport.id).where(DataImport.status == ImportStatus.QUEUED).order_by(DataImport.id)
    ).all()
    db.session.rollback()  # ends the read: a job run's log is written on the platform's connection
    for import_id in import_ids:
        execute(tenant_job_id(tenant_id, JOB_KIND, import_id), JOB_REF, tenant_id=tenant_id, object_id=import_id)
