"""The registries under test, started as child processes on free loopback ports.

Each Registry owns at most one running process (started by us, stopped by PID) and reads its
CPU time and memory from /proc.
"""

import http.client
import os
import signal
import socket
import subprocess
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


class StartError(Exception):
    pass


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def v2_status(port, timeout=1.0):
    """The status of GET /v2/, or None if nothing answers."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", "/v2/")
        return conn.getresponse().status
    except OSError:
        return None
    finally:
        conn.close()


def version_of(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


class Registry:
    name = "registry"
    stable = False  # True if the binary does not change between runs (its stores may be kept)

    def __init__(self, data_dir, log_dir):
        self.data_dir = data_dir
        self.log_dir = log_dir
        self.proc = None
        self.port = None
        self.starts = 0

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def available(self):
        """None if it can run, else why not."""
        return None

    def version(self):
        return None

    def command(self, port):
        raise NotImplementedError

    def env(self):
        """Extra environment variables for the registry process."""
        return {}

    def ready_status(self):
        """What GET /v2/ answers once the registry serves: 200, or 401 with authentication."""
        return 200

    def with_auth(self, on=True):
        """Restarts the registry over the same store with authentication on (or back off).
        Returns "user:password" of an account that may read everything, or None if this
        registry is not measured with authentication."""
        return None

    def start(self, timeout=60.0):
        """Starts the registry; returns seconds from exec until GET /v2/ answers 200."""
        self.stop()
        os.makedirs(self.data_dir, exist_ok=True)
        os.makedirs(self.log_dir, exist_ok=True)
        self.port = free_port()
        self.starts += 1
        log = open(os.path.join(self.log_dir, f"{self.name}-{self.starts}.log"), "wb")
        t0 = time.monotonic()
        self.proc = subprocess.Popen(self.command(self.port), stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env={**os.environ, **self.env()})
        log.close()
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise StartError(f"{self.name} exited with {self.proc.returncode}: "
                                 + self.log_tail())
            if v2_status(self.port, timeout=2.0) == self.ready_status():
                return time.monotonic() - t0
            time.sleep(0.002)
        self.stop()
        raise StartError(f"{self.name}: GET /v2/ did not answer {self.ready_status()} within "
                         f"{timeout:.0f} s")

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        self.proc = None

    def log_tail(self, n=1500):
        path = os.path.join(self.log_dir, f"{self.name}-{self.starts}.log")
        try:
            with open(path, "rb") as f:
                return f.read()[-n:].decode(errors="replace")
        except OSError:
            return ""

    # --- /proc sampling -------------------------------------------------------------------

    def cpu_seconds(self):
        """utime + stime of the registry process (all its threads), in seconds."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK  # fields 14 and 15 of stat

    def _status_kib(self, key):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        return 0

    def rss_mib(self):
        return self._status_kib("VmRSS") / 1024

    def peak_rss_mib(self):
        return self._status_kib("VmHWM") / 1024

    def reset_peak_rss(self):
        """Resets VmHWM to the current RSS (Linux >= 4.0). Returns False if not permitted."""
        try:
            with open(f"/proc/{self.proc.pid}/clear_refs", "w") as f:
                f.write("5")
            return True
        except OSError:
            return False


class Distribution(Registry):
    """CNCF Distribution 2.8 (Debian's docker-registry), tuned to be at its fastest: no
    access log and warn level (unless access_log), no upload purging, in-memory blob
    descriptor cache."""

    name = "distribution"
    binary = "/usr/bin/docker-registry"
    stable = True

    def __init__(self, data_dir, log_dir, access_log=False):
        super().__init__(data_dir, log_dir)
        self.access_log = access_log

    def available(self):
        return None if os.access(self.binary, os.X_OK) else f"{self.binary} not installed"

    def version(self):
        return version_of([self.binary, "--version"])

    def command(self, port):
        config = os.path.join(self.log_dir, f"{self.name}-config.yml")
        with open(config, "w") as f:
            f.write(f"""version: 0.1
log:
  level: {"info" if self.access_log else "warn"}
  accesslog:
    disabled: {"false" if self.access_log else "true"}
storage:
  filesystem:
    rootdirectory: {self.data_dir}
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
  cache:
    blobdescriptor: inmemory
http:
  addr: 127.0.0.1:{port}
""")
        return [self.binary, "serve", config]


class Cangku(Registry):
    name = "cangku"

    ADMIN_PASSWORD = "bench-admin-password"

    def __init__(self, binary, data_dir, log_dir, access_log=False):
        super().__init__(data_dir, log_dir)
        self.binary = binary
        self.access_log = access_log
        self.auth = False

    def available(self):
        if not os.access(self.binary, os.X_OK):
            return f"{self.binary} not built"
        return None

    def version(self):
        return version_of([self.binary, "version"])

    def command(self, port):
        return [self.binary, "serve", "--addr", f"127.0.0.1:{port}", "--data-dir", self.data_dir]

    def env(self):
        # The same set-up as Distribution's: warn level, no access log (unless access_log), no
        # authentication (Distribution runs without it too).
        return {"CANGKU_LOG_LEVEL": "info" if self.access_log else "warn",
                "CANGKU_LOG_ACCESS_LOG": "true" if self.access_log else "false",
                "CANGKU_AUTH_ENABLED": "true" if self.auth else "false",
                "CANGKU_ADMIN_PASSWORD": self.ADMIN_PASSWORD}

    def ready_status(self):
        return 401 if self.auth else 200

    def with_auth(self, on=True):
        self.auth = on
        self.start()
        return "admin:" + self.ADMIN_PASSWORD
