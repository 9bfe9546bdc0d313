"""The service answers discovery as openstacksdk and the CLI expect."""

import requests


def test_root_lists_v1_with_version_range(service):
    resp = requests.get(service.url + "/")
    assert resp.status_code == 200
    doc = resp.json()
    assert doc["default_version"]["min_version"] == "1.1"
    assert doc["default_version"]["version"] == "1.115"
    assert resp.headers["X-OpenStack-Ironic-API-Version"] == "1.1"
    assert resp.headers["X-OpenStack-Request-Id"].startswith("req-")
