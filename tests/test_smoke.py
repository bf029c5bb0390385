def test_healthz_answers_on_every_host(app, tenant_a):
    for host in ("atrium.test", "admin.atrium.test", tenant_a.host):
        response = app.test_client().get("/healthz", headers={"Host": host})
        assert response.status_code == 200
        assert response.json == {"status": "ok", "db": "ok"}


def test_an_unknown_hosts_404_page_gets_its_styles(app):
    """The page that says a workspace does not exist linked its styles on that same host,
    which refused them too: it showed as bare text."""
    client = app.test_client()
    for host in ("nosuch.atrium.test", "deep.nosuch.atrium.test", "unverified.example.com"):
        page = client.get("/", headers={"Host": host})
        assert page.status_code == 404
        html = page.get_data(as_text=True)
        assert 'href="/static/css/app.css"' in html
        # Its own sign-in would be this page again: it sends people to the workspace finder.
        assert f"No Atrium workspace uses the address {host}." in html
        assert 'href="http://atrium.test/login">Find your workspace' in html
        assert client.get("/static/css/app.css", headers={"Host": host}).status_code == 200
        assert client.get("/static/../config.py", headers={"Host": host}).status_code == 404
