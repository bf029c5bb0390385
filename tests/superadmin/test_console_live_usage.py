"""The console shows live usage — no nightly snapshot needed — with a bounded number of queries."""

import re

from tests.crm.factories import make_contact


def _cells(html: str, slug: str) -> list[str]:
    row = html.split(f'data-testid="tenant-row-{slug}"')[1].split("</tr>")[0]
    cells = [cell.split(">", 1)[1] for cell in row.split("<td")[4:7]]
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]


def test_tenant_list_counts_users_contacts_and_emails_live(app, console, make_tenant, client_for):
    busy = make_tenant("busy", plan="normal", roles=("owner", "sales"))
    make_tenant("quiet", plan="free", roles=("owner",))
    for index in range(3):
        make_contact(app, busy, first_name=f"C{index}")
    invited = client_for(busy).post("/settings/users/invite", data={"email": "new@example.com", "role": "sales"})
    assert invited.status_code == 302  # a pending invitation holds a seat
    html = console.get("/tenants").get_data(as_text=True)
    assert _cells(html, "busy") == ["3 / 10", "3 / 25,000", "0 / 10,000"]
    assert _cells(html, "quiet") == ["1 / 2", "0 / 1,000", "0 / 500"]


def test_overview_lists_a_tenant_that_just_reached_a_limit(app, console, make_tenant, set_tenant):
    tiny = make_tenant("tiny", plan="free", roles=("owner",))
    set_tenant(tiny, limit_overrides={"contacts": 1})
    make_tenant("roomy", plan="premium", roles=("owner",))
    make_contact(app, tiny)
    at_limit = console.get("/").get_data(as_text=True).split('data-testid="at-limit"')[1].split("</ul>")[0]
    assert "Tiny Agency" in at_limit
    assert "contacts 1/1" in at_limit
    assert "Roomy Agency" not in at_limit


def test_live_counts_cost_the_same_queries_for_three_tenants_or_thirty(app, console, make_tenant, query_counter):
    for index in range(3):
        make_contact(app, make_tenant(f"agency{index}", roles=("owner",)))
    console.get("/tenants")
    console.get("/")
    with query_counter() as few_list:
        console.get("/tenants")
    with query_counter() as few_overview:
        console.get("/")
    for index in range(3, 30):
        make_contact(app, make_tenant(f"agency{index:02d}", roles=("owner",)))
    with query_counter() as many_list:
        console.get("/tenants")
    with query_counter() as many_overview:
        console.get("/")
    assert many_list.count == few_list.count
    assert many_overview.count == few_overview.count


def test_the_agency_page_lists_the_invitations_its_seat_count_holds(app, console, make_tenant, client_for):
    """Users read "3 of 10" while the Users panel listed two people: the pending invitation
    that holds the third seat was nowhere on the page."""
    busy = make_tenant("busy", plan="normal", roles=("owner", "sales"))
    client_for(busy).post("/settings/users/invite", data={"email": "new.hire@example.com", "role": "manager"})
    html = console.get(f"/tenants/{busy.id}").get_data(as_text=True)
    panel = html.split('data-testid="tenant-users"', 1)[1].split("</table>", 1)[0]
    assert panel.count("<tr") == 4  # the header, two people, one invitation
    assert "new.hire@example.com" in panel
    assert "Invited" in panel
