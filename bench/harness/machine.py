"""The machine: what it is, and its own limits measured in the same run (the bounds every
throughput is compared with)."""

import json
import os
import platform
import re
import subprocess
import time


def run(cmd, timeout, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)


def describe(data_dir):
    info = {"nproc": os.cpu_count(), "kernel": platform.release()}
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^model name\s*:\s*(.+)$", f.read(), re.M)
            info["cpu"] = m.group(1).strip() if m else "unknown"
        with open("/proc/cpuinfo") as f:
            flags = re.search(r"^flags\s*:\s*(.+)$", f.read(), re.M)
            info["sha_ni"] = bool(flags and " sha_ni" in " " + flags.group(1))
        with open("/proc/meminfo") as f:
            info["mem_gib"] = round(int(f.readline().split()[1]) / 2**20, 1)
    except OSError:
        pass
    try:
        source, fstype = run(["findmnt", "-no", "SOURCE,FSTYPE", "--target", data_dir],
                             10).stdout.split()[:2]
        rota, size, *model = run(["lsblk", "-dno", "ROTA,SIZE,MODEL", source], 10).stdout.split()
        kind = "rotational" if rota == "1" else "non-rotational"
        info["disk"] = f"{source} {fstype}, {size}, {kind} per the kernel {' '.join(model)}".strip()
    except (OSError, subprocess.SubprocessError, ValueError):
        pass
    try:
        info["load_avg_at_start"] = os.getloadavg()
    except OSError:
        pass
    return info


def sha256_mb_s(seconds=3):
    """openssl speed -evp sha256 at 16 KiB blocks, single thread, in 10^6 bytes/s."""
    out = run(["openssl", "speed", "-evp", "sha256", "-bytes", "16384", "-seconds", str(seconds),
               "-mr"], seconds * 3 + 30).stdout
    m = re.search(r"^\+F:\d+:sha256:([\d.]+)", out, re.M)
    if not m:
        raise RuntimeError("cannot parse openssl speed output: " + out[-300:])
    return float(m.group(1)) / 1e6


def disk_write_mb_s(source, directory):
    """Sequential write of `source` (already in the page cache) into `directory` with
    dd conv=fdatasync: the time includes getting every byte to the device."""
    target = os.path.join(directory, "disk-speed.tmp")
    size = os.path.getsize(source)
    try:
        t0 = time.monotonic()
        run(["dd", f"if={source}", f"of={target}", "bs=8M", "conv=fdatasync", "status=none"],
            600, check=True)
        return size / 1e6 / (time.monotonic() - t0)
    finally:
        if os.path.exists(target):
            os.unlink(target)


def loopback_mb_s(loadgen, source, streams):
    out = run([loadgen, "loopback", "--file", source, "--streams", str(streams)], 300).stdout
    return json.loads(out.strip().splitlines()[-1])["mb_s"]


def measure_limits(loadgen, source, data_dir, streams, log):
    """Best of a few tries each: these are ceilings, and the machine is shared."""
    limits = {}
    log("machine limits: sha256 (openssl speed, 16 KiB blocks)")
    limits["sha256_mb_s"] = max(sha256_mb_s() for _ in range(2))
    log("machine limits: sequential disk write with fdatasync")
    limits["disk_write_mb_s"] = max(disk_write_mb_s(source, data_dir) for _ in range(2))
    log("machine limits: loopback TCP (sendfile -> recv)")
    limits["loopback_1_mb_s"] = max(loopback_mb_s(loadgen, source, 1) for _ in range(3))
    limits[f"loopback_{streams}_mb_s"] = max(loopback_mb_s(loadgen, source, streams)
                                             for _ in range(3))
    limits["push_bound_mb_s"] = min(limits["sha256_mb_s"], limits["disk_write_mb_s"])
    return limits
