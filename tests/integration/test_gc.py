"""Online garbage collection: `cangku gc` beside a serving registry."""

import json
import os
import random
import signal
import subprocess
import threading
import time

import pytest

from conftest import (OCI_CONFIG, OCI_LAYER, OCI_MANIFEST, ROOT, Api, sha256_digest,
                      unique_repo)

pytestmark = pytest.mark.cangku_only


def cangku_bin():
    binary = os.environ.get("CANGKU_BIN", os.path.join(ROOT, "build", "cangku"))
    return binary if os.path.isabs(binary) else os.path.join(ROOT, binary)


def run_cangku(*args, timeout=300):
    return subprocess.run([cangku_bin(), *args], capture_output=True, text=True, timeout=timeout)


def gc(reg, *args):
    return run_cangku("gc", "--data-dir", reg.data_dir, *args)


def blob_path(reg, digest):
    hexpart = digest.split(":", 1)[1]
    return os.path.join(reg.data_dir, "blobs", "sha256", hexpart[:2], hexpart)


def manifest_over(blobs):
    """An image manifest over [(digest, data), ...]: the first is the config."""
    (cfg_d, cfg), layers = blobs[0], blobs[1:]
    return json.dumps({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": cfg_d, "size": len(cfg)},
        "layers": [{"mediaType": OCI_LAYER, "digest": d, "size": len(b)} for d, b in layers],
    }).encode()


def push_blob(c, repo, data):
    digest = sha256_digest(data)
    r = c.post("/v2/%s/blobs/uploads/?digest=%s" % (repo, digest), body=data,
               headers={"Content-Type": "application/octet-stream"})
    assert r.status == 201, r
    return digest


def push_image(c, repo, tag, blobs, grace):
    """Pushes blobs then the manifest. A push slower than the grace period may lose its blobs
    to GC before the manifest arrives (that is what the grace period is for): then it retries."""
    for _attempt in range(5):
        start = time.monotonic()
        for _d, data in blobs:
            push_blob(c, repo, data)
        body = manifest_over(blobs)
        r = c.put("/v2/%s/manifests/%s" % (repo, tag), body=body,
                  headers={"Content-Type": OCI_MANIFEST})
        if r.status == 201:
            return sha256_digest(body)
        assert r.status == 400 and time.monotonic() - start > grace, r
    raise AssertionError("image %s:%s never pushed" % (repo, tag))


def check_image(c, repo, tag, digest, blobs):
    r = c.get("/v2/%s/manifests/%s" % (repo, tag), headers={"Accept": OCI_MANIFEST})
    assert r.status == 200, (repo, tag, r)
    assert sha256_digest(r.body) == digest
    for d, data in blobs:
        r = c.get("/v2/%s/blobs/%s" % (repo, d))
        assert r.status == 200, (repo, d, r)
        assert sha256_digest(r.body) == d and r.body == data


@pytest.mark.slow
def test_gc_during_a_storm(fresh_registry):
    reg = fresh_registry
    api = Api(reg)
    grace = 6
    rnd = random.Random(7)
    # Blobs pushed without a manifest: `doomed` must be gone at the end; `revived` are pushed
    # again inside images during the storm, racing the collector that wants them.
    doomed = [(unique_repo("orphan"), rnd.randbytes(300 + i)) for i in range(24)]
    revived = [rnd.randbytes(200 + i) for i in range(16)]
    doomed_digests = [(repo, push_blob(api.c, repo, data)) for repo, data in doomed]
    for i, data in enumerate(revived):
        push_blob(api.c, unique_repo("revive%d" % i), data)
    orphans_pushed = time.monotonic()
    shared = rnd.randbytes(4096)

    pushed, errors, gc_runs = [], [], []
    lock = threading.Lock()
    stop = threading.Event()

    def client_loop(n):
        c = reg.client
        r = random.Random(n)
        i = 0
        try:
            while not stop.is_set():
                repo = "storm/c%d" % n
                tag = "v%d" % i
                config = json.dumps({"n": n, "i": i}).encode()
                layer = r.randbytes(r.randrange(100, 3000))
                blobs = [(sha256_digest(config), config), (sha256_digest(layer), layer),
                         (sha256_digest(shared), shared)]
                if r.random() < 0.3:
                    data = r.choice(revived)
                    blobs.append((sha256_digest(data), data))
                digest = push_image(c, repo, tag, blobs, grace)
                with lock:
                    pushed.append((repo, tag, digest, blobs))
                    sample = r.choice(pushed)
                check_image(c, *sample)
                i += 1
        except BaseException as e:  # noqa: B902 - reported by the main thread
            with lock:
                errors.append("client %d: %r" % (n, e))

    def gc_loop():
        while not stop.is_set():
            p = gc(reg, "--grace", str(grace))
            gc_runs.append(p)
            if p.returncode != 0:
                errors.append("gc exit %d: %s %s" % (p.returncode, p.stdout, p.stderr))

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(32)]
    threads.append(threading.Thread(target=gc_loop))
    for t in threads:
        t.start()
    time.sleep(20)
    stop.set()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[:5]
    assert len(gc_runs) >= 2
    assert len(pushed) >= 32

    # Once the orphans are older than the grace period, a last run takes them.
    time.sleep(max(0.0, orphans_pushed + grace + 2.5 - time.monotonic()))
    p = gc(reg, "--grace", str(grace))
    assert p.returncode == 0, p.stderr
    assert "blobs (" in p.stdout
    c = reg.client
    for repo, tag, digest, blobs in pushed:
        check_image(c, repo, tag, digest, blobs)
    for repo, d in doomed_digests:
        assert c.head("/v2/%s/blobs/%s" % (repo, d)).status == 404
        assert not os.path.exists(blob_path(reg, d)), d
    # Nothing the collector left is dangling.
    p = run_cangku("scrub", "--data-dir", reg.data_dir)
    assert p.returncode == 0, p.stdout + p.stderr


def test_dry_run_reports_and_keeps(fresh_registry):
    reg = fresh_registry
    api = Api(reg)
    repo = unique_repo()
    _body, digest, blobs = api.push_image(repo, tag="v1", seed=1)
    orphan = push_blob(api.c, repo, b"x" * 1000)
    time.sleep(2.2)  # times are kept in whole seconds
    p = gc(reg, "--grace", "1", "--dry-run")
    assert p.returncode == 0, p.stderr
    assert "would delete 0 manifests, 1 blob links, 1 blobs (1000 bytes)" in p.stdout, p.stdout
    assert "blob " + orphan in p.stdout
    assert api.blob_exists(repo, orphan)
    p = gc(reg, "--grace", "1")
    assert p.returncode == 0, p.stderr
    assert "deleted 0 manifests, 1 blob links, 1 blobs (1000 bytes)" in p.stdout, p.stdout
    assert not api.blob_exists(repo, orphan)
    check_image(api.c, repo, "v1", digest, list(blobs.items()))


def test_delete_untagged_keeps_referrers_of_tagged(fresh_registry):
    reg = fresh_registry
    api = Api(reg)
    repo = unique_repo()
    _b, kept, kept_blobs = api.push_image(repo, tag="v1", seed=1)
    _b, gone, _gb = api.push_image(repo, tag="v2", seed=2)
    assert api.delete("/v2/%s/manifests/v2" % repo).status == 202
    subject = {"subject": {"mediaType": OCI_MANIFEST, "digest": kept, "size": 1}}
    _b, sig, _sb = api.push_image(repo, seed=3, extra=subject)
    time.sleep(2.2)  # times are kept in whole seconds
    p = gc(reg, "--grace", "1", "--delete-untagged")
    assert p.returncode == 0, p.stderr
    assert "deleted 1 manifests" in p.stdout, p.stdout
    assert api.get_manifest(repo, gone).status == 404
    assert api.get_manifest(repo, sig).status == 200
    check_image(api.c, repo, "v1", kept, list(kept_blobs.items()))


@pytest.mark.slow
def test_gc_killed_at_random_points_loses_nothing_referenced(fresh_registry):
    reg = fresh_registry
    api = Api(reg)
    images = []
    for i in range(6):
        repo = unique_repo()
        _b, digest, blobs = api.push_image(repo, tag="v1", seed=i, layers=2)
        images.append((repo, "v1", digest, list(blobs.items())))
    # Unreferenced links, and many unlinked blob files, so that the collector is mid-way
    # when it is killed.
    linked_orphans = [(images[i % 6][0], push_blob(api.c, images[i % 6][0], b"o%d" % i))
                      for i in range(200)]
    rnd = random.Random(3)
    files = []
    for i in range(20000):
        data = b"file-%d" % i
        path = blob_path(reg, sha256_digest(data))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        files.append(path)
    time.sleep(2.2)  # times are kept in whole seconds
    killed = 0
    for _ in range(6):
        proc = subprocess.Popen([cangku_bin(), "gc", "--data-dir", reg.data_dir, "--grace", "1"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rnd.uniform(0.02, 0.6))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        proc.wait()
        for repo, tag, digest, blobs in images:
            check_image(api.c, repo, tag, digest, blobs)
    assert killed >= 1
    p = gc(reg, "--grace", "1")
    assert p.returncode == 0, p.stderr
    for repo, tag, digest, blobs in images:
        check_image(api.c, repo, tag, digest, blobs)
    for repo, d in linked_orphans:
        assert not api.blob_exists(repo, d)
    assert not any(os.path.exists(f) for f in files)
    p = run_cangku("scrub", "--data-dir", reg.data_dir)
    assert p.returncode == 0, p.stdout + p.stderr
    # The registry served throughout and still takes pushes.
    api.push_image(unique_repo(), tag="after", seed=99)


@pytest.mark.slow
def test_scheduled_gc_runs_inside_serve_and_is_audited():
    from conftest import registry_with, wait_until
    env = {"CANGKU_GC_SCHEDULE": "* * * * *", "CANGKU_GC_GRACE": "0"}
    with registry_with(env) as reg:
        api = Api(reg)
        kept = api.push_image("sched/app", tag="v1")
        orphan = os.urandom(2048)
        orphan_digest = api.push_blob("sched/orphan", orphan)
        assert api.blob_exists("sched/orphan", orphan_digest)

        def gc_ran():
            r = reg.client.get("/api/v1/audit?action=gc.run")
            assert r.status == 200, r
            return [e for e in r.json()["entries"] if e["result"] == "ok"]
        runs = wait_until(gc_ran, timeout=75, interval=1, what="a scheduled gc run")
        assert runs[0]["actor"] == "system" and "bytes freed" in runs[0]["detail"]
        assert not api.blob_exists("sched/orphan", orphan_digest)
        assert api.get_manifest("sched/app", "v1").status == 200
        for digest in kept[2]:
            assert api.blob_exists("sched/app", digest)
        assert "scheduled gc:" in reg.log_tail(10**6)


def test_bad_schedule_is_refused_at_start():
    import subprocess as sp
    from conftest import ROOT as root
    binary = os.environ.get("CANGKU_BIN", os.path.join(root, "build", "cangku"))
    p = sp.run([binary, "config", "check", "/dev/null"], capture_output=True, text=True,
               env=dict(os.environ, CANGKU_GC_SCHEDULE="61 * * * *"))
    assert p.returncode == 2, p
    assert "CANGKU_GC_SCHEDULE" in p.stderr and "minute: 61 is out of range 0-59" in p.stderr


# ---- through the admin API ------------------------------------------------------------------


def api_call(client, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data is not None else {}
    return client.request(method, path, body=data, headers=headers)


def error_code(r):
    return [e["code"] for e in r.json()["errors"]]


def test_gc_through_the_admin_api(fresh_registry):
    from conftest import wait_until
    reg = fresh_registry
    api = Api(reg)
    repo = unique_repo()
    _body, digest, blobs = api.push_image(repo, tag="v1", seed=1)
    orphan = push_blob(api.c, repo, b"y" * 1500)
    r = api_call(reg.client, "POST", "/api/v1/users",
                 {"name": "carol", "password": "carol-password-1"})
    assert r.status == 201, r
    time.sleep(2.2)  # times are kept in whole seconds

    # Only a system admin may collect; a refused request removes nothing.
    r = api_call(reg.client_as("carol", "carol-password-1"), "POST", "/api/v1/gc", {"grace": 1})
    assert r.status == 403 and error_code(r) == ["DENIED"], r
    r = api_call(reg.anon_client, "POST", "/api/v1/gc", {"grace": 1})
    assert r.status == 401 and r.header("WWW-Authenticate") == 'Basic realm="cangku"', r
    assert api.blob_exists(repo, orphan)
    assert api_call(reg.client, "GET", "/api/v1/gc").status == 405
    r = api_call(reg.client, "POST", "/api/v1/gc", {"grace": 1, "dry": True})
    assert r.status == 400 and error_code(r) == ["BAD_REQUEST"], r
    assert api_call(reg.client, "POST", "/api/v1/gc", {"grace": -1}).status == 400

    r = api_call(reg.client, "POST", "/api/v1/gc", {"dry_run": True, "grace": 1})
    assert r.status == 200, r
    dry = r.json()
    assert dry["dry_run"] is True
    assert dry["blobs"] == [orphan] and dry["links"] == ["%s@%s" % (repo, orphan)], dry
    assert dry["manifests"] == [] and dry["bytes_freed"] == 1500, dry
    assert all(isinstance(dry[k], int) for k in ("manifests_seen", "links_seen", "blobs_seen",
                                                 "saved_by_race", "mark_ms", "sweep_ms")), dry
    assert api.blob_exists(repo, orphan)  # a dry run frees nothing

    r = api_call(reg.client, "POST", "/api/v1/gc", {"grace": 1})
    assert r.status == 200, r
    report = r.json()
    assert report["dry_run"] is False and report["blobs"] == [orphan], report
    assert report["bytes_freed"] == 1500 and report["saved_by_race"] == 0, report
    assert not api.blob_exists(repo, orphan)
    check_image(api.c, repo, "v1", digest, list(blobs.items()))
    # With no body: the defaults (a grace of an hour keeps everything young).
    r = api_call(reg.client, "POST", "/api/v1/gc")
    assert r.status == 200 and r.json()["blobs"] == [], r

    def gc_runs():
        r = reg.client.get("/api/v1/audit?action=gc.run")
        assert r.status == 200, r
        return len(r.json()["entries"]) == 2 and r.json()["entries"]
    runs = wait_until(gc_runs, timeout=10, interval=0.2, what="the gc runs to be audited")
    first = runs[-1]  # newest first: the dry run was not audited
    assert first["actor"] == "admin" and first["result"] == "ok", first
    assert first["address"].startswith("127.0.0.1"), first
    assert "1 blobs deleted; 1500 bytes freed" in first["detail"], first
    assert "gc by admin:" in reg.log_tail(10**6)
