"""Fixtures and helpers for the Cangku integration tests.

The registry under test is chosen by CANGKU_TEST_TARGET:
  cangku        (default) the binary named by CANGKU_BIN (default build/cangku)
  distribution  CNCF Distribution 2.8 (/usr/bin/docker-registry), to check the tests themselves

Only the standard library is used (http.client, socket, subprocess, hashlib, json).
"""

import base64
import contextlib
import hashlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.parse

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TARGET = os.environ.get("CANGKU_TEST_TARGET", "cangku").strip().lower()
if TARGET not in ("cangku", "distribution"):
    raise RuntimeError("CANGKU_TEST_TARGET must be 'cangku' or 'distribution', not %r" % TARGET)
IS_DISTRIBUTION = TARGET == "distribution"
DISTRIBUTION_BIN = os.environ.get("DISTRIBUTION_BIN", "/usr/bin/docker-registry")
API_VERSION_HEADER = "Docker-Distribution-API-Version"

# Media types.
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
EMPTY_BLOB = b"{}"
EMPTY_DIGEST = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
ALL_MANIFEST_TYPES = ", ".join([OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST])

# The system admin's password of every Cangku the tests start (CANGKU_ADMIN_PASSWORD).
ADMIN_PASSWORD = "integration-admin-secret"

# Error codes of the distribution spec and the HTTP status each must come with.
ERROR_STATUS = {
    "BLOB_UNKNOWN": (404,),
    "BLOB_UPLOAD_INVALID": (400,),
    "BLOB_UPLOAD_UNKNOWN": (404,),
    "DIGEST_INVALID": (400,),
    "MANIFEST_BLOB_UNKNOWN": (400,),
    "MANIFEST_INVALID": (400,),
    "MANIFEST_UNKNOWN": (404,),
    "NAME_INVALID": (400,),
    "NAME_UNKNOWN": (404,),
    "SIZE_INVALID": (400,),
    "UNSUPPORTED": (405, 415),
    "DENIED": (403,),
    "UNAUTHORIZED": (401,),
    "TOOMANYREQUESTS": (429,),
    "PAGINATION_NUMBER_INVALID": (400,),  # Distribution's code for a bad n
    "TAG_INVALID": (400,),  # Docker registry API v2 code for a malformed tag
}


def pytest_configure(config):
    for line in (
        "cangku_only: Cangku-specific behaviour; skipped when CANGKU_TEST_TARGET=distribution",
        "spec_deviation(reason): Distribution 2.8 deviates from the spec here; skipped for it",
        "slow: takes more than a few seconds (deselect with -m 'not slow')",
        "clients: drives real clients (skopeo, podman, containerd)",
    ):
        config.addinivalue_line("markers", line)


def pytest_collection_modifyitems(config, items):
    # CANGKU_TEST_RUN_ALL=1 runs the cangku-only tests against Distribution too: useful to
    # check the mechanics of a test (expect spec or layout failures, not crashes of the test).
    if not IS_DISTRIBUTION or os.environ.get("CANGKU_TEST_RUN_ALL") == "1":
        return
    for item in items:
        if item.get_closest_marker("cangku_only"):
            item.add_marker(pytest.mark.skip(reason="cangku-specific (not in Distribution 2.8)"))
            continue
        dev = item.get_closest_marker("spec_deviation")
        if dev:
            reason = dev.args[0] if dev.args else dev.kwargs.get("reason", "")
            item.add_marker(pytest.mark.skip(reason="Distribution 2.8 deviates from spec: " + reason))


# --------------------------------------------------------------------------------------------
# Small utilities


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(pred, timeout=30.0, interval=0.02, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1fs waiting for %s" % (timeout, what))
        time.sleep(interval)


_name_lock = threading.Lock()
_name_counter = [0]


def unique_repo(prefix="t"):
    """A valid repository name unique within this process (and across xdist workers)."""
    with _name_lock:
        _name_counter[0] += 1
        n = _name_counter[0]
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw")
    return "%s/%s-%d-%d-%s" % (prefix, worker, os.getpid(), n, random.randrange(16**6).__format__("06x"))


def rand_bytes(n, seed=None) -> bytes:
    r = random.Random(seed) if seed is not None else random
    return r.randbytes(n)


# --------------------------------------------------------------------------------------------
# HTTP


class Response:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers  # http.client.HTTPMessage (case-insensitive get) or dict-like
        self.body = body

    def header(self, name, default=None):
        return self.headers.get(name, default)

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        body = self.body[:600]
        return "<Response %s %s headers=%s body=%r>" % (
            self.status, self.reason, dict(self.headers.items()), body)


def basic_auth(user, password):
    token = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
    return "Basic " + token


class Client:
    """Tiny registry client over http.client. One connection per request unless told.
    `authorization` (an Authorization header value) is sent unless a request sets its own."""

    def __init__(self, host, port, timeout=60, authorization=None):
        self.host = host
        self.port = port
        self.timeout = timeout
        self.authorization = authorization

    def with_auth(self, headers):
        headers = dict(headers or {})
        if self.authorization and not any(k.lower() == "authorization" for k in headers):
            headers["Authorization"] = self.authorization
        return headers

    # HTTPS with this ssl.SSLContext when set (see TlsRegistry).
    ssl_context = None

    def conn(self, timeout=None):
        if self.ssl_context is not None:
            return http.client.HTTPSConnection(self.host, self.port, timeout=timeout or self.timeout,
                                               context=self.ssl_context)
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout or self.timeout)

    def request(self, method, path, body=None, headers=None, timeout=None):
        headers = self.with_auth(headers)
        c = self.conn(timeout)
        try:
            if body is None and method in ("PUT", "POST", "PATCH"):
                headers.setdefault("Content-Length", "0")
            c.request(method, path, body=body, headers=headers)
            r = c.getresponse()
            data = r.read()
            return Response(r.status, r.reason, r.headers, data)
        finally:
            c.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def head(self, path, **kw):
        return self.request("HEAD", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body=body, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body=body, **kw)

    # ---- raw sockets, for bodies http.client will not send -------------------------------

    def raw_socket(self, timeout=None):
        s = socket.create_connection((self.host, self.port), timeout=timeout or self.timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.ssl_context is not None:
            s = self.ssl_context.wrap_socket(s, server_hostname=self.host)
        return s

    def raw_head(self, method, path, headers):
        lines = ["%s %s HTTP/1.1" % (method, path), "Host: %s:%d" % (self.host, self.port)]
        for k, v in self.with_auth(headers).items():
            lines.append("%s: %s" % (k, v))
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def raw_exchange(self, data: bytes, timeout=None, responses=1):
        """Send raw bytes, read `responses` HTTP responses from the same connection."""
        s = self.raw_socket(timeout)
        try:
            s.sendall(data)
            f = s.makefile("rb")
            out = []
            for _ in range(responses):
                out.append(read_response(f))
            return out if responses > 1 else out[0]
        finally:
            s.close()

    def send_then_close(self, method, path, headers, body_part: bytes, linger=True):
        """Send headers and part of a body, then disconnect (mid-body)."""
        s = self.raw_socket()
        try:
            s.sendall(self.raw_head(method, path, headers) + body_part)
            if linger:
                time.sleep(0.05)  # let the server read what was sent before the FIN arrives
        finally:
            s.close()

    def send_tolerant(self, method, path, headers, body: bytes, timeout=None):
        """Send a (large) request; the server may answer and close before reading all of it.
        Returns the response, or None if the connection closed without one."""
        h = dict(headers)
        h.setdefault("Content-Length", str(len(body)))
        s = self.raw_socket(timeout)
        try:
            try:
                s.sendall(self.raw_head(method, path, h))
                view = memoryview(body)
                for i in range(0, len(body), 65536):
                    s.sendall(view[i:i + 65536])
            except (BrokenPipeError, ConnectionResetError):
                pass
            try:
                return read_response(s.makefile("rb"), method_head=(method == "HEAD"))
            except (ConnectionError, ValueError, IndexError):
                return None
        finally:
            s.close()

    def chunked_request(self, method, path, chunks, headers=None, timeout=None):
        """Request with Transfer-Encoding: chunked (no Content-Length)."""
        h = dict(headers or {})
        h["Transfer-Encoding"] = "chunked"
        s = self.raw_socket(timeout)
        try:
            s.sendall(self.raw_head(method, path, h))
            for ch in chunks:
                if ch:
                    s.sendall(b"%x\r\n" % len(ch) + ch + b"\r\n")
            s.sendall(b"0\r\n\r\n")
            return read_response(s.makefile("rb"))
        finally:
            s.close()

    def stream_request(self, method, path, gen, length, headers=None, timeout=600):
        """Request with a declared Content-Length and a body produced by a generator."""
        h = self.with_auth(headers)
        h["Content-Length"] = str(length)
        c = self.conn(timeout)
        try:
            c.putrequest(method, path, skip_accept_encoding=True)
            for k, v in h.items():
                c.putheader(k, v)
            c.endheaders()
            for chunk in gen:
                c.send(chunk)
            r = c.getresponse()
            return Response(r.status, r.reason, r.headers, r.read())
        finally:
            c.close()


def read_response(f, method_head=False):
    """Parse one HTTP/1.1 response from a binary file object (for raw sockets)."""
    status_line = f.readline()
    if not status_line:
        raise ConnectionError("connection closed before a response")
    parts = status_line.decode("latin-1").rstrip("\r\n").split(" ", 2)
    status = int(parts[1])
    reason = parts[2] if len(parts) > 2 else ""
    msg = http.client.parse_headers(f)
    body = b""
    if method_head or status in (204, 304) or 100 <= status < 200:
        pass
    elif msg.get("Transfer-Encoding", "").lower() == "chunked":
        while True:
            size = int(f.readline().split(b";")[0].strip(), 16)
            if size == 0:
                while f.readline() not in (b"\r\n", b"\n", b""):
                    pass
                break
            body += f.read(size)
            f.readline()
    elif msg.get("Content-Length") is not None:
        body = f.read(int(msg["Content-Length"]))
    else:
        body = f.read()
    return Response(status, reason, msg, body)


# --------------------------------------------------------------------------------------------
# Registry process


class Registry:
    """One registry process on a free loopback port with its own data dir."""

    def __init__(self, workdir, target=TARGET, env=None):
        self.target = target
        self.env = dict(env or {})
        self.workdir = workdir
        self.data_dir = os.path.join(workdir, "data")
        os.makedirs(self.data_dir, exist_ok=True)
        self.host = "127.0.0.1"
        self.port = None
        self.proc = None
        self.log_path = None
        self._log = None
        self._starts = 0

    @property
    def addr(self):
        return "%s:%d" % (self.host, self.port)

    @property
    def pid(self):
        return self.proc.pid

    @property
    def auth_enabled(self):
        return self.target == "cangku" and self.env.get("CANGKU_AUTH_ENABLED") != "false"

    @property
    def creds(self):
        """user:password of the system admin ("" when the registry has no authentication)."""
        return "admin:" + ADMIN_PASSWORD if self.auth_enabled else ""

    @property
    def client(self):
        """A client signed in as the system admin (Basic credentials)."""
        authorization = basic_auth("admin", ADMIN_PASSWORD) if self.auth_enabled else None
        return Client(self.host, self.port, authorization=authorization)

    @property
    def anon_client(self):
        return Client(self.host, self.port)

    def client_as(self, user, password):
        return Client(self.host, self.port, authorization=basic_auth(user, password))

    def _command(self):
        if self.target == "distribution":
            cfg = os.path.join(self.workdir, "config.yml")
            with open(cfg, "w") as f:
                f.write(
                    "version: 0.1\n"
                    "log:\n  level: warn\n  accesslog:\n    disabled: true\n"
                    "storage:\n"
                    "  filesystem:\n    rootdirectory: %s\n"
                    "  delete:\n    enabled: true\n"
                    "  maintenance:\n    uploadpurging:\n      enabled: false\n"
                    "http:\n  addr: %s\n  secret: cangku-integration-tests\n"
                    % (self.data_dir, self.addr))
            return [DISTRIBUTION_BIN, "serve", cfg]
        binary = os.environ.get("CANGKU_BIN", os.path.join(ROOT, "build", "cangku"))
        if not os.path.isabs(binary):
            binary = os.path.join(ROOT, binary)
        return [binary, "serve", "--addr", self.addr, "--data-dir", self.data_dir]

    def start(self, timeout=30.0):
        last_err = None
        for _attempt in range(4):  # the free port may be taken between close and bind
            self.port = free_port()
            self._starts += 1
            if self._log and not self._log.closed:
                self._log.close()
            self.log_path = os.path.join(self.workdir, "registry-%d.log" % self._starts)
            self._log = open(self.log_path, "wb")
            cmd = self._command()
            if not os.path.exists(cmd[0]):
                pytest.skip("registry binary %s does not exist (set CANGKU_BIN)" % cmd[0])
            env = dict(os.environ)
            if self.target == "cangku":
                env.update({"CANGKU_ADMIN_PASSWORD": ADMIN_PASSWORD,
                            "CANGKU_AUTH_BCRYPT_COST": "4"})
            env.update(self.env)
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self._log,
                                         stderr=subprocess.STDOUT, cwd=self.workdir, env=env)
            try:
                self.wait_ready(timeout)
                return self
            except RegistryExited as e:
                last_err = e
                self._log.close()
                continue
        raise AssertionError("registry did not start: %s\n%s" % (last_err, self.log_tail()))

    def wait_ready(self, timeout=30.0):
        deadline = time.monotonic() + timeout
        while True:
            rc = self.proc.poll()
            if rc is not None:
                raise RegistryExited("exited with %s" % rc)
            try:
                c = self.client
                c.timeout = 2
                r = c.get("/v2/")
                if r.status == 200:
                    if self._owns_port():
                        return
                    # Another process (another xdist worker's registry) has this port: ours
                    # failed to bind and is exiting; start() retries on a new port.
                    self.proc.kill()
                    self.proc.wait()
                    raise RegistryExited("port %d is taken by another process" % self.port)
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError("registry not ready after %.0fs\n%s" % (timeout, self.log_tail()))
            time.sleep(0.02)

    def _owns_port(self):
        """True if the listening socket on self.port belongs to our process."""
        inodes = set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                with open(table) as f:
                    next(f)
                    for line in f:
                        cols = line.split()
                        if cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == self.port:
                            inodes.add(cols[9])
            except OSError:
                pass
        fd_dir = "/proc/%d/fd" % self.proc.pid
        try:
            for fd in os.listdir(fd_dir):
                try:
                    link = os.readlink(os.path.join(fd_dir, fd))
                except OSError:
                    continue
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return True
        except OSError:
            return False
        return not inodes  # cannot tell (no /proc/net): trust the answer

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=20.0):
        """SIGTERM and wait; returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("registry did not exit %.0fs after SIGTERM" % timeout)
        if self._log:
            self._log.close()
        return self.proc.returncode

    def kill(self):
        """SIGKILL (crash)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        if self._log:
            self._log.close()

    def restart(self):
        self.stop()
        return self.start()

    def log_tail(self, n=4000):
        try:
            with open(self.log_path, "rb") as f:
                data = f.read()
            return data[-n:].decode("utf-8", "replace")
        except (OSError, TypeError):
            return ""

    def rss_kib(self):
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0


class RegistryExited(Exception):
    pass


@contextlib.contextmanager
def _registry_in(tmpdir_factory_or_path, env=None, make=Registry):
    workdir = tempfile.mkdtemp(prefix="cangku-it-")
    reg = make(workdir, env=env)
    try:
        reg.start()
        yield reg
    finally:
        try:
            reg.stop()
        except AssertionError:
            pass
        if os.environ.get("CANGKU_TEST_KEEP") != "1":
            shutil.rmtree(workdir, ignore_errors=True)


def registry_with(env):
    """A context manager: a registry started with extra environment (CANGKU_* settings)."""
    return _registry_in(None, env=env)


class TlsFiles:
    """PEM files of an HTTPS registry (cert, key; client_ca for mutual TLS) and of its clients
    (ca to verify the registry; client_cert and client_key to present, if any)."""

    def __init__(self, cert, key, ca, client_ca=None, client_cert=None, client_key=None):
        self.cert = cert
        self.key = key
        self.ca = ca
        self.client_ca = client_ca
        self.client_cert = client_cert
        self.client_key = client_key


class TlsRegistry(Registry):
    """A Cangku serving HTTPS (tls.cert, tls.key and, for mutual TLS, tls.client_ca); the
    clients it hands out are those of Registry, over HTTPS with its TlsFiles."""

    def __init__(self, workdir, tls, target=TARGET, env=None):
        env = dict(env or {})
        env.update({"CANGKU_TLS_CERT": tls.cert, "CANGKU_TLS_KEY": tls.key})
        if tls.client_ca:
            env["CANGKU_TLS_CLIENT_CA"] = tls.client_ca
        super().__init__(workdir, target=target, env=env)
        self.tls = tls

    def ssl_context(self, client_cert=True):
        ctx = ssl.create_default_context(cafile=self.tls.ca)
        if client_cert and self.tls.client_cert:
            ctx.load_cert_chain(self.tls.client_cert, self.tls.client_key)
        return ctx

    def _secure(self, client):
        client.ssl_context = self.ssl_context()
        return client

    @property
    def client(self):
        return self._secure(super().client)

    @property
    def anon_client(self):
        return self._secure(super().anon_client)

    def client_as(self, user, password):
        return self._secure(super().client_as(user, password))


def tls_registry_with(tls, env=None):
    """A context manager: a registry serving HTTPS with `tls` (TlsFiles), and extra environment."""
    return _registry_in(None, env=env, make=lambda workdir, env: TlsRegistry(workdir, tls, env=env))


@pytest.fixture(scope="module")
def registry():
    """A registry shared by the tests of one module (each test uses its own repo names)."""
    with _registry_in(None) as reg:
        yield reg


@pytest.fixture
def fresh_registry():
    """A registry for one test alone (empty catalog, may be killed or restarted)."""
    with _registry_in(None) as reg:
        yield reg


@pytest.fixture
def api(registry):
    return Api(registry)


@pytest.fixture
def fresh_api(fresh_registry):
    return Api(fresh_registry)


@pytest.fixture
def repo():
    return unique_repo()


# --------------------------------------------------------------------------------------------
# Registry operations used by many tests


class Api:
    """OCI operations with assertions on the happy path."""

    def __init__(self, reg):
        self.reg = reg
        self.c = reg.client

    # raw passthroughs
    def __getattr__(self, name):
        return getattr(self.c, name)

    def start_upload(self, repo, headers=None):
        r = self.c.post("/v2/%s/blobs/uploads/" % repo, headers=headers)
        assert r.status == 202, r
        loc = r.header("Location")
        assert loc, r
        return self.abs_path(loc), r

    @staticmethod
    def abs_path(location):
        """Location may be absolute URL or a path: return path+query."""
        u = urllib.parse.urlsplit(location)
        return u.path + ("?" + u.query if u.query else "")

    @staticmethod
    def with_query(location, **params):
        u = urllib.parse.urlsplit(location)
        q = urllib.parse.parse_qsl(u.query, keep_blank_values=True)
        q += list(params.items())
        return u.path + "?" + urllib.parse.urlencode(q)

    def push_blob(self, repo, data: bytes):
        """Monolithic push: POST session, then PUT ?digest= with the whole body."""
        digest = sha256_digest(data)
        loc, _ = self.start_upload(repo)
        r = self.c.put(self.with_query(loc, digest=digest), body=data,
                       headers={"Content-Type": "application/octet-stream"})
        assert r.status == 201, r
        assert r.header("Docker-Content-Digest") == digest, r
        return digest

    def blob_exists(self, repo, digest):
        r = self.c.head("/v2/%s/blobs/%s" % (repo, digest))
        assert r.status in (200, 404), r
        return r.status == 200

    def push_manifest(self, repo, ref, body, media_type=None, expect=201):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        if media_type is None:
            media_type = json.loads(body).get("mediaType", OCI_MANIFEST)
        r = self.c.put("/v2/%s/manifests/%s" % (repo, ref), body=body,
                       headers={"Content-Type": media_type})
        if expect is not None:
            assert r.status == expect, r
        if r.status == 201:
            assert r.header("Docker-Content-Digest") == sha256_digest(body), r
        return r

    def get_manifest(self, repo, ref, accept=ALL_MANIFEST_TYPES, method="GET"):
        return self.c.request(method, "/v2/%s/manifests/%s" % (repo, ref),
                              headers={"Accept": accept})

    def tags(self, repo):
        r = self.c.get("/v2/%s/tags/list" % repo)
        if r.status == 404:
            return None
        assert r.status == 200, r
        return r.json().get("tags") or []

    def catalog(self):
        r = self.c.get("/v2/_catalog?n=1000")
        assert r.status == 200, r
        return r.json().get("repositories") or []

    def push_image(self, repo, tag=None, layers=1, docker=False, seed=None, layer_size=1024,
                   extra=None):
        """Push config + layers + image manifest; return (manifest_bytes, digest, blobs)."""
        rnd = random.Random(seed)
        config = json.dumps({
            "architecture": "amd64", "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": []},
            "config": {"Env": ["N=%d" % rnd.randrange(1 << 30)]},
        }).encode()
        cfg_d = self.push_blob(repo, config)
        layer_descs, blobs = [], {cfg_d: config}
        for _ in range(layers):
            data = rnd.randbytes(layer_size)
            d = self.push_blob(repo, data)
            blobs[d] = data
            layer_descs.append({"mediaType": DOCKER_LAYER if docker else OCI_LAYER,
                                "digest": d, "size": len(data)})
        m = {
            "schemaVersion": 2,
            "mediaType": DOCKER_MANIFEST if docker else OCI_MANIFEST,
            "config": {"mediaType": DOCKER_CONFIG if docker else OCI_CONFIG,
                       "digest": cfg_d, "size": len(config)},
            "layers": layer_descs,
        }
        if extra:
            m.update(extra)
        body = json.dumps(m, indent=2).encode()
        digest = sha256_digest(body)
        self.push_manifest(repo, tag or digest, body)
        return body, digest, blobs

    def snapshot(self, repo, digests=(), refs=()):
        """State visible to clients, to prove that a refused request changed nothing."""
        state = {"tags": self.tags(repo), "catalog": self.catalog()}
        for d in digests:
            r = self.c.head("/v2/%s/blobs/%s" % (repo, d))
            state["blob " + d] = (r.status, r.header("Content-Length"))
        for ref in refs:
            r = self.get_manifest(repo, ref)
            state["manifest " + ref] = (r.status, sha256_digest(r.body) if r.status == 200 else None)
        return state


# --------------------------------------------------------------------------------------------
# Assertions


def assert_api_header(r):
    assert r.header(API_VERSION_HEADER) == "registry/2.0", \
        "missing %s: registry/2.0 on %r" % (API_VERSION_HEADER, r)


def assert_error(r, status, code=None, codes=None):
    """r is an OCI error response with the status and one of the codes."""
    assert r.status == status, r
    assert_api_header(r)
    ctype = (r.header("Content-Type") or "").split(";")[0].strip()
    assert ctype == "application/json", "error Content-Type %r: %r" % (ctype, r)
    try:
        body = r.json()
    except ValueError:
        raise AssertionError("error body is not JSON: %r" % r)
    assert isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"], r
    for e in body["errors"]:
        assert isinstance(e.get("code"), str), r
        assert isinstance(e.get("message"), str), r
        assert e["code"] in ERROR_STATUS, "non-spec error code %r" % e["code"]
    allowed = set(codes or ()) | ({code} if code else set())
    if allowed:
        got = [e["code"] for e in body["errors"]]
        assert allowed & set(got), "expected code in %s, got %s: %r" % (sorted(allowed), got, r)
    return body


def parse_range(value):
    """'0-N' -> (0, N). Some registries add 'bytes='."""
    m = re.fullmatch(r"(?:bytes=)?(\d+)-(\d+)", value or "")
    assert m, "bad Range header %r" % value
    return int(m.group(1)), int(m.group(2))


# --------------------------------------------------------------------------------------------
# Real-client test images (built once, shared between xdist workers via a lock)


@pytest.fixture(scope="session")
def test_images():
    import fcntl
    cache = os.environ.get("CANGKU_TEST_IMAGES", os.path.join(ROOT, "build", "test-images"))
    os.makedirs(cache, exist_ok=True)
    layout = os.path.join(cache, "debian")

    def complete():
        try:
            with open(os.path.join(layout, "index.json")) as f:
                idx = json.load(f)
        except (OSError, ValueError):
            return False
        for m in idx.get("manifests", []):
            if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == "bookworm":
                hexd = m["digest"].split(":", 1)[1]
                return os.path.exists(os.path.join(layout, "blobs", "sha256", hexd))
        return False

    with open(os.path.join(cache, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not complete():
            script = "/work/shared/scripts/make-test-images.sh"
            if not os.path.exists(script) or os.geteuid() != 0:
                pytest.skip("test images missing and cannot be built (needs %s as root)" % script)
            p = subprocess.run(["bash", script, cache, "debian"], capture_output=True, text=True,
                               timeout=900)
            if p.returncode != 0 or not complete():
                pytest.fail("building test images failed:\n%s\n%s" % (p.stdout[-2000:], p.stderr[-4000:]))
    return cache


# --------------------------------------------------------------------------------------------
# The admin API (/api/v1) and the identity CLI (test_admin_api.py)


class AuthServer:
    """A Cangku that requires authentication: unpacks as (url, admin_password); `reg` is the
    Registry (data_dir, client_as, anon_client, stop/start)."""

    def __init__(self, reg):
        self.reg = reg
        self.url = "http://%s" % reg.addr
        self.admin_password = ADMIN_PASSWORD

    def __iter__(self):
        return iter((self.url, self.admin_password))


@pytest.fixture(scope="module")
def auth_registry():
    """A registry with authentication on, whose system admin "admin" has the password
    CANGKU_ADMIN_PASSWORD the fixture sets; shared by a module's tests (use unique names)."""
    with _registry_in(None, env={"CANGKU_AUTH_ENABLED": "true"}) as reg:
        yield AuthServer(reg)


def cangku_binary():
    """The binary under test (CANGKU_BIN, default build/cangku)."""
    binary = os.environ.get("CANGKU_BIN", os.path.join(ROOT, "build", "cangku"))
    return binary if os.path.isabs(binary) else os.path.join(ROOT, binary)


def run_cangku(*args, stdin="", env=None, timeout=60):
    """Runs the cangku binary; returns the CompletedProcess (text mode)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([cangku_binary(), *args], input=stdin, capture_output=True, text=True,
                          timeout=timeout, env=full_env)
