from tests.crm.factories import make_record


def test_pages(app, tenant_a, client_for):
    deal_id = make_record(app, tenant_a, "deal")
    client = client_for(tenant_a)
    for url in [
        "/deals",
        f"/deals/{deal_id}",
        "/deals/new",
        f"/deals/{deal_id}/edit",
        f"/deals/{deal_id}?tab=timeline",
        f"/deals/{deal_id}?tab=stages",
        "/deals/board",
        "/deals/forecast",
        "/deals/forecast.csv",
        "/deals/quotas",
        "/deals/pipelines",
    ]:
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
