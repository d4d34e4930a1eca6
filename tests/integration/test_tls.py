"""HTTPS and mutual TLS: tls.cert, tls.key, tls.client_ca; plain HTTP only on loopback.

A throwaway CA, a server certificate for 127.0.0.1 and a client certificate are made with the
openssl command in a temp dir. Registries come from conftest (tls_registry_with), so that they
get the same credentials as every other registry of the suite.
"""

import json
import os
import shutil
import signal
import subprocess
import tempfile

import pytest

from conftest import ROOT, TlsFiles, tls_registry_with, wait_until

pytestmark = pytest.mark.cangku_only

BIN = os.environ.get("CANGKU_BIN", os.path.join(ROOT, "build", "cangku"))
TAG = "bookworm"


def need(binary):
    if not shutil.which(binary):
        pytest.skip("%s is not installed" % binary)


def run(cmd, check=True, timeout=300, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise AssertionError("command failed (%d): %s\nstdout:\n%s\nstderr:\n%s" % (
            p.returncode, " ".join(cmd), p.stdout[-3000:], p.stderr[-3000:]))
    return p


@pytest.fixture(scope="module")
def pki():
    """ca.crt, server.crt (IP:127.0.0.1), client.crt and their keys; skopeo certificate
    directories certs-ca (ca.crt) and certs-client (ca.crt, client.cert, client.key)."""
    need("openssl")
    d = tempfile.mkdtemp(prefix="cangku-pki-")
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    run(["openssl", "req", "-x509", *key, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
         "-subj", "/CN=cangku-test-ca"], cwd=d)
    exts = {"server": "subjectAltName=IP:127.0.0.1\n", "client": "extendedKeyUsage=clientAuth\n"}
    for name, ext in exts.items():
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write(ext)
        run(["openssl", "req", *key, "-keyout", name + ".key", "-out", name + ".csr",
             "-subj", "/CN=" + name], cwd=d)
        run(["openssl", "x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key",
             "-CAcreateserial", "-days", "2", "-extfile", name + ".ext", "-out", name + ".crt"],
            cwd=d)
    for sub, files in {"certs-ca": {"ca.crt": "ca.crt"},
                       "certs-client": {"ca.crt": "ca.crt", "client.crt": "client.cert",
                                        "client.key": "client.key"}}.items():
        os.makedirs(os.path.join(d, sub))
        for src, dst in files.items():
            shutil.copy(os.path.join(d, src), os.path.join(d, sub, dst))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def files(pki, mtls=False):
    def p(name):
        return os.path.join(pki, name)
    if not mtls:
        return TlsFiles(p("server.crt"), p("server.key"), p("ca.crt"))
    return TlsFiles(p("server.crt"), p("server.key"), p("ca.crt"), client_ca=p("ca.crt"),
                    client_cert=p("client.crt"), client_key=p("client.key"))


@pytest.fixture(scope="module")
def https_registry(pki):
    with tls_registry_with(files(pki)) as reg:
        yield reg


@pytest.fixture(scope="module")
def mtls_registry(pki):
    with tls_registry_with(files(pki, mtls=True)) as reg:
        yield reg


def curl(reg, *args):
    """curl -sS on https://<registry>/v2/, with the registry's credentials; returns the process."""
    need("curl")
    creds = ["-u", reg.creds] if getattr(reg, "creds", "") else []
    return run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", *creds, *args,
                "https://%s/v2/" % reg.addr], check=False, timeout=60)


def creds(reg, *flags):
    """Each skopeo credential flag followed by the registry's user:password, if it has one."""
    c = getattr(reg, "creds", "")
    return [x for flag in flags for x in (flag, c)] if c else []


def layout(test_images):
    return os.path.join(test_images, "debian")


def test_curl_verifies_the_server_with_the_ca(https_registry, pki):
    ok = curl(https_registry, "--cacert", os.path.join(pki, "ca.crt"))
    assert ok.returncode == 0 and ok.stdout == "200", ok
    refused = curl(https_registry)
    assert refused.returncode == 60, refused  # SSL certificate problem: unknown CA
    assert https_registry.client.get("/v2/").status == 200
    assert "HTTPS on" in open(https_registry.log_path).read()


def test_plain_http_to_https_port_is_told_to_use_https(https_registry):
    need("curl")
    p = run(["curl", "-sS", "http://%s/v2/" % https_registry.addr], check=False, timeout=60)
    assert "use https://" in p.stdout, p


@pytest.mark.clients
def test_skopeo_copy_over_https_and_back(https_registry, pki, test_images):
    need("skopeo")
    reg, certs = https_registry, os.path.join(pki, "certs-ca")
    dest = "docker://%s/tls/debian:%s" % (reg.addr, TAG)
    bad = run(["skopeo", "inspect", *creds(reg, "--creds"), dest], check=False)
    assert bad.returncode != 0 and "x509" in bad.stderr, bad.stderr
    run(["skopeo", "copy", *creds(reg, "--dest-creds"), "--dest-cert-dir", certs,
         "--preserve-digests", "oci:%s:%s" % (layout(test_images), TAG), dest])
    out = os.path.join(pki, "roundtrip")
    run(["skopeo", "copy", *creds(reg, "--src-creds"), "--src-cert-dir", certs, dest,
         "oci:%s:%s" % (out, TAG)])
    with open(os.path.join(layout(test_images), "index.json")) as f:
        want = [m["digest"] for m in json.load(f)["manifests"]]
    with open(os.path.join(out, "index.json")) as f:
        got = [m["digest"] for m in json.load(f)["manifests"]]
    assert got and set(got) <= set(want), (got, want)


def test_mtls_curl_needs_a_client_certificate(mtls_registry, pki):
    ca = os.path.join(pki, "ca.crt")
    ok = curl(mtls_registry, "--cacert", ca, "--cert", os.path.join(pki, "client.crt"),
              "--key", os.path.join(pki, "client.key"))
    assert ok.returncode == 0 and ok.stdout == "200", ok
    refused = curl(mtls_registry, "--cacert", ca)
    assert refused.returncode != 0 and refused.stdout in ("", "000"), refused
    assert "mTLS on" in open(mtls_registry.log_path).read()


@pytest.mark.clients
def test_mtls_skopeo_with_client_certificate(mtls_registry, pki, test_images):
    need("skopeo")
    reg = mtls_registry
    dest = "docker://%s/mtls/debian:%s" % (reg.addr, TAG)
    src = "oci:%s:%s" % (layout(test_images), TAG)
    bad = run(["skopeo", "copy", *creds(reg, "--dest-creds"), "--dest-cert-dir",
               os.path.join(pki, "certs-ca"), src, dest], check=False)
    assert bad.returncode != 0, bad.stdout
    certs = os.path.join(pki, "certs-client")
    run(["skopeo", "copy", *creds(reg, "--dest-creds"), "--dest-cert-dir", certs,
         "--preserve-digests", src, dest])
    p = run(["skopeo", "inspect", *creds(reg, "--creds"), "--cert-dir", certs, dest])
    assert TAG in json.loads(p.stdout)["RepoTags"]


def test_plain_http_off_loopback_needs_allow_insecure(tmp_path):
    data = str(tmp_path / "data")
    r = run([BIN, "serve", "--addr", "0.0.0.0:0", "--data-dir", data], check=False, timeout=30)
    assert r.returncode == 2, r
    for needle in ("http.addr 0.0.0.0:0 is not a loopback address", "tls.cert", "tls.key",
                   "http.allow_insecure"):
        assert needle in r.stderr, r.stderr
    log = tmp_path / "serve.log"
    env = dict(os.environ, CANGKU_HTTP_ALLOW_INSECURE="true")
    with open(log, "wb") as out:
        proc = subprocess.Popen([BIN, "serve", "--addr", "0.0.0.0:0", "--data-dir", data],
                                stdout=out, stderr=subprocess.STDOUT, env=env, cwd=str(tmp_path))
    try:
        wait_until(lambda: proc.poll() is not None or "listening on 0.0.0.0:" in log.read_text(),
                   what="the server to listen")
        text = log.read_text()
        assert proc.poll() is None, text
        assert "HTTPS off" in text and "http.allow_insecure" in text, text
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
