"""The measures, run against one registry at a time with the same inputs for each.

Every measure is bounded in time and count, and a failing measure records its error and lets
the others run: a benchmark reports, it does not fail.
"""

import base64
import http.client
import json
import os
import random
import statistics
import subprocess
import tempfile
import time
import traceback

from harness import cangku_seed, machine

MANIFEST_ACCEPT = ("Accept: application/vnd.oci.image.manifest.v1+json, "
                   "application/vnd.oci.image.index.v1+json, "
                   "application/vnd.docker.distribution.manifest.v2+json, "
                   "application/vnd.docker.distribution.manifest.list.v2+json")


def first_manifest_get(port, repo, tag="latest"):
    """(status, seconds) of one manifest GET on a new connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        t0 = time.monotonic()
        conn.request("GET", f"/v2/{repo}/manifests/{tag}",
                     headers={"Accept": MANIFEST_ACCEPT.split(": ", 1)[1]})
        resp = conn.getresponse()
        resp.read()
        return resp.status, time.monotonic() - t0
    finally:
        conn.close()


class Loadgen:
    def __init__(self, binary, log):
        self.binary = binary
        self.log = log

    def __call__(self, *args, timeout=900):
        cmd = [self.binary, *map(str, args)]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        lines = p.stdout.strip().splitlines()
        if not lines:
            raise RuntimeError(f"{args[0]}: no output, rc {p.returncode}: {p.stderr[-500:]}")
        out = json.loads(lines[-1])
        out["ok"] = p.returncode == 0
        if not out["ok"]:
            self.log(f"  ! {args[0]} reported a failure: {out.get('error', '')[:300]}")
        return out


class Run:
    """Measures one registry; fills `self.r` (a flat dict of figures) and `self.r['errors']`."""

    def __init__(self, reg, cfg, loadgen, inputs, log):
        self.reg, self.cfg, self.lg, self.inputs, self.log = reg, cfg, loadgen, inputs, log
        self.r = {"errors": {}}

    def step(self, name, fn):
        t0 = time.monotonic()
        self.log(f"[{self.reg.name}] {name}")
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - any failure is reported, the run goes on
            self.r["errors"][name] = f"{type(e).__name__}: {e}"
            self.log(f"  ! {name} failed: {e}")
            if os.environ.get("BENCH_DEBUG"):
                traceback.print_exc()
        self.log(f"  ({time.monotonic() - t0:.1f} s)")

    def all(self):
        """Three stores per registry: `seeded` (repos small images, pushed through the API) for
        the read measures; `write`, fresh each run, for pushes and pulls; `big` for start-up."""
        why = self.reg.available()
        if why:
            self.r["unavailable"] = why
            self.log(f"[{self.reg.name}] skipped: {why}")
            return self.r
        self.use_store("write", fresh=True)
        try:
            self.r["startup_empty_s"] = self.reg.start()
        except Exception as e:  # noqa: BLE001
            self.r["unavailable"] = f"does not start: {e}"
            self.log(f"[{self.reg.name}] skipped: {e}")
            return self.r
        self.reg.stop()
        self.step("seed", self.seed)
        if "seed" not in self.r["errors"]:
            self.step("restart, idle RSS", self.idle)
            self.step("manifest load", self.manifests)
        self.use_store("write")
        self.step("push storm", self.storm)
        self.step("blob push", self.blob_push)
        self.step("blob pull", self.blob_pull)
        self.step("skopeo copy", self.skopeo)
        self.reg.stop()
        self.step("start-up with many repositories", self.startup_big)
        self.reg.stop()
        return self.r

    def use_store(self, kind, fresh=False):
        self.reg.stop()
        self.reg.data_dir = self.cfg.store(self.reg.name, kind)
        if fresh:
            self.cfg.discard(self.reg.data_dir)

    def need_running(self):
        if self.reg.proc is None or self.reg.proc.poll() is not None:
            self.reg.start()

    # --- seeding ------------------------------------------------------------------------------

    def push_images(self, prefix, count, out=None, shared="--shared-layer", max_s=None):
        """Pushes image 0, then the rest mounting its shared blobs from it."""
        common = ["--url", self.reg.url, "--prefix", prefix, "--no-head-check", shared]
        first = self.lg("push-images", *common, "--count", 1,
                        *(["--out", out + ".0"] if out else []))
        rest = self.lg("push-images", *common, "--start", 1, "--count", count - 1,
                       *(["--out", out] if out else []),
                       "--concurrency", self.cfg.seed_concurrency,
                       "--mount-from", f"{prefix}000000",
                       "--max-seconds", max_s or self.cfg.seed_max_s)
        if out:
            with open(out, "a") as f, open(out + ".0") as f0:
                f.write(f0.read())
        images = first["images"] + rest["images"]
        seconds = first["seconds"] + rest["seconds"]
        return {"images": images, "errors": first["errors"] + rest["errors"],
                "seconds": seconds, "images_s": images / seconds if seconds else 0,
                "requests": first["requests"] + rest["requests"],
                "deadline_hit": rest["deadline_hit"], "error": first["error"] or rest["error"]}

    def seed(self):
        """Seeds the `seeded` store through the API. A registry whose binary does not change
        between runs (Distribution) keeps its seeded store: deleting and re-seeding 10,000
        repositories of its layout costs minutes of disk time a run (BENCH_RESEED=1 forces it).
        """
        n = self.cfg.repos
        store = self.cfg.store(self.reg.name, "seeded")
        self.seed_file = store + ".seed.txt"
        marker = store + ".json"
        version = self.reg.version()
        if self.reg.stable and not self.cfg.reseed and os.path.exists(marker) \
                and os.path.exists(self.seed_file):
            with open(marker) as f:
                s = json.load(f)
            if s.get("version") == version and s.get("images") == n and os.path.isdir(store):
                self.use_store("seeded")
                s["cached"] = True
                self.log(f"  reusing the store seeded on {s.get('date')}")
                self.record_seed(s)
                return
        self.use_store("seeded", fresh=True)
        for stale in (marker, self.seed_file):
            if os.path.exists(stale):
                os.unlink(stale)
        self.reg.start()
        s = self.push_images("seed/r", n, out=self.seed_file)
        self.reg.stop()
        s["version"] = version
        s["date"] = time.strftime("%Y-%m-%d %H:%M:%S")
        self.record_seed(s)
        if s["images"] != n or s["errors"]:
            raise RuntimeError(f"seeded {s['images']} of {n} repositories: {s['error']}")
        if self.reg.stable:
            with open(marker, "w") as f:
                json.dump(s, f)

    def record_seed(self, s):
        self.r["seed"] = s
        self.r["seed_images_s"] = s["images_s"]
        self.r["seeded_repos"] = s["images"]
        self.log(f"  {s['images']} repositories, {s['images_s']:.0f} images/s"
                 + (" (cached)" if s.get("cached") else ""))

    def idle(self):
        self.r["startup_seeded_s"] = self.reg.start()
        time.sleep(2)
        self.r["rss_idle_mib"] = self.reg.rss_mib()

    # --- manifests ----------------------------------------------------------------------------

    def url_lists(self):
        rows = [line.split() for line in open(self.seed_file) if line.strip()]
        random.Random(42).shuffle(rows)
        lists = {}
        for kind, fmt in (("tag", "/v2/{0}/manifests/{1}"), ("digest", "/v2/{0}/manifests/{2}"),
                          ("tags_list", "/v2/{0}/tags/list")):
            path = os.path.join(self.reg.log_dir, f"{self.reg.name}-urls-{kind}.txt")
            with open(path, "w") as f:
                f.writelines(fmt.format(*row) + "\n" for row in rows)
            lists[kind] = path
        return lists

    MANIFEST_LOADS = (("manifest_get_tag", "GET", "tag", True),
                      ("manifest_get_digest", "GET", "digest", True),
                      ("manifest_head_tag", "HEAD", "tag", True),
                      ("tags_list", "GET", "tags_list", False))

    def load(self, key, method, url_list, accept, *extra):
        res = self.lg("load", "--url", self.reg.url, "--url-list", url_list,
                      "--method", method, "--connections", self.cfg.connections,
                      "--threads", self.cfg.threads, "--duration", self.cfg.duration,
                      "--warmup", self.cfg.warmup,
                      *(["--header", MANIFEST_ACCEPT] if accept else []), *extra,
                      timeout=self.cfg.duration + self.cfg.warmup + 120)
        self.r[key] = res
        self.log(f"  {key}: {res['rps']:.0f} req/s, p50 {res['p50_ms']:.2f} ms, "
                 f"p99 {res['p99_ms']:.2f} ms, errors {res['errors']}")
        return res

    def manifests(self):
        """Closed-loop loads (each connection sends as soon as it has its answer: the most the
        registry serves), then for Cangku paced loads at ten times the rate Distribution served
        in this run (latency at a given throughput, counted from each request's scheduled time),
        and an authenticated closed-loop load."""
        self.need_running()
        lists = self.url_lists()
        self.reg.reset_peak_rss()
        cpu0 = self.reg.cpu_seconds()
        total = 0
        for key, method, kind, accept in self.MANIFEST_LOADS:
            total += self.load(key, method, lists[kind], accept)["requests"]
        cpu = self.reg.cpu_seconds() - cpu0
        self.r["rss_manifest_peak_mib"] = self.reg.peak_rss_mib()
        self.r["cpu_ms_per_1k_manifest_requests"] = cpu * 1e6 / total if total else None
        if self.reg.name == "distribution":
            return
        for key, method, kind, accept in self.MANIFEST_LOADS[:3]:
            peer = self.inputs.get("distribution_rps", {}).get(key)
            rate = round(10 * peer) if peer else self.cfg.paced_rate
            self.r[key + "_paced_rate"] = rate
            self.load(key + "_paced", method, lists[kind], accept, "--rate", rate)
        self.step("authenticated manifest load", lambda: self.authenticated(lists))

    def authenticated(self, lists):
        """GET by tag again with authentication on, every request with Basic credentials: the
        cost of authenticating and authorizing each request (Distribution has no comparable
        set-up here: its configuration runs without authentication)."""
        try:
            creds = self.reg.with_auth()
            if creds is None:
                return
            header = "Authorization: Basic " + base64.b64encode(creds.encode()).decode()
            self.load("manifest_get_tag_auth", "GET", lists["tag"], True, "--header", header)
        finally:
            self.reg.with_auth(False)

    # --- pushes -------------------------------------------------------------------------------

    def storm(self):
        self.need_running()
        res = self.lg("push-images", "--url", self.reg.url, "--prefix", "storm/i",
                      "--count", self.cfg.storm_images, "--concurrency", self.cfg.storm_clients,
                      "--layer-bytes", self.cfg.storm_layer_kib * 1024, "--max-seconds", 300)
        self.r["storm"] = res
        self.r["storm_images_s"] = res["images_s"]
        self.r["storm_errors"] = res["errors"] + (self.cfg.storm_images - res["images"]
                                                  - res["errors"])

    def adjacent_limit(self, key, fn, tries):
        """A machine limit measured again right next to the measure it bounds: the machine is
        shared, and its limits move within minutes."""
        self.r.setdefault("limits", {})[key] = max(fn() for _ in range(tries))

    def blob_push(self):
        self.need_running()
        path_a = self.inputs["a"][0]
        self.adjacent_limit("disk_write_mb_s",
                            lambda: machine.disk_write_mb_s(path_a, self.cfg.data), 2)
        self.r["limits"]["push_bound_mb_s"] = min(self.r["limits"]["disk_write_mb_s"],
                                                  self.inputs["sha256_mb_s"])
        self.reg.reset_peak_rss()
        cpu = 0.0
        mb = 0.0
        for key, blob, chunk in (("push_put", "a", 0), ("push_patch", "b", self.cfg.chunk_mib)):
            path, digest = self.inputs[blob]
            cpu0 = self.reg.cpu_seconds()
            res = self.lg("push-blob", "--url", self.reg.url, "--repo", f"bench/{key}",
                          "--file", path, "--digest", digest, "--chunk-mib", chunk)
            cpu += self.reg.cpu_seconds() - cpu0
            mb += res["bytes"] / 1e6
            self.r[key] = res
            self.r[key + "_mb_s"] = res["mb_s"] if res["ok"] else None
            self.log(f"  {key}: {res['mb_s']:.0f} MB/s {res.get('error', '')}")
        self.r["rss_push_peak_mib"] = self.reg.peak_rss_mib()
        self.r["cpu_s_per_mb_pushed"] = cpu / mb if mb else None

    # --- pulls --------------------------------------------------------------------------------

    def blob_pull(self):
        self.need_running()
        path, digest = self.inputs["a"]
        n = self.cfg.pull_streams
        self.adjacent_limit("loopback_1_mb_s",
                            lambda: machine.loopback_mb_s(self.lg.binary, path, 1), 3)
        self.adjacent_limit(f"loopback_{n}_mb_s",
                            lambda: machine.loopback_mb_s(self.lg.binary, path, n), 2)
        cpu0 = self.reg.cpu_seconds()
        gb = 0.0
        # As many tries as the limit next to it, the best kept: a single try against the best of
        # three loopback tries would count the machine's noise against the registry.
        for key, streams, tries in (("pull_1", 1, 3),
                                    (f"pull_{n}", n, 2)):
            runs = []
            for _ in range(tries):
                runs.append(self.lg("pull-blob", "--url", self.reg.url, "--repo",
                                    "bench/push_put", "--digest", digest, "--streams", streams))
                gb += runs[-1]["bytes"] / 1e9
            failed = [r for r in runs if not r["ok"]]
            res = failed[0] if failed else max(runs, key=lambda r: r["mb_s"])
            res["tries_mb_s"] = [r["mb_s"] for r in runs]
            self.r[key] = res
            self.r[key + "_mb_s"] = res["mb_s"] if res["ok"] else None
            self.log(f"  {key}: {res['mb_s']:.0f} MB/s (best of {tries}: "
                     f"{', '.join(f'{r:.0f}' for r in res['tries_mb_s'])}) "
                     f"{res.get('error', '')}")
        self.r["cpu_s_per_gb_pulled"] = (self.reg.cpu_seconds() - cpu0) / gb if gb else None
        # Untimed: what was served is the blob that was pushed.
        check = self.lg("pull-blob", "--url", self.reg.url, "--repo", "bench/push_put",
                        "--digest", digest, "--verify")
        self.r["pull_verified"] = check["ok"]
        if not check["ok"]:
            raise RuntimeError("the pulled blob does not match its digest: " + check["error"])

    # --- whole images with a real client ------------------------------------------------------

    def skopeo(self):
        layout = self.inputs.get("debian")
        if not layout:
            raise RuntimeError("no test image (build/test-images/debian): skopeo measures skipped")
        self.need_running()
        size = self.inputs["debian_bytes"]
        ref = f"docker://127.0.0.1:{self.reg.port}/bench/debian:bookworm"
        base = ["skopeo", "--insecure-policy", "copy", "--quiet", "--retry-times", "0"]
        t0 = time.monotonic()
        subprocess.run(base + ["--dest-tls-verify=false", f"oci:{layout}:bookworm", ref],
                       check=True, capture_output=True, timeout=300)
        t = time.monotonic() - t0
        self.r["skopeo_push_s"], self.r["skopeo_push_mb_s"] = t, size / 1e6 / t
        with tempfile.TemporaryDirectory(dir=self.reg.log_dir) as tmp:
            t0 = time.monotonic()
            subprocess.run(base + ["--src-tls-verify=false", ref, f"oci:{tmp}/img:bookworm"],
                           check=True, capture_output=True, timeout=300)
            t = time.monotonic() - t0
        self.r["skopeo_pull_s"], self.r["skopeo_pull_mb_s"] = t, size / 1e6 / t
        self.log(f"  skopeo push {self.r['skopeo_push_s']:.2f} s, pull {t:.2f} s "
                 f"({size / 1e6:.1f} MB image)")

    # --- start-up over a big store ------------------------------------------------------------

    def startup_big(self):
        n = self.cfg.startup_repos
        store = self.big_store(n)
        if store is None:
            return
        times = []
        for _ in range(3):
            times.append(self.reg.start())
            self.reg.stop()
        self.r["startup_big_s"] = statistics.median(times)
        self.r["startup_big_all_s"] = times
        self.reg.start()
        time.sleep(2)
        self.r["rss_idle_big_mib"] = self.reg.rss_mib()
        # The store must be real, and lazy loading must not hide start-up work: time the first
        # manifest GET after a fresh start.
        self.reg.stop()
        self.reg.start()
        status, seconds = first_manifest_get(self.reg.port, "big/r000000")
        self.r["first_manifest_get_status"] = status
        self.r["first_manifest_get_ms"] = seconds * 1000 if status == 200 else None
        last = f"big/r{self.r['startup_big_repos'] - 1:06d}"
        last_status, _ = first_manifest_get(self.reg.port, last)
        self.reg.stop()
        for repo, st in (("big/r000000", status), (last, last_status)):
            if st != 200:
                raise RuntimeError(f"GET /v2/{repo}/manifests/latest answered {st}")

    def big_store(self, n):
        """Points the registry at a store holding n repositories; returns its path."""
        self.reg.data_dir = self.cfg.store(self.reg.name, "big")
        if self.reg.stable:
            marker = os.path.join(self.reg.data_dir, f".seeded-v1-{n}")
            if not os.path.exists(marker):  # reused across runs: Distribution never alters it
                self.cfg.discard(self.reg.data_dir)
                res = self.lg("seed-distribution-fs", "--root", self.reg.data_dir,
                              "--prefix", "big/r", "--count", n, timeout=1800)
                if not res["ok"]:
                    raise RuntimeError(res["error"])
                open(marker, "w").close()
                self.log(f"  wrote {n} repositories into the store in {res['seconds']:.0f} s")
            self.r["startup_big_repos"] = n
            return self.reg.data_dir
        self.cfg.discard(self.reg.data_dir)
        self.reg.start()
        api = min(n, self.cfg.big_api_repos)
        s = self.push_images("big/r", api, shared="--shared", max_s=self.cfg.big_seed_max_s)
        self.r["startup_big_seed"] = s
        self.reg.stop()
        how = f"pushed {s['images']} repositories through the API in {s['seconds']:.0f} s"
        total = s["images"]
        if n > api and s["images"] == api and self.reg.name == "cangku":
            t0 = time.monotonic()
            try:
                cangku_seed.clone_repositories(self.reg.data_dir, "big/r000000", "big/r", api,
                                               n - api)
                total = n
                how += f", copied them in SQL to {n} in {time.monotonic() - t0:.0f} s"
            except Exception as e:  # noqa: BLE001 - the schema moved on: use the API
                self.log(f"  ! SQL copy failed ({e}); pushing the rest through the API")
                self.reg.start()
                rest = self.lg("push-images", "--url", self.reg.url, "--prefix", "big/r",
                               "--shared", "--no-head-check", "--start", api,
                               "--count", n - api, "--mount-from", "big/r000000",
                               "--concurrency", self.cfg.seed_concurrency,
                               "--max-seconds", self.cfg.big_seed_max_s)
                self.reg.stop()
                total += rest["images"]
                how += f", then {rest['images']} more in {rest['seconds']:.0f} s"
        self.r["startup_big_repos"] = total
        self.r["startup_big_seed_how"] = how
        self.log("  " + how)
        return self.reg.data_dir
