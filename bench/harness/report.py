"""The results table: each figure for both registries, the ratio, and the machine bound."""

# (label, key path, unit, better, bound key in limits, target)
ROWS = [
    ("## Blob push", None, None, None, None, None),
    ("push {layer} MiB blob, monolithic PUT", "push_put_mb_s", "MB/s", "hi", "push_bound_mb_s",
     "≥2.5×, ≥80% of bound"),
    ("push {layer} MiB blob, {chunk} MiB PATCH chunks", "push_patch_mb_s", "MB/s", "hi",
     "push_bound_mb_s", "≥2.5×, ≥80% of bound"),
    ("skopeo copy push, Debian image", "skopeo_push_s", "s", "lo", None, ""),
    ("## Blob pull", None, None, None, None, None),
    ("pull {layer} MiB blob, 1 stream", "pull_1_mb_s", "MB/s", "hi", "loopback_1_mb_s",
     "≥95% of loopback"),
    ("pull {layer} MiB blob, {streams} streams", "pull_{streams}_mb_s", "MB/s", "hi",
     "loopback_{streams}_mb_s", ""),
    ("skopeo copy pull, Debian image", "skopeo_pull_s", "s", "lo", None, ""),
    ("## Manifests: {repos} repositories, {conns} connections", None, None, None, None, None),
    ("GET manifest by tag", "manifest_get_tag.rps", "req/s", "hi", None, "≥10×"),
    ("GET manifest by tag, p50", "manifest_get_tag.p50_ms", "ms", "lo", None, ""),
    ("GET manifest by tag, p99", "manifest_get_tag.p99_ms", "ms", "lo", None, ""),
    ("GET manifest by digest", "manifest_get_digest.rps", "req/s", "hi", None, "≥10×"),
    ("GET manifest by digest, p50", "manifest_get_digest.p50_ms", "ms", "lo", None, ""),
    ("GET manifest by digest, p99", "manifest_get_digest.p99_ms", "ms", "lo", None, ""),
    ("HEAD manifest by tag", "manifest_head_tag.rps", "req/s", "hi", None, "≥10×"),
    ("HEAD manifest by tag, p50", "manifest_head_tag.p50_ms", "ms", "lo", None, ""),
    ("HEAD manifest by tag, p99", "manifest_head_tag.p99_ms", "ms", "lo", None, ""),
    ("GET tags/list", "tags_list.rps", "req/s", "hi", None, ""),
    ("GET tags/list, p50", "tags_list.p50_ms", "ms", "lo", None, ""),
    ("GET tags/list, p99", "tags_list.p99_ms", "ms", "lo", None, ""),
    ("errors in the four manifest loads", "manifest_errors", "count", "lo", None, "0"),
    ("## Manifests paced at 10× Distribution's req/s, {conns} connections (Cangku only)", None,
     None, None, None, None),
    ("GET manifest by tag: req/s offered", "manifest_get_tag_paced_rate", "req/s", "hi", None,
     ""),
    ("GET manifest by tag: p50 / p99", "manifest_get_tag_paced.p50_ms|p99_ms", "ms", "lo",
     None, "p99 ≤2 ms"),
    ("GET manifest by digest: req/s offered", "manifest_get_digest_paced_rate", "req/s", "hi",
     None, ""),
    ("GET manifest by digest: p50 / p99", "manifest_get_digest_paced.p50_ms|p99_ms", "ms", "lo",
     None, "p99 ≤2 ms"),
    ("HEAD manifest by tag: req/s offered", "manifest_head_tag_paced_rate", "req/s", "hi", None,
     ""),
    ("HEAD manifest by tag: p50 / p99", "manifest_head_tag_paced.p50_ms|p99_ms", "ms", "lo",
     None, "p99 ≤2 ms"),
    ("errors in the paced loads", "manifest_paced_errors", "count", "lo", None, "0"),
    ("## Manifests with authentication (Cangku only; Basic credentials on every request)", None,
     None, None, None, None),
    ("GET manifest by tag, authenticated", "manifest_get_tag_auth.rps", "req/s", "hi", None, ""),
    ("GET manifest by tag, authenticated, p50 / p99", "manifest_get_tag_auth.p50_ms|p99_ms",
     "ms", "lo", None, ""),
    ("## Push storm: {storm} images, {clients} clients", None, None, None, None, None),
    ("images pushed per second", "storm_images_s", "images/s", "hi", None, "≥3×"),
    ("images failed", "storm_errors", "count", "lo", None, "0"),
    ("## Resources", None, None, None, None, None),
    ("RSS idle ({repos} repositories, fresh start)", "rss_idle_mib", "MiB", "lo", None, "≤1/3"),
    ("RSS idle ({big} repositories, fresh start)", "rss_idle_big_mib", "MiB", "lo", None, ""),
    ("peak RSS under the manifest load", "rss_manifest_peak_mib", "MiB", "lo", None, ""),
    ("peak RSS during the blob pushes", "rss_push_peak_mib", "MiB", "lo", None, ""),
    ("CPU per MB pushed (both blob pushes)", "cpu_s_per_mb_pushed", "CPU s/MB", "lo", None, ""),
    ("CPU per GB pulled (both blob pulls)", "cpu_s_per_gb_pulled", "CPU s/GB", "lo", None, ""),
    ("CPU per 1000 manifest requests", "cpu_ms_per_1k_manifest_requests", "CPU ms", "lo", None,
     ""),
    ("## Start-up until GET /v2/ answers 200", None, None, None, None, None),
    ("empty store", "startup_empty_s", "s", "lo", None, ""),
    ("{repos} repositories", "startup_seeded_s", "s", "lo", None, ""),
    ("{big} repositories (median of 3)", "startup_big_s", "s", "lo", None, "no slower"),
    ("then the first manifest GET", "first_manifest_get_ms", "ms", "lo", None, ""),
    ("## Seeding (for information)", None, None, None, None, None),
    ("seed pushes, one small image per repository", "seed_images_s", "images/s", "hi", None, ""),
]


def get(d, path):
    for part in path.split("."):
        if not isinstance(d, dict) or d.get(part) is None:
            return None
        d = d[part]
    return d if isinstance(d, (int, float)) and not isinstance(d, bool) else None


def fmt(v):
    if v is None:
        return "n/a"
    a = abs(v)
    if a >= 100:
        return f"{v:,.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    return f"{v:.3g}"


def key_pair(reg, first, second):
    """"p50 / p99" of one load, from "load.p50_ms" and "p99_ms"."""
    load = first.rsplit(".", 1)[0]
    return f"{fmt(get(reg, first))} / {fmt(get(reg, load + '.' + second))}"


def pct(v, limit):
    return "n/a" if v is None or not limit else f"{v / limit:.0%}"


def table(results):
    cfg = results["config"]
    lim = results.get("limits", {})
    names = {"layer": cfg["layer_mib"], "chunk": cfg["chunk_mib"], "streams": cfg["pull_streams"],
             "repos": f"{cfg['repos']:,}", "conns": cfg["connections"],
             "storm": cfg["storm_images"], "clients": cfg["storm_clients"],
             "big": f"{cfg['startup_repos']:,}"}
    d = results["registries"].get("distribution", {})
    c = results["registries"].get("cangku", {})
    for reg in (d, c):
        loads = [get(reg, k + ".errors") for k in ("manifest_get_tag", "manifest_get_digest",
                                                   "manifest_head_tag", "tags_list")]
        if any(x is not None for x in loads):
            reg["manifest_errors"] = sum(x or 0 for x in loads)
        paced = [get(reg, k + "_paced.errors") for k in ("manifest_get_tag", "manifest_get_digest",
                                                         "manifest_head_tag")]
        if any(x is not None for x in paced):
            reg["manifest_paced_errors"] = sum(x or 0 for x in paced)
    lines = ["| measure | unit | distribution | cangku | ratio c/d | bound: d / c of limit "
             "| target |", "|---|---|---:|---:|---:|---|---|"]
    for label, key, unit, better, bound, target in ROWS:
        label = label.format(**names)
        if key is None:
            lines.append(f"| **{label[3:]}** | | | | | | |")
            continue
        key = key.format(**names)
        if "|" in key:  # two figures of one load: "a.b|c" is a.b and a.c
            base, second = key.split("|")
            pair = [key_pair(reg, base, second) for reg in (d, c)]
            lines.append(f"| {label} | {unit} ↓ | {pair[0]} | {pair[1]} | n/a | | {target} |")
            continue
        dv, cv = get(d, key), get(c, key)
        ratio = f"{cv / dv:.2f}×" if dv and cv is not None else "n/a"
        arrow = "↑" if better == "hi" else "↓"
        b = ""
        if bound:
            bk = bound.format(**names)
            # Each registry's figure against the limit measured next to it, if it was.
            dl = get(d, "limits." + bk) or lim.get(bk)
            cl = get(c, "limits." + bk) or lim.get(bk)
            b = f"{pct(dv, dl)} / {pct(cv, cl)} of {bk.replace('_mb_s', '')}"
        lines.append(f"| {label} | {unit} {arrow} | {fmt(dv)} | {fmt(cv)} | {ratio} | {b} "
                     f"| {target} |")
    return "\n".join(lines)


def limits_table(results):
    lim = results.get("limits", {})
    regs = results["registries"]
    names = {"sha256_mb_s": "SHA-256, openssl speed -evp sha256, 16 KiB blocks, 1 thread",
             "disk_write_mb_s": "sequential write + fdatasync, data directory's disk",
             "loopback_1_mb_s": "loopback TCP, 1 stream (sendfile → recv)",
             "push_bound_mb_s": "push bound = min(SHA-256, disk)"}
    cols = [n for n in ("distribution", "cangku") if n in regs]
    lines = ["| machine limit, MB/s | at the start | "
             + " | ".join(f"next to {n}'s measure" for n in cols) + " |",
             "|---|---:|" + "---:|" * len(cols)]
    for k, v in lim.items():
        label = names.get(k, f"loopback TCP, {k.split('_')[1]} streams" if k.startswith(
            "loopback_") else k)
        near = [fmt(get(regs[n], "limits." + k)) if get(regs[n], "limits." + k) else ""
                for n in cols]
        lines.append(f"| {label} | {fmt(v)} | " + " | ".join(near) + " |")
    return "\n".join(lines)


def failures(results):
    out = []
    for name, reg in results["registries"].items():
        if reg.get("unavailable"):
            out.append(f"- {name}: not measured: {reg['unavailable']}")
        for what, want, got in (("repositories seeded", "repos", reg.get("seeded_repos")),
                                ("repositories for start-up", "startup_repos",
                                 reg.get("startup_big_repos"))):
            if got is not None and got < results["config"][want]:
                out.append(f"- {name}: only {got:,} of {results['config'][want]:,} {what} "
                           "(time cap reached)")
        seed = reg.get("seed") or {}
        if seed.get("cached"):
            out.append(f"- {name}: seeded store reused from the run of {seed.get('date')} "
                       "(the seeding figure is that run's)")
        if reg.get("startup_big_seed_how"):
            out.append(f"- {name}: store for start-up: {reg['startup_big_seed_how']}")
        elif reg.get("startup_big_repos"):
            out.append(f"- {name}: store for start-up: {reg['startup_big_repos']:,} repositories "
                       "written straight into its filesystem layout (kept between runs)")
        for step, err in reg.get("errors", {}).items():
            out.append(f"- {name}, {step}: {err}")
        for k, v in reg.items():
            if isinstance(v, dict) and v.get("ok") is False and v.get("error"):
                out.append(f"- {name}, {k}: {v['error'][:300]}")
    return "\n".join(out)


def render(results):
    m = results["machine"]
    head = [f"Run {results['started']} ({results['mode']} mode), {results['elapsed_s']:.0f} s. "
            f"Machine: {m.get('nproc')} × {m.get('cpu')}, kernel {m.get('kernel')}, "
            f"{m.get('mem_gib')} GiB RAM, disk {m.get('disk')}; load average at start "
            f"{', '.join(f'{x:.1f}' for x in m.get('load_avg_at_start', []))}, at end "
            f"{', '.join(f'{x:.1f}' for x in m.get('load_avg_at_end', []))}.", ""]
    v = results.get("versions", {})
    head[-1:-1] = [f"Versions: {v.get('distribution')}; cangku {v.get('cangku') or 'n/a'} "
                   f"(binary sha256 {(v.get('cangku_sha256') or 'n/a')[:12]}), "
                   f"tree at {v.get('git_head')}."]
    parts = ["\n".join(head), limits_table(results), "", table(results)]
    f = failures(results)
    if f:
        parts += ["", "Notes, and what was not measured:", f]
    return "\n".join(parts) + "\n"
