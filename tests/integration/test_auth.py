"""Authentication and authorization: the permission matrix of the roles, the token flow and
attacks on it, throttling, and real clients (skopeo, podman) through the token flow."""

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse

import pytest

from conftest import (ADMIN_PASSWORD, Api, Client, assert_error, basic_auth, registry_with,
                      unique_repo)

pytestmark = pytest.mark.cangku_only

PASSWORD = "member-password-1"
ROLES = ["project-admin", "maintainer", "developer", "guest", "limited-guest"]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def der_to_raw(sig: bytes) -> bytes:
    """ECDSA DER signature (SEQUENCE of two INTEGERs) -> the 64-byte r||s of JWS."""
    assert sig[0] == 0x30
    i = 2 if sig[1] < 0x80 else 2 + (sig[1] & 0x7F)
    out = b""
    for _ in range(2):
        assert sig[i] == 0x02
        n = sig[i + 1]
        out += sig[i + 2:i + 2 + n].lstrip(b"\0").rjust(32, b"\0")
        i += 2 + n
    return out


def sign_es256(header, claims, key_path):
    """A compact JWS signed with the EC key at key_path (by the openssl command)."""
    signing_input = (b64url(json.dumps(header).encode()) + "." +
                     b64url(json.dumps(claims).encode())).encode()
    p = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key_path], input=signing_input,
                       capture_output=True, check=True)
    return signing_input.decode() + "." + b64url(der_to_raw(p.stdout))


def token_parts(token):
    h, p, s = token.split(".")
    return json.loads(unb64url(h)), json.loads(unb64url(p)), s


def get_token(reg, scopes, user=None, password=None, service="cangku", offline=False):
    q = [("service", service)] + [("scope", s) for s in scopes]
    if offline:
        q.append(("offline_token", "true"))
    headers = {}
    if user:
        headers["Authorization"] = basic_auth(user, password)
    r = reg.anon_client.get("/service/token?" + urllib.parse.urlencode(q), headers=headers)
    return r


def bearer(token):
    return {"Authorization": "Bearer " + token}


class Admin:
    """The admin API, as the system admin."""

    def __init__(self, reg):
        self.c = reg.client

    def call(self, method, path, body=None, expect=(200, 201, 204)):
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else {}
        r = self.c.request(method, path, body=data, headers=headers)
        assert r.status in expect, r
        return r.json() if r.body else None

    def user(self, name, password=PASSWORD, admin=False):
        return self.call("POST", "/api/v1/users",
                         {"name": name, "password": password, "admin": admin})

    def project(self, name, public=False):
        return self.call("POST", "/api/v1/projects", {"name": name, "public": public})

    def member(self, project, user, role):
        return self.call("PUT", "/api/v1/projects/%s/members/%s" % (project, user), {"role": role})

    def robot(self, project, name, actions, expires_at=0):
        body = {"name": name, "permissions": [{"project": project, "actions": actions}],
                "expires_at": expires_at}
        return self.call("POST", "/api/v1/projects/%s/robots" % project, body)


# ---- the permission matrix ----------------------------------------------------------------

# What each caller may do: pull, push, delete, tags (list tags), catalog (sees the project's
# repositories), members (manage members), robots (manage robots).
EXPECTED = {
    "project-admin": {"pull", "push", "delete", "tags", "catalog", "members", "robots"},
    "maintainer": {"pull", "push", "delete", "tags", "catalog"},
    "developer": {"pull", "push", "tags", "catalog"},
    "guest": {"pull", "tags", "catalog"},
    "limited-guest": {"pull", "tags", "catalog"},
    "non-member": set(),
    "anonymous": set(),
}
PUBLIC_READ = {"pull", "tags", "catalog"}
OPERATIONS = ["pull", "push", "delete", "tags", "catalog", "members", "robots"]


@pytest.fixture(scope="module")
def matrix_registry():
    with registry_with({"CANGKU_AUTH_MAX_FAILED_LOGINS_PER_ADDRESS": "100000"}) as reg:
        admin = Admin(reg)
        for role in ROLES + ["non-member", "bystander"]:
            admin.user("u-" + role)
        for visibility, public in (("pub", True), ("priv", False)):
            admin.project("m" + visibility, public=public)
            for role in ROLES:
                admin.member("m" + visibility, "u-" + role, role)
        yield reg


def caller_client(reg, caller):
    if caller == "anonymous":
        return reg.anon_client
    return reg.client_as("u-" + caller, PASSWORD)


def attempt(reg, client, project, caller, op):
    """Tries one operation; returns True when it was allowed, False when refused (401/403)."""
    admin_api = Api(reg)
    seeded = "%s/seed-%s" % (project, caller)
    if op in ("pull", "tags", "delete", "catalog"):
        pushed = admin_api.push_image(seeded, tag="v1", seed=hash(seeded) & 0xFFFF)
    api = Api(reg)
    api.c = client
    if op == "pull":
        r = client.get("/v2/%s/manifests/v1" % seeded,
                       headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
        ok = 200
    elif op == "tags":
        r = client.get("/v2/%s/tags/list" % seeded)
        ok = 200
    elif op == "push":
        r = client.post("/v2/%s/push-%s/blobs/uploads/" % (project, caller))
        ok = 202
    elif op == "delete":
        r = client.delete("/v2/%s/manifests/%s" % (seeded, pushed[1]))
        ok = 202
    elif op == "catalog":
        r = client.get("/v2/_catalog?n=1000")
        assert r.status == 200, r
        return seeded in r.json()["repositories"]
    elif op == "members":
        body = json.dumps({"role": "guest"}).encode()
        r = client.put("/api/v1/projects/%s/members/u-bystander" % project, body=body,
                       headers={"Content-Type": "application/json"})
        ok = 200
    elif op == "robots":
        body = json.dumps({"name": "r-%s" % caller.replace("-", ""),
                           "permissions": [{"project": project, "actions": ["pull"]}]}).encode()
        r = client.post("/api/v1/projects/%s/robots" % project, body=body,
                        headers={"Content-Type": "application/json"})
        ok = 201
    if r.status == ok:
        return True
    assert r.status in (401, 403), r
    assert_error(r, r.status)
    if op == "delete":  # a refused delete changed nothing
        assert admin_api.get_manifest(seeded, "v1").status == 200
    return False


@pytest.mark.parametrize("visibility", ["pub", "priv"])
@pytest.mark.parametrize("caller", list(EXPECTED))
def test_permission_matrix(matrix_registry, caller, visibility):
    reg = matrix_registry
    project = "m" + visibility
    client = caller_client(reg, caller)
    expected = set(EXPECTED[caller])
    if visibility == "pub":
        expected |= PUBLIC_READ
    got = {op for op in OPERATIONS if attempt(reg, client, project, caller, op)}
    assert got == expected, "%s in %s project: allowed %s, expected %s" % (
        caller, visibility, sorted(got), sorted(expected))


def test_anonymous_gets_bearer_challenge(matrix_registry):
    r = matrix_registry.anon_client.get("/v2/")
    assert r.status == 401, r
    challenge = r.header("WWW-Authenticate")
    assert challenge.startswith("Bearer realm=") and 'service="cangku"' in challenge, challenge
    r = matrix_registry.anon_client.get("/v2/mpriv/x/manifests/v1")
    assert_error(r, 401, "UNAUTHORIZED")
    assert 'scope="repository:mpriv/x:pull"' in r.header("WWW-Authenticate")


def test_catalog_lists_only_readable(matrix_registry):
    reg = matrix_registry
    admin_api = Api(reg)
    admin_api.push_image("mpriv/hidden", tag="v1")
    admin_api.push_image("mpub/shown", tag="v1")
    names = reg.anon_client.get("/v2/_catalog?n=1000").json()["repositories"]
    assert "mpub/shown" in names and "mpriv/hidden" not in names
    names = reg.client_as("u-non-member", PASSWORD).get("/v2/_catalog").json()["repositories"]
    assert "mpub/shown" in names and "mpriv/hidden" not in names
    names = reg.client_as("u-guest", PASSWORD).get("/v2/_catalog").json()["repositories"]
    assert "mpub/shown" in names and "mpriv/hidden" in names


# ---- the token flow -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def token_registry():
    with registry_with({"CANGKU_AUTH_MAX_FAILED_LOGINS_PER_ADDRESS": "100000",
                        "CANGKU_AUTH_MAX_FAILED_LOGINS_PER_USER": "1000"}) as reg:
        admin = Admin(reg)
        admin.user("alice")
        admin.project("alpha")
        admin.project("beta")
        admin.member("alpha", "alice", "developer")
        admin.member("beta", "alice", "guest")
        Api(reg).push_image("alpha/app", tag="v1")
        Api(reg).push_image("beta/app", tag="v1")
        yield reg


def test_token_grants_intersection(token_registry):
    r = get_token(token_registry, ["repository:alpha/app:pull,push,delete",
                                   "repository:beta/app:pull,push", "registry:catalog:*",
                                   "repository:gamma/none:pull"], "alice", PASSWORD)
    assert r.status == 200, r
    body = r.json()
    assert body["token"] == body["access_token"] and body["expires_in"] == 300
    header, claims, _ = token_parts(body["token"])
    assert header["alg"] == "ES256" and len(header["kid"]) == 59
    access = {(a["type"], a["name"]): a["actions"] for a in claims["access"]}
    assert access[("repository", "alpha/app")] == ["pull", "push"]
    assert access[("repository", "beta/app")] == ["pull"]
    assert access[("registry", "catalog")] == ["*"]
    # gamma does not exist: a user may create it by pushing (auth.auto_create_projects).
    assert access[("repository", "gamma/none")] == ["pull"]
    assert claims["sub"] == "alice" and claims["aud"] == "cangku" and claims["iss"] == "cangku"


def test_token_works_and_is_scoped(token_registry):
    token = get_token(token_registry, ["repository:alpha/app:pull"], "alice",
                      PASSWORD).json()["token"]
    c = token_registry.anon_client
    r = c.get("/v2/alpha/app/tags/list", headers=bearer(token))
    assert r.status == 200 and r.json()["tags"] == ["v1"], r
    # Pull only: a push with this token is refused with a challenge for the scope needed.
    r = c.post("/v2/alpha/app/blobs/uploads/", headers=bearer(token))
    assert_error(r, 401, "UNAUTHORIZED")
    assert 'error="insufficient_scope"' in r.header("WWW-Authenticate")
    assert 'scope="repository:alpha/app:pull,push"' in r.header("WWW-Authenticate")
    # A token for project alpha does not open project beta.
    r = c.get("/v2/beta/app/tags/list", headers=bearer(token))
    assert_error(r, 401, "UNAUTHORIZED")


def test_anonymous_token_and_bad_credentials(token_registry):
    r = get_token(token_registry, ["repository:alpha/app:pull"])
    assert r.status == 200, r
    _, claims, _ = token_parts(r.json()["token"])
    assert claims["sub"] == "" and claims["access"][0]["actions"] == []
    r = get_token(token_registry, ["repository:alpha/app:pull"], "alice", "wrong-password")
    assert_error(r, 401, "UNAUTHORIZED")
    r = get_token(token_registry, ["repository:alpha/app:pull"], "alice", PASSWORD,
                  service="other")
    assert r.status == 400 and r.json()["error"] == "invalid_request", r
    r = get_token(token_registry, ["repository:alpha/app"], "alice", PASSWORD)
    assert r.status == 400 and r.json()["error"] == "invalid_scope", r


def test_oauth2_password_and_refresh_grants(token_registry):
    c = token_registry.anon_client
    form = urllib.parse.urlencode({"grant_type": "password", "username": "alice",
                                   "password": PASSWORD, "service": "cangku",
                                   "client_id": "tests", "access_type": "offline",
                                   "scope": "repository:alpha/app:pull"}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    r = c.post("/service/token", body=form, headers=headers)
    assert r.status == 200, r
    body = r.json()
    assert body["scope"] == "repository:alpha/app:pull" and body["refresh_token"]
    form = urllib.parse.urlencode({"grant_type": "refresh_token", "service": "cangku",
                                   "client_id": "tests", "refresh_token": body["refresh_token"],
                                   "scope": "repository:alpha/app:pull,push"}).encode()
    r = c.post("/service/token", body=form, headers=headers)
    assert r.status == 200 and r.json()["scope"] == "repository:alpha/app:pull,push", r
    # A refresh token is not an access token.
    r = c.get("/v2/alpha/app/tags/list", headers=bearer(body["refresh_token"]))
    assert_error(r, 401, "UNAUTHORIZED")
    form = urllib.parse.urlencode({"grant_type": "password", "username": "alice",
                                   "password": "nope", "client_id": "tests"}).encode()
    assert_error(c.post("/service/token", body=form, headers=headers), 401, "UNAUTHORIZED")


def forged(reg, claims_update=None, header_update=None, key=None, drop=()):
    """A token like a real one for alice (pull, push on alpha/app), re-signed after changes."""
    real = get_token(reg, ["repository:alpha/app:pull,push"], "alice", PASSWORD).json()["token"]
    header, claims, _ = token_parts(real)
    claims.update(claims_update or {})
    header.update(header_update or {})
    for k in drop:
        claims.pop(k, None)
    return sign_es256(header, claims, key or os.path.join(reg.data_dir, "token.key"))


def refused(reg, token, repo="alpha/app"):
    """The token is refused for a push start and a pull, with 401 and an OCI error body, and
    nothing changed."""
    c = reg.anon_client
    before = Api(reg).tags(repo)
    r = c.post("/v2/%s/blobs/uploads/" % repo, headers=bearer(token))
    assert_error(r, 401, "UNAUTHORIZED")
    r = c.get("/v2/%s/manifests/v1" % repo, headers=bearer(token))
    assert r.status in (401, 403), r
    assert_error(r, r.status)
    assert Api(reg).tags(repo) == before


def test_forged_with_the_real_key_is_accepted(token_registry):
    # The control for the attacks below: re-signing an unchanged token with the key works.
    token = forged(token_registry)
    r = token_registry.anon_client.get("/v2/alpha/app/tags/list", headers=bearer(token))
    assert r.status == 200, r


def test_expired_token_refused(token_registry):
    now = int(time.time())
    refused(token_registry, forged(token_registry, {"exp": now - 120, "iat": now - 600,
                                                    "nbf": now - 600}))


def test_not_yet_valid_token_refused(token_registry):
    now = int(time.time())
    refused(token_registry, forged(token_registry, {"nbf": now + 600, "iat": now + 600,
                                                    "exp": now + 900}))


def test_token_without_expiry_refused(token_registry):
    refused(token_registry, forged(token_registry, drop=("exp",)))


def test_wrong_signature_refused(token_registry, tmp_path):
    other = str(tmp_path / "other.key")
    subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out",
                    other], check=True, capture_output=True)
    refused(token_registry, forged(token_registry, key=other))


def test_alg_none_refused(token_registry):
    real = get_token(token_registry, ["repository:alpha/app:pull,push"], "alice",
                     PASSWORD).json()["token"]
    header, claims, _ = token_parts(real)
    header["alg"] = "none"
    for sig in ("", "AAAA"):
        token = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        refused(token_registry, token + "." + sig)


def test_hs256_with_public_key_refused(token_registry, tmp_path):
    import hashlib
    import hmac
    pub = subprocess.run(["openssl", "ec", "-in", os.path.join(token_registry.data_dir,
                                                               "token.key"), "-pubout"],
                         capture_output=True, check=True).stdout
    real = get_token(token_registry, ["repository:alpha/app:pull,push"], "alice",
                     PASSWORD).json()["token"]
    header, claims, _ = token_parts(real)
    header["alg"] = "HS256"
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    sig = hmac.new(pub, signing_input.encode(), hashlib.sha256).digest()
    refused(token_registry, signing_input + "." + b64url(sig))


def test_tampered_scope_refused(token_registry):
    real = get_token(token_registry, ["repository:beta/app:pull"], "alice",
                     PASSWORD).json()["token"]
    h, p, s = real.split(".")
    claims = json.loads(unb64url(p))
    claims["access"] = [{"type": "repository", "name": "beta/app", "actions": ["pull", "push"]}]
    refused(token_registry, h + "." + b64url(json.dumps(claims).encode()) + "." + s, "beta/app")


def test_wrong_audience_and_issuer_refused(token_registry):
    refused(token_registry, forged(token_registry, {"aud": "another-registry"}))
    refused(token_registry, forged(token_registry, {"iss": "someone-else"}))


def test_token_for_project_a_refused_on_project_b(token_registry):
    token = get_token(token_registry, ["repository:alpha/app:pull,push"], "alice",
                      PASSWORD).json()["token"]
    refused(token_registry, token, "beta/app")
    # Even re-signed with beta's name swapped in by someone holding the key, alice's role in
    # beta (guest) does not allow a push.
    token = forged(token_registry, {"access": [{"type": "repository", "name": "beta/app",
                                                "actions": ["pull", "push"]}]})
    r = token_registry.anon_client.post("/v2/beta/app/blobs/uploads/", headers=bearer(token))
    assert r.status in (401, 403), r


def test_robot_token_after_disable_and_expiry(token_registry):
    admin = Admin(token_registry)
    robot = admin.robot("alpha", "ci", ["pull", "push"])
    name, secret = robot["name"], robot["secret"]
    assert name == "robot$alpha+ci"
    r = get_token(token_registry, ["repository:alpha/app:pull,push"], name, secret)
    assert r.status == 200, r
    token = r.json()["token"]
    c = token_registry.anon_client
    assert c.get("/v2/alpha/app/tags/list", headers=bearer(token)).status == 200
    # Basic auth with the robot works too.
    assert token_registry.client_as(name, secret).get("/v2/alpha/app/tags/list").status == 200
    quoted = urllib.parse.quote(name, safe="")
    admin.call("PATCH", "/api/v1/robots/" + quoted, {"disabled": True})
    refused(token_registry, token)
    assert_error(token_registry.client_as(name, secret).get("/v2/alpha/app/tags/list"), 401)
    # An expiring robot: its token stops working when the robot expires.
    robot = admin.robot("alpha", "short", ["pull"], expires_at=int(time.time()) + 3)
    token = get_token(token_registry, ["repository:alpha/app:pull"], robot["name"],
                      robot["secret"]).json()["token"]
    assert c.get("/v2/alpha/app/tags/list", headers=bearer(token)).status == 200
    time.sleep(4.5)
    refused(token_registry, token)
    r = get_token(token_registry, ["repository:alpha/app:pull"], robot["name"], robot["secret"])
    assert_error(r, 401, "UNAUTHORIZED")


def test_password_change_revokes_tokens(token_registry):
    admin = Admin(token_registry)
    admin.user("carol")
    admin.member("alpha", "carol", "developer")
    token = get_token(token_registry, ["repository:alpha/app:pull"], "carol",
                      PASSWORD).json()["token"]
    c = token_registry.anon_client
    assert c.get("/v2/alpha/app/tags/list", headers=bearer(token)).status == 200
    admin.call("PUT", "/api/v1/users/carol/password", {"new_password": "another-password"})
    refused(token_registry, token)


# ---- throttling ---------------------------------------------------------------------------------


def test_failed_logins_are_throttled_and_audited():
    with registry_with({"CANGKU_AUTH_MAX_FAILED_LOGINS_PER_USER": "3"}) as reg:
        Admin(reg).user("dave")
        bad = reg.client_as("dave", "wrong-password")
        for _ in range(3):
            assert_error(bad.get("/v2/"), 401, "UNAUTHORIZED")
        # Locked out now: even the right password waits.
        r = reg.client_as("dave", PASSWORD).get("/v2/")
        assert_error(r, 429, "TOOMANYREQUESTS")
        # Other users are not affected.
        assert reg.client.get("/v2/").status == 200

        def failures():
            r = reg.client.get("/api/v1/audit?action=login&actor=dave")
            assert r.status == 200, r
            return [e for e in r.json()["entries"] if e["result"] == "failed"]
        deadline = time.monotonic() + 10
        while len(failures()) < 4 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(failures()) >= 4
        assert all(e["address"] == "127.0.0.1" for e in failures())
        # Secrets never reach the log.
        assert "wrong-password" not in reg.log_tail(10**7)


# ---- audit ----------------------------------------------------------------------------------


def test_push_pull_delete_audited(token_registry):
    api = Api(token_registry)
    pushed = api.push_image("alpha/audited", tag="v1")
    api.get_manifest("alpha/audited", "v1")
    r = api.delete("/v2/alpha/audited/manifests/%s" % pushed[1])
    assert r.status == 202, r
    wanted = {"push", "pull", "delete"}

    def seen():
        r = token_registry.client.get("/api/v1/projects/alpha/audit?n=100")
        assert r.status == 200, r
        return {e["action"] for e in r.json()["entries"]
                if e["resource"].startswith("alpha/audited") and e["actor"] == "admin"}
    deadline = time.monotonic() + 10
    while not wanted <= seen() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert wanted <= seen()


# ---- real clients through the token flow --------------------------------------------------------


def need(binary):
    if not shutil.which(binary):
        pytest.skip("%s is not installed" % binary)


def run(cmd, check=True, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)
    if check and p.returncode != 0:
        raise AssertionError("%s failed:\n%s\n%s" % (" ".join(cmd), p.stdout[-2000:],
                                                    p.stderr[-2000:]))
    return p


@pytest.mark.clients
def test_skopeo_with_credentials_and_anonymous(token_registry, test_images):
    need("skopeo")
    reg = token_registry
    admin = Admin(reg)
    admin.user("erin")
    admin.project("open", public=True)
    admin.project("closed")
    admin.member("open", "erin", "developer")
    admin.member("closed", "erin", "developer")
    src = "oci:%s:bookworm" % os.path.join(test_images, "debian")
    for project in ("open", "closed"):
        run(["skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", "erin:" + PASSWORD,
             src, "docker://%s/%s/debian:12" % (reg.addr, project)])
    out = tempfile.mkdtemp(prefix="skopeo-anon-", dir=reg.workdir)
    # Anonymous pull from the public project works; from the private one it is refused.
    run(["skopeo", "copy", "--src-tls-verify=false", "--src-no-creds",
         "docker://%s/open/debian:12" % reg.addr, "oci:%s:x" % out])
    p = run(["skopeo", "copy", "--src-tls-verify=false", "--src-no-creds",
             "docker://%s/closed/debian:12" % reg.addr, "oci:%s:y" % out], check=False)
    assert p.returncode != 0
    assert "unauthorized" in p.stderr.lower() or "authentication required" in p.stderr.lower(), \
        p.stderr
    # Wrong password: refused.
    p = run(["skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", "erin:wrong-one",
             src, "docker://%s/open/debian:13" % reg.addr], check=False)
    assert p.returncode != 0


@pytest.mark.clients
def test_podman_login_push_pull(token_registry, test_images):
    need("podman")
    reg = token_registry
    admin = Admin(reg)
    admin.user("frank")
    root = tempfile.mkdtemp(prefix="pm-", dir="/tmp")
    auth_file = os.path.join(root, "auth.json")
    base = ["podman", "--root", os.path.join(root, "root"), "--runroot",
            os.path.join(root, "run"), "--storage-driver", "vfs", "--events-backend", "file",
            "--cgroup-manager", "cgroupfs", "--tmpdir", os.path.join(root, "tmp")]
    os.makedirs(os.path.join(root, "tmp"), exist_ok=True)
    env = dict(os.environ, TMPDIR=os.path.join(root, "tmp"), REGISTRY_AUTH_FILE=auth_file)
    try:
        p = run(base + ["login", "--tls-verify=false", "--username", "frank", "--password-stdin",
                        reg.addr], input=PASSWORD, env=env)
        assert "Login Succeeded" in p.stdout, p.stdout
        src = "oci:%s:bookworm" % os.path.join(test_images, "debian")
        run(base + ["pull", src], env=env)
        image = run(base + ["images", "-q"], env=env).stdout.split()[0]
        # frank's first push creates project "frank" (auto-create) with frank as its admin.
        dst = "%s/frank/debian:12" % reg.addr
        run(base + ["push", "--tls-verify=false", image, "docker://" + dst], env=env)
        run(base + ["rmi", "--all", "--force"], env=env)
        run(base + ["pull", "--tls-verify=false", dst], env=env)
        members = reg.client.get("/api/v1/projects/frank/members").json()["members"]
        assert any(m["user"] == "frank" and m["role"] == "project-admin" for m in members), members
        # After logout, the private project is closed to podman.
        run(base + ["logout", reg.addr], env=env)
        p = run(base + ["pull", "--tls-verify=false", dst], env=env, check=False)
        assert p.returncode != 0
    finally:
        run(base + ["system", "reset", "--force"], env=env, check=False)
        shutil.rmtree(root, ignore_errors=True)


def test_auto_create_off_refuses_unknown_project():
    with registry_with({"CANGKU_AUTH_AUTO_CREATE_PROJECTS": "false"}) as reg:
        Admin(reg).user("gina")
        c = reg.client_as("gina", PASSWORD)
        r = c.post("/v2/nowhere/app/blobs/uploads/")
        assert r.status in (403, 404), r
        assert_error(r, r.status)
        assert reg.client.get("/api/v1/projects/nowhere").status == 404


def test_admin_api_refuses_registry_tokens(token_registry):
    token = get_token(token_registry, ["repository:alpha/app:pull"], "admin",
                      ADMIN_PASSWORD).json()["token"]
    r = token_registry.anon_client.post(
        "/api/v1/users", body=json.dumps({"name": "mallory", "password": "mallory-pw-1"}).encode(),
        headers=dict(bearer(token), **{"Content-Type": "application/json"}))
    assert_error(r, 401, "UNAUTHORIZED")
    assert token_registry.client.get("/api/v1/users/mallory").status == 404
