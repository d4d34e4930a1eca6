"""Real clients against the registry: skopeo, podman, containerd (ctr).

The test image is an OCI layout made by /work/shared/scripts/make-test-images.sh (a
debootstrap Debian bookworm, one gzip layer, ~51 MB), built once into CANGKU_TEST_IMAGES
(default build/test-images). Each test skips only if its client binary is missing.
"""

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time

import pytest

from conftest import Api, wait_until

pytestmark = pytest.mark.clients

REPO = "library/debian"
TAG = "bookworm"


def need(binary):
    path = shutil.which(binary)
    if not path:
        pytest.skip("%s is not installed" % binary)
    return path


def creds(registry, *flags):
    """Credential options for a client command: each flag followed by the admin's user:password
    (nothing when the registry has no authentication)."""
    out = []
    for flag in flags:
        if registry.creds:
            out += [flag, registry.creds]
    return out


def run(cmd, timeout=300, check=True, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise AssertionError("command failed (%d): %s\nstdout:\n%s\nstderr:\n%s" % (
            p.returncode, " ".join(cmd), p.stdout[-3000:], p.stderr[-3000:]))
    return p


def layout_manifest_digest(layout, tag):
    with open(os.path.join(layout, "index.json")) as f:
        idx = json.load(f)
    for m in idx["manifests"]:
        if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag:
            return m["digest"]
    raise AssertionError("tag %s not in %s" % (tag, layout))


def layout_blob(layout, digest):
    with open(os.path.join(layout, "blobs", *digest.split(":")), "rb") as f:
        return f.read()


@pytest.fixture(scope="module")
def tmp(registry):
    d = tempfile.mkdtemp(prefix="cangku-clients-", dir=registry.workdir)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def source(test_images):
    layout = os.path.join(test_images, "debian")
    digest = layout_manifest_digest(layout, TAG)
    manifest = json.loads(layout_blob(layout, digest))
    return layout, digest, manifest


@pytest.fixture(scope="module")
def pushed(registry, source):
    """The Debian image pushed once with skopeo to library/debian:bookworm."""
    need("skopeo")
    layout, digest, _ = source
    run(["skopeo", "copy"] + creds(registry, "--dest-creds") + ["--dest-tls-verify=false", "--preserve-digests",
         "oci:%s:%s" % (layout, TAG), "docker://%s/%s:%s" % (registry.addr, REPO, TAG)])
    return digest


def raw_manifest_digest(registry, ref):
    p = run(["skopeo", "inspect"] + creds(registry, "--creds") + ["--tls-verify=false", "--raw",
             "docker://%s/%s" % (registry.addr, ref)])
    return "sha256:" + hashlib.sha256(p.stdout.encode()).hexdigest()


# ---- skopeo ----------------------------------------------------------------------------------


def test_skopeo_push_and_pull_back_identical(registry, source, pushed, tmp):
    layout, digest, manifest = source
    assert raw_manifest_digest(registry, "%s:%s" % (REPO, TAG)) == digest
    api = Api(registry)
    for desc in [manifest["config"]] + manifest["layers"]:
        r = api.head("/v2/%s/blobs/%s" % (REPO, desc["digest"]))
        assert r.status == 200 and int(r.header("Content-Length")) == desc["size"], r

    out = os.path.join(tmp, "roundtrip")
    run(["skopeo", "copy"] + creds(registry, "--src-creds") + ["--src-tls-verify=false", "--preserve-digests",
         "docker://%s/%s:%s" % (registry.addr, REPO, TAG), "oci:%s:%s" % (out, TAG)])
    assert layout_manifest_digest(out, TAG) == digest
    for desc in [manifest["config"]] + manifest["layers"]:
        data = layout_blob(out, desc["digest"])
        assert "sha256:" + hashlib.sha256(data).hexdigest() == desc["digest"]


def test_skopeo_inspect(registry, source, pushed):
    _, digest, manifest = source
    p = run(["skopeo", "inspect"] + creds(registry, "--creds") + ["--tls-verify=false",
             "docker://%s/%s:%s" % (registry.addr, REPO, TAG)])
    info = json.loads(p.stdout)
    assert info["Digest"] == digest
    assert info["Layers"] == [l["digest"] for l in manifest["layers"]]
    assert TAG in info["RepoTags"]


def test_skopeo_list_tags(registry, pushed):
    run(["skopeo", "copy"] + creds(registry, "--src-creds", "--dest-creds") + ["--src-tls-verify=false", "--dest-tls-verify=false",
         "docker://%s/%s:%s" % (registry.addr, REPO, TAG),
         "docker://%s/%s:extra" % (registry.addr, REPO)])
    p = run(["skopeo", "list-tags"] + creds(registry, "--creds") + ["--tls-verify=false",
             "docker://%s/%s" % (registry.addr, REPO)])
    tags = json.loads(p.stdout)["Tags"]
    assert {TAG, "extra"} <= set(tags)


def test_skopeo_copy_between_repos_mounts(registry, pushed):
    run(["skopeo", "copy"] + creds(registry, "--src-creds", "--dest-creds") + ["--src-tls-verify=false", "--dest-tls-verify=false",
         "docker://%s/%s:%s" % (registry.addr, REPO, TAG),
         "docker://%s/mirror/debian:%s" % (registry.addr, TAG)])
    assert raw_manifest_digest(registry, "mirror/debian:%s" % TAG) == pushed


def test_skopeo_delete(registry, pushed):
    ref = "docker://%s/todelete/debian:%s" % (registry.addr, TAG)
    run(["skopeo", "copy"] + creds(registry, "--src-creds", "--dest-creds") + ["--src-tls-verify=false", "--dest-tls-verify=false",
         "docker://%s/%s:%s" % (registry.addr, REPO, TAG), ref])
    run(["skopeo", "delete"] + creds(registry, "--creds") + ["--tls-verify=false", ref])
    p = run(["skopeo", "inspect"] + creds(registry, "--creds") + ["--tls-verify=false", "--raw", ref], check=False)
    assert p.returncode != 0
    assert "manifest unknown" in p.stderr.lower() or "not found" in p.stderr.lower(), p.stderr
    # The original repository is untouched.
    assert raw_manifest_digest(registry, "%s:%s" % (REPO, TAG)) == pushed


# ---- podman ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def podman(tmp):
    need("podman")
    root = tempfile.mkdtemp(prefix="pm-", dir="/tmp")  # podman refuses a runroot over 50 chars
    base = ["podman", "--root", os.path.join(root, "root"), "--runroot", os.path.join(root, "run"),
            "--storage-driver", "vfs", "--events-backend", "file", "--cgroup-manager", "cgroupfs",
            "--tmpdir", os.path.join(root, "tmp")]
    os.makedirs(os.path.join(root, "tmp"), exist_ok=True)
    env = dict(os.environ, TMPDIR=os.path.join(root, "tmp"))
    yield lambda *args, **kw: run(base + list(args), env=env, **kw)
    run(base + ["system", "reset", "--force"], env=env, check=False, timeout=120)
    shutil.rmtree(root, ignore_errors=True)


def test_podman_pull_and_push(registry, pushed, podman):
    src = "%s/%s:%s" % (registry.addr, REPO, TAG)
    podman("pull", *creds(registry, "--creds"), "--tls-verify=false", src)
    p = podman("image", "inspect", src)
    info = json.loads(p.stdout)[0]
    assert info["Digest"] == pushed, info.get("Digest")

    dst = "%s/podman/pushed:v1" % registry.addr
    podman("push", *creds(registry, "--creds"), "--tls-verify=false", src, "docker://" + dst)
    api = Api(registry)
    r = api.get_manifest("podman/pushed", "v1")
    assert r.status == 200, r
    m = json.loads(r.body)
    for desc in [m["config"]] + m["layers"]:
        h = api.head("/v2/podman/pushed/blobs/%s" % desc["digest"])
        assert h.status == 200 and int(h.header("Content-Length")) == desc["size"], h
    # And podman can pull what it pushed.
    podman("rmi", "--all", "--force")
    podman("pull", *creds(registry, "--creds"), "--tls-verify=false", dst)


# ---- containerd ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def containerd(tmp):
    need("containerd")
    need("ctr")
    d = tempfile.mkdtemp(prefix="ctd-", dir="/tmp")  # short: unix socket paths are limited
    sock = os.path.join(d, "containerd.sock")
    cfg = os.path.join(d, "config.toml")
    with open(cfg, "w") as f:
        f.write(
            'version = 2\n'
            'root = "%s/root"\n'
            'state = "%s/state"\n'
            'disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",'
            ' "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",'
            ' "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp",'
            ' "io.containerd.internal.v1.tracing"]\n'
            '[grpc]\n  address = "%s"\n'
            '[ttrpc]\n  address = "%s"\n'
            '[debug]\n  address = ""\n'
            '[metrics]\n  address = ""\n' % (d, d, sock, sock + ".ttrpc"))
    log = open(os.path.join(d, "containerd.log"), "wb")
    proc = subprocess.Popen(["containerd", "--config", cfg], stdout=log, stderr=subprocess.STDOUT)

    def ctr(*args, **kw):
        return run(["ctr", "--address", sock, "--namespace", "cangku-it"] + list(args), **kw)

    try:
        wait_until(lambda: proc.poll() is not None or (
            os.path.exists(sock) and ctr("version", check=False).returncode == 0),
            timeout=30, what="containerd")
        if proc.poll() is not None:
            log.flush()
            with open(os.path.join(d, "containerd.log")) as f:
                raise AssertionError("containerd exited:\n" + f.read()[-3000:])
        yield ctr
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        subprocess.run(["umount", "-R", os.path.join(d, "root")], capture_output=True)
        shutil.rmtree(d, ignore_errors=True)


def test_containerd_pull(registry, pushed, containerd):
    ref = "%s/%s:%s" % (registry.addr, REPO, TAG)
    containerd("images", "pull", *creds(registry, "--user"), "--plain-http", "--snapshotter", "native", ref)
    p = containerd("images", "ls")
    line = [l for l in p.stdout.splitlines() if l.startswith(ref)]
    assert line and pushed in line[0], p.stdout
    containerd("images", "check")


def test_containerd_push(registry, pushed, containerd):
    src = "%s/%s:%s" % (registry.addr, REPO, TAG)
    dst = "%s/ctr/pushed:v1" % registry.addr
    containerd("images", "pull", *creds(registry, "--user"), "--plain-http", "--snapshotter", "native", src)
    containerd("images", "tag", "--force", src, dst)
    containerd("images", "push", *creds(registry, "--user"), "--plain-http", dst)
    deadline = time.monotonic() + 10
    api = Api(registry)
    while True:
        r = api.get_manifest("ctr/pushed", "v1")
        if r.status == 200 or time.monotonic() > deadline:
            break
    assert r.status == 200, r
    assert r.header("Docker-Content-Digest") == pushed
