#!/usr/bin/env python3
"""Runs every measure against CNCF Distribution and Cangku, one after the other, with the same
inputs, and prints each figure for both with the ratio and the machine limit it is bound by.
Writes the results as JSON (and the table as Markdown) to bench/results/.

Called by bench/run.sh (`make bench`), which installs and builds what this needs. Knobs are
environment variables, see BENCHMARKS.md. Standard library only.
"""

import argparse
import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import machine, measures, registries, report  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
T0 = time.monotonic()


def log(msg):
    print(f"[{time.monotonic() - T0:6.1f}s] {msg}", file=sys.stderr, flush=True)


def env_int(name, default):
    return int(os.environ.get(name, default))


class Config:
    def __init__(self):
        q = os.environ.get("BENCH_QUICK") == "1"
        self.mode = "quick" if q else "full"
        self.repos = env_int("BENCH_REPOS", 1000 if q else 10000)
        self.startup_repos = env_int("BENCH_STARTUP_REPOS", 10000 if q else 100000)
        self.layer_mib = env_int("BENCH_LAYER_MIB", 64 if q else 512)
        self.chunk_mib = env_int("BENCH_CHUNK_MIB", 8)
        self.duration = float(os.environ.get("BENCH_DURATION", 3 if q else 10))
        self.warmup = float(os.environ.get("BENCH_WARMUP", 1))
        self.connections = env_int("BENCH_CONNECTIONS", 64)
        self.threads = env_int("BENCH_THREADS", 2)
        self.paced_rate = env_int("BENCH_PACED_RATE", 10000)
        self.storm_images = env_int("BENCH_STORM_IMAGES", 50 if q else 200)
        self.storm_clients = env_int("BENCH_STORM_CLIENTS", 32)
        self.storm_layer_kib = env_int("BENCH_STORM_LAYER_KIB", 1024)
        self.pull_streams = env_int("BENCH_PULL_STREAMS", 8)
        self.seed_concurrency = env_int("BENCH_SEED_CONCURRENCY", 16)
        self.seed_max_s = env_int("BENCH_SEED_MAX_S", 300)
        self.big_seed_max_s = env_int("BENCH_BIG_SEED_MAX_S", 240)
        self.big_api_repos = env_int("BENCH_BIG_API_REPOS", 1000)
        self.reseed = os.environ.get("BENCH_RESEED") == "1"
        self.cleanup_max_s = env_int("BENCH_CLEANUP_MAX_S", 120)
        self.access_log = os.environ.get("BENCH_ACCESS_LOG") == "1"
        self.registries = os.environ.get("BENCH_REGISTRIES", "distribution,cangku").split(",")
        self.data = os.path.abspath(os.environ.get("BENCH_DATA",
                                                   os.path.join(ROOT, "build", "bench-data")))
        self.test_image = os.environ.get(
            "BENCH_TEST_IMAGE", os.path.join(ROOT, "build", "test-images", "debian"))

    def store(self, name, kind):
        """The data directory of one registry's store of one kind: write, seeded or big."""
        suffix = {"seeded": f"-{self.repos}", "big": f"-{self.startup_repos}"}.get(kind, "")
        return os.path.join(self.data, "stores", f"{name}-{kind}{suffix}")

    def discard(self, path):
        """Moves a store out of the way at once; empty_trash() deletes it after the run (on a
        disk mounted with `discard`, deleting 100,000s of files takes minutes)."""
        if os.path.exists(path):
            trash = os.path.join(self.data, "trash")
            os.makedirs(trash, exist_ok=True)
            os.rename(path, os.path.join(trash, f"{os.path.basename(path)}-{time.time_ns()}"))

    def empty_trash(self):
        trash = os.path.join(self.data, "trash")
        if not os.path.isdir(trash) or not os.listdir(trash):
            return
        log(f"deleting old stores in {trash} (at most {self.cleanup_max_s} s)")
        t0 = time.monotonic()
        p = subprocess.Popen(["rm", "-rf", "--one-file-system", trash])
        try:
            p.wait(timeout=self.cleanup_max_s)
            log(f"  deleted in {time.monotonic() - t0:.0f} s")
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            log("  not finished: the rest is deleted after the next run")

    def public(self):
        return dict(vars(self))


def random_layer(cfg, name):
    """A deterministic incompressible layer (AES-256-CTR keystream) and its digest, cached."""
    size = cfg.layer_mib << 20
    path = os.path.join(cfg.data, f"layer-{name}-{cfg.layer_mib}MiB.bin")
    if not (os.path.exists(path) and os.path.getsize(path) == size
            and os.path.exists(path + ".sha256")):
        log(f"generating {path}")
        key = hashlib.sha256(f"cangku-bench-{name}".encode()).hexdigest()
        subprocess.run(f"openssl enc -aes-256-ctr -nosalt -K {key} -iv {'0' * 32} "
                       f"< /dev/zero 2>/dev/null | head -c {size} > {path}.tmp",
                       shell=True, check=True, timeout=600)
        h = hashlib.sha256()
        with open(path + ".tmp", "rb") as f:
            while chunk := f.read(8 << 20):
                h.update(chunk)
        os.rename(path + ".tmp", path)
        with open(path + ".sha256", "w") as f:
            f.write("sha256:" + h.hexdigest())
    with open(path + ".sha256") as f:
        return path, f.read().strip()


def image_bytes(layout):
    """Bytes a client moves for the image tagged bookworm: manifest, config and layers."""
    with open(os.path.join(layout, "index.json")) as f:
        desc = json.load(f)["manifests"][0]
    with open(os.path.join(layout, "blobs", *desc["digest"].split(":"))) as f:
        man = json.load(f)
    return desc["size"] + man["config"]["size"] + sum(x["size"] for x in man["layers"])


def prepare_inputs(cfg):
    inputs = {"a": random_layer(cfg, "a"), "b": random_layer(cfg, "b")}
    if os.path.exists(os.path.join(cfg.test_image, "index.json")):
        inputs["debian"] = cfg.test_image
        inputs["debian_bytes"] = image_bytes(cfg.test_image)
    else:
        log(f"no test image at {cfg.test_image}: skopeo measures will be n/a")
    return inputs


def versions(cangku):
    def out(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=10,
                                  cwd=ROOT).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None
    built = os.access(cangku, os.X_OK)
    return {"distribution": out(["docker-registry", "--version"]),
            "cangku": out([cangku, "version"]) if built else None,
            "cangku_sha256": (out(["sha256sum", cangku]) or "?").split()[0] if built else None,
            "git_head": out(["git", "rev-parse", "--short", "HEAD"])}


def snapshot(binary, data):
    """A private copy of the binary under test, so that a rebuild during the run (others work
    in the same tree) cannot mix two builds in one set of figures."""
    if not os.access(binary, os.X_OK):
        return binary
    copy = os.path.join(data, "bin", os.path.basename(binary))
    os.makedirs(os.path.dirname(copy), exist_ok=True)
    shutil.copy2(binary, copy + ".tmp")
    os.replace(copy + ".tmp", copy)
    return copy


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--loadgen", required=True, help="the cangku-loadgen binary")
    ap.add_argument("--cangku", default=os.path.join(ROOT, "build", "cangku"))
    ap.add_argument("--results", default=os.path.join(ROOT, "bench", "results"))
    args = ap.parse_args()
    cfg = Config()
    os.makedirs(cfg.data, exist_ok=True)
    os.makedirs(args.results, exist_ok=True)
    cangku = snapshot(os.path.abspath(args.cangku), cfg.data)
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    results = {"started": started, "mode": cfg.mode, "config": cfg.public(),
               "machine": machine.describe(cfg.data),
               "versions": versions(cangku), "registries": {}}
    log(f"{cfg.mode} run: {cfg.repos} repositories, {cfg.layer_mib} MiB layers, "
        f"{cfg.duration:.0f} s loads; data in {cfg.data}")
    inputs = prepare_inputs(cfg)
    lg = measures.Loadgen(os.path.abspath(args.loadgen), log)
    results["limits"] = machine.measure_limits(lg.binary, inputs["a"][0], cfg.data,
                                               cfg.pull_streams, log)
    inputs["sha256_mb_s"] = results["limits"]["sha256_mb_s"]
    logs = os.path.join(cfg.data, "logs")
    for name in cfg.registries:
        data_dir = cfg.store(name, "write")
        if name == "distribution":
            reg = registries.Distribution(data_dir, logs, cfg.access_log)
        elif name == "cangku":
            reg = registries.Cangku(cangku, data_dir, logs,
                                     cfg.access_log)
        else:
            log(f"unknown registry {name}, skipped")
            continue
        results["registries"][name] = measures.Run(reg, cfg, lg, inputs, log).all()
        if name == "distribution":
            # Cangku's paced loads run at ten times what Distribution served.
            inputs["distribution_rps"] = {
                k: v["rps"] for k, v in results["registries"][name].items()
                if k.startswith("manifest_") and isinstance(v, dict) and v.get("rps")}
    results["machine"]["load_avg_at_end"] = os.getloadavg()
    results["elapsed_s"] = time.monotonic() - T0
    text = report.render(results)
    stamp = started.replace(":", "").replace("-", "")
    for base in (f"bench-{stamp}", "latest"):
        with open(os.path.join(args.results, base + ".json"), "w") as f:
            json.dump(results, f, indent=1, default=str)
        with open(os.path.join(args.results, base + ".md"), "w") as f:
            f.write(text)
    print(text)
    log(f"results in {args.results}/bench-{stamp}.json (and latest.json, latest.md)")
    cfg.empty_trash()
    return 0


if __name__ == "__main__":
    sys.exit(main())
