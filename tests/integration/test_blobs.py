"""end-2 (GET/HEAD blob), Range requests, end-10 (DELETE blob)."""

import pytest

from conftest import assert_api_header, assert_error, rand_bytes, sha256_digest

SIZE = 100_000


@pytest.fixture
def blob(api, repo):
    data = rand_bytes(SIZE)
    return repo, api.push_blob(repo, data), data


def test_get_blob(api, blob):
    repo, digest, data = blob
    r = api.get("/v2/%s/blobs/%s" % (repo, digest))
    assert r.status == 200, r
    assert r.body == data
    assert int(r.header("Content-Length")) == len(data)
    assert r.header("Docker-Content-Digest") == digest
    assert r.header("Content-Type").split(";")[0] == "application/octet-stream"
    assert_api_header(r)


def test_head_blob(api, blob):
    repo, digest, data = blob
    r = api.head("/v2/%s/blobs/%s" % (repo, digest))
    assert r.status == 200, r
    assert r.body == b""
    assert int(r.header("Content-Length")) == len(data)
    assert r.header("Docker-Content-Digest") == digest
    assert_api_header(r)


def test_get_unknown_blob(api, repo):
    api.push_blob(repo, b"something else")
    r = api.get("/v2/%s/blobs/%s" % (repo, sha256_digest(b"never pushed")))
    assert_error(r, 404, "BLOB_UNKNOWN")


def test_head_unknown_blob(api, repo):
    api.push_blob(repo, b"something else 2")
    r = api.head("/v2/%s/blobs/%s" % (repo, sha256_digest(b"never pushed")))
    assert r.status == 404, r
    assert r.body == b""
    assert_api_header(r)


def test_blob_not_linked_to_other_repo(api, blob):
    """Blobs are global, but a repository only serves the blobs pushed or mounted into it."""
    repo, digest, _ = blob
    other = repo + "-other"
    api.push_blob(other, b"other repo content")
    r = api.get("/v2/%s/blobs/%s" % (other, digest))
    assert_error(r, 404, "BLOB_UNKNOWN")


@pytest.mark.parametrize("rng,start,end", [
    ("bytes=0-0", 0, 0),
    ("bytes=10-19", 10, 19),
    ("bytes=99990-", 99990, SIZE - 1),
    ("bytes=-10", SIZE - 10, SIZE - 1),
    ("bytes=99990-200000", 99990, SIZE - 1),
])
def test_range_get(api, blob, rng, start, end):
    repo, digest, data = blob
    r = api.get("/v2/%s/blobs/%s" % (repo, digest), headers={"Range": rng})
    assert r.status == 206, r
    assert r.body == data[start:end + 1]
    assert r.header("Content-Range") == "bytes %d-%d/%d" % (start, end, SIZE), r
    assert int(r.header("Content-Length")) == end - start + 1
    assert_api_header(r)


def test_accept_ranges(api, blob):
    repo, digest, _ = blob
    r = api.get("/v2/%s/blobs/%s" % (repo, digest))
    assert r.header("Accept-Ranges") == "bytes", r
    r = api.head("/v2/%s/blobs/%s" % (repo, digest))
    assert r.header("Accept-Ranges") == "bytes", r


@pytest.mark.spec_deviation("2.8 answers 416 with the blob's Content-Length and a short body")
@pytest.mark.parametrize("rng", ["bytes=100000-100010", "bytes=200000-"])
def test_range_unsatisfiable(api, blob, rng):
    repo, digest, _ = blob
    r = api.get("/v2/%s/blobs/%s" % (repo, digest), headers={"Range": rng})
    assert r.status == 416, r
    assert r.header("Content-Range") in (None, "bytes */%d" % SIZE), r
    assert_api_header(r)


def test_delete_blob(api, blob):
    repo, digest, _ = blob
    r = api.delete("/v2/%s/blobs/%s" % (repo, digest))
    assert r.status == 202, r
    assert_api_header(r)
    r = api.head("/v2/%s/blobs/%s" % (repo, digest))
    assert r.status == 404, r
    r = api.get("/v2/%s/blobs/%s" % (repo, digest))
    assert_error(r, 404, "BLOB_UNKNOWN")


def test_delete_unknown_blob(api, repo):
    api.push_blob(repo, b"keep me")
    r = api.delete("/v2/%s/blobs/%s" % (repo, sha256_digest(b"never pushed either")))
    assert_error(r, 404, "BLOB_UNKNOWN")


def test_delete_blob_in_one_repo_keeps_it_in_another(api, repo):
    data = rand_bytes(5000)
    d = api.push_blob(repo, data)
    other = repo + "-b"
    assert api.push_blob(other, data) == d
    r = api.delete("/v2/%s/blobs/%s" % (repo, d))
    assert r.status == 202, r
    assert not api.blob_exists(repo, d)
    r = api.get("/v2/%s/blobs/%s" % (other, d))
    assert r.status == 200 and r.body == data, r


def test_pushed_blob_served_by_many_concurrent_gets(api, blob):
    import concurrent.futures as cf
    repo, digest, data = blob

    def one(_):
        r = api.get("/v2/%s/blobs/%s" % (repo, digest))
        return r.status, sha256_digest(r.body)

    with cf.ThreadPoolExecutor(8) as ex:
        results = list(ex.map(one, range(32)))
    assert all(res == (200, digest) for res in results), results
