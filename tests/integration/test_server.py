"""The process around the API: command line, configuration, logs, listening and time-outs."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

from conftest import ROOT, Registry

pytestmark = pytest.mark.cangku_only

BIN = os.environ.get("CANGKU_BIN", os.path.join(ROOT, "build", "cangku"))


@pytest.fixture
def workdir():
    d = tempfile.mkdtemp(prefix="cangku-srv-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def started(workdir, monkeypatch, **env):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return Registry(workdir).start()


def test_version():
    out = subprocess.run([BIN, "version"], capture_output=True, text=True, check=True).stdout
    assert out.strip().count(".") == 2


def test_config_check_accepts_good_file(workdir):
    path = os.path.join(workdir, "good.yaml")
    with open(path, "w") as f:
        f.write("http:\n  addr: 127.0.0.1:5000\nlog:\n  format: json\n")
    r = subprocess.run([BIN, "config", "check", path], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "OK" in r.stdout


@pytest.mark.parametrize("text,needle", [
    ("http:\n  addr: 127.0.0.1:5000\n  adress: x\n", ":3: unknown key 'http.adress'"),
    ("limits:\n  max_page_size: lots\n", ":2: limits.max_page_size = 'lots': not an integer"),
    ("storage: [1, 2\n", "config"),
])
def test_config_check_names_bad_key_and_line(workdir, text, needle):
    path = os.path.join(workdir, "bad.yaml")
    with open(path, "w") as f:
        f.write(text)
    r = subprocess.run([BIN, "config", "check", path], capture_output=True, text=True)
    assert r.returncode == 2
    assert needle in r.stderr or path in r.stderr, r.stderr


def test_second_server_on_same_port_fails(registry, workdir):
    r = subprocess.run([BIN, "serve", "--addr", registry.addr, "--data-dir", workdir],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert "cannot listen on" in r.stderr, r.stderr
    assert registry.client.get("/v2/").status == 200


def test_environment_overrides_and_json_access_log(workdir, monkeypatch):
    reg = started(workdir, monkeypatch, CANGKU_LOG_FORMAT="json")
    try:
        assert reg.client.get("/v2/_catalog?n=1").status == 200
        reg.stop()
        lines = [json.loads(l) for l in open(reg.log_path) if l.startswith("{")]
        access = [l for l in lines if l.get("logger") == "access" and "target" in l]
        assert any(l["target"] == "/v2/_catalog?n=1" and l["status"] == 200 for l in access), lines
        assert all("time" in l and "level" in l for l in lines)
    finally:
        reg.stop()


def test_idle_connection_is_closed(workdir, monkeypatch):
    reg = started(workdir, monkeypatch, CANGKU_HTTP_IDLE_TIMEOUT="1")
    try:
        s = socket.create_connection((reg.host, reg.port), timeout=10)
        t0 = time.monotonic()
        assert s.recv(1) == b""  # the server closes it
        assert time.monotonic() - t0 < 8
        s.close()
        assert reg.client.get("/v2/").status == 200
    finally:
        reg.stop()


def test_stalled_upload_times_out_and_keeps_received_bytes(workdir, monkeypatch):
    reg = started(workdir, monkeypatch, CANGKU_HTTP_IO_TIMEOUT="1")
    try:
        c = reg.client
        r = c.post("/v2/slow/blobs/uploads/")
        assert r.status == 202
        loc = r.header("Location")
        s = socket.create_connection((reg.host, reg.port), timeout=10)
        auth = "".join("%s: %s\r\n" % kv for kv in c.with_auth({}).items())
        s.sendall(("PATCH %s HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n%s"
                   "Content-Type: application/octet-stream\r\n\r\n" % (loc, auth)).encode()
                  + b"x" * 40)
        s.settimeout(10)
        t0 = time.monotonic()
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        assert time.monotonic() - t0 < 8
        s.close()
        status = c.get(loc)
        assert status.status == 204
        assert status.header("Range") == "0-39"
    finally:
        reg.stop()
