"""Retention policies: rules set with `cangku project policy`, applied by `cangku retention`
beside a running server, checked over HTTP."""

import json
import os
import subprocess
import time

import pytest

from conftest import OCI_MANIFEST, ROOT, Api, wait_until

pytestmark = pytest.mark.cangku_only


def cangku(reg, *args):
    binary = os.environ.get("CANGKU_BIN", os.path.join(ROOT, "build", "cangku"))
    binary = binary if os.path.isabs(binary) else os.path.join(ROOT, binary)
    r = subprocess.run([binary, *args, "--data-dir", reg.data_dir], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


def retention(reg, *args):
    return cangku(reg, "retention", "--grace", "0", *args)


def test_retention_dry_run_then_real(fresh_registry):
    api, repo = Api(fresh_registry), "lib/app"
    digests, bodies = {}, {}
    for tag in ("old1", "old2", "v1", "dev"):
        bodies[tag], digests[tag], _ = api.push_image(repo, tag=tag, seed=tag)
    body, digests["v2"], _ = api.push_image(repo, tag="v2", seed="v2")
    api.push_manifest(repo, "alias", body)  # a second tag on v2's manifest
    subject = {"mediaType": OCI_MANIFEST, "digest": digests["old1"],
               "size": len(bodies["old1"])}  # no GET: that would be a pull
    sig = api.push_image(repo, seed="sig", extra={"subject": subject})[1]
    time.sleep(1.1)  # tag push times have a one-second resolution
    digests["newest"] = api.push_image(repo, tag="newest", seed="newest")[1]
    assert api.get_manifest(repo, "dev").status == 200  # a pull
    assert api.get_manifest(repo, "old2", method="HEAD").status == 200  # not a pull

    out = cangku(fresh_registry, "project", "policy", "--project", "lib",
                 "--retention-keep-last", "1", "--retention-keep-pulled-days", "7",
                 "--retention-keep-tags", "v*", "--retention-remove-untagged")
    assert ("retention: keep last 1, keep pulled in 7 days, keep tags v*, keep tags not (none), "
            "remove untagged yes") in out
    assert "retention: keep last 1" in cangku(fresh_registry, "project", "show", "lib")

    # The server writes pulls every few seconds: wait until dev is kept by its pull.
    dry = wait_until(lambda: (lambda o: ":dev " not in o and o)(retention(fresh_registry,
                                                                          "--dry-run")),
                     timeout=30, interval=0.2, what="the pull of dev to be recorded")
    removed_tags = {"old1", "old2", "alias"}
    for tag in removed_tags:
        digest = digests["v2" if tag == "alias" else tag]
        assert "lib/app:%s (%s) would be removed: kept by no rule" % (tag, digest) in dry
    assert "lib/app@%s would be removed: subject removed" % sig in dry
    assert "dry run: would remove 3 tags and 3 manifests; kept 4 tags" in dry
    all_tags = sorted(["old1", "old2", "v1", "dev", "v2", "alias", "newest"])
    assert sorted(api.tags(repo)) == all_tags  # the dry run changed nothing

    out = retention(fresh_registry, "--project", "lib")
    for tag in removed_tags:
        digest = digests["v2" if tag == "alias" else tag]
        assert "lib/app:%s (%s) removed: kept by no rule" % (tag, digest) in out
    assert "removed 3 tags and 3 manifests; kept 4 tags" in out
    assert sorted(api.tags(repo)) == sorted(set(all_tags) - removed_tags)
    assert api.get_manifest(repo, sig).status == 404  # the referrer followed its subject
    assert api.get_manifest(repo, digests["v2"]).status == 200  # v2 still tags it
    for tag in ("v1", "dev", "v2", "newest"):
        assert api.get_manifest(repo, tag).status == 200
    assert "removed 0 tags and 0 manifests" in retention(fresh_registry)
    # Every removal is in the audit log (the dry run wrote nothing there): 3 tags, 3 manifests.
    entries = fresh_registry.client.get(
        "/api/v1/audit?action=retention.delete&n=100").json()["entries"]
    tags = sorted(e["resource"] for e in entries if ":" in e["resource"].split("@")[0])
    manifests = [e["resource"] for e in entries if "@" in e["resource"]]
    assert tags == sorted("lib/app:%s" % t for t in removed_tags)
    assert len(manifests) == 3 and "lib/app@%s" % sig in manifests
    assert all(e["actor"] == "system" and e["address"] == "cli" for e in entries)


def test_no_rules_remove_nothing(fresh_registry):
    api = Api(fresh_registry)
    api.push_image("other/app", tag="t1", seed="t1")
    out = retention(fresh_registry)
    assert "no project has retention rules" in out
    assert api.tags("other/app") == ["t1"]
    cangku(fresh_registry, "project", "policy", "--project", "other", "--retention-keep-last", "0")
    assert "other/app:t1" in retention(fresh_registry, "--dry-run")  # keep_last 0 keeps none
    cangku(fresh_registry, "project", "policy", "--project", "other", "--no-retention")
    assert "no project has retention rules" in retention(fresh_registry)
    assert api.tags("other/app") == ["t1"]


# ---- through the admin API ------------------------------------------------------------------


def api_call(client, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data is not None else {}
    return client.request(method, path, body=data, headers=headers)


def test_retention_through_the_admin_api(fresh_registry):
    reg = fresh_registry
    api = Api(reg)
    old = api.push_image("teamret/app", tag="old", seed="old")[1]
    time.sleep(1.1)  # tag push times have a one-second resolution
    api.push_image("teamret/app", tag="new", seed="new")
    api.push_image("otherret/app", tag="t1", seed="t1")
    cangku(reg, "project", "policy", "--project", "teamret", "--retention-keep-last", "1")
    cangku(reg, "project", "policy", "--project", "otherret", "--retention-keep-last", "0")
    admin = reg.client
    assert api_call(admin, "POST", "/api/v1/users",
                    {"name": "mia", "password": "mia-password-1"}).status == 201
    assert api_call(admin, "PUT", "/api/v1/projects/teamret/members/mia",
                    {"role": "maintainer"}).status == 200
    mia = reg.client_as("mia", "mia-password-1")

    # A maintainer may not run retention for another project, nor for all; nothing is removed.
    assert api_call(mia, "POST", "/api/v1/retention",
                    {"project": "otherret", "grace": 0}).status == 403
    assert api_call(mia, "POST", "/api/v1/retention", {"grace": 0}).status == 403
    assert api_call(reg.anon_client, "POST", "/api/v1/retention",
                    {"project": "teamret"}).status == 401
    assert api_call(admin, "POST", "/api/v1/retention", {"project": "nosuch"}).status == 404
    assert api_call(mia, "POST", "/api/v1/retention", {"project": "a/b"}).status == 400
    assert api.tags("otherret/app") == ["t1"]

    # The server reads policies with a cache of a few seconds: wait for the new rules.
    def dry_run():
        r = api_call(mia, "POST", "/api/v1/retention",
                     {"project": "teamret", "dry_run": True, "grace": 0})
        assert r.status == 200, r
        return r.json()["removed"] and r.json()
    dry = wait_until(dry_run, timeout=15, interval=0.5, what="the retention rules")
    expected = [{"repository": "teamret/app", "tag": "old", "digest": old,
                 "reason": "kept by no rule"}]
    assert dry["dry_run"] is True and dry["removed"] == expected, dry
    assert sorted(api.tags("teamret/app")) == ["new", "old"]  # the dry run changed nothing

    r = api_call(mia, "POST", "/api/v1/retention", {"project": "teamret", "grace": 0})
    assert r.status == 200, r
    report = r.json()
    assert report["dry_run"] is False and report["removed"] == expected, report
    assert report["tags_kept"] == 1 and report["changed_meanwhile"] == 0, report
    assert api.tags("teamret/app") == ["new"]
    assert api.get_manifest("teamret/app", "old").status == 404
    assert api.tags("otherret/app") == ["t1"]

    def audited():
        r = admin.get("/api/v1/audit?actor=mia&action=retention.delete")
        assert r.status == 200, r
        return r.json()["entries"]
    entries = wait_until(audited, timeout=10, interval=0.2, what="the removal to be audited")
    assert [e["resource"] for e in entries] == ["teamret/app:old"], entries
    runs = admin.get("/api/v1/audit?actor=mia&action=retention.run").json()["entries"]
    assert len(runs) == 1 and "1 tags and 0 manifests removed" in runs[0]["detail"], runs
