"""end-8a/8b (tags list, pagination) and the _catalog extension."""

import concurrent.futures as cf
import json
import re
import urllib.parse

import pytest

from conftest import OCI_CONFIG, OCI_MANIFEST, assert_api_header, assert_error

TAGS = ["v1", "v10", "v2", "a", "b-1", "b.1", "latest", "1.0", "z_9"]


def parse_link(r):
    """Return (path, params) of a Link: <...>; rel="next" header, or None."""
    v = r.header("Link")
    if v is None:
        return None
    m = re.fullmatch(r'<([^>]+)>;\s*rel="next"', v.strip())
    assert m, "malformed Link header %r" % v
    u = urllib.parse.urlsplit(m.group(1))
    return u.path, dict(urllib.parse.parse_qsl(u.query))


@pytest.fixture(scope="module")
def tagged(registry):
    """One repo with TAGS, pushed in an order that is not sorted."""
    from conftest import Api, unique_repo
    api = Api(registry)
    repo = unique_repo("tags")
    body, digest, _ = api.push_image(repo, TAGS[0])
    for t in TAGS[1:]:
        api.push_manifest(repo, t, body, OCI_MANIFEST)
    return repo


@pytest.mark.spec_deviation("2.8 lists tags in directory order, not lexical order")
def test_tags_list_sorted(api, tagged):
    r = api.get("/v2/%s/tags/list" % tagged)
    assert r.status == 200, r
    assert_api_header(r)
    assert r.header("Content-Type").split(";")[0] == "application/json"
    body = r.json()
    assert body["name"] == tagged
    assert body["tags"] == sorted(TAGS)


@pytest.mark.spec_deviation("2.8 ignores n/last on tags/list (added in Distribution 3)")
def test_tags_pagination(api, tagged):
    want = sorted(TAGS)
    r = api.get("/v2/%s/tags/list?n=2" % tagged)
    assert r.status == 200, r
    assert r.json()["tags"] == want[:2]
    link = parse_link(r)
    assert link == ("/v2/%s/tags/list" % tagged, {"n": "2", "last": want[1]}), r
    # Exact form: </v2/<name>/tags/list?n=2&last=b>; rel="next"
    assert r.header("Link") == '</v2/%s/tags/list?n=2&last=%s>; rel="next"' % (
        tagged, urllib.parse.quote(want[1], safe="")), r

    got, path = [], "/v2/%s/tags/list?n=2" % tagged
    for _ in range(20):
        r = api.get(path)
        assert r.status == 200, r
        page = r.json()["tags"]
        assert len(page) <= 2
        got += page
        link = parse_link(r)
        if link is None:
            break
        path = link[0] + "?" + urllib.parse.urlencode(link[1])
    assert got == want


@pytest.mark.spec_deviation("2.8 ignores n/last on tags/list (added in Distribution 3)")
def test_tags_last_only(api, tagged):
    want = sorted(TAGS)
    r = api.get("/v2/%s/tags/list?last=%s" % (tagged, want[3]))
    assert r.status == 200, r
    assert r.json()["tags"] == want[4:]
    assert r.header("Link") is None


@pytest.mark.spec_deviation("2.8 ignores n/last on tags/list (added in Distribution 3)")
def test_tags_n_zero_and_past_end(api, tagged):
    r = api.get("/v2/%s/tags/list?n=0" % tagged)
    assert r.status == 200, r
    assert r.json().get("tags") in ([], None)
    r = api.get("/v2/%s/tags/list?n=5&last=zzz" % tagged)
    assert r.status == 200, r
    assert r.json().get("tags") in ([], None)
    assert r.header("Link") is None


def test_tags_exact_page_has_no_link(api, tagged):
    r = api.get("/v2/%s/tags/list?n=%d" % (tagged, len(TAGS)))
    assert r.status == 200, r
    assert sorted(r.json()["tags"]) == sorted(TAGS)
    assert r.header("Link") is None, r


def test_tags_unknown_repo(api, repo):
    r = api.get("/v2/%s/tags/list" % repo)
    assert_error(r, 404, "NAME_UNKNOWN")


@pytest.mark.cangku_only
@pytest.mark.parametrize("n", ["-1", "abc"])
def test_tags_bad_n(api, tagged, n):
    r = api.get("/v2/%s/tags/list?n=%s" % (tagged, n))
    assert_error(r, 400, "PAGINATION_NUMBER_INVALID")


# ---- _catalog --------------------------------------------------------------------------------


def push_repos(api, names):
    cfg = json.dumps({"architecture": "amd64", "os": "linux"}).encode()
    src = names[0]
    cd = api.push_blob(src, cfg)
    m = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                    "config": {"mediaType": OCI_CONFIG, "digest": cd, "size": len(cfg)},
                    "layers": []}).encode()

    def one(name):
        if name != src:
            r = api.post("/v2/%s/blobs/uploads/?mount=%s&from=%s" % (name, cd, src))
            assert r.status == 201, r
        api.push_manifest(name, "latest", m, OCI_MANIFEST)

    with cf.ThreadPoolExecutor(4) as ex:
        list(ex.map(one, names))


def test_catalog(fresh_api):
    names = ["lib/zeta", "alpha", "lib/alpha", "beta/x/y", "alpha-2"]
    push_repos(fresh_api, names)
    r = fresh_api.get("/v2/_catalog")
    assert r.status == 200, r
    assert_api_header(r)
    assert r.json()["repositories"] == sorted(names)

    r = fresh_api.get("/v2/_catalog?n=2")
    assert r.status == 200, r
    assert r.json()["repositories"] == sorted(names)[:2]
    link = parse_link(r)
    assert link == ("/v2/_catalog", {"n": "2", "last": sorted(names)[1]}), r

    got, path = [], "/v2/_catalog?n=2"
    for _ in range(10):
        r = fresh_api.get(path)
        got += r.json()["repositories"]
        link = parse_link(r)
        if not link:
            break
        path = link[0] + "?" + urllib.parse.urlencode(link[1])
    assert got == sorted(names)

    r = fresh_api.get("/v2/_catalog?n=10&last=alpha-2")
    assert r.json()["repositories"] == sorted(names)[2:]
    assert r.header("Link") is None


def test_catalog_empty(fresh_api):
    r = fresh_api.get("/v2/_catalog")
    assert r.status == 200, r
    assert r.json().get("repositories") in ([], None)


@pytest.mark.slow
def test_catalog_page_size_capped(fresh_api):
    """A huge n never returns an unbounded answer: clamp (<= 1000 with a Link) or refuse 400."""
    names = ["r/%04d" % i for i in range(1005)]
    push_repos(fresh_api, names)
    r = fresh_api.get("/v2/_catalog?n=100000")
    if r.status == 400:
        assert_error(r, 400, "PAGINATION_NUMBER_INVALID")
        return
    assert r.status == 200, r
    repos = r.json()["repositories"]
    assert len(repos) <= 1000, len(repos)
    assert repos == sorted(names)[:len(repos)]
    assert parse_link(r) is not None, "a clamped page must link to the rest"
