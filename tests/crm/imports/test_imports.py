"""Imports end to end through the services and the job: encodings, workbooks, bad files,
mapping, dry run, dedupe, plan limits with waiting rows, revert, and resuming after a crash."""

import codecs
import io

import pytest
from sqlalchemy import event, func, select

from app.core.errors import ValidationFailed
from app.core.extensions import db
from tests.conftest import USE_POSTGRES, in_tenant
from tests.crm.conftest import seed_demo
from tests.crm.factories import make_company, make_contact, make_record, make_tag
from tests.crm.imports.helpers import owner_of, queue, run_job, status, upload


def _contacts(app, tenant) -> dict:
    from app.crm.contacts.models import Contact

    with in_tenant(app, tenant.id):
        contacts = db.session.scalars(select(Contact).order_by(Contact.full_name)).all()
        return {contact.full_name: contact.primary_email for contact in contacts}


def _count(app, tenant, model_path="app.crm.contacts.models:Contact") -> int:
    from werkzeug.utils import import_string

    model = import_string(model_path.replace(":", "."))
    with in_tenant(app, tenant.id):
        return db.session.scalar(select(func.count(model.id)))


CSV = "First name,Last name,E-mail,Lifecycle stage\nAda,Lovelace,ada@example.test,Customer\nÉmile,Zola,emile@example.test,lead\n"


@pytest.mark.parametrize(
    ("content", "encoding", "delimiter"),
    [
        (CSV.encode("utf-8"), "utf-8", ","),
        (codecs.BOM_UTF8 + CSV.replace(",", ";").encode("utf-8"), "utf-8-sig", ";"),
        (CSV.replace(",", "\t").encode("utf-16"), "utf-16", "\t"),
        (CSV.encode("cp1252"), "cp1252", ","),
    ],
    ids=["utf8", "bom-semicolon", "utf16-tab", "cp1252"],
)
def test_encodings_and_delimiters_are_detected(app, tenant_a, content, encoding, delimiter):
    from app.crm.imports.models import DataImport

    import_id = upload(app, tenant_a, content)
    with in_tenant(app, tenant_a.id):
        data_import = db.session.get(DataImport, (tenant_a.id, import_id))
        assert (data_import.encoding, data_import.delimiter, data_import.total_rows) == (encoding, delimiter, 2)
        # Headers are guessed: "E-mail" is the contact's emails, the stage by its label.
        assert data_import.mapping == {
            "First name": "first_name",
            "Last name": "last_name",
            "E-mail": "emails",
            "Lifecycle stage": "lifecycle_stage",
        }
    queue(app, tenant_a, import_id)
    assert run_job(app, tenant_a, import_id)["created"] == 2
    assert _contacts(app, tenant_a) == {"Ada Lovelace": "ada@example.test", "Émile Zola": "emile@example.test"}


def _workbook(rows) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_workbooks_import_and_formula_cells_are_row_errors(app, tenant_a):
    content = _workbook(
        [
            ["Name", "Domain", "Employees"],
            ["Northwind", "northwind.test", 120],
            ["Formulas Inc", '=CONCAT("a","b")', 5],
            ["Contoso", "contoso.test", None],
        ]
    )
    import_id = upload(app, tenant_a, content, name="companies.xlsx", type_name="company")
    queue(app, tenant_a, import_id, mapping={"Name": "name", "Domain": "domain"})
    result = run_job(app, tenant_a, import_id)
    assert (result["created"], result["failed"]) == (2, 1)
    from app.crm.imports.models import ImportRow

    with in_tenant(app, tenant_a.id):
        row = db.session.scalar(select(ImportRow).where(ImportRow.status == "failed"))
        assert row.row_number == 3
        assert "Domain: holds a formula" in row.reason


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.csv", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "photo.csv", "binary"),
        (b"Name,Email\n", "header.csv", "no data rows"),
        (b"PK\x03\x04" + b"\x00" * 50, "fake.xlsx", "damaged"),
        (b"\n\nName\n", "blank.csv", "first row"),
    ],
    ids=["empty", "binary-renamed", "header-only", "broken-zip", "blank-header"],
)
def test_unreadable_files_are_one_clear_error_and_nothing_else(app, tenant_a, content, name, message):
    from app.crm.imports.models import DataImport

    with pytest.raises(ValidationFailed) as caught:
        upload(app, tenant_a, content, name=name)
    assert message in " ".join(caught.value.details["file"]).lower()
    with in_tenant(app, tenant_a.id):
        assert db.session.scalar(select(func.count(DataImport.id))) == 0


def test_a_workbook_that_unpacks_to_far_more_than_its_size_is_refused(app, tenant_a):
    """A ZIP bomb: a few kilobytes of upload that would unpack to gigabytes in the worker
    (openpyxl reads a workbook's shared strings into memory whole)."""
    import zipfile

    from app.crm.imports.models import DataImport

    buffer = io.BytesIO(_workbook([["Name"], ["Northwind"]]))
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\x00" * (8 * 1024 * 1024))
    assert len(buffer.getvalue()) < 64 * 1024
    with pytest.raises(ValidationFailed) as caught:
        upload(app, tenant_a, buffer.getvalue(), name="bomb.xlsx", type_name="company")
    assert "unpacks" in " ".join(caught.value.details["file"])
    with in_tenant(app, tenant_a.id):
        assert db.session.scalar(select(func.count(DataImport.id))) == 0


def test_a_workbook_that_unpacks_past_the_limit_is_refused(app, tenant_a, monkeypatch):
    import os
    import zipfile

    from app.crm.imports import reading

    monkeypatch.setattr(reading, "MAX_WORKBOOK_BYTES", 2 * 1024 * 1024)
    buffer = io.BytesIO(_workbook([["Name"], ["Northwind"]]))
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/photo.bin", os.urandom(3 * 1024 * 1024))  # packs no smaller
    with pytest.raises(ValidationFailed) as caught:
        upload(app, tenant_a, buffer.getvalue(), name="big.xlsx", type_name="company")
    assert "unpacks to more than 2 MB" in " ".join(caught.value.details["file"])


def test_too_many_rows_is_a_file_error(app, tenant_a, monkeypatch):
    from app.crm.imports import reading

    monkeypatch.setattr(reading, "MAX_ROWS", 3)
    with pytest.raises(ValidationFailed) as caught:
        upload(app, tenant_a, b"Name\na\nb\nc\nd\n")
    assert "at most 3 rows" in caught.value.details["file"][0]


def test_duplicate_headers_huge_cells_and_empty_rows(app, tenant_a):
    from app.crm.imports.models import DataImport, ImportRow

    huge = "x" * 40_000
    content = f"First name,Email,Email\nAda,ada@example.test,other@example.test\n,,\nBig,{huge},\n".encode()
    import_id = upload(app, tenant_a, content)
    with in_tenant(app, tenant_a.id):
        assert db.session.get(DataImport, (tenant_a.id, import_id)).headers == ["First name", "Email", "Email (2)"]
    queue(app, tenant_a, import_id, mapping={"First name": "first_name", "Email": "emails"})
    result = run_job(app, tenant_a, import_id)
    assert (result["created"], result["skipped"], result["failed"]) == (1, 1, 1)
    with in_tenant(app, tenant_a.id):
        reasons = {row.row_number: row.reason for row in db.session.scalars(select(ImportRow))}
    assert reasons[3] == "Empty row."
    assert "longer than 32,767 characters" in reasons[4]


def test_a_repeated_header_never_takes_the_name_of_another_column(app, tenant_a):
    """ "Email, Email (2), Email" named the third column "Email (2)" too: mapping that name
    imported the third column's address over the second's."""
    from app.crm.imports.models import DataImport

    content = b"First name,Email,Email (2),Email,,Column 5\nAda,a@example.test,b@example.test,c@example.test,x,y\n"
    import_id = upload(app, tenant_a, content)
    with in_tenant(app, tenant_a.id):
        headers = db.session.get(DataImport, (tenant_a.id, import_id)).headers
    assert headers == ["First name", "Email", "Email (2)", "Email (3)", "Column 5", "Column 5 (2)"]
    queue(app, tenant_a, import_id, mapping={"First name": "first_name", "Email (2)": "emails"})
    assert run_job(app, tenant_a, import_id)["created"] == 1
    assert _contacts(app, tenant_a) == {"Ada": "b@example.test"}


def test_a_dry_run_checks_every_row_and_writes_nothing(app, tenant_a):
    content = (
        b"First name,Email,Stage\nAda,ada@example.test,customer\nBob,not-an-email,lead\nCy,cy@example.test,royalty\n"
    )
    import_id = upload(app, tenant_a, content)
    queue(
        app,
        tenant_a,
        import_id,
        mapping={"First name": "first_name", "Email": "emails", "Stage": "lifecycle_stage"},
        dry_run=True,
    )
    result = run_job(app, tenant_a, import_id)
    assert result["status"] == "checked"
    assert (result["created"], result["failed"]) == (1, 2)
    assert _count(app, tenant_a) == 0
    from app.crm.imports.services import get_import, row_problems

    with in_tenant(app, tenant_a.id):
        problems = {row.row_number: row.reason for row in row_problems(get_import(import_id))}
    assert "not-an-email" in problems[3]
    assert problems[4] == "Stage: Choose a valid lifecycle stage."  # named by the file's header
    # The checked import can then run for real.
    queue(app, tenant_a, import_id)
    assert run_job(app, tenant_a, import_id)["created"] == 1


@pytest.mark.parametrize(("dedupe", "created", "updated", "skipped"), [("skip", 1, 0, 1), ("update", 1, 1, 0)])
def test_rows_matching_an_email_are_skipped_or_updated(app, tenant_a, client_for, dedupe, created, updated, skipped):
    make_contact(
        app, tenant_a, first_name="Ada", last_name="Old", emails=[{"email": "ada@example.test", "primary": True}]
    )
    content = b"First name,Last name,Email\nAda,Lovelace,ADA@example.test\nBob,Builder,bob@example.test\n"
    import_id = upload(app, tenant_a, content)
    queue(app, tenant_a, import_id, dedupe=dedupe)
    result = run_job(app, tenant_a, import_id)
    assert (result["created"], result["updated"], result["skipped"]) == (created, updated, skipped)
    # The imports list says where every row went, not only what was created or failed.
    listing = client_for(tenant_a).get("/imports").get_data(as_text=True)
    assert f'data-testid="import-updated">{updated}<' in listing
    assert f'data-testid="import-skipped">{skipped}<' in listing
    names = _contacts(app, tenant_a)
    assert ("Ada Lovelace" in names) == (dedupe == "update")
    assert ("Ada Old" in names) == (dedupe == "skip")


def test_create_anyway_meets_the_validator(app, tenant_a):
    make_contact(app, tenant_a, first_name="Ada", emails=[{"email": "ada@example.test", "primary": True}])
    import_id = upload(app, tenant_a, b"First name,Email\nAda,ada@example.test\n")
    queue(app, tenant_a, import_id, dedupe="create")
    result = run_job(app, tenant_a, import_id)
    # Addresses are unique per workspace: the validator refuses the row with its own message.
    assert result["failed"] == 1
    from app.crm.imports.models import ImportRow

    with in_tenant(app, tenant_a.id):
        assert "already belongs to" in db.session.scalar(select(ImportRow.reason))


def test_companies_match_on_domain_and_references_by_name(app, tenant_a):
    company = make_company(app, tenant_a, name="Northwind", domain="northwind.test")
    vip = make_tag(app, tenant_a, name="VIP")
    import_id = upload(
        app, tenant_a, b"Name,Website\nNorthwind Traders,https://www.NORTHWIND.test/about\n", type_name="company"
    )
    queue(app, tenant_a, import_id, mapping={"Name": "name", "Website": "domain"}, dedupe="update")
    assert run_job(app, tenant_a, import_id)["updated"] == 1
    content = b"First name,Company,Owner,Tags\nAda,Northwind Traders,owner@example.com,vip\nBob,Nowhere Ltd,,\nCy,,nobody@example.com,\nDee,,,Unknown tag\n"
    import_id = upload(app, tenant_a, content)
    queue(app, tenant_a, import_id)
    result = run_job(app, tenant_a, import_id)
    assert (result["created"], result["failed"]) == (1, 3)
    from app.crm.contacts.models import Contact
    from app.crm.imports.services import get_import, row_problems

    with in_tenant(app, tenant_a.id):
        ada = db.session.scalar(select(Contact).where(Contact.first_name == "Ada"))
        assert ada.company_id == company
        assert [tag.id for tag in ada.tags] == [vip]
        assert ada.owner_id == tenant_a.users["owner"]
        reasons = " ".join(row.reason for row in row_problems(get_import(import_id)))
    assert "No company named Nowhere Ltd: add or import the companies first, or leave this column out." in reasons
    assert "No active user with the email nobody@example.com" in reasons
    assert "Unknown tag: Unknown tag" in reasons


def test_products_match_on_their_sku_exactly(app, tenant_a):
    from app.crm.products.models import Product

    make_record(app, tenant_a, "product", name="Audit", sku="AUD-1", unit_price="100.00")
    make_record(app, tenant_a, "product", name="Lower", sku="aud-2", unit_price="50.00")
    content = b"Name,SKU,Unit price\nWebsite audit,AUD-1,1200.00\nUpper,AUD-2,75.00\nHosting,HOST-1,30.00\n"
    import_id = upload(app, tenant_a, content, type_name="product")
    queue(app, tenant_a, import_id, mapping={"Name": "name", "SKU": "sku", "Unit price": "unit_price"}, dedupe="update")
    result = run_job(app, tenant_a, import_id)
    # AUD-1 updates its product; AUD-2 is another SKU than aud-2 (SKUs are not lower-cased), so it is new.
    assert (result["created"], result["updated"], result["failed"]) == (2, 1, 0), result
    with in_tenant(app, tenant_a.id):
        products = {
            product.sku: (product.name, str(product.unit_price)) for product in db.session.scalars(select(Product))
        }
    assert products["AUD-1"] == ("Website audit", "1200.00")
    assert products["aud-2"] == ("Lower", "50.00")
    assert products["AUD-2"][0] == "Upper"
    assert "HOST-1" in products


def test_a_price_with_more_decimals_than_the_field_is_a_row_error(app, tenant_a):
    from app.crm.imports.models import ImportRow

    content = b"Name,Unit price\nAudit,1200.005\nHosting,30.50\n"
    import_id = upload(app, tenant_a, content, type_name="product")
    queue(app, tenant_a, import_id, mapping={"Name": "name", "Unit price": "unit_price"})
    result = run_job(app, tenant_a, import_id)
    assert (result["created"], result["failed"]) == (1, 1), result
    with in_tenant(app, tenant_a.id):
        assert "Enter at most 2 decimal places." in db.session.scalar(select(ImportRow.reason))


def test_rows_past_the_plan_limit_wait_and_import_after_an_upgrade(app, tenant_a, set_tenant, client_for):
    set_tenant(tenant_a, limit_overrides={"contacts": 2})
    content = b"First name,Email\n" + b"".join(f"P{index},p{index}@example.test\n".encode() for index in range(5))
    import_id = upload(app, tenant_a, content)
    queue(app, tenant_a, import_id)
    result = run_job(app, tenant_a, import_id)
    assert (result["status"], result["created"], result["waiting"]) == ("completed", 2, 3)
    page = client_for(tenant_a).get(f"/imports/{import_id}").get_data(as_text=True)
    assert "3 rows went past your plan" in page
    rejected = client_for(tenant_a).get(f"/imports/{import_id}/rejected.csv")
    lines = rejected.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0] == "First name,Email,Row,Status,Reason"
    assert lines[1].startswith("P2,p2@example.test,4,Waiting for an upgrade,Over the plan's limit")
    set_tenant(tenant_a, limit_overrides={"contacts": 10})
    from app.crm.imports.services import get_import, import_waiting_rows

    with in_tenant(app, tenant_a.id):
        import_waiting_rows(get_import(import_id), actor=owner_of(tenant_a))
    result = run_job(app, tenant_a, import_id)
    assert (result["created"], result["waiting"]) == (5, 0)
    assert _count(app, tenant_a) == 5


def test_revert_deletes_what_it_created_and_restores_what_it_updated(app, tenant_a):
    make_contact(
        app,
        tenant_a,
        first_name="Ada",
        last_name="Before",
        title="CEO",
        emails=[{"email": "ada@example.test", "primary": True}],
    )
    content = b"First name,Last name,Title,Email\nAda,After,CTO,ada@example.test\nBob,New,,bob@example.test\n"
    import_id = upload(app, tenant_a, content)
    queue(app, tenant_a, import_id, dedupe="update")
    assert run_job(app, tenant_a, import_id)["updated"] == 1
    assert set(_contacts(app, tenant_a)) == {"Ada After", "Bob New"}
    from app.crm.imports.services import get_import, import_of_record, revert_import

    with in_tenant(app, tenant_a.id):
        from app.crm.contacts.models import Contact

        bob = db.session.scalar(select(Contact).where(Contact.first_name == "Bob"))
        assert import_of_record(bob.id).id == import_id  # every created record links to its import
        revert_import(get_import(import_id), actor=owner_of(tenant_a))
    assert run_job(app, tenant_a, import_id)["status"] == "reverted"
    with in_tenant(app, tenant_a.id):
        contacts = db.session.scalars(select(Contact)).all()
        assert [(c.full_name, c.title) for c in contacts] == [("Ada Before", "CEO")]


def test_revert_restores_a_record_the_file_updated_twice_to_its_values_before_the_import(app, tenant_a):
    """Undone from the last row back: the first update's "before" is what the record had."""
    make_contact(
        app,
        tenant_a,
        first_name="Ada",
        last_name="Before",
        title="CEO",
        emails=[{"email": "ada@example.test", "primary": True}],
    )
    content = b"First name,Title,Email\nAda,CTO,ada@example.test\nAda,CFO,ADA@example.test\n"
    import_id = upload(app, tenant_a, content)
    queue(app, tenant_a, import_id, dedupe="update")
    assert run_job(app, tenant_a, import_id)["updated"] == 2
    from app.crm.imports.services import get_import, revert_import

    with in_tenant(app, tenant_a.id):
        revert_import(get_import(import_id), actor=owner_of(tenant_a))
    assert run_job(app, tenant_a, import_id)["status"] == "reverted"
    with in_tenant(app, tenant_a.id):
        from app.crm.contacts.models import Contact

        assert [(c.full_name, c.title) for c in db.session.scalars(select(Contact))] == [("Ada Before", "CEO")]


def test_revert_removes_a_record_the_file_created_then_updated(app, tenant_a):
    """With "update", a row repeating an earlier row's email updates the record that row made;
    the revert deletes that record rather than failing on the update of a deleted row."""
    content = b"First name,Title,Email\nAda,CTO,ada@example.test\nAda,CFO,ADA@example.test\n"
    import_id = upload(app, tenant_a, content)
    queue(app, tenant_a, import_id, dedupe="update")
    assert run_job(app, tenant_a, import_id)["updated"] == 1
    from app.crm.imports.services import get_import, revert_import

    with in_tenant(app, tenant_a.id):
        revert_import(get_import(import_id), actor=owner_of(tenant_a))
    assert run_job(app, tenant_a, import_id)["status"] == "reverted"
    assert _count(app, tenant_a) == 0


def test_an_update_adds_the_rows_emails_phones_and_tags_to_the_records_own(app, tenant_a):
    """Matched by its second address, a contact keeps its primary address, its phone and its
    tag: the file's values are added, not put in their place."""
    vip, hot = make_tag(app, tenant_a, name="VIP"), make_tag(app, tenant_a, name="Hot")
    make_contact(
        app,
        tenant_a,
        first_name="Ada",
        phones=[{"number": "+14155550100"}],
        tag_ids=[str(vip)],
        emails=[{"email": "ada@example.test", "primary": True}, {"email": "ada@work.test", "primary": False}],
    )
    content = b"Title,Email,Phone,Tags\nCTO,ADA@work.test,+14155550199,Hot\n"
    import_id = upload(app, tenant_a, content)
    queue(app, tenant_a, import_id, dedupe="update")
    assert run_job(app, tenant_a, import_id)["updated"] == 1
    with in_tenant(app, tenant_a.id):
        from app.crm.contacts.models import Contact

        ada = db.session.scalar(select(Contact))
        assert ada.title == "CTO"
        assert [(row.email, row.is_primary) for row in ada.emails] == [
            ("ada@example.test", True),
            ("ada@work.test", False),
        ]
        assert [row.number for row in ada.phones] == ["+14155550100", "+14155550199"]
        assert {tag.id for tag in ada.tags} == {vip, hot}


def test_a_worker_killed_mid_import_resumes_without_duplicates_or_gaps(app, tenant_a, monkeypatch):
    from app.crm.imports import services
    from app.crm.imports.models import ImportRow

    app.config["IMPORT_BATCH_SIZE"] = 4
    try:
        content = b"First name,Email\n" + b"".join(
            f"P{index:02d},p{index}@example.test\n".encode() for index in range(11)
        )
        import_id = upload(app, tenant_a, content)
        queue(app, tenant_a, import_id)
        real_look_alikes = services.RowPlan.look_alikes

        class Killed(BaseException):
            """Like SIGKILL: no handler of the job sees it; the transaction is simply lost."""

        def dying_look_alikes(self, records):
            # Row 7 is in the second batch of four, after that batch's records were flushed.
            if any(record.first_name == "P05" for record in records):
                raise Killed
            return real_look_alikes(self, records)

        monkeypatch.setattr(services.RowPlan, "look_alikes", dying_look_alikes)
        with pytest.raises(Killed):
            run_job(app, tenant_a, import_id, until_idle=False)
        state = status(app, tenant_a, import_id)
        assert (state["status"], state["rows_done"], state["created"]) == ("running", 4, 4)
        assert len(_contacts(app, tenant_a)) == 4
        monkeypatch.setattr(services.RowPlan, "look_alikes", real_look_alikes)
        result = run_job(app, tenant_a, import_id)
    finally:
        app.config.pop("IMPORT_BATCH_SIZE")
    assert (result["status"], result["created"], result["rows_done"]) == ("completed", 11, 11)
    assert sorted(_contacts(app, tenant_a)) == [f"P{index:02d}" for index in range(11)]
    with in_tenant(app, tenant_a.id):
        assert sorted(db.session.scalars(select(ImportRow.row_number))) == list(range(2, 13))


def test_cancel_stops_between_batches(app, tenant_a):
    from app.crm.imports.services import cancel_import, get_import

    app.config["IMPORT_BATCH_SIZE"] = 2
    app.config["IMPORT_RUN_SECONDS"] = 0
    try:
        content = b"First name\n" + b"".join(f"P{index}\n".encode() for index in range(6))
        import_id = upload(app, tenant_a, content)
        queue(app, tenant_a, import_id)
        assert run_job(app, tenant_a, import_id, until_idle=False)["rows_done"] == 2
        with in_tenant(app, tenant_a.id):
            cancel_import(get_import(import_id), actor=owner_of(tenant_a))
        result = run_job(app, tenant_a, import_id)
    finally:
        app.config.pop("IMPORT_BATCH_SIZE")
        app.config.pop("IMPORT_RUN_SECONDS")
    assert (result["status"], result["created"]) == ("cancelled", 2)


def test_the_uploaded_file_is_removed_once_nothing_will_read_it_again(app, tenant_a):
    """Every uploaded file stayed in storage for good: a person erased from the CRM was still in
    full in each file that had imported them. A dry run's and a cancelled import's file stays
    (they go back to their mapping and run again); a completed or reverted one's goes."""
    from app.crm.imports.services import cancel_import, get_import, revert_import, storage_path

    def stored(import_id) -> bool:
        with in_tenant(app, tenant_a.id):
            return storage_path(tenant_a.id, import_id).exists()

    content = b"First name,Email\nAda,ada@example.test\n"
    checked = upload(app, tenant_a, content)
    queue(app, tenant_a, checked, dry_run=True)
    assert run_job(app, tenant_a, checked)["status"] == "checked"
    assert stored(checked)
    queue(app, tenant_a, checked)
    assert run_job(app, tenant_a, checked)["status"] == "completed"
    assert not stored(checked)

    app.config["IMPORT_BATCH_SIZE"] = 1
    app.config["IMPORT_RUN_SECONDS"] = 0
    try:
        cancelled = upload(app, tenant_a, b"First name,Email\nBob,bob@example.test\nCy,cy@example.test\n")
        queue(app, tenant_a, cancelled)
        assert run_job(app, tenant_a, cancelled, until_idle=False)["rows_done"] == 1
        with in_tenant(app, tenant_a.id):
            cancel_import(get_import(cancelled), actor=owner_of(tenant_a))
        assert run_job(app, tenant_a, cancelled)["status"] == "cancelled"
    finally:
        app.config.pop("IMPORT_BATCH_SIZE")
        app.config.pop("IMPORT_RUN_SECONDS")
    assert stored(cancelled)
    with in_tenant(app, tenant_a.id):
        revert_import(get_import(cancelled), actor=owner_of(tenant_a))
    assert run_job(app, tenant_a, cancelled)["status"] == "reverted"
    assert not stored(cancelled)


@pytest.mark.skipif(not USE_POSTGRES, reason="row locks need PostgreSQL")
def test_the_contact_limit_holds_for_an_import_racing_api_creates(app, tenant_a, set_tenant):
    """An import and 10 API-style creates at once never pass the limit together."""
    import threading

    from app.core.context import tenant_context
    from app.crm.contacts.services import create_contact
    from tests.plans.concurrency import race_creates

    set_tenant(tenant_a, limit_overrides={"contacts": 15})
    content = b"First name\n" + b"".join(f"Imported{index}\n".encode() for index in range(12))
    import_id = upload(app, tenant_a, content)
    queue(app, tenant_a, import_id)
    app.config["IMPORT_BATCH_SIZE"] = 1
    outcome = {}
    importer = threading.Thread(target=lambda: outcome.update(run_job(app, tenant_a, import_id)))
    try:
        importer.start()

        def create(index):
            with tenant_context(tenant_a.id):
                create_contact({"first_name": f"Api{index}"}, actor=owner_of(tenant_a))

        raced = race_creates(app, tenant_a.id, create, attempts=10)
        importer.join(timeout=120)
    finally:
        app.config.pop("IMPORT_BATCH_SIZE")
    assert raced["errors"] == []
    assert _count(app, tenant_a) == 15
    assert outcome["created"] + raced["succeeded"] == 15
    assert outcome["waiting"] == 12 - outcome["created"]


def test_the_demo_import_runs_through(app, make_tenant):
    from app.crm.imports.demo import seed_imports_demo
    from app.crm.imports.models import DataImport
    from app.crm.products.models import Product
    from app.crm.quotes.demo import seed_quotes_demo

    tenant = make_tenant("acme", roles=("owner", "sales"))
    with in_tenant(app, tenant.id):
        seed_demo(tenant.id, seed_quotes_demo, seed_imports_demo, seed_imports_demo)  # idempotent
        imports = dict(db.session.execute(select(DataImport.record_type, DataImport.id)).all())
    assert set(imports) == {"contact", "product"}
    result = run_job(app, tenant, imports["contact"])
    assert (result["created"], result["failed"]) == (4, 1)
    # The price list updates the catalogue by SKU and adds one product.
    result = run_job(app, tenant, imports["product"])
    assert (result["created"], result["updated"], result["failed"]) == (1, 2, 0)
    with in_tenant(app, tenant.id):
        audit = db.session.scalar(select(Product).where(Product.sku == "AUD-100"))
        assert str(audit.unit_price) == "1350.00"


def test_seed_demo_runs_its_imports_once_they_are_committed(app, monkeypatch):
    """Without a scheduler (`flask run` alone) the demo's imports stayed Queued for good: seed-demo
    runs them once its records are committed; run again, it adds and runs nothing."""
    from app.agency.cli import seed_demo_data
    from app.core import ssrf
    from app.core.context import platform_scope, tenant_context
    from app.crm.contacts.models import Contact
    from app.crm.imports.models import DataImport
    from app.jobs.models import apscheduler_jobs
    from app.tenants.models import Tenant

    monkeypatch.setattr(ssrf, "resolve_host", lambda host, port: ["93.184.215.14"])  # the demo's webhook host
    with app.app_context():
        seed_demo_data()
        with platform_scope():
            acme = db.session.execute(select(Tenant.id).where(Tenant.slug == "acme")).scalar_one()
        with tenant_context(acme):
            contacts = db.session.scalar(select(func.count(Contact.id)))
        seed_demo_data()
    with app.app_context(), tenant_context(acme):
        imports = db.session.execute(
            select(DataImport.record_type, DataImport.status, DataImport.created_count, DataImport.failed_count)
        ).all()
        assert sorted(imports) == [("contact", "completed", 4, 1), ("product", "completed", 1, 0)]
        assert db.session.scalar(select(func.count(Contact.id))) == contacts
        jobs = db.session.scalars(select(apscheduler_jobs.c.id).where(apscheduler_jobs.c.id.like("%:import%"))).all()
        assert jobs == []
        db.session.rollback()


def test_created_rows_that_look_like_an_existing_record_are_noted(app, tenant_a):
    from app.crm.imports.services import get_import, row_problems

    make_contact(app, tenant_a, first_name="Ada", phones=[{"number": "+14155550100"}])
    import_id = upload(app, tenant_a, b"First name,Phone\nAda Two,+1 (415) 555-0100\nBob,\n")
    queue(app, tenant_a, import_id)
    assert run_job(app, tenant_a, import_id)["created"] == 2
    with in_tenant(app, tenant_a.id):
        notes = {row.row_number: row.reason for row in row_problems(get_import(import_id))}
    assert notes == {2: "Possible duplicate of Ada Lovelace (same phone)."}


@pytest.mark.parametrize(
    ("dedupe", "created", "updated", "skipped", "failed", "title"),
    [
        ("skip", 2, 0, 1, 0, ""),
        ("update", 2, 1, 0, 0, "CTO"),
        ("create", 2, 0, 0, 1, ""),
    ],
)
def test_a_row_repeating_an_address_of_its_own_batch_matches_the_first(
    app, tenant_a, dedupe, created, updated, skipped, failed, title
):
    # One batch: the third row repeats the first row's address before either is stored.
    content = b"First name,Email,Title\nAda,ada@example.test,\nBob,bob@example.test,\nAda,ADA@example.test,CTO\n"
    import_id = upload(app, tenant_a, content)
    queue(app, tenant_a, import_id, dedupe=dedupe)
    result = run_job(app, tenant_a, import_id)
    counts = (result["created"], result["updated"], result["skipped"], result["failed"])
    assert counts == (created, updated, skipped, failed)
    from app.crm.contacts.models import Contact

    with in_tenant(app, tenant_a.id):
        adas = db.session.scalars(select(Contact).where(Contact.first_name == "Ada")).all()
        assert [ada.title for ada in adas] == [title]


@pytest.mark.parametrize("dedupe", ["skip", "update", "create"])
def test_a_dry_run_counts_a_repeated_address_as_the_import_will(app, tenant_a, dedupe):
    """The check promises what the import then does: a row repeating an earlier row's address
    meets the record that row makes (skipped, an update, or refused), not a second new one."""
    content = b"First name,Email,Title\nAda,ada@example.test,\nBob,bob@example.test,\nAda,ADA@example.test,CTO\n"
    import_id = upload(app, tenant_a, content)
    queue(app, tenant_a, import_id, dedupe=dedupe, dry_run=True)
    checked = run_job(app, tenant_a, import_id)
    assert checked["status"] == "checked"
    from app.crm.imports.services import get_import, preview

    with in_tenant(app, tenant_a.id):  # the mapping page's preview says so too
        rows = preview(get_import(import_id), actor=owner_of(tenant_a))
    assert "row 2" in rows[2]["reason"]
    queue(app, tenant_a, import_id, dedupe=dedupe)
    imported = run_job(app, tenant_a, import_id)
    counts = ("created", "updated", "skipped", "failed")
    assert [checked[name] for name in counts] == [imported[name] for name in counts]


def test_a_batch_is_written_in_a_bounded_number_of_statements(app, tenant_a, query_counter):
    """New records of a batch are looked up and made together, not one round of queries per row."""
    content = b"First name,Email\n" + b"".join(f"P{index},p{index}@example.test\n".encode() for index in range(60))
    import_id = upload(app, tenant_a, content)
    queue(app, tenant_a, import_id)
    with query_counter() as counted:
        result = run_job(app, tenant_a, import_id)
    assert result["created"] == 60
    # One batch: the job's own bookkeeping, one lookup of the batch's addresses, one insert per
    # table; a statement per row would be 60 more.
    statements = [sql for sql in counted.statements if "set_config" not in sql]  # PostgreSQL's tenant setting
    assert len(statements) <= 45, statements


@pytest.mark.skipif(not USE_POSTGRES, reason="PostgreSQL's plan cache")
def test_an_import_batch_inserts_with_generic_plans(app, tenant_a):
    """Under the app role's custom-plan-only setting every foreign-key check of every inserted
    row is planned again (a timeline link: 1.06 ms a row instead of 0.05)."""
    content = b"First name,Email\n" + b"".join(f"P{index},p{index}@example.test\n".encode() for index in range(5))
    import_id = upload(app, tenant_a, content)
    queue(app, tenant_a, import_id)
    modes = []

    def note_plan_mode(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO contacts "):
            modes.append(cursor.connection.execute("SHOW plan_cache_mode").fetchone()[0])

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", note_plan_mode)
    try:
        assert run_job(app, tenant_a, import_id)["created"] == 5
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", note_plan_mode)
    assert modes == ["auto"]


def test_a_batch_inserts_its_records_and_what_they_bring_without_the_unit_of_work(app, tenant_a):
    """Each created record still gets its entry, its e-mail, its event, audit row, timeline
    entry and import row, but each table's rows are inserted together by Core, not flushed
    object by object."""
    from app.core.audit import AuditEvent
    from app.core.events import DomainEvent
    from app.core.session import TenantSession
    from app.crm.activities.models import Activity, activity_links
    from app.crm.contacts.models import Contact
    from app.crm.imports.models import ImportRow
    from app.records.models import RecordEntry

    content = b"First name,Email\n" + b"".join(f"P{index},p{index}@example.test\n".encode() for index in range(5))
    import_id = upload(app, tenant_a, content)
    queue(app, tenant_a, import_id)
    flushed = set()

    def note_new(session, _context, _instances):
        flushed.update(type(obj).__name__ for obj in session.new)

    event.listen(TenantSession, "before_flush", note_new)
    try:
        assert run_job(app, tenant_a, import_id)["created"] == 5
    finally:
        event.remove(TenantSession, "before_flush", note_new)
    assert not flushed & {
        "RecordEntry",
        "Contact",
        "ContactEmail",
        "DomainEvent",
        "AuditEvent",
        "Activity",
        "ImportRow",
        "EventDelivery",
    }
    with in_tenant(app, tenant_a.id):
        ids = set(db.session.scalars(select(Contact.id)))
        assert len(ids) == 5
        assert set(_contacts(app, tenant_a).values()) == {f"p{index}@example.test" for index in range(5)}
        entries = select(RecordEntry.id).where(RecordEntry.type == "contact", RecordEntry.title.like("P%"))
        assert set(db.session.scalars(entries)) == ids
        created = select(DomainEvent.record_id).where(DomainEvent.name == "contact.created")
        assert set(db.session.scalars(created)) == ids
        audited = select(AuditEvent.target_id).where(AuditEvent.action == "contact.created")
        assert set(db.session.scalars(audited)) == ids
        timeline = select(activity_links.c.record_id).join(
            Activity, (Activity.tenant_id == activity_links.c.tenant_id) & (Activity.id == activity_links.c.activity_id)
        )
        assert set(db.session.scalars(timeline)) == ids
        rows = select(ImportRow.record_id).where(ImportRow.import_id == import_id, ImportRow.status == "created")
        assert set(db.session.scalars(rows)) == ids


def test_events_of_an_imported_batch_reach_a_consumer_once_and_in_order(app, tenant_a):
    """A row updating the record an earlier row of its batch made: the consumer gets the
    creation, then the update, once each."""
    from app.core.events import dispatch_pending_events, register_consumer, unregister_consumer

    seen = []
    register_consumer("probe", "contact.*", lambda event: seen.append((event.name, event.data.get("label"))))
    try:
        content = b"First name,Email,Title\nAda,ada@example.test,\nBob,bob@example.test,\nAda,ada@example.test,CTO\n"
        import_id = upload(app, tenant_a, content)
        queue(app, tenant_a, import_id, dedupe="update")
        assert run_job(app, tenant_a, import_id)["updated"] == 1
        with app.app_context():
            dispatch_pending_events()
            dispatch_pending_events()
    finally:
        unregister_consumer("probe")
    assert seen == [("contact.created", "Ada"), ("contact.created", "Bob"), ("contact.updated", "Ada")]


def test_an_unexpected_error_is_not_shown_in_its_own_words(app, tenant_a, monkeypatch):
    """A column that failed for a reason of the code's, not the cell's, put the exception's text
    in the row's reason, and a job that failed put it on the page: SQL and paths included."""
    from app.crm.imports import jobs
    from app.crm.imports.models import DataImport, ImportRow
    from app.crm.tags import capability

    leak = "SELECT password_hash FROM users WHERE id = 42"

    def broken(*args, **kwargs):
        raise RuntimeError(leak)

    make_tag(app, tenant_a, name="VIP")
    monkeypatch.setattr(capability, "tag_ids_named", broken)
    import_id = upload(app, tenant_a, b"First name,E-mail,Tags\nAda,ada@example.test,VIP\n")
    queue(app, tenant_a, import_id)
    assert run_job(app, tenant_a, import_id)["failed"] == 1
    with in_tenant(app, tenant_a.id):
        [row] = db.session.scalars(select(ImportRow)).all()
        assert row.reason == "Tags: this value could not be read."

    monkeypatch.setattr(jobs, "_import_file", broken)
    import_id = upload(app, tenant_a, b"First name,E-mail\nGrace,grace@example.test\n")
    queue(app, tenant_a, import_id)
    with pytest.raises(RuntimeError):
        run_job(app, tenant_a, import_id)
    with in_tenant(app, tenant_a.id):
        error = db.session.get(DataImport, (tenant_a.id, import_id)).error
    assert leak not in error
    assert error.startswith("an unexpected error (RuntimeError)")
