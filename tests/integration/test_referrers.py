"""end-12 (referrers API) and the subject field (OCI distribution-spec 1.1). Cangku only:
Distribution 2.8 has no referrers API."""

import json

import pytest

from conftest import (EMPTY_BLOB, EMPTY_DIGEST, OCI_EMPTY, OCI_INDEX, OCI_MANIFEST,
                      assert_api_header, assert_error, sha256_digest)

pytestmark = pytest.mark.cangku_only

SIG = "application/vnd.example.signature.v1"
SBOM = "application/vnd.example.sbom.v1"


def artifact(api, repo, subject_digest, subject_size, artifact_type, note, config_type=False):
    api.push_blob(repo, EMPTY_BLOB)
    payload = json.dumps({"note": note}).encode()
    pd = api.push_blob(repo, payload)
    m = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
         "config": {"mediaType": artifact_type if config_type else OCI_EMPTY,
                    "digest": EMPTY_DIGEST, "size": 2},
         "layers": [{"mediaType": "application/octet-stream", "digest": pd,
                     "size": len(payload)}],
         "subject": {"mediaType": OCI_MANIFEST, "digest": subject_digest, "size": subject_size},
         "annotations": {"org.example.note": note}}
    if not config_type:
        m["artifactType"] = artifact_type
    return json.dumps(m).encode()


def subject_size(api, repo, digest):
    r = api.get_manifest(repo, digest)
    assert r.status == 200, r
    return len(r.body)


def push_referrer(api, repo, body):
    d = sha256_digest(body)
    r = api.push_manifest(repo, d, body, OCI_MANIFEST)
    return d, r


def get_referrers(api, repo, digest, query=""):
    r = api.get("/v2/%s/referrers/%s%s" % (repo, digest, query))
    assert r.status == 200, r
    assert r.header("Content-Type").split(";")[0] == OCI_INDEX, r
    assert_api_header(r)
    idx = r.json()
    assert idx["schemaVersion"] == 2
    assert idx["mediaType"] == OCI_INDEX
    assert isinstance(idx["manifests"], list)
    return r, idx


def test_subject_header_and_listing(api, repo):
    _, subj, _ = api.push_image(repo, "v1")
    sbody = api.get_manifest(repo, subj).body
    sig = artifact(api, repo, subj, len(sbody), SIG, "signature")
    sbom = artifact(api, repo, subj, len(sbody), SBOM, "sbom")
    sig_d, r = push_referrer(api, repo, sig)
    assert r.header("OCI-Subject") == subj, r
    sbom_d, r = push_referrer(api, repo, sbom)
    assert r.header("OCI-Subject") == subj, r

    _, idx = get_referrers(api, repo, subj)
    by_digest = {m["digest"]: m for m in idx["manifests"]}
    assert set(by_digest) == {sig_d, sbom_d}
    assert by_digest[sig_d]["artifactType"] == SIG
    assert by_digest[sig_d]["size"] == len(sig)
    assert by_digest[sig_d]["mediaType"] == OCI_MANIFEST
    assert by_digest[sig_d]["annotations"] == {"org.example.note": "signature"}
    assert by_digest[sbom_d]["artifactType"] == SBOM


def test_artifact_type_from_config_media_type(api, repo):
    """Without artifactType, the descriptor's artifactType is the config's mediaType."""
    _, subj, _ = api.push_image(repo, "v1")
    body = artifact(api, repo, subj, subject_size(api, repo, subj),
                    "application/vnd.example.cfgtype.v1", "c",
                    config_type=True)
    d, _ = push_referrer(api, repo, body)
    _, idx = get_referrers(api, repo, subj)
    (m,) = [m for m in idx["manifests"] if m["digest"] == d]
    assert m["artifactType"] == "application/vnd.example.cfgtype.v1"


def test_subject_may_not_exist_yet(api, repo):
    missing = sha256_digest(b"the subject is pushed later")
    body = artifact(api, repo, missing, 1234, SIG, "early")
    d, r = push_referrer(api, repo, body)
    assert r.header("OCI-Subject") == missing, r
    _, idx = get_referrers(api, repo, missing)
    assert [m["digest"] for m in idx["manifests"]] == [d]


def test_artifact_type_filter(api, repo):
    _, subj, _ = api.push_image(repo, "v1")
    size = subject_size(api, repo, subj)
    sig_d, _ = push_referrer(api, repo, artifact(api, repo, subj, size, SIG, "s"))
    push_referrer(api, repo, artifact(api, repo, subj, size, SBOM, "b"))
    r, idx = get_referrers(api, repo, subj, "?artifactType=" + SIG)
    assert r.header("OCI-Filters-Applied") == "artifactType", r
    assert [m["digest"] for m in idx["manifests"]] == [sig_d]
    r, idx = get_referrers(api, repo, subj, "?artifactType=application/vnd.none")
    assert idx["manifests"] == []


def test_unknown_digest_gives_empty_index(api, repo):
    api.push_image(repo, "v1")
    _, idx = get_referrers(api, repo, sha256_digest(b"nobody refers to me"))
    assert idx["manifests"] == []


def test_referrers_invalid_digest(api, repo):
    api.push_image(repo, "v1")
    r = api.get("/v2/%s/referrers/sha256:XYZ" % repo)
    assert_error(r, 400, "DIGEST_INVALID")


def test_deleted_referrer_disappears(api, repo):
    _, subj, _ = api.push_image(repo, "v1")
    d, _ = push_referrer(api, repo, artifact(api, repo, subj, subject_size(api, repo, subj), SIG,
                                             "gone"))
    assert api.delete("/v2/%s/manifests/%s" % (repo, d)).status == 202
    _, idx = get_referrers(api, repo, subj)
    assert idx["manifests"] == []


def test_referrers_are_per_repository(api, repo):
    _, subj, _ = api.push_image(repo, "v1")
    push_referrer(api, repo, artifact(api, repo, subj, subject_size(api, repo, subj), SIG, "here"))
    other = repo + "-other"
    api.push_image(other, "v1")
    _, idx = get_referrers(api, other, subj)
    assert idx["manifests"] == []


def test_index_with_subject(api, repo):
    _, subj, _ = api.push_image(repo, "v1")
    _, child, _ = api.push_image(repo, None, seed=7)
    cbody = api.get_manifest(repo, child).body
    idx = {"schemaVersion": 2, "mediaType": OCI_INDEX, "artifactType": SBOM,
           "manifests": [{"mediaType": OCI_MANIFEST, "digest": child, "size": len(cbody)}],
           "subject": {"mediaType": OCI_MANIFEST, "digest": subj,
                       "size": subject_size(api, repo, subj)}}
    body = json.dumps(idx).encode()
    r = api.push_manifest(repo, sha256_digest(body), body, OCI_INDEX)
    assert r.header("OCI-Subject") == subj, r
    _, res = get_referrers(api, repo, subj)
    assert [(m["digest"], m["mediaType"], m.get("artifactType")) for m in res["manifests"]] == \
        [(sha256_digest(body), OCI_INDEX, SBOM)]
