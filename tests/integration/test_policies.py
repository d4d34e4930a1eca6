"""Per-project policies (tag immutability, quotas), set with `cangku project policy` beside a
running server."""

import concurrent.futures
import json
import os
import subprocess
import time

import pytest

from conftest import (OCI_CONFIG, OCI_LAYER, OCI_MANIFEST, ROOT, Api, assert_error, rand_bytes,
                      sha256_digest, unique_repo, wait_until)

pytestmark = pytest.mark.cangku_only


def cangku_bin():
    binary = os.environ.get("CANGKU_BIN", os.path.join(ROOT, "build", "cangku"))
    return binary if os.path.isabs(binary) else os.path.join(ROOT, binary)


def project_cmd(reg, *args):
    return subprocess.run([cangku_bin(), "project", *args, "--data-dir", reg.data_dir],
                          capture_output=True, text=True, timeout=60)


def set_immutable(reg, project, *patterns):
    r = project_cmd(reg, "policy", "--project", project, "--immutable-tags", *patterns)
    assert r.returncode == 0, r.stderr
    return r.stdout


def new_project():
    return unique_repo("p").split("/", 1)[1].replace(".", "-")


def image(api, repo, seed):
    body, digest, _ = api.push_image(repo, tag=None, seed=seed)
    return body, digest


def assert_denied(r, tag, project):
    assert_error(r, 409, "DENIED")
    assert r.json()["errors"][0]["message"] == "tag %s is immutable in project %s" % (tag, project)


def test_policy_and_show_commands(registry):
    project = new_project()
    out = set_immutable(registry, project, "v*", "release-*")
    assert "immutable tags: v* release-*" in out
    r = project_cmd(registry, "show", project)
    assert r.returncode == 0, r.stderr
    assert r.stdout == ("project: %s\nimmutable tags: v* release-*\nquota: none (0 bytes used)\n"
                        % project)
    r = project_cmd(registry, "policy", "--project", project, "--no-immutable-tags")
    assert r.returncode == 0, r.stderr
    assert "immutable tags: (none)" in project_cmd(registry, "show", project).stdout
    assert project_cmd(registry, "show", "a/b").returncode == 2


def test_immutable_tag_refuses_overwrite_and_deletes(api, registry):
    project = new_project()
    set_immutable(registry, project, "v*", "release-?")
    repo = project + "/app"
    one, d1 = image(api, repo, 1)
    two, d2 = image(api, repo, 2)
    api.push_manifest(repo, "v1", one)
    api.push_manifest(repo, "v1", one)  # identical re-push: idempotent
    before = api.snapshot(repo, refs=["v1", d1, d2])
    assert_denied(api.push_manifest(repo, "v1", two, expect=None), "v1", project)
    assert_denied(api.delete("/v2/%s/manifests/v1" % repo), "v1", project)
    assert_denied(api.delete("/v2/%s/manifests/%s" % (repo, d1)), "v1", project)
    assert api.snapshot(repo, refs=["v1", d1, d2]) == before
    r = api.get_manifest(repo, "v1")
    assert r.status == 200 and r.body == one
    # Deleting an immutable tag that does not exist is a plain 404.
    assert_error(api.delete("/v2/%s/manifests/v9" % repo), 404, "MANIFEST_UNKNOWN")
    # Another tag on the same manifest does not make it deletable while v1 points at it.
    api.push_manifest(repo, "latest", one)
    assert_denied(api.delete("/v2/%s/manifests/%s" % (repo, d1)), "v1", project)


def test_non_matching_tags_and_other_projects_stay_mutable(api, registry):
    project = new_project()
    set_immutable(registry, project, "v*", "release-?")
    one, d1 = image(api, project + "/app", 1)
    two, d2 = image(api, project + "/app", 2)
    for tag in ("latest", "release-10", "x-v1"):
        api.push_manifest(project + "/app", tag, one)
        api.push_manifest(project + "/app", tag, two)
        assert api.delete("/v2/%s/app/manifests/%s" % (project, tag)).status == 202
    assert api.delete("/v2/%s/app/manifests/%s" % (project, d2)).status == 202
    other = new_project() + "/app"
    one, _ = image(api, other, 1)
    two, _ = image(api, other, 2)
    api.push_manifest(other, "v1", one)
    api.push_manifest(other, "v1", two)
    assert api.delete("/v2/%s/manifests/v1" % other).status == 202


def test_policy_takes_effect_on_running_server(api, registry):
    project = new_project()
    repo = project + "/app"
    one, _ = image(api, repo, 1)
    two, _ = image(api, repo, 2)
    api.push_manifest(repo, "v1", one)
    api.push_manifest(repo, "v1", two)  # mutable so far (and the server has cached that)
    set_immutable(registry, project, "v*")
    bodies = [one, two]

    def refused():
        bodies.reverse()
        return api.push_manifest(repo, "v1", bodies[0], expect=None).status == 409

    wait_until(refused, timeout=15, interval=0.2, what="the new policy")


def test_immutability_survives_restart_and_concurrent_pushes(fresh_registry):
    api = Api(fresh_registry)
    project = new_project()
    set_immutable(fresh_registry, project, "v*")
    repo = project + "/app"
    bodies = [image(api, repo, seed)[0] for seed in range(6)]
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        statuses = list(pool.map(
            lambda b: Api(fresh_registry).push_manifest(repo, "v1", b, expect=None).status,
            bodies))
    assert statuses.count(201) == 1 and statuses.count(409) == 5, statuses
    winner = bodies[statuses.index(201)]
    fresh_registry.restart()
    api = Api(fresh_registry)
    assert api.get_manifest(repo, "v1").body == winner
    loser = bodies[(statuses.index(201) + 1) % len(bodies)]
    assert api.push_manifest(repo, "v1", loser, expect=None).status == 409


# -------------------------------------------------------------------------------------------
# Quotas


def run_gc(reg, *args):
    return subprocess.run([cangku_bin(), "gc", "--data-dir", reg.data_dir, *args],
                          capture_output=True, text=True, timeout=300)


def push_image_of(api, repo, tag, blobs):
    """Pushes the blobs (the first is the config) and an image manifest over them."""
    for data in blobs:
        api.push_blob(repo, data)
    body = json.dumps({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": sha256_digest(blobs[0]),
                   "size": len(blobs[0])},
        "layers": [{"mediaType": OCI_LAYER, "digest": sha256_digest(b), "size": len(b)}
                   for b in blobs[1:]],
    }).encode()
    return api.push_manifest(repo, tag, body, expect=None)


def quota_line(reg, project):
    r = project_cmd(reg, "show", project)
    assert r.returncode == 0, r.stderr
    return [line for line in r.stdout.splitlines() if line.startswith("quota: ")][0]


def test_quota_counts_shared_blobs_once_refuses_and_recovers_after_gc(fresh_registry):
    api = Api(fresh_registry)
    project = new_project()
    r = project_cmd(fresh_registry, "policy", "--project", project, "--quota-bytes", "5500")
    assert r.returncode == 0, r.stderr
    assert quota_line(fresh_registry, project) == "quota: 0 of 5500 bytes used"
    shared, big = rand_bytes(3000, seed=1), rand_bytes(2000, seed=2)
    cfg_a, cfg_b, cfg_c = b'{"n":"a"}', b'{"n":"b"}', b'{"n":"c"}'
    a, b = project + "/a", project + "/b"
    assert push_image_of(api, a, "1", [cfg_a, shared]).status == 201
    assert push_image_of(api, b, "1", [cfg_b, shared, big]).status == 201
    # The layer both repositories link counts once: 9 + 9 + 3000 + 2000.
    assert quota_line(fresh_registry, project) == "quota: 5018 of 5500 bytes used"
    before = api.snapshot(b, refs=["1", "2"])
    r = push_image_of(api, b, "2", [cfg_c, rand_bytes(1000, seed=3)])
    assert_error(r, 403, "DENIED")
    message = r.json()["errors"][0]["message"]
    assert message == ("project %s is over its quota: usage 6027 bytes, limit 5500 bytes"
                       % project), message
    assert api.snapshot(b, refs=["1", "2"]) == before
    # Other projects are not limited.
    assert push_image_of(api, new_project() + "/x", "1", [cfg_c, big]).status == 201
    # Deleting b's image frees its bytes once GC removes the links (a still links the shared
    # layer, so it still counts); then the refused image fits.
    assert api.delete("/v2/%s/manifests/1" % b).status == 202
    time.sleep(2.2)  # link times are kept in whole seconds
    r = run_gc(fresh_registry, "--grace", "0", "--delete-untagged")
    assert r.returncode == 0, r.stderr
    assert quota_line(fresh_registry, project) == "quota: 3009 of 5500 bytes used"
    assert push_image_of(api, b, "2", [cfg_c, rand_bytes(1000, seed=3)]).status == 201
    assert quota_line(fresh_registry, project) == "quota: 4018 of 5500 bytes used"
    r = project_cmd(fresh_registry, "policy", "--project", project, "--no-quota")
    assert r.returncode == 0, r.stderr
    assert quota_line(fresh_registry, project) == "quota: none (4018 bytes used)"
