"""`cangku scrub`: re-hash blobs and check metadata against storage."""

import os

import pytest

from conftest import Api, unique_repo
from test_gc import blob_path, check_image, push_blob, run_cangku

pytestmark = pytest.mark.cangku_only


def scrub(reg, *args):
    return run_cangku("scrub", "--data-dir", reg.data_dir, *args)


def test_scrub_finds_corrupt_and_missing_blobs(fresh_registry):
    reg = fresh_registry
    api = Api(reg)
    repo = unique_repo()
    _b, digest, blobs = api.push_image(repo, tag="v1", seed=5, layers=2)
    _b, other, other_blobs = api.push_image(repo, tag="v2", seed=6)
    loose = push_blob(api.c, repo, b"loose blob")
    p = scrub(reg)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "0 problems" in p.stdout

    layer = [d for d in blobs if blobs[d] != min(blobs.values(), key=len)][0]
    with open(blob_path(reg, layer), "r+b") as f:
        f.seek(10)
        b = f.read(1)
        f.seek(10)
        f.write(bytes([b[0] ^ 0xFF]))
    os.remove(blob_path(reg, loose))

    p = scrub(reg)
    assert p.returncode == 3, p.stdout + p.stderr
    assert "problem corrupt-blob %s" % layer in p.stdout, p.stdout
    assert "problem missing-blob %s@%s" % (repo, loose) in p.stdout, p.stdout
    assert "problem broken-manifest %s@%s" % (repo, digest) in p.stdout, p.stdout
    assert other not in p.stdout

    # Repair removes the corrupt file and the link to nothing that no manifest uses; the
    # manifest whose layer was corrupt stays (re-pushing the layer heals it).
    p = scrub(reg, "--repair")
    assert p.returncode == 3, p.stdout + p.stderr
    assert "repaired corrupt-blob %s" % layer in p.stdout, p.stdout
    assert "repaired missing-blob %s@%s" % (repo, loose) in p.stdout, p.stdout
    assert not os.path.exists(blob_path(reg, layer))
    assert not api.blob_exists(repo, loose)
    push_blob(api.c, repo, blobs[layer])
    p = scrub(reg)
    assert p.returncode == 0, p.stdout + p.stderr
    check_image(api.c, repo, "v1", digest, list(blobs.items()))
    check_image(api.c, repo, "v2", other, list(other_blobs.items()))


def test_scrub_repair_of_clean_store_changes_nothing(fresh_registry):
    reg = fresh_registry
    api = Api(reg)
    repo = unique_repo()
    _b, digest, blobs = api.push_image(repo, tag="v1", seed=7)
    p = scrub(reg, "--repair")
    assert p.returncode == 0, p.stdout + p.stderr
    check_image(api.c, repo, "v1", digest, list(blobs.items()))
