"""Paging through a fleet of 2,500 nodes the way clients do: follow ``next`` to the end."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

FLEET = 2500
HEADERS = {"X-OpenStack-Ironic-API-Version": "latest"}


@pytest.fixture(scope="module")
def fleet(service):
    """2,500 nodes in their own resource class; names leave gaps (some None) on purpose."""
    rc = f"page-{uuid.uuid4().hex[:8]}"
    session = requests.Session()

    def create(i: int) -> str:
        body = {
            "driver": "fake-hardware",
            "resource_class": rc,
            "name": None if i % 7 == 0 else f"{rc}-{i:05d}",
            "extra": {"i": i},
        }
        resp = session.post(service.url + "/v1/nodes", json=body, headers=HEADERS)
        assert resp.status_code == 201, resp.text
        return resp.json()["uuid"]

    with ThreadPoolExecutor(8) as pool:
        uuids = list(pool.map(create, range(FLEET)))
    yield rc, set(uuids)
    with ThreadPoolExecutor(8) as pool:
        list(
            pool.map(
                lambda u: session.delete(f"{service.url}/v1/nodes/{u}", headers=HEADERS), uuids
            )
        )


def _walk(url: str, first: str) -> tuple[list[dict], list[str]]:
    items, nexts, link = [], [], first
    while link:
        resp = requests.get(link if link.startswith("http") else url + link, headers=HEADERS)
        assert resp.status_code == 200, resp.text
        doc = resp.json()
        items.extend(doc["nodes"])
        link = doc.get("next")
        if link:
            nexts.append(link)
    return items, nexts


def test_sdk_lists_every_node_once_in_pages_of_1000(sdk, fleet):
    rc, uuids = fleet
    seen = [n.id for n in sdk.baremetal.nodes(resource_class=rc, limit=1000)]
    assert len(seen) == FLEET and set(seen) == uuids


def test_sdk_detail_listing_in_small_pages(sdk, fleet):
    rc, uuids = fleet
    seen = [n.id for n in sdk.baremetal.nodes(resource_class=rc, details=True, limit=300)]
    assert len(seen) == FLEET and set(seen) == uuids


def test_next_links_carry_filters_and_stop_at_the_end(service, fleet):
    rc, uuids = fleet
    items, nexts = _walk(service.url, f"/v1/nodes?resource_class={rc}&limit=1000")
    assert {n["uuid"] for n in items} == uuids
    # 2,500 at 1,000 a page: three pages, two next links, none after the last page
    assert len(nexts) == 2
    assert all(f"resource_class={rc}" in link and "limit=1000" in link for link in nexts)


@pytest.mark.parametrize(
    "sort_key,sort_dir",
    [("name", "asc"), ("name", "desc"), ("created_at", "desc"), ("uuid", "asc")],
)
def test_sorted_pages_cover_the_fleet_in_order(service, fleet, sort_key, sort_dir):
    rc, uuids = fleet
    items, _ = _walk(
        service.url,
        f"/v1/nodes/detail?resource_class={rc}&limit=700&sort_key={sort_key}&sort_dir={sort_dir}",
    )
    assert [n["uuid"] for n in items].count(items[0]["uuid"]) == 1
    assert {n["uuid"] for n in items} == uuids and len(items) == FLEET
    present = [n[sort_key] for n in items if n[sort_key] is not None]
    assert present == sorted(present, reverse=sort_dir == "desc")
    if sort_key == "name":  # nodes without a name come last ascending, first descending
        nulls = [i for i, n in enumerate(items) if n["name"] is None]
        assert nulls == (
            list(range(FLEET - len(nulls), FLEET)) if sort_dir == "asc" else list(range(len(nulls)))
        )


def test_limit_above_max_is_capped_and_fields_are_honoured(service, fleet):
    rc, _ = fleet
    resp = requests.get(
        f"{service.url}/v1/nodes?resource_class={rc}&limit=5000&fields=uuid,extra", headers=HEADERS
    )
    doc = resp.json()
    assert len(doc["nodes"]) == 1000 and "next" in doc
    assert set(doc["nodes"][0]) == {"uuid", "extra", "links"}
