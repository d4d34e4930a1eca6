"""end-3 (GET/HEAD manifest), end-7 (PUT manifest), end-9 (DELETE manifest)."""

import json

import pytest

from conftest import (DOCKER_CONFIG, DOCKER_LAYER, DOCKER_LIST, DOCKER_MANIFEST, EMPTY_BLOB,
                      EMPTY_DIGEST, OCI_CONFIG, OCI_EMPTY, OCI_INDEX, OCI_LAYER, OCI_MANIFEST,
                      assert_api_header, assert_error, rand_bytes, sha256_digest)


def check_manifest_response(r, body, media_type, head=False):
    assert r.status == 200, r
    assert r.body == (b"" if head else body), "bytes differ from what was pushed"
    assert r.header("Content-Type").split(";")[0] == media_type, r
    d = sha256_digest(body)
    assert r.header("Docker-Content-Digest") == d, r
    assert r.header("ETag") == '"%s"' % d, r
    assert int(r.header("Content-Length")) == len(body), r
    assert_api_header(r)


def image(api, repo, docker=False, seed=None):
    """Push config+layer, return the manifest bytes (not pushed)."""
    cfg = json.dumps({"architecture": "amd64", "os": "linux",
                      "rootfs": {"type": "layers", "diff_ids": []},
                      "seed": repr(seed)}).encode()
    layer = rand_bytes(2048, seed)
    cd, ld = api.push_blob(repo, cfg), api.push_blob(repo, layer)
    m = {"schemaVersion": 2,
         "mediaType": DOCKER_MANIFEST if docker else OCI_MANIFEST,
         "config": {"mediaType": DOCKER_CONFIG if docker else OCI_CONFIG,
                    "digest": cd, "size": len(cfg)},
         "layers": [{"mediaType": DOCKER_LAYER if docker else OCI_LAYER,
                     "digest": ld, "size": len(layer)}]}
    # Odd formatting on purpose: the registry must keep the exact bytes.
    return json.dumps(m, indent=3, sort_keys=False).encode() + b"\n"


@pytest.mark.parametrize("docker", [False, True], ids=["oci", "docker"])
def test_put_get_head_by_tag(api, repo, docker):
    body = image(api, repo, docker)
    mt = DOCKER_MANIFEST if docker else OCI_MANIFEST
    d = sha256_digest(body)
    r = api.push_manifest(repo, "v1", body, mt)
    assert r.header("Location"), r
    assert_api_header(r)
    check_manifest_response(api.get_manifest(repo, "v1"), body, mt)
    check_manifest_response(api.get_manifest(repo, "v1", method="HEAD"), body, mt, head=True)
    check_manifest_response(api.get_manifest(repo, d), body, mt)
    check_manifest_response(api.get_manifest(repo, d, method="HEAD"), body, mt, head=True)


def test_put_by_digest(api, repo):
    body = image(api, repo)
    d = sha256_digest(body)
    r = api.push_manifest(repo, d, body, OCI_MANIFEST)
    assert r.header("Location"), r
    check_manifest_response(api.get_manifest(repo, d), body, OCI_MANIFEST)
    assert api.tags(repo) in ([], None)


def test_put_by_wrong_digest(api, repo):
    body = image(api, repo)
    wrong = sha256_digest(body + b" ")
    r = api.push_manifest(repo, wrong, body, OCI_MANIFEST, expect=None)
    assert_error(r, 400, codes=("DIGEST_INVALID", "MANIFEST_INVALID"))
    assert api.get_manifest(repo, sha256_digest(body)).status == 404
    assert api.get_manifest(repo, wrong).status == 404


def test_retag_moves_tag(api, repo):
    b1, b2 = image(api, repo, seed=1), image(api, repo, seed=2)
    api.push_manifest(repo, "latest", b1, OCI_MANIFEST)
    api.push_manifest(repo, "latest", b2, OCI_MANIFEST)
    check_manifest_response(api.get_manifest(repo, "latest"), b2, OCI_MANIFEST)
    check_manifest_response(api.get_manifest(repo, sha256_digest(b1)), b1, OCI_MANIFEST)


def test_same_manifest_two_tags(api, repo):
    body = image(api, repo)
    api.push_manifest(repo, "a", body, OCI_MANIFEST)
    api.push_manifest(repo, "b", body, OCI_MANIFEST)
    assert sorted(api.tags(repo)) == ["a", "b"]


def test_accept_header_negotiation_head(api, repo):
    """A client that accepts the manifest's type gets it, with the right Content-Type."""
    body = image(api, repo)
    api.push_manifest(repo, "t", body, OCI_MANIFEST)
    r = api.get_manifest(repo, "t", accept=OCI_MANIFEST)
    check_manifest_response(r, body, OCI_MANIFEST)


@pytest.mark.parametrize("docker", [False, True], ids=["oci-index", "docker-list"])
def test_index(api, repo, docker):
    children = [image(api, repo, docker, seed=i) for i in range(2)]
    mt = DOCKER_MANIFEST if docker else OCI_MANIFEST
    for c in children:
        api.push_manifest(repo, sha256_digest(c), c, mt)
    idx = {"schemaVersion": 2, "mediaType": DOCKER_LIST if docker else OCI_INDEX,
           "manifests": [{"mediaType": mt, "digest": sha256_digest(c), "size": len(c),
                          "platform": {"architecture": arch, "os": "linux"}}
                         for c, arch in zip(children, ["amd64", "arm64"])]}
    body = json.dumps(idx).encode()
    imt = DOCKER_LIST if docker else OCI_INDEX
    api.push_manifest(repo, "multi", body, imt)
    check_manifest_response(api.get_manifest(repo, "multi"), body, imt)
    check_manifest_response(api.get_manifest(repo, sha256_digest(body), method="HEAD"), body, imt,
                            head=True)


def test_index_children_must_exist(api, repo):
    child = image(api, repo)  # blobs pushed, manifest itself not pushed
    idx = {"schemaVersion": 2, "mediaType": OCI_INDEX,
           "manifests": [{"mediaType": OCI_MANIFEST, "digest": sha256_digest(child),
                          "size": len(child)}]}
    r = api.push_manifest(repo, "broken", idx, OCI_INDEX, expect=None)
    assert_error(r, 400, "MANIFEST_BLOB_UNKNOWN")
    assert api.get_manifest(repo, "broken").status == 404


def test_oci_artifact_with_empty_config(api, repo):
    assert sha256_digest(EMPTY_BLOB) == EMPTY_DIGEST
    assert api.push_blob(repo, EMPTY_BLOB) == EMPTY_DIGEST
    payload = b'{"hello": "artifact"}'
    pd = api.push_blob(repo, payload)
    m = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
         "artifactType": "application/vnd.example.thing.v1",
         "config": {"mediaType": OCI_EMPTY, "digest": EMPTY_DIGEST, "size": 2},
         "layers": [{"mediaType": "application/vnd.example.thing.layer.v1+json",
                     "digest": pd, "size": len(payload)}],
         "annotations": {"org.example.k": "v"}}
    body = json.dumps(m).encode()
    api.push_manifest(repo, "artifact", body, OCI_MANIFEST)
    check_manifest_response(api.get_manifest(repo, "artifact"), body, OCI_MANIFEST)


def test_manifest_unknown(api, repo):
    api.push_manifest(repo, "exists", image(api, repo), OCI_MANIFEST)
    assert_error(api.get_manifest(repo, "nope"), 404, "MANIFEST_UNKNOWN")
    assert_error(api.get_manifest(repo, sha256_digest(b"no")), 404, "MANIFEST_UNKNOWN")
    r = api.get_manifest(repo, "nope", method="HEAD")
    assert r.status == 404 and r.body == b"", r


def test_manifest_of_unknown_repo(api, repo):
    r = api.get_manifest(repo + "-never", "latest")
    assert_error(r, 404, codes=("NAME_UNKNOWN", "MANIFEST_UNKNOWN"))


def test_delete_by_digest(api, repo):
    body = image(api, repo)
    d = sha256_digest(body)
    api.push_manifest(repo, "one", body, OCI_MANIFEST)
    api.push_manifest(repo, "two", body, OCI_MANIFEST)
    r = api.delete("/v2/%s/manifests/%s" % (repo, d))
    assert r.status == 202, r
    assert_api_header(r)
    assert_error(api.get_manifest(repo, d), 404, "MANIFEST_UNKNOWN")
    assert_error(api.get_manifest(repo, "one"), 404, "MANIFEST_UNKNOWN")
    assert_error(api.get_manifest(repo, "two"), 404, "MANIFEST_UNKNOWN")
    assert api.tags(repo) in ([], None)


def test_delete_unknown_manifest(api, repo):
    api.push_manifest(repo, "keep", image(api, repo), OCI_MANIFEST)
    r = api.delete("/v2/%s/manifests/%s" % (repo, sha256_digest(b"nothing")))
    assert_error(r, 404, "MANIFEST_UNKNOWN")


@pytest.mark.spec_deviation("2.8 refuses DELETE by tag (405 UNSUPPORTED); spec 1.1 allows it")
def test_delete_by_tag(api, repo):
    body = image(api, repo)
    d = sha256_digest(body)
    api.push_manifest(repo, "keep", body, OCI_MANIFEST)
    api.push_manifest(repo, "drop", body, OCI_MANIFEST)
    r = api.delete("/v2/%s/manifests/drop" % repo)
    assert r.status == 202, r
    assert_error(api.get_manifest(repo, "drop"), 404, "MANIFEST_UNKNOWN")
    check_manifest_response(api.get_manifest(repo, d), body, OCI_MANIFEST)
    check_manifest_response(api.get_manifest(repo, "keep"), body, OCI_MANIFEST)
    assert api.tags(repo) == ["keep"]


def test_manifest_reference_to_layers_in_other_repo_needs_mount(api, repo):
    """Blobs pushed only to another repo are unknown to this one."""
    body = image(api, repo)
    other = repo + "-o"
    api.push_blob(other, b"make the repo exist")
    r = api.push_manifest(other, "x", body, OCI_MANIFEST, expect=None)
    assert_error(r, 400, "MANIFEST_BLOB_UNKNOWN")
