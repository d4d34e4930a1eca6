"""end-1: the API base, and the version header on every response."""

from conftest import API_VERSION_HEADER, assert_api_header, assert_error


def test_base_get(api):
    r = api.get("/v2/")
    assert r.status == 200, r
    assert_api_header(r)


def test_base_head(api):
    r = api.head("/v2/")
    assert r.status == 200, r
    assert_api_header(r)


def test_base_without_trailing_slash(api):
    r = api.get("/v2")
    # Served, redirected to /v2/, or not found: all fine as long as the header is there.
    assert r.status in (200, 301, 307, 308, 404), r
    assert_api_header(r)


def test_version_header_on_errors(api, repo):
    for method, path in [
        ("GET", "/v2/%s/manifests/latest" % repo),
        ("HEAD", "/v2/%s/manifests/latest" % repo),
        ("GET", "/v2/%s/blobs/sha256:%s" % (repo, "0" * 64)),
        ("GET", "/v2/%s/tags/list" % repo),
        ("GET", "/v2/%s/blobs/uploads/9a4f1bde-1111-4c2c-8d6e-000000000000" % repo),
    ]:
        r = api.request(method, path)
        assert r.status == 404, (method, path, r)
        assert r.header(API_VERSION_HEADER) == "registry/2.0", (method, path, r)


def test_error_body_shape(api, repo):
    r = api.get("/v2/%s/manifests/latest" % repo)
    assert_error(r, 404, codes=("MANIFEST_UNKNOWN", "NAME_UNKNOWN"))


def test_keep_alive_serves_several_requests(api):
    """Several requests on one connection (clients keep connections open)."""
    c = api.conn()
    try:
        for _ in range(5):
            c.request("GET", "/v2/", headers=api.with_auth({}))
            r = c.getresponse()
            r.read()
            assert r.status == 200
    finally:
        c.close()
