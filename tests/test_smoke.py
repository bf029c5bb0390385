def test_healthz_answers_on_every_host(app, tenant_a):
    for host in ("atrium.test", "admin.atrium.test", tenant_a.host):
        response = app.test_client().get("/healthz", headers={"Host": host})
        assert response.status_code == 200
        assert response.json == {"status": "ok", "db": "ok"}
