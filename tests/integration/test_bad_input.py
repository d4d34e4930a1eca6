"""Bad input is refused with the spec's error AND changes nothing.

Each test takes a snapshot of what clients can see (tag list, catalog, blob HEADs, manifest
GETs) and of the registry's files, sends the bad request, and checks both the error and that
the snapshot is unchanged. Against Distribution 2.8 the state checks always run; where 2.8
answers outside the spec (e.g. a plain-text 404 from its router) the error check is skipped
with the answer quoted.
"""

import json
import os
import uuid

import pytest

from conftest import (DOCKER_MANIFEST, EMPTY_DIGEST, IS_DISTRIBUTION, OCI_INDEX, OCI_MANIFEST,
                      assert_api_header, assert_error, rand_bytes, read_response, sha256_digest,
                      unique_repo)

OCTET = {"Content-Type": "application/octet-stream"}
ACCEPTED = "Distribution 2.8 accepts (so the state check does not apply)"
TOKEN = "evilcangkutoken"


def is_oci_error(r, statuses, codes):
    if r is None or r.status not in statuses:
        return False
    try:
        errs = r.json()["errors"]
    except (ValueError, KeyError, TypeError):
        return False
    return any(e.get("code") in codes for e in errs)


def expect_error(r, statuses, codes, what):
    """Assert an OCI error with one of statuses/codes; for 2.8, skip (after the state checks)
    when it answers outside the spec."""
    if IS_DISTRIBUTION and r is not None and r.status < 300:
        pytest.skip("%s %s: answers %s" % (ACCEPTED, what, r.status))
    if IS_DISTRIBUTION and not is_oci_error(r, statuses, codes):
        pytest.skip("Distribution 2.8 deviates on %s: answers %s %r" % (
            what, r and r.status, r and r.body[:120]))
    assert r is not None, "no response to %s" % what
    assert r.status in statuses, (what, r)
    if r.status in (400, 404, 405, 413, 415, 416) and r.body:
        assert_error(r, r.status, codes=codes)
    assert_api_header(r)


def file_set(root):
    """Files of the registry, without logs, database journals and the insides of upload
    sessions (a refused PUT may still have appended to its session: not visible state)."""
    out = set()
    for d, dirs, files in os.walk(root):
        rel = os.path.relpath(d, root).split(os.sep)
        if "_uploads" in rel[:-1] or rel[-2:-1] == ["uploads"]:
            continue
        for n in dirs + files:
            if n.endswith((".log", "-wal", "-shm", "-journal")):
                continue
            out.add(os.path.relpath(os.path.join(d, n), root))
    return out


class Victim:
    """A repository with content, and the before/after comparison."""

    def __init__(self, api):
        self.api = api
        self.repo = unique_repo("victim")
        self.body, self.digest, self.blobs = api.push_image(self.repo, "v1", layers=2)
        api.push_manifest(self.repo, "v2", self.body, OCI_MANIFEST)
        self.other_blob = sha256_digest(b"other")

    def snapshot(self):
        st = self.api.snapshot(self.repo, digests=list(self.blobs) + [self.other_blob],
                               refs=["v1", "v2", self.digest])
        st["files"] = file_set(self.api.reg.workdir)
        return st

    def __enter__(self):
        self.before = self.snapshot()
        return self

    def __exit__(self, *exc):
        if exc[0] is not None and not issubclass(exc[0], pytest.skip.Exception):
            return False
        if exc[0] is not None and str(exc[1]).startswith(ACCEPTED):
            return False
        assert self.api.reg.alive(), "registry died:\n" + self.api.reg.log_tail()
        assert self.api.get("/v2/").status == 200
        after = self.snapshot()
        before = dict(self.before)
        new_files = after.pop("files") - before.pop("files")
        assert after == before, "a refused request changed the registry"
        assert not new_files, "a refused request created files: %s" % sorted(new_files)[:10]
        # Path traversal: nothing named after TOKEN outside the data dir (inside it, the file
        # comparison above already catches any new file).
        reg = self.api.reg
        for d, dirs, files in os.walk(reg.workdir):
            if os.path.abspath(d) == os.path.abspath(reg.data_dir):
                dirs[:] = []
                continue
            assert not any(TOKEN in n for n in dirs + files), "traversal created %s in %s" % (TOKEN, d)
        for base in (os.path.dirname(reg.workdir), os.getcwd(), "/tmp"):
            assert not any(TOKEN in n for n in os.listdir(base)), \
                "path traversal created %s in %s" % (TOKEN, base)
        return False


@pytest.fixture(scope="module")
def victim(registry):
    from conftest import Api
    return Victim(Api(registry))


# ---- repository names ------------------------------------------------------------------------

BAD_NAMES = {
    "dotdot": "../" + TOKEN,
    "dotdot-inside": "a/../../" + TOKEN,
    "pct-dotdot": "%2e%2e/" + TOKEN,
    "pct-dotdot-upper": "x/%2E%2E/%2E%2E/" + TOKEN,
    "pct-slash": "victim%2F" + TOKEN,
    "uppercase": "Upper/" + TOKEN,
    "double-slash": "a//" + TOKEN,
    "leading-slash": "/" + TOKEN,
    "trailing-slash": TOKEN + "/",
    "dot-component": "a/./" + TOKEN,
    "leading-separator": "-" + TOKEN,
    "too-long": TOKEN + "/" + "a" * (256 - len(TOKEN) - 1),
}


def name_requests(api, name, victim):
    body = victim.body
    return {
        "blob-get": lambda: api.get("/v2/%s/blobs/%s" % (name, EMPTY_DIGEST)),
        "blob-head": lambda: api.head("/v2/%s/blobs/%s" % (name, EMPTY_DIGEST)),
        "blob-delete": lambda: api.delete("/v2/%s/blobs/%s" % (name, next(iter(victim.blobs)))),
        "upload-post": lambda: api.post("/v2/%s/blobs/uploads/" % name),
        "upload-post-digest": lambda: api.post(
            "/v2/%s/blobs/uploads/?digest=%s" % (name, sha256_digest(b"x" + TOKEN.encode())),
            body=b"x" + TOKEN.encode(), headers=OCTET),
        "upload-mount": lambda: api.post("/v2/%s/blobs/uploads/?mount=%s&from=%s" % (
            name, next(iter(victim.blobs)), victim.repo)),
        "manifest-put": lambda: api.put("/v2/%s/manifests/latest" % name, body=body,
                                        headers={"Content-Type": OCI_MANIFEST}),
        "manifest-get": lambda: api.get("/v2/%s/manifests/latest" % name),
        "manifest-delete": lambda: api.delete("/v2/%s/manifests/%s" % (name, victim.digest)),
        "tags-list": lambda: api.get("/v2/%s/tags/list" % name),
    }


READS = {"blob-get", "blob-head", "manifest-get", "tags-list"}
ENDPOINTS = ["blob-get", "blob-head", "blob-delete", "upload-post", "upload-post-digest",
             "upload-mount", "manifest-put", "manifest-get", "manifest-delete", "tags-list"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("case", list(BAD_NAMES))
def test_bad_name(api, victim, case, endpoint):
    name = BAD_NAMES[case]
    with victim:
        r = name_requests(api, name, victim)[endpoint]()
        if endpoint in READS:
            statuses, codes = (400, 404), ("NAME_INVALID", "NAME_UNKNOWN")
        else:
            statuses, codes = (400,), ("NAME_INVALID",)
        if endpoint == "blob-head":
            if IS_DISTRIBUTION and r.status not in statuses:
                pytest.skip("Distribution 2.8 deviates: HEAD answers %d" % r.status)
            assert r.status in statuses, r
            assert_api_header(r)
        else:
            expect_error(r, statuses, codes, "name %r on %s" % (name, endpoint))


def test_name_at_limit_is_accepted(api):
    """255 characters is the limit, not 254: a name of exactly 255 works."""
    name = "lim/" + "b" * 251
    assert len(name) == 255
    d = api.push_blob(name, b"at the limit")
    assert api.blob_exists(name, d)


# ---- tags ------------------------------------------------------------------------------------

BAD_TAGS = {"129-chars": "t" * 129, "leading-dot": ".hidden", "leading-dash": "-x",
            "colon": "a:b", "space-pct": "a%20b", "plus": "a+b"}


@pytest.mark.parametrize("case", list(BAD_TAGS))
def test_bad_tag_put(api, victim, case):
    tag = BAD_TAGS[case]
    with victim:
        r = api.put("/v2/%s/manifests/%s" % (victim.repo, tag), body=victim.body,
                    headers={"Content-Type": OCI_MANIFEST})
        expect_error(r, (400,), ("MANIFEST_INVALID", "TAG_INVALID", "DIGEST_INVALID"),
                     "PUT with tag %r" % tag)


@pytest.mark.parametrize("case", list(BAD_TAGS))
def test_bad_tag_get(api, victim, case):
    tag = BAD_TAGS[case]
    with victim:
        r = api.get("/v2/%s/manifests/%s" % (victim.repo, tag))
        expect_error(r, (400, 404), ("MANIFEST_INVALID", "TAG_INVALID", "DIGEST_INVALID",
                                     "MANIFEST_UNKNOWN"), "GET with tag %r" % tag)


def test_tag_at_limit_is_accepted(api, victim):
    tag = "T" * 128
    api.push_manifest(victim.repo, tag, victim.body, OCI_MANIFEST)
    assert api.get_manifest(victim.repo, tag).status == 200


# ---- digests ---------------------------------------------------------------------------------

BAD_DIGESTS = {
    "not-hex": "sha256:XYZ",
    "md5": "md5:d41d8cd98f00b204e9800998ecf8427e",
    "uppercase-hex": "sha256:" + "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
    "short-hex": "sha256:" + "e" * 63,
    "no-algorithm": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
}


@pytest.mark.parametrize("case", list(BAD_DIGESTS))
def test_bad_digest_blob_get(api, victim, case):
    d = BAD_DIGESTS[case]
    with victim:
        r = api.get("/v2/%s/blobs/%s" % (victim.repo, d))
        expect_error(r, (400, 404), ("DIGEST_INVALID", "BLOB_UNKNOWN"), "GET blob %s" % d)


@pytest.mark.parametrize("case", list(BAD_DIGESTS))
def test_bad_digest_blob_delete(api, victim, case):
    d = BAD_DIGESTS[case]
    with victim:
        r = api.delete("/v2/%s/blobs/%s" % (victim.repo, d))
        expect_error(r, (400, 404), ("DIGEST_INVALID", "BLOB_UNKNOWN"), "DELETE blob %s" % d)


@pytest.mark.parametrize("case", list(BAD_DIGESTS))
def test_bad_digest_upload_close(api, victim, case):
    d = BAD_DIGESTS[case]
    data = b"upload with a bad digest " + case.encode()
    loc, _ = api.start_upload(victim.repo)
    with victim:
        r = api.put(api.with_query(loc, digest=d), body=data, headers=OCTET)
        assert not api.blob_exists(victim.repo, sha256_digest(data))
        expect_error(r, (400,), ("DIGEST_INVALID",), "PUT upload ?digest=%s" % d)


@pytest.mark.parametrize("case", list(BAD_DIGESTS))
def test_bad_digest_monolithic_post(api, victim, case):
    d = BAD_DIGESTS[case]
    data = b"monolithic with a bad digest " + case.encode()
    with victim:
        r = api.post("/v2/%s/blobs/uploads/?digest=%s" % (victim.repo, d), body=data,
                     headers=OCTET)
        assert not api.blob_exists(victim.repo, sha256_digest(data))
        expect_error(r, (400,), ("DIGEST_INVALID",), "POST ?digest=%s" % d)


# Without "no-algorithm": 64 hex characters are a valid tag.
@pytest.mark.parametrize("case", [c for c in BAD_DIGESTS if c != "no-algorithm"])
def test_bad_digest_manifest(api, victim, case):
    d = BAD_DIGESTS[case]
    with victim:
        r = api.put("/v2/%s/manifests/%s" % (victim.repo, d), body=victim.body,
                    headers={"Content-Type": OCI_MANIFEST})
        expect_error(r, (400,), ("DIGEST_INVALID", "MANIFEST_INVALID", "TAG_INVALID"),
                     "PUT manifest %s" % d)
        r = api.get("/v2/%s/manifests/%s" % (victim.repo, d))
        expect_error(r, (400, 404), ("DIGEST_INVALID", "MANIFEST_INVALID", "MANIFEST_UNKNOWN",
                                     "TAG_INVALID"), "GET manifest %s" % d)
        r = api.delete("/v2/%s/manifests/%s" % (victim.repo, d))
        expect_error(r, (400, 404), ("DIGEST_INVALID", "MANIFEST_INVALID", "MANIFEST_UNKNOWN",
                                     "TAG_INVALID", "UNSUPPORTED"), "DELETE manifest %s" % d)


def test_digest_mismatch_monolithic(api, victim):
    data = rand_bytes(30_000)
    claimed = sha256_digest(b"something else entirely")
    with victim:
        r = api.post("/v2/%s/blobs/uploads/?digest=%s" % (victim.repo, claimed), body=data,
                     headers=OCTET)
        assert not api.blob_exists(victim.repo, claimed)
        assert not api.blob_exists(victim.repo, sha256_digest(data))
        if IS_DISTRIBUTION and r.status == 202:
            pytest.skip(ACCEPTED + ": 2.8 ignores the body of a POST ?digest= (opens a session)")
        expect_error(r, (400,), ("DIGEST_INVALID",), "POST with a mismatching digest")


def test_digest_mismatch_on_put_close(api, victim):
    data = rand_bytes(30_000)
    claimed = sha256_digest(b"not it")
    loc, _ = api.start_upload(victim.repo)
    r = api.patch(loc, body=data[:10_000], headers=dict(OCTET, **{"Content-Range": "0-9999"}))
    assert r.status == 202, r
    loc = api.abs_path(r.header("Location"))
    with victim:
        r = api.put(api.with_query(loc, digest=claimed), body=data[10_000:], headers=OCTET)
        assert not api.blob_exists(victim.repo, claimed)
        assert not api.blob_exists(victim.repo, sha256_digest(data))
        expect_error(r, (400,), ("DIGEST_INVALID",), "PUT close with a mismatching digest")


# ---- manifests -------------------------------------------------------------------------------


def put_manifest(api, repo, ref, body, ctype):
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
    return api.put("/v2/%s/manifests/%s" % (repo, ref), body=body,
                   headers={"Content-Type": ctype})


def valid_manifest(victim):
    return json.loads(victim.body)


@pytest.mark.parametrize("body", [
    b'{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",',
    b"not json at all",
    b"",
    b"[]",
    b'"a string"',
    b"\xff\xfe{}",
], ids=["truncated", "text", "empty", "array", "string", "bad-utf8"])
def test_invalid_json_manifest(api, victim, body):
    with victim:
        r = put_manifest(api, victim.repo, "v1", body, OCI_MANIFEST)
        expect_error(r, (400,), ("MANIFEST_INVALID",), "invalid JSON manifest %r" % body[:20])


@pytest.mark.parametrize("mutation", ["no-config", "no-layers-key", "schema-1", "schema-3",
                                      "config-digest-bad", "layer-not-object"])
def test_structurally_invalid_manifest(api, victim, mutation):
    m = valid_manifest(victim)
    if mutation == "no-config":
        del m["config"]
    elif mutation == "no-layers-key":
        del m["layers"]
    elif mutation == "schema-1":
        m["schemaVersion"] = 1
    elif mutation == "schema-3":
        m["schemaVersion"] = 3
    elif mutation == "config-digest-bad":
        m["config"]["digest"] = "sha256:XYZ"
    elif mutation == "layer-not-object":
        m["layers"] = ["sha256:" + "a" * 64]
    with victim:
        r = put_manifest(api, victim.repo, "v1", m, OCI_MANIFEST)
        expect_error(r, (400,), ("MANIFEST_INVALID", "DIGEST_INVALID", "UNSUPPORTED"),
                     "manifest with %s" % mutation)


@pytest.mark.parametrize("which", ["config", "layer"])
def test_manifest_blob_unknown(api, victim, which):
    m = valid_manifest(victim)
    missing = sha256_digest(b"never uploaded " + which.encode())
    if which == "config":
        m["config"]["digest"] = missing
    else:
        m["layers"][0]["digest"] = missing
    with victim:
        r = put_manifest(api, victim.repo, "v1", m, OCI_MANIFEST)
        expect_error(r, (400,), ("MANIFEST_BLOB_UNKNOWN",), "unknown %s blob" % which)
        if not IS_DISTRIBUTION:
            assert missing in r.body.decode(), "the error should name the missing blob"


def test_index_children_unknown(api, victim):
    idx = {"schemaVersion": 2, "mediaType": OCI_INDEX,
           "manifests": [{"mediaType": OCI_MANIFEST, "digest": victim.digest,
                          "size": len(victim.body)},
                         {"mediaType": OCI_MANIFEST, "digest": sha256_digest(b"nope"),
                          "size": 100}]}
    with victim:
        r = put_manifest(api, victim.repo, "v1", idx, OCI_INDEX)
        expect_error(r, (400,), ("MANIFEST_BLOB_UNKNOWN",), "index with unknown child")


@pytest.mark.parametrize("ctype", [OCI_INDEX, DOCKER_MANIFEST])
def test_content_type_contradicts_media_type(api, victim, ctype):
    with victim:
        r = put_manifest(api, victim.repo, "v1", victim.body, ctype)
        expect_error(r, (400,), ("MANIFEST_INVALID",), "Content-Type %s on an OCI manifest" % ctype)


def test_layer_size_mismatch(api, victim):
    m = valid_manifest(victim)
    m["layers"][0]["size"] += 1
    with victim:
        r = put_manifest(api, victim.repo, "v1", m, OCI_MANIFEST)
        expect_error(r, (400,), ("MANIFEST_INVALID", "SIZE_INVALID", "MANIFEST_BLOB_UNKNOWN"),
                     "layer size mismatch")


def test_manifest_over_4mib(api, victim):
    m = valid_manifest(victim)
    m["annotations"] = {"pad": "x" * (4 * 1024 * 1024)}
    body = json.dumps(m).encode()
    assert len(body) > 4 * 1024 * 1024
    with victim:
        r = api.send_tolerant("PUT", "/v2/%s/manifests/v1" % victim.repo,
                              {"Content-Type": OCI_MANIFEST}, body)
        if IS_DISTRIBUTION and r is not None and r.status != 413:
            pytest.skip("Distribution 2.8 answers %d to a manifest over 4 MiB" % r.status)
        assert r is not None, "connection closed without a 413"
        assert r.status == 413, r
        if not IS_DISTRIBUTION:
            assert_error(r, 413)


def test_manifest_at_4mib_is_accepted(api, victim):
    """The limit is 4 MiB inclusive-ish: a manifest just under it is stored."""
    m = valid_manifest(victim)
    m["annotations"] = {"pad": ""}
    base = len(json.dumps(m).encode())
    m["annotations"]["pad"] = "y" * (4 * 1024 * 1024 - base - 16)
    body = json.dumps(m).encode()
    assert len(body) < 4 * 1024 * 1024
    r = api.put("/v2/%s/manifests/big" % victim.repo, body=body,
                headers={"Content-Type": OCI_MANIFEST})
    assert r.status == 201, r
    assert api.get_manifest(victim.repo, "big").body == body


# ---- lying Content-Length, chunks past the offset, sessions -------------------------------


def test_content_length_claims_more_then_closes(api, victim):
    data = rand_bytes(200_000)
    d = sha256_digest(data)
    loc, _ = api.start_upload(victim.repo)
    with victim:
        api.send_then_close("PUT", api.with_query(loc, digest=d),
                            dict(OCTET, **{"Content-Length": str(2 * len(data))}), data)
        # The server must not have stored a blob from a truncated body.
        assert not api.blob_exists(victim.repo, d)
        check_session_after_disconnect(api, loc, len(data))


def test_content_length_claims_more_on_patch(api, victim):
    data = rand_bytes(100_000)
    loc, _ = api.start_upload(victim.repo)
    with victim:
        api.send_then_close("PATCH", loc,
                            dict(OCTET, **{"Content-Length": str(len(data) + 5000)}), data)
        check_session_after_disconnect(api, loc, len(data))


def check_session_after_disconnect(api, loc, max_bytes):
    """The session either reports at most the bytes received, or is unusable."""
    ok = wait_status_settles(api, loc)
    if ok.status == 204:
        end = int(ok.header("Range").split("-")[1])
        got = 0 if ok.header("Range") == "0-0" else end + 1
        assert got <= max_bytes, ok
    else:
        assert_error(ok, ok.status, codes=("BLOB_UPLOAD_UNKNOWN", "BLOB_UPLOAD_INVALID"))
    assert api.get("/v2/").status == 200
    return ok


def wait_status_settles(api, loc):
    """The server notices the disconnect asynchronously; poll the status until it is stable."""
    import time
    last = None
    for _ in range(100):
        r = api.get(loc)
        key = (r.status, r.header("Range"))
        if key == last and r.status != 409:
            return r
        last = key
        time.sleep(0.05)
    return r


def test_content_length_claims_less_pipelined(api, victim):
    """The bytes after Content-Length are the next request; they must not enter the blob."""
    data = rand_bytes(50_000)
    d = sha256_digest(data)
    loc, _ = api.start_upload(victim.repo)
    nxt = api.raw_head("HEAD", "/v2/%s/blobs/%s" % (victim.repo, d), {})
    req = api.raw_head("PUT", api.with_query(loc, digest=d),
                       dict(OCTET, **{"Content-Length": str(len(data))})) + data + nxt
    s = api.raw_socket()
    try:
        s.sendall(req)
        f = s.makefile("rb")
        r1 = read_response(f)
        r2 = read_response(f, method_head=True)
    finally:
        s.close()
    assert r1.status == 201, r1
    assert r1.header("Docker-Content-Digest") == d
    assert r2.status == 200, r2
    assert int(r2.header("Content-Length")) == len(data)
    g = api.get("/v2/%s/blobs/%s" % (victim.repo, d))
    assert g.body == data


def test_content_length_claims_less_garbage_after(api, victim):
    data = rand_bytes(40_000)
    d = sha256_digest(data)
    loc, _ = api.start_upload(victim.repo)
    req = api.raw_head("PUT", api.with_query(loc, digest=d),
                       dict(OCTET, **{"Content-Length": str(len(data))})) + data + \
        b"\x00\x01GARBAGE that is not HTTP\r\n\r\n" + rand_bytes(5000)
    s = api.raw_socket()
    try:
        s.sendall(req)
        f = s.makefile("rb")
        r1 = read_response(f)
        try:
            r2 = read_response(f)
        except (ConnectionError, ValueError, IndexError):
            r2 = None
    finally:
        s.close()
    assert r1.status == 201, r1
    assert r2 is None or r2.status == 400, r2
    g = api.get("/v2/%s/blobs/%s" % (victim.repo, d))
    assert g.status == 200 and g.body == data
    assert api.get("/v2/").status == 200


def test_patch_claims_less_pipelined(api, victim):
    data = rand_bytes(20_000)
    loc, _ = api.start_upload(victim.repo)
    nxt = api.raw_head("HEAD", "/v2/%s/blobs/%s" % (victim.repo, victim.digest), {})
    req = api.raw_head("PATCH", loc, dict(OCTET, **{"Content-Length": str(len(data)),
                                                    "Content-Range": "0-%d" % (len(data) - 1)}))
    s = api.raw_socket()
    try:
        s.sendall(req + data + nxt)
        f = s.makefile("rb")
        r1, r2 = read_response(f), read_response(f, method_head=True)
    finally:
        s.close()
    assert r1.status == 202, r1
    assert r1.header("Range") == "0-%d" % (len(data) - 1)
    assert r2.status in (200, 404), r2  # the pipelined request was parsed as a request
    st = api.get(api.abs_path(r1.header("Location")))
    assert st.status == 204 and st.header("Range") == "0-%d" % (len(data) - 1), st


@pytest.mark.spec_deviation("2.8 ignores Content-Range on PATCH and appends the chunk")
def test_chunk_past_offset(api, victim):
    loc, _ = api.start_upload(victim.repo)
    r = api.patch(loc, body=b"a" * 1000, headers=dict(OCTET, **{"Content-Range": "0-999"}))
    loc = api.abs_path(r.header("Location"))
    with victim:
        r = api.patch(loc, body=b"b" * 1000, headers=dict(OCTET, **{"Content-Range": "1500-2499"}))
        assert r.status == 416, r
        assert_api_header(r)
        st = api.get(loc)
        assert st.status == 204 and st.header("Range") == "0-999", st


@pytest.mark.parametrize("cr", ["abc", "5-2", "0-", "-5", "0-10"])
@pytest.mark.cangku_only
def test_bad_content_range(api, victim, cr):
    """Malformed Content-Range, or one that disagrees with the body length."""
    loc, _ = api.start_upload(victim.repo)
    with victim:
        r = api.patch(loc, body=b"c" * 100, headers=dict(OCTET, **{"Content-Range": cr}))
        assert r.status in (400, 416), r
        if r.status == 400:
            assert_error(r, 400, codes=("BLOB_UPLOAD_INVALID", "SIZE_INVALID"))
        st = api.get(loc)
        assert st.status == 204 and st.header("Range") in ("0-0", None), st


def test_unknown_session_changes_nothing(api, victim):
    data = b"into a session that does not exist"
    loc, _ = api.start_upload(victim.repo)
    bogus = loc.split("?")[0].rsplit("/", 1)[0] + "/" + str(uuid.uuid4())
    with victim:
        r = api.put(api.with_query(bogus, digest=sha256_digest(data)), body=data, headers=OCTET)
        assert not api.blob_exists(victim.repo, sha256_digest(data))
        expect_error(r, (404,), ("BLOB_UPLOAD_UNKNOWN",), "PUT to an unknown session")


@pytest.mark.parametrize("sid", ["..%2F..%2F" + TOKEN, "../../" + TOKEN, "a" * 300, "%00"])
def test_malformed_session_id(api, victim, sid):
    with victim:
        for r in (api.get("/v2/%s/blobs/uploads/%s" % (victim.repo, sid)),
                  api.patch("/v2/%s/blobs/uploads/%s" % (victim.repo, sid), body=b"q" * 10,
                            headers=OCTET),
                  api.put("/v2/%s/blobs/uploads/%s?digest=%s" % (
                      victim.repo, sid, sha256_digest(b"q" * 10)), body=b"q" * 10, headers=OCTET)):
            expect_error(r, (400, 404), ("BLOB_UPLOAD_UNKNOWN", "BLOB_UPLOAD_INVALID"),
                         "session id %r" % sid)


def test_cancelled_session_changes_nothing(api, victim):
    data = b"cancelled"
    loc, _ = api.start_upload(victim.repo)
    assert api.delete(loc).status == 204
    with victim:
        r = api.put(api.with_query(loc, digest=sha256_digest(data)), body=data, headers=OCTET)
        assert not api.blob_exists(victim.repo, sha256_digest(data))
        expect_error(r, (404,), ("BLOB_UPLOAD_UNKNOWN",), "PUT to a cancelled session")


def test_disconnect_mid_upload(api, victim):
    """Raw socket: half the body, then close. The blob is not present, the session reports at
    most what was received (then resumes from there) or is gone, and the registry serves on."""
    data = rand_bytes(1_000_000)
    d = sha256_digest(data)
    loc, _ = api.start_upload(victim.repo)
    half = len(data) // 2
    with victim:
        api.send_then_close("PATCH", loc, dict(OCTET, **{"Content-Length": str(len(data)),
                                                         "Content-Range": "0-%d" % (len(data) - 1)}),
                            data[:half])
        assert not api.blob_exists(victim.repo, d)
        st = check_session_after_disconnect(api, loc, half)
    if st.status != 204:
        return
    # Resume from the offset the registry reports.
    end = int(st.header("Range").split("-")[1])
    off = 0 if st.header("Range") == "0-0" else end + 1
    loc = api.abs_path(st.header("Location") or loc)
    r = api.patch(loc, body=data[off:], headers=dict(OCTET, **{
        "Content-Range": "%d-%d" % (off, len(data) - 1)}))
    if IS_DISTRIBUTION and r.status != 202:
        pytest.skip("Distribution 2.8 cannot resume through the pre-disconnect URL (%d)" % r.status)
    assert r.status == 202, r
    r = api.put(api.with_query(api.abs_path(r.header("Location")), digest=d))
    assert r.status == 201, r
    assert api.get("/v2/%s/blobs/%s" % (victim.repo, d)).body == data


def test_unsupported_method(api, victim):
    with victim:
        r = api.request("POST", "/v2/%s/manifests/v1" % victim.repo, body=b"{}")
        assert r.status in (404, 405), r
        if r.status == 405 and r.body and not IS_DISTRIBUTION:
            assert_error(r, 405, "UNSUPPORTED")


@pytest.mark.cangku_only
def test_upload_wrong_content_type(api, victim):
    """A manifest media type on a blob upload is not a blob; refused 415 or accepted as bytes."""
    data = b"blob bytes"
    loc, _ = api.start_upload(victim.repo)
    r = api.put(api.with_query(loc, digest=sha256_digest(data)), body=data,
                headers={"Content-Type": "text/html"})
    assert r.status in (201, 415), r
    if r.status == 415:
        assert_error(r, 415, "UNSUPPORTED")

