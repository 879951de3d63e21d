"""/api/v1/ answers with an index of the API, and the docs page is served from the installed sidecar."""

import re


def test_api_root_lists_the_main_endpoints(db, client_for):
    response = client_for().get("/api/v1/")
    assert response.status_code == 200
    data = response.json()
    paths = [e["path"] for e in data["endpoints"]]
    assert "http://testserver/api/v1/departures/" in paths
    assert data["docs"] == "http://testserver/api/v1/docs/"


def test_docs_page_loads_nothing_from_another_host(db, client_for):
    body = client_for().get("/api/v1/docs/").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', body)
    assert any("swagger-ui" in s for s in sources)
    assert all(s.startswith("/") for s in sources), sources
