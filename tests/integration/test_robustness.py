"""Concurrency, memory bound on large pushes, crash safety (kill -9), graceful shutdown."""

import concurrent.futures as cf
import hashlib
import os
import random
import signal
import threading
import time

import pytest

from conftest import (IS_DISTRIBUTION, OCI_MANIFEST, Api, rand_bytes, read_response,
                      sha256_digest, unique_repo, wait_until)

OCTET = {"Content-Type": "application/octet-stream"}
MiB = 1024 * 1024


# ---- concurrency -----------------------------------------------------------------------------


def test_same_blob_16_concurrent_pushes(api, repo):
    data = rand_bytes(4 * MiB)
    d = sha256_digest(data)
    barrier = threading.Barrier(16)

    def push(i):
        loc, _ = api.start_upload(repo)
        barrier.wait()
        if i % 2:
            r = api.put(api.with_query(loc, digest=d), body=data, headers=OCTET)
        else:  # chunked
            r = api.patch(loc, body=data[:MiB], headers=dict(OCTET, **{"Content-Range": "0-%d" % (MiB - 1)}))
            assert r.status == 202, r
            r = api.patch(api.abs_path(r.header("Location")), body=data[MiB:],
                          headers=dict(OCTET, **{"Content-Range": "%d-%d" % (MiB, len(data) - 1)}))
            assert r.status == 202, r
            r = api.put(api.with_query(api.abs_path(r.header("Location")), digest=d))
        return r.status, r.header("Docker-Content-Digest")

    with cf.ThreadPoolExecutor(16) as ex:
        results = list(ex.map(push, range(16)))
    assert results == [(201, d)] * 16, results
    g = api.get("/v2/%s/blobs/%s" % (repo, d))
    assert g.status == 200 and sha256_digest(g.body) == d
    if not IS_DISTRIBUTION:
        hexd = d.split(":")[1]
        path = os.path.join(api.reg.data_dir, "blobs", "sha256", hexd[:2], hexd)
        assert os.path.getsize(path) == len(data), "one blob file at " + path


def test_same_blob_16_repos_concurrently(api):
    data = rand_bytes(2 * MiB)
    d = sha256_digest(data)
    repos = [unique_repo("conc") for _ in range(16)]
    barrier = threading.Barrier(16)

    def push(repo):
        loc, _ = api.start_upload(repo)
        barrier.wait()
        r = api.put(api.with_query(loc, digest=d), body=data, headers=OCTET)
        return r.status

    with cf.ThreadPoolExecutor(16) as ex:
        assert list(ex.map(push, repos)) == [201] * 16
    for repo in repos:
        assert api.blob_exists(repo, d)


def test_concurrent_manifest_pushes_same_tag(api, repo):
    bodies = [api.push_image(repo, None, seed=i)[0] for i in range(8)]
    barrier = threading.Barrier(8)

    def put(body):
        barrier.wait()
        return api.push_manifest(repo, "race", body, OCI_MANIFEST).status

    with cf.ThreadPoolExecutor(8) as ex:
        assert list(ex.map(put, bodies)) == [201] * 8
    r = api.get_manifest(repo, "race")
    assert r.status == 200 and r.body in bodies
    assert r.header("Docker-Content-Digest") == sha256_digest(r.body)
    assert api.tags(repo) == ["race"]


def test_many_parallel_connections(api, repo):
    d = api.push_blob(repo, b"tiny")

    def head(_):
        return api.head("/v2/%s/blobs/%s" % (repo, d)).status

    with cf.ThreadPoolExecutor(32) as ex:
        assert set(ex.map(head, range(200))) == {200}


# ---- memory ----------------------------------------------------------------------------------


def det_chunks(total, chunk=MiB, seed=1234):
    """Deterministic, incompressible data: a 1 MiB random block rotated by a varying offset."""
    block = random.Random(seed).randbytes(chunk)
    sent = 0
    i = 0
    while sent < total:
        k = (i * 7919) % chunk
        piece = block[k:] + block[:k]
        piece = piece[:total - sent]
        yield piece
        sent += len(piece)
        i += 1


def det_digest(total, chunk=MiB, seed=1234):
    h = hashlib.sha256()
    for p in det_chunks(total, chunk, seed):
        h.update(p)
    return "sha256:" + h.hexdigest()


@pytest.mark.cangku_only
@pytest.mark.slow
def test_1gib_push_memory_bounded(fresh_registry):
    api = Api(fresh_registry)
    repo = unique_repo("big")
    size = 1024 * MiB
    d = det_digest(size)
    api.push_blob(repo, rand_bytes(4 * MiB))  # warm up: thread pools, buffers, database
    idle = wait_until(lambda: fresh_registry.rss_kib(), what="RSS")
    peak = [idle]
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            try:
                peak[0] = max(peak[0], fresh_registry.rss_kib())
            except OSError:
                return
            time.sleep(0.02)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    try:
        loc, _ = api.start_upload(repo)
        r = api.stream_request("PUT", api.with_query(loc, digest=d), det_chunks(size), size,
                               headers=OCTET, timeout=600)
    finally:
        stop.set()
        t.join()
    assert r.status == 201, r
    assert r.header("Docker-Content-Digest") == d
    grow_mib = (peak[0] - idle) / 1024
    assert grow_mib < 64, "RSS grew by %.1f MiB during a 1 GiB push (idle %d KiB, peak %d KiB)" % (
        grow_mib, idle, peak[0])
    h = api.head("/v2/%s/blobs/%s" % (repo, d))
    assert h.status == 200 and int(h.header("Content-Length")) == size, h


# ---- crash safety ----------------------------------------------------------------------------


class HeldPush:
    """A push that sends part of its body and then waits (so the kill finds it mid-way)."""

    def __init__(self, api, repo, size, chunked, seed):
        self.api, self.repo, self.chunked = api, repo, chunked
        self.data = rand_bytes(size, seed)
        self.digest = sha256_digest(self.data)
        self.started = threading.Event()
        self.status = None

    def run(self):
        try:
            loc, _ = self.api.start_upload(self.repo)
            data = self.data
            if self.chunked:
                half = len(data) // 2
                r = self.api.patch(loc, body=data[:half], headers=dict(
                    OCTET, **{"Content-Range": "0-%d" % (half - 1)}))
                assert r.status == 202, r
                loc = self.api.abs_path(r.header("Location"))
                path, method, body = loc, "PATCH", data[half:]
                headers = dict(OCTET, **{"Content-Range": "%d-%d" % (half, len(data) - 1),
                                         "Content-Length": str(len(body))})
            else:
                path, method, body = self.api.with_query(loc, digest=self.digest), "PUT", data
                headers = dict(OCTET, **{"Content-Length": str(len(body))})
            s = self.api.raw_socket(timeout=60)
            s.sendall(self.api.raw_head(method, path, headers) + body[:len(body) // 2])
            self.started.set()
            try:
                s.recv(1)  # blocks until the registry dies
            except OSError:
                pass
            s.close()
        except Exception:  # noqa: BLE001 - the registry is killed under us on purpose
            self.started.set()


class RacingPush:
    """Pushes that run freely while the kill lands at an arbitrary point."""

    def __init__(self, api, repo, seed):
        self.api, self.repo, self.seed = api, repo, seed
        self.done = []      # digests that got 201
        self.attempted = []
        self.stop = threading.Event()
        self.error = None

    def run(self):
        i = 0
        while not self.stop.is_set():
            data = rand_bytes(3 * MiB + i, self.seed * 100_000 + i)
            d = sha256_digest(data)
            self.attempted.append(d)
            try:
                loc, _ = self.api.start_upload(self.repo)
                if i % 2:
                    r = self.api.put(self.api.with_query(loc, digest=d), body=data, headers=OCTET)
                else:
                    r = self.api.patch(loc, body=data[:MiB], headers=dict(
                        OCTET, **{"Content-Range": "0-%d" % (MiB - 1)}))
                    r = self.api.put(self.api.with_query(self.api.abs_path(r.header("Location")),
                                                         digest=d),
                                     body=data[MiB:], headers=OCTET)
                if r.status == 201:
                    self.done.append(d)
            except Exception as e:  # noqa: BLE001
                self.error = e
                return
            i += 1


@pytest.mark.cangku_only
def test_kill_9_mid_push(fresh_registry):
    reg = fresh_registry
    api = Api(reg)
    repo = unique_repo("crash")

    # Completed before the crash: blobs and a manifest.
    body, mdigest, blobs = api.push_image(repo, "done", layers=2, layer_size=2 * MiB)

    held = [HeldPush(api, repo, 8 * MiB, chunked=bool(i % 2), seed=100 + i) for i in range(4)]
    racing = [RacingPush(api, repo, seed=200 + i) for i in range(2)]
    threads = [threading.Thread(target=p.run, daemon=True) for p in held + racing]
    for t in threads:
        t.start()
    for p in held:
        assert p.started.wait(30)
    wait_until(lambda: all(len(p.attempted) >= 2 or p.error for p in racing), timeout=60,
               what="racing pushes under way")
    assert not any(p.error for p in racing), [p.error for p in racing]
    reg.kill()
    for p in racing:
        p.stop.set()
    for t in threads:
        t.join(30)

    reg.start()
    api = Api(reg)
    # Everything that completed is served with the right digest.
    r = api.get_manifest(repo, "done")
    assert r.status == 200 and r.body == body, r
    for d, data in blobs.items():
        g = api.get("/v2/%s/blobs/%s" % (repo, d))
        assert g.status == 200 and g.body == data, (d, g)
    for p in racing:
        for d in p.done:
            g = api.get("/v2/%s/blobs/%s" % (repo, d))
            assert g.status == 200 and sha256_digest(g.body) == d, (d, g)
        for d in set(p.attempted) - set(p.done):  # may or may not have landed; never corrupt
            g = api.get("/v2/%s/blobs/%s" % (repo, d))
            assert g.status == 404 or sha256_digest(g.body) == d, (d, g)
    # Nothing of the incomplete pushes.
    for p in held:
        assert not api.blob_exists(repo, p.digest), "incomplete push visible after crash"
        hexd = p.digest.split(":")[1]
        assert not os.path.exists(os.path.join(reg.data_dir, "blobs", "sha256", hexd[:2], hexd))
    # No stale temp files.
    tmp = os.path.join(reg.data_dir, "tmp")
    leftovers = [os.path.join(d, f) for d, _, fs in os.walk(tmp) for f in fs] \
        if os.path.isdir(tmp) else []
    assert leftovers == [], "stale temp files after restart: %s" % leftovers[:10]
    # And the registry works normally.
    api.push_image(repo, "after")


@pytest.mark.cangku_only
def test_kill_9_then_resume_chunked_upload(fresh_registry):
    """A session with committed chunks survives a crash: status reports the offset and the
    upload can be resumed from it (or the session is gone: 404)."""
    reg = fresh_registry
    api = Api(reg)
    repo = unique_repo("resume")
    data = rand_bytes(3 * MiB)
    d = sha256_digest(data)
    loc, _ = api.start_upload(repo)
    r = api.patch(loc, body=data[:MiB], headers=dict(OCTET, **{"Content-Range": "0-%d" % (MiB - 1)}))
    assert r.status == 202, r
    loc = api.abs_path(r.header("Location"))
    reg.kill()
    reg.start()
    api = Api(reg)
    st = api.get(loc)
    if st.status == 404:
        return
    assert st.status == 204, st
    end = int(st.header("Range").split("-")[1])
    off = end + 1
    assert off <= MiB
    r = api.patch(loc, body=data[off:], headers=dict(OCTET, **{
        "Content-Range": "%d-%d" % (off, len(data) - 1)}))
    assert r.status == 202, r
    r = api.put(api.with_query(api.abs_path(r.header("Location")), digest=d))
    assert r.status == 201, r
    assert api.get("/v2/%s/blobs/%s" % (repo, d)).body == data


# ---- graceful shutdown -----------------------------------------------------------------------


@pytest.mark.cangku_only
def test_sigterm_lets_inflight_upload_finish(fresh_registry):
    reg = fresh_registry
    api = Api(reg)
    repo = unique_repo("term")
    data = rand_bytes(16 * MiB)
    d = sha256_digest(data)
    loc, _ = api.start_upload(repo)
    s = api.raw_socket(timeout=60)
    try:
        s.sendall(api.raw_head("PUT", api.with_query(loc, digest=d),
                               dict(OCTET, **{"Content-Length": str(len(data))})))
        s.sendall(data[:len(data) // 2])
        time.sleep(0.2)  # the request is being read by the server
        reg.proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        assert reg.alive(), "exited while a request was in flight"
        s.sendall(data[len(data) // 2:])
        r = read_response(s.makefile("rb"))
    finally:
        s.close()
    assert r.status == 201, r
    assert r.header("Docker-Content-Digest") == d
    reg.proc.wait(30)
    assert reg.proc.returncode == 0, "exit code %s after SIGTERM\n%s" % (
        reg.proc.returncode, reg.log_tail())
    reg.start()
    g = Api(reg).get("/v2/%s/blobs/%s" % (repo, d))
    assert g.status == 200 and g.body == data


@pytest.mark.cangku_only
def test_sigterm_idle_exits_quickly(fresh_registry):
    t0 = time.monotonic()
    assert fresh_registry.stop(timeout=10) == 0
    assert time.monotonic() - t0 < 10


def test_restart_keeps_content(fresh_registry):
    api = Api(fresh_registry)
    repo = unique_repo("restart")
    body, d, blobs = api.push_image(repo, "v1")
    fresh_registry.restart()
    api = Api(fresh_registry)
    assert api.get_manifest(repo, "v1").body == body
    assert api.tags(repo) == ["v1"]
    for bd, data in blobs.items():
        assert api.get("/v2/%s/blobs/%s" % (repo, bd)).body == data
