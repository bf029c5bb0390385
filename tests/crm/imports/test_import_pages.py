"""The import pages: upload, mapping with its guessed columns and preview, saved templates,
progress, rejected rows, and who may do what."""

import html
import io
import re

from sqlalchemy import select

from app.core.extensions import db
from tests.conftest import csrf_token_from, in_tenant
from tests.crm.imports.helpers import run_job


def _upload(client, content: bytes, name="people.csv", record_type="contact"):
    page = client.get(f"/imports/new?type={record_type}")
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post(
        "/imports/new",
        data={"csrf_token": token, "record_type": record_type, "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_upload_map_preview_and_import(app, tenant_a, client_for, query_counter):
    client = client_for(tenant_a)
    content = b"Given name,Surname,Email address,Notes\nAda,Lovelace,ada@example.test,x\nBob,,not-an-email,y\n"
    uploaded = _upload(client, content)
    assert uploaded.status_code == 302
    mapping_url = uploaded.headers["Location"]
    page = client.get(mapping_url)
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    # Guessed from the headers: the selects come pre-filled.
    assert '<option value="first_name" selected>' in body
    assert '<option value="emails" selected>' in body
    assert "Ada" in body
    assert "not-an-email" in body
    token = csrf_token_from(body)
    form = {"csrf_token": token, "map.0": "first_name", "map.1": "last_name", "map.2": "emails", "map.3": ""}
    twice = client.post(mapping_url, data={**form, "map.1": "first_name", "action": "import"})
    assert twice.status_code == 422
    assert "Already filled from" in twice.get_data(as_text=True)
    started = client.post(mapping_url, data={**form, "action": "import", "dedupe": "skip", "template_name": "Fair"})
    assert started.status_code == 302
    show_url = started.headers["Location"]
    import_id = show_url.rsplit("/", 1)[-1]
    progress = client.get(show_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in progress  # polls while the job has not finished
    from app.crm.imports.models import ImportTemplate

    with in_tenant(app, tenant_a.id):
        assert db.session.scalar(select(ImportTemplate.name)) == "Fair"
    import uuid

    run_job(app, tenant_a, uuid.UUID(import_id))
    with query_counter() as counted:
        done = client.get(show_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert counted.count <= 12
    assert 'hx-trigger="every 1s"' not in done
    assert 'data-testid="count-created_count">1<' in done
    assert "Revert this import" in done
    rejected = client.get(f"/imports/{import_id}/rejected.csv").get_data(as_text=True)
    assert "not-an-email" in rejected
    listing = client.get("/imports").get_data(as_text=True)
    assert "people.csv" in listing


def test_a_bad_file_is_an_inline_error(app, tenant_a, client_for):
    response = _upload(client_for(tenant_a), b"\x00\x01\x02binary" * 10, name="data.csv")
    assert response.status_code == 422
    assert "binary data" in response.get_data(as_text=True)


def test_who_may_import(app, tenant_a, client_for):
    assert client_for(tenant_a, "viewer").get("/imports").status_code == 403
    sales = client_for(tenant_a, "sales")
    assert _upload(sales, b"First name\nAda\n").status_code == 302
    # Sales may import but not delete: revert is not offered to them.
    page = sales.get("/imports").get_data(as_text=True)
    assert "people.csv" in page
    owner_page = client_for(tenant_a).get("/contacts").get_data(as_text=True)
    assert 'data-testid="import-link"' in owner_page


def test_imports_and_exports_through_the_api(app, tenant_a, api_client_for):
    import json
    import uuid

    client = api_client_for(tenant_a)
    columns = client.get("/api/v1/imports/columns?record_type=contact").get_json()["items"]
    assert {"key": "emails", "label": "Emails"} in columns
    created = client.post(
        "/api/v1/imports",
        data={
            "record_type": "contact",
            "file": (io.BytesIO(b"Who,Mail\nAda,ada@example.test\nBob,broken\n"), "api.csv"),
            "mapping": json.dumps({"Who": "first_name", "Mail": "emails"}),
        },
        content_type="multipart/form-data",
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["status"], body["total_rows"]) == ("queued", 2)
    run_job(app, tenant_a, uuid.UUID(body["id"]))
    done = client.get(f"/api/v1/imports/{body['id']}").get_json()
    assert (done["status"], done["created_count"], done["failed_count"]) == ("completed", 1, 1)
    failed = client.get(f"/api/v1/imports/{body['id']}/rows?status=failed").get_json()["items"]
    assert failed[0]["row_number"] == 3
    assert "broken" in failed[0]["reason"]
    exported = client.get("/api/v1/exports/contact?format=csv")
    assert exported.status_code == 200
    assert "ada@example.test" in exported.get_data(as_text=True)
    scoped = api_client_for(tenant_a, scopes=["imports:write", "imports:read"])
    refused = scoped.post(
        "/api/v1/imports",
        data={"record_type": "contact", "file": (io.BytesIO(b"Who\nAda\n"), "api.csv")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 403  # importing contacts also needs contacts:write


def test_an_upload_whose_mapping_names_a_list_is_a_422_not_a_500(app, tenant_a, api_client_for):
    """The upload's mapping is JSON in a form field: {"Mail": ["emails"]} reached a set look-up
    with a list, and the unhashable list was a 500."""
    import json

    client = api_client_for(tenant_a)
    for column in (["emails"], {"key": "emails"}):
        response = client.post(
            "/api/v1/imports",
            data={
                "record_type": "contact",
                "file": (io.BytesIO(b"Who,Mail\nAda,ada@example.test\n"), "api.csv"),
                "mapping": json.dumps({"Who": "first_name", "Mail": column}),
            },
            content_type="multipart/form-data",
        )
        assert response.status_code == 422
        assert response.get_json()["error"]["details"] == {"mapping.Mail": ["Choose one of the listed fields."]}


def test_a_created_record_links_to_its_import(app, tenant_a, client_for):
    import uuid

    from app.crm.contacts.models import Contact
    from tests.crm.imports.helpers import queue, upload

    import_id = upload(app, tenant_a, b"First name\nAda\n", name="fair.csv")
    queue(app, tenant_a, import_id)
    run_job(app, tenant_a, import_id)
    with in_tenant(app, tenant_a.id):
        contact_id = db.session.scalar(select(Contact.id))
    page = client_for(tenant_a).get(f"/contacts/{contact_id}").get_data(as_text=True)
    assert 'data-testid="imported-from"' in page
    assert f"/imports/{import_id}" in page
    assert isinstance(import_id, uuid.UUID)


def _run_mapped_as_name_and_email(app, tenant, client, uploaded, mapping) -> str:
    """Map an uploaded two-column file to first name and email, run the import, return its page."""
    import uuid

    form = {
        "csrf_token": csrf_token_from(mapping),
        "map.0": "first_name",
        "map.1": "emails",
        "action": "import",
        "dedupe": "skip",
    }
    show_url = client.post(uploaded.headers["Location"], data=form).headers["Location"]
    run_job(app, tenant, uuid.UUID(show_url.rsplit("/", 1)[-1]))
    return client.get(show_url).get_data(as_text=True)


def _updating_ada(app, tenant, client, content: bytes) -> tuple[str, dict]:
    """Ada as a contact, a file naming her uploaded, and its mapping page's URL with a form that
    maps first name and email and updates the records it matches."""
    from tests.crm.factories import make_contact

    make_contact(app, tenant, first_name="Ada", emails=[{"email": "ada@example.test", "primary": True}])
    mapping_url = _upload(client, content).headers["Location"]
    form = {
        "csrf_token": csrf_token_from(client.get(mapping_url).get_data(as_text=True)),
        "map.0": "first_name",
        "map.1": "emails",
        "dedupe": "update",
    }
    return mapping_url, form


def test_a_one_row_file_says_row_not_rows(app, tenant_a, client_for):
    client = client_for(tenant_a)
    uploaded = _upload(client, b"First name,Email\nAda,not-an-email\n")
    mapping = client.get(uploaded.headers["Location"]).get_data(as_text=True)
    assert "1 row read." in mapping  # the flash
    assert "1 row into contacts" in mapping
    assert "Import 1 row<" in mapping
    assert not re.search(r"\b1 rows\b", mapping)
    done = _run_mapped_as_name_and_email(app, tenant_a, client, uploaded, mapping)
    assert "1 of 1 row\n" in done
    # A word of its own: the speed beside it ("541 rows/s") is not a count of one.
    assert not re.search(r"\b1 rows\b", done)


def test_the_encoding_and_row_statuses_are_in_words(app, tenant_a, client_for):
    """A file saved with a BOM reads "UTF-8", not Python's "utf-8-sig"; a refused row's status
    reads "Failed", not the stored "failed"."""
    import codecs

    client = client_for(tenant_a)
    uploaded = _upload(client, codecs.BOM_UTF8 + b"First name;Email\nAda;not-an-email\n")
    mapping = client.get(uploaded.headers["Location"]).get_data(as_text=True)
    assert "UTF-8, “;”-separated" in mapping
    assert "utf-8-sig" not in mapping
    done = _run_mapped_as_name_and_email(app, tenant_a, client, uploaded, mapping)
    assert "<td>Failed</td>" in done
    assert "<td>failed</td>" not in done


def test_the_mapping_shows_each_columns_first_value(app, tenant_a, client_for):
    """Beside each column, the first value the file has for it (an empty first row or cell is
    passed over), so a column named "Col 3" can be recognised by its content."""
    client = client_for(tenant_a)
    uploaded = _upload(client, b"Name,Col 3,Notes\n,,\nAda,ada@example.test,\nBob,bob@example.test,Met at the fair\n")
    body = client.get(uploaded.headers["Location"]).get_data(as_text=True)
    first_values = [
        re.sub(r"\s+", " ", cell).strip() for cell in re.findall(r'data-testid="first-value">(.*?)</td>', body, re.S)
    ]
    assert first_values == ["Ada", "ada@example.test", "Met at the fair"]


def test_the_rejected_rows_file_says_each_rows_status_in_words(app, tenant_a, client_for):
    import csv

    client = client_for(tenant_a)
    uploaded = _upload(client, b"First name,Email\nAda,not-an-email\n")
    mapping = client.get(uploaded.headers["Location"]).get_data(as_text=True)
    done = _run_mapped_as_name_and_email(app, tenant_a, client, uploaded, mapping)
    rejected_url = re.search(r'href="([^"]+/rejected\.csv)"', done).group(1)
    rows = list(csv.DictReader(io.StringIO(client.get(rejected_url).get_data(as_text=True).lstrip("\ufeff"))))
    assert [(row["Row"], row["Status"]) for row in rows] == [("2", "Failed")]


def test_the_preview_words_addresses_consent_and_custom_fields_as_pages_do(app, tenant_a, client_for):
    """Not Python's dicts ("email: {'status': 'granted', …}") nor a custom field's key."""
    from tests.crm.factories import make_field

    make_field(app, tenant_a, label="Shirt size", key="shirt_size")
    client = client_for(tenant_a)
    uploaded = _upload(client, b"Name,City,Postal code,Email consent,Shirt size\nAda,Paris,75001,Granted,XL\n")
    mapping_url = uploaded.headers["Location"]
    form = {
        "csrf_token": csrf_token_from(client.get(mapping_url).get_data(as_text=True)),
        "map.0": "first_name",
        "map.1": "address.city",
        "map.2": "address.postal_code",
        "map.3": "email_consent",
        "map.4": "cf.shirt_size",
        "action": "preview",
    }
    body = client.post(mapping_url, data=form).get_data(as_text=True)
    row = re.search(r'data-testid="preview-row">(.*?)</tr>', body, re.S).group(1)
    values = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)))
    assert "Address: 75001 Paris" in values
    assert "Consent: Email: Granted (Import)" in values
    assert "Custom fields: Shirt size: XL" in values
    assert "{" not in values


def test_the_mapping_keeps_the_chosen_dedupe_and_template_name_through_a_preview_and_an_error(
    app, tenant_a, client_for
):
    """ "Update preview" and a refused mapping put the matches choice back to the saved one
    (so a hurried "Import" then skipped the rows meant to update) and emptied the name."""
    client = client_for(tenant_a)
    mapping_url, form = _updating_ada(app, tenant_a, client, b"First name,Email\nAda,ada@example.test\n")
    form["template_name"] = "Fair"
    for action, changes, status in (("preview", {}, 200), ("import", {"map.1": "first_name"}, 422)):
        response = client.post(mapping_url, data={**form, **changes, "action": action})
        body = response.get_data(as_text=True)
        assert response.status_code == status
        assert '<option value="update" selected>' in body
        assert 'value="Fair"' in body
    preview = client.post(mapping_url, data={**form, "action": "preview"}).get_data(as_text=True)
    assert "Updates a match" in preview


def test_the_revert_confirmation_names_only_what_the_import_did(app, tenant_a, client_for):
    """An import that only updated says so, not "0 records it created are deleted", and
    counts its updates (a file may update one record twice), not "records"."""
    import uuid

    client = client_for(tenant_a)
    content = b"First name,Email\nAda,ada@example.test\nAda,ADA@example.test\n"
    mapping_url, form = _updating_ada(app, tenant_a, client, content)
    show_url = client.post(mapping_url, data={**form, "action": "import"}).headers["Location"]
    run_job(app, tenant_a, uuid.UUID(show_url.rsplit("/", 1)[-1]))
    done = html.unescape(client.get(show_url).get_data(as_text=True))
    assert 'data-confirm="Revert this import? The 2 updates it made are undone."' in done


def test_a_created_row_that_looks_like_another_record_is_not_called_a_problem(app, tenant_a, client_for):
    """The list holds failed and waiting rows and created ones worth a look (a possible
    duplicate): it is headed as rows to look at, not "Rows with problems"."""
    from tests.crm.factories import make_contact

    make_contact(app, tenant_a, first_name="Ada", phones=[{"number": "+14155550100"}])
    client = client_for(tenant_a)
    uploaded = _upload(client, b"First name,Phone\nAda,+14155550100\n")
    mapping = client.get(uploaded.headers["Location"]).get_data(as_text=True)
    form = {"csrf_token": csrf_token_from(mapping), "map.0": "first_name", "map.1": "phones", "action": "import"}
    show_url = client.post(uploaded.headers["Location"], data=form).headers["Location"]
    import uuid

    run_job(app, tenant_a, uuid.UUID(show_url.rsplit("/", 1)[-1]))
    done = client.get(show_url).get_data(as_text=True)
    assert "Possible duplicate of Ada" in done
    assert "Rows to look at" in done
    assert "Rows with problems" not in done


def test_an_import_left_at_its_mapping_leads_back_to_it(app, tenant_a, client_for):
    # Someone uploads, leaves the mapping page, and comes back through the Imports list.
    client = client_for(tenant_a)
    mapping_url = _upload(client, b"Name,Email\nAda,ada@example.test\n").headers["Location"]
    show_url = mapping_url.removesuffix("/mapping")
    listed = client.get("/imports").get_data(as_text=True)
    assert f'href="{mapping_url}"' in listed
    shown = client.get(show_url).get_data(as_text=True)
    assert f'href="{mapping_url}"' in shown
    assert "Map the columns" in shown


def test_the_empty_imports_page_names_what_can_be_imported(tenant_a, client_for):
    """It said "Bring contacts, companies or leads" while deals, tasks, products, quotes and
    more were importable too."""
    page = client_for(tenant_a).get("/imports").get_data(as_text=True)
    assert "Bring contacts, companies or leads" not in page
    assert "Bring contacts, companies, deals, leads, tasks, meetings, products" in page


def test_the_time_left_is_said_in_seconds_minutes_or_hours(app, tenant_a, client_for):
    """The progress line said "about 0 min 18 s left", and a long import "about 167 min 30 s
    left": now "about 18 s left", "about 3 min left", "about 2 h 47 min left"."""
    import uuid

    from app.crm.imports.models import DataImport, ImportStatus

    client = client_for(tenant_a)
    import_id = uuid.UUID(_upload(client, b"First name\nAda\n").headers["Location"].split("/")[2])
    # 100 rows a second; what is left of the file decides the words.
    for total, said in ((2_800, "about 18 s left"), (21_000, "about 3 min left"), (1_001_000, "about 2 h 47 min left")):
        with in_tenant(app, tenant_a.id):
            data_import = db.session.get(DataImport, (tenant_a.id, import_id))
            data_import.status = ImportStatus.RUNNING
            data_import.total_rows, data_import.rows_done, data_import.busy_seconds = total, 1_000, 10.0
            db.session.commit()
        speed = " ".join(client.get(f"/imports/{import_id}").get_data(as_text=True).split())
        assert f"1,000 of {total:,} rows · 100 rows/s · {said}" in speed


def test_a_revert_claims_no_time_left(app, tenant_a, client_for):
    """Reverting, the progress line kept the import's estimate of the file's rows: "about 1 s
    left" from the first moment of the revert to its end."""
    client = client_for(tenant_a)
    uploaded = _upload(client, b"First name,Email\nAda,ada@example.test\nBob,bob@example.test\n")
    mapping = client.get(uploaded.headers["Location"]).get_data(as_text=True)
    page = _run_mapped_as_name_and_email(app, tenant_a, client, uploaded, mapping)
    assert "2 of 2 rows" in page
    import_path = uploaded.headers["Location"].removesuffix("/mapping")
    token = csrf_token_from(page)
    assert client.post(f"{import_path}/revert", data={"csrf_token": token}).status_code == 302
    page = client.get(import_path).get_data(as_text=True)
    assert "Reverting" in page
    speed = " ".join(re.search(r'data-testid="import-speed">(.*?)</div>', page, re.S).group(1).split())
    assert speed.startswith("2 of 2 rows · ")
    assert "left" not in speed


def test_a_saved_mapping_brings_back_what_it_does_with_matches(app, tenant_a, client_for):
    """A template keeps its columns and its choice for matches, but applying it filled in the
    columns only: a "Monthly update" template left “Skip” selected, and its import skipped
    every row it was meant to update."""
    client = client_for(tenant_a)
    content = b"First name,Email\nAda,ada@example.test\n"
    first_url, form = _updating_ada(app, tenant_a, client, content)
    saved = client.post(first_url, data={**form, "action": "check", "template_name": "Monthly update"})
    assert saved.status_code == 302
    from app.crm.imports.models import ImportTemplate

    with in_tenant(app, tenant_a.id):
        template_id = db.session.scalar(select(ImportTemplate.id).where(ImportTemplate.name == "Monthly update"))
    next_url = _upload(client, content, name="next-month.csv").headers["Location"]
    assert '<option value="skip" selected>' in client.get(next_url).get_data(as_text=True)
    page = client.get(f"{next_url}?template={template_id}").get_data(as_text=True)
    assert '<option value="update" selected>' in page
    assert '<option value="skip" selected>' not in page
    assert '<option value="first_name" selected>' in page
