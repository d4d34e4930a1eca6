"""The admin API (/api/v1: users, projects, members, robots, audit) over HTTP, and the identity
CLI (cangku user|project|robot) on a data directory and against a running server."""

import hashlib
import json
import os
import shutil
import tempfile
import urllib.parse
import warnings

import pytest

from conftest import Registry, basic_auth, free_port, run_cangku, unique_repo, wait_until

pytestmark = pytest.mark.cangku_only

JSON = {"Content-Type": "application/json"}


def name(prefix="u"):
    """A unique lowercase name usable as a user, project or robot name."""
    return prefix + unique_repo("x").split("/", 1)[1].replace(".", "-").replace("_", "-")


def call(client, method, path, body=None, headers=None):
    data = None if body is None else (body if isinstance(body, (bytes, str)) else json.dumps(body))
    h = dict(JSON if body is not None and not isinstance(body, (bytes, str)) else {})
    h.update(headers or {})
    return client.request(method, path, body=data, headers=h)


def expect(r, status, code=None):
    assert r.status == status, r
    if code is not None:
        assert r.json()["errors"][0]["code"] == code, r
    return r.json() if r.body else None


def no_secrets(doc):
    text = json.dumps(doc)
    assert "password_hash" not in text and "secret_hash" not in text and "$2b$" not in text


@pytest.fixture(scope="module")
def server(auth_registry):
    return auth_registry


@pytest.fixture(scope="module")
def admin(server):
    return server.reg.client


def make_user(admin, user, password=None, is_admin=False):
    password = password or user + "-password"
    expect(call(admin, "POST", "/api/v1/users",
                {"name": user, "password": password, "admin": is_admin}), 201)
    return password


def as_user(server, user, password):
    return server.reg.client_as(user, password)


# --------------------------------------------------------------------------------------------
# Authentication and the caller


def test_anonymous_callers_get_a_basic_challenge(server):
    anon = server.reg.anon_client
    for method, path in [("GET", "/api/v1/me"), ("GET", "/api/v1/users"),
                         ("POST", "/api/v1/projects"), ("GET", "/api/v1/audit")]:
        r = anon.request(method, path)
        expect(r, 401, "UNAUTHORIZED")
        assert r.header("WWW-Authenticate") == 'Basic realm="cangku"', r
    assert "projects" in expect(anon.get("/api/v1/projects"), 200)


def test_me(server, admin):
    me = expect(admin.get("/api/v1/me"), 200)
    assert me["name"] == "admin" and me["kind"] == "user" and me["admin"] is True
    assert me["memberships"] == []
    expect(admin.get("/api/v1/nothing"), 404, "NOT_FOUND")
    expect(admin.request("DELETE", "/api/v1/me"), 405, "UNSUPPORTED")


# --------------------------------------------------------------------------------------------
# Users


def test_user_crud(server, admin):
    bob = name("bob")
    make_user(admin, bob)
    expect(call(admin, "POST", "/api/v1/users", {"name": bob, "password": "x-password"}), 409,
           "CONFLICT")
    expect(call(admin, "POST", "/api/v1/users", {"name": "-bad", "password": "x-password"}), 400,
           "BAD_REQUEST")
    expect(call(admin, "POST", "/api/v1/users", {"name": name(), "password": "short"}), 400)
    expect(call(admin, "POST", "/api/v1/users", {"name": name(), "pasword": "long-enough"}), 400)
    expect(admin.request("POST", "/api/v1/users", body="{", headers=JSON), 400, "BAD_REQUEST")
    user = expect(admin.get("/api/v1/users/" + bob), 200)
    assert user["name"] == bob and user["admin"] is False and user["disabled"] is False
    assert user["created_at"] > 1_600_000_000
    no_secrets(user)

    users = expect(admin.get("/api/v1/users?n=1000"), 200)["users"]
    assert bob in [u["name"] for u in users]
    no_secrets(users)
    first = admin.get("/api/v1/users?n=1")
    assert len(expect(first, 200)["users"]) == 1
    link = first.header("Link")
    assert link and link.startswith("</api/v1/users?n=1&last=") and link.endswith('rel="next"')
    expect(admin.get("/api/v1/users?n=x"), 400, "PAGINATION_NUMBER_INVALID")

    assert expect(call(admin, "PATCH", "/api/v1/users/" + bob, {"admin": True}), 200)["admin"]
    expect(call(admin, "PATCH", "/api/v1/users/" + bob, {"admin": "yes"}), 400)
    expect(admin.delete("/api/v1/users/" + bob), 204)
    expect(admin.get("/api/v1/users/" + bob), 404, "NOT_FOUND")
    expect(admin.delete("/api/v1/users/" + bob), 404)


def test_only_admins_manage_users(server, admin):
    carol = name("carol")
    pw = make_user(admin, carol)
    c = as_user(server, carol, pw)
    expect(c.get("/api/v1/users"), 403, "DENIED")
    expect(call(c, "POST", "/api/v1/users", {"name": name(), "password": "long-enough"}), 403)
    expect(c.get("/api/v1/users/admin"), 403)
    assert expect(c.get("/api/v1/users/" + carol), 200)["name"] == carol
    expect(call(c, "PATCH", "/api/v1/users/" + carol, {"admin": True}), 403)


def test_password_change_then_old_password_refused(server, admin):
    dave = name("dave")
    old = make_user(admin, dave)
    c = as_user(server, dave, old)
    expect(c.get("/api/v1/me"), 200)
    path = "/api/v1/users/%s/password" % dave
    expect(call(c, "PUT", path, {"new_password": "a-new-password"}), 400, "BAD_REQUEST")
    expect(call(c, "PUT", path, {"new_password": "a-new-password", "old_password": "wrong-pw"}),
           403, "DENIED")
    expect(call(c, "PUT", path, {"new_password": "a-new-password", "old_password": old}), 204)
    expect(as_user(server, dave, old).get("/api/v1/me"), 401, "UNAUTHORIZED")
    assert expect(as_user(server, dave, "a-new-password").get("/api/v1/me"), 200)["name"] == dave
    # A system admin sets a password without the current one.
    expect(call(admin, "PUT", path, {"new_password": "third-password"}), 204)
    expect(as_user(server, dave, "a-new-password").get("/api/v1/me"), 401)
    expect(as_user(server, dave, "third-password").get("/api/v1/me"), 200)


def test_disabled_user_refused(server, admin):
    erin = name("erin")
    pw = make_user(admin, erin)
    expect(as_user(server, erin, pw).get("/api/v1/me"), 200)
    expect(call(admin, "PATCH", "/api/v1/users/" + erin, {"disabled": True}), 200)
    expect(as_user(server, erin, pw).get("/api/v1/me"), 401, "UNAUTHORIZED")
    expect(as_user(server, erin, pw).get("/v2/"), 401)
    expect(call(admin, "PATCH", "/api/v1/users/" + erin, {"disabled": False}), 200)
    expect(as_user(server, erin, pw).get("/api/v1/me"), 200)


def test_htpasswd_import(server, admin):
    hashed = bcrypt_hash("imported-password")
    frank = name("frank")
    r = admin.request("POST", "/api/v1/users/import", body="# users\n%s:%s\n" % (frank, hashed),
                      headers={"Content-Type": "text/plain"})
    assert expect(r, 200) == {"created": 1, "updated": 0}
    expect(as_user(server, frank, "imported-password").get("/api/v1/me"), 200)
    r = admin.request("POST", "/api/v1/users/import", body="%s:{SHA}xyz\n" % name(),
                      headers={"Content-Type": "text/plain"})
    assert "line 1" in expect(r, 400, "BAD_REQUEST")["errors"][0]["message"]


def bcrypt_hash(password):
    """A bcrypt hash as htpasswd -B makes it (cost 4, to be quick)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        crypt = pytest.importorskip("crypt")
    return crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))


# --------------------------------------------------------------------------------------------
# Projects and members


def test_project_crud_members_and_permissions(server, admin):
    alice, bob = name("alice"), name("bob")
    a = as_user(server, alice, make_user(admin, alice))
    b = as_user(server, bob, make_user(admin, bob))
    anon = server.reg.anon_client
    p = name("p")
    created = expect(call(a, "POST", "/api/v1/projects", {"name": p}), 201)
    assert created == {"name": p, "public": False, "owner": alice,
                       "created_at": created["created_at"]}
    expect(call(a, "POST", "/api/v1/projects", {"name": p}), 409, "CONFLICT")
    expect(call(a, "POST", "/api/v1/projects", {"name": "Bad/Name"}), 400, "BAD_REQUEST")
    names = lambda c: [x["name"] for x in expect(c.get("/api/v1/projects?n=1000"), 200)["projects"]]
    assert p in names(a) and p in names(admin)
    assert p not in names(b) and p not in names(anon)
    expect(b.get("/api/v1/projects/" + p), 403, "DENIED")
    expect(admin.get("/api/v1/projects/" + name("none")), 404, "NOT_FOUND")

    perms = expect(a.get("/api/v1/projects/%s/permissions" % p), 200)
    assert perms["role"] == "project-admin" and "manage-members" in perms["actions"]
    perms = expect(b.get("/api/v1/projects/%s/permissions" % p), 200)
    assert perms == {"project": p, "role": None, "actions": []}

    members = "/api/v1/projects/%s/members" % p
    expect(call(a, "PUT", "%s/%s" % (members, bob), {"role": "owner"}), 400, "BAD_REQUEST")
    expect(call(a, "PUT", "%s/%s" % (members, name("ghost")), {"role": "guest"}), 404)
    m = expect(call(a, "PUT", "%s/%s" % (members, bob), {"role": "developer"}), 200)
    assert m["user"] == bob and m["role"] == "developer" and m["project"] == p
    perms = expect(b.get("/api/v1/projects/%s/permissions" % p), 200)
    assert perms["role"] == "developer"
    assert set(perms["actions"]) == {"pull", "list", "push", "view-members", "view-log"}
    assert [x["user"] for x in expect(b.get(members), 200)["members"]] == sorted([alice, bob])
    expect(call(b, "PUT", "%s/%s" % (members, bob), {"role": "project-admin"}), 403, "DENIED")
    expect(call(b, "PATCH", "/api/v1/projects/" + p, {"public": True}), 403)
    me = expect(b.get("/api/v1/me"), 200)
    assert {"project": p, "role": "developer"} in me["memberships"]
    # The last project admin stays.
    expect(call(a, "PUT", "%s/%s" % (members, alice), {"role": "guest"}), 409, "CONFLICT")
    expect(a.delete("%s/%s" % (members, alice)), 409, "CONFLICT")

    assert expect(call(a, "PATCH", "/api/v1/projects/" + p, {"public": True}), 200)["public"]
    assert p in names(anon) and p in names(b)
    expect(a.delete("%s/%s" % (members, bob)), 204)
    expect(a.delete("%s/%s" % (members, bob)), 404)
    expect(b.delete("/api/v1/projects/" + p), 403)
    expect(a.delete("/api/v1/projects/" + p), 204)
    expect(admin.get("/api/v1/projects/" + p), 404)


def test_project_paging(server, admin):
    prefix = name("pg")
    for i in range(3):
        expect(call(admin, "POST", "/api/v1/projects", {"name": "%s-%d" % (prefix, i)}), 201)
    r = admin.get("/api/v1/projects?n=2&last=%s" % prefix)
    assert [x["name"] for x in expect(r, 200)["projects"]] == [prefix + "-0", prefix + "-1"]
    link = r.header("Link")
    assert link == '</api/v1/projects?n=2&last=%s-1>; rel="next"' % prefix
    nxt = expect(admin.get(link[1:link.index(">")]), 200)["projects"]
    assert nxt[0]["name"] == prefix + "-2"


def test_project_deletion_waits_for_its_repositories(server, admin):
    p = name("repos")
    expect(call(admin, "POST", "/api/v1/projects", {"name": p}), 201)
    data = b"layer"
    r = admin.post("/v2/%s/app/blobs/uploads/?digest=sha256:%s"
                   % (p, hashlib.sha256(data).hexdigest()), body=data)
    assert r.status == 201, r
    expect(admin.delete("/api/v1/projects/" + p), 409, "CONFLICT")
    usage = expect(admin.get("/api/v1/projects/%s/usage" % p), 200)
    assert usage == {"project": p, "used_bytes": len(data), "quota_bytes": None}
    r = run_cangku("project", "policy", "--project", p, "--quota-bytes", "1000",
                   "--data-dir", server.reg.data_dir)
    assert r.returncode == 0, r.stderr
    assert expect(admin.get("/api/v1/projects/%s/usage" % p), 200)["quota_bytes"] == 1000


# --------------------------------------------------------------------------------------------
# Robots


def robot_path(full_name, suffix=""):
    return "/api/v1/robots/" + urllib.parse.quote(full_name, safe="") + suffix


def test_robots_create_rotate_disable(server, admin):
    owner = name("owner")
    o = as_user(server, owner, make_user(admin, owner))
    p = name("rp")
    expect(call(o, "POST", "/api/v1/projects", {"name": p}), 201)
    created = expect(call(o, "POST", "/api/v1/projects/%s/robots" % p,
                          {"name": "ci", "description": "builds",
                           "permissions": [{"actions": ["pull", "push"]}]}), 201)
    full = "robot$%s+ci" % p
    assert created["name"] == full and created["project"] == p
    assert created["permissions"] == [{"project": p, "actions": ["pull", "push"]}]
    secret = created["secret"]
    assert len(secret) == 64
    no_secrets(created)
    expect(call(o, "POST", "/api/v1/projects/%s/robots" % p, {"name": "ci"}), 409)
    expect(call(o, "POST", "/api/v1/projects/%s/robots" % p,
                {"name": "x", "permissions": [{"actions": ["manage-members"]}]}), 400)
    expect(call(o, "POST", "/api/v1/robots", {"name": name("sys")}), 403, "DENIED")

    listed = expect(o.get("/api/v1/projects/%s/robots" % p), 200)["robots"]
    assert [x["name"] for x in listed] == [full] and "secret" not in listed[0]
    got = expect(o.get(robot_path(full)), 200)
    assert "secret" not in got and got["description"] == "builds"
    assert expect(o.get("/api/v1/robots/" + full), 200)["name"] == full  # '$' and '+' raw too

    bot = server.reg.client_as(full, secret)
    me = expect(bot.get("/api/v1/me"), 200)
    assert me["kind"] == "robot" and me["permissions"] == [{"project": p, "actions": ["pull", "push"]}]
    expect(bot.get("/api/v1/projects/%s/robots" % p), 403)

    rotated = expect(o.post(robot_path(full, "/secret")), 200)
    assert rotated["secret"] != secret
    expect(server.reg.client_as(full, secret).get("/api/v1/me"), 401)
    expect(server.reg.client_as(full, rotated["secret"]).get("/api/v1/me"), 200)

    expect(call(o, "PATCH", robot_path(full), {"disabled": True}), 200)
    expect(server.reg.client_as(full, rotated["secret"]).get("/api/v1/me"), 401)
    expect(call(o, "PATCH", robot_path(full), {"expires_at": 1}), 400, "BAD_REQUEST")
    expect(o.delete(robot_path(full)), 204)
    expect(o.get(robot_path(full)), 404)

    system = expect(call(admin, "POST", "/api/v1/robots",
                         {"name": name("mirror"), "permissions": [{"project": "*", "actions": ["pull"]}]}),
                    201)
    assert system["name"].startswith("robot$") and "+" not in system["name"]
    assert system["name"] in [x["name"] for x in expect(admin.get("/api/v1/robots"), 200)["robots"]]


# --------------------------------------------------------------------------------------------
# Audit


def test_audit_query_paging_and_filters(server, admin):
    grace = name("grace")
    g = as_user(server, grace, make_user(admin, grace))
    projects = [name("ap") for _ in range(3)]
    for p in projects:
        expect(call(g, "POST", "/api/v1/projects", {"name": p}), 201)
    expect(call(g, "POST", "/api/v1/users", {"name": name(), "password": "long-enough"}), 403)

    def entries(query, client=admin):
        return expect(client.get("/api/v1/audit?" + query), 200)

    wait_until(lambda: len(entries("actor=%s&action=project.create" % grace)["entries"]) == 3,
               timeout=10, what="audit entries")
    page = entries("actor=%s&action=project.create&n=2" % grace)
    assert [e["project"] for e in page["entries"]] == projects[::-1][:2]
    assert all(e["result"] == "ok" and e["actor"] == grace for e in page["entries"])
    assert page["next"] == page["entries"][1]["id"]
    rest = entries("actor=%s&action=project.create&n=2&before_id=%d" % (grace, page["next"]))
    assert [e["project"] for e in rest["entries"]] == [projects[0]] and rest["next"] is None
    denied = entries("actor=%s&action=user.create" % grace)["entries"]
    assert denied[0]["result"] == "denied"
    assert entries("actor=%s&since=4000000000" % grace)["entries"] == []
    first = page["entries"][0]
    earlier = entries("actor=%s&until=%d" % (grace, first["time"]))["entries"]
    assert all(e["time"] < first["time"] for e in earlier)
    expect(admin.get("/api/v1/audit?n=-1"), 400)

    # A project's log: its project admin may read it, others not; the whole log is for admins.
    mine = expect(g.get("/api/v1/projects/%s/audit" % projects[0]), 200)["entries"]
    assert [e["action"] for e in mine] == ["project.create"]
    expect(g.get("/api/v1/audit"), 403, "DENIED")
    other = name("other")
    expect(as_user(server, other, make_user(admin, other))
           .get("/api/v1/projects/%s/audit" % projects[0]), 403)


# --------------------------------------------------------------------------------------------
# The CLI


def cli_json(r):
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    return json.loads(r.stdout) if r.stdout.strip() else None


def test_cli_local_mode_then_serve():
    """Accounts made on a data directory with no server running are there when one starts."""
    workdir = tempfile.mkdtemp(prefix="cangku-it-cli-")
    data = os.path.join(workdir, "data")
    os.makedirs(data)
    local = ("--data-dir", data)
    try:
        ops = cli_json(run_cangku("user", "create", "ops", "--admin", *local, stdin="ops-password\n"))
        assert ops["name"] == "ops" and ops["admin"] is True
        assert "password" not in json.dumps(ops)
        cli_json(run_cangku("user", "create", "dev", *local, stdin="dev-password\n"))
        assert [u["name"] for u in cli_json(run_cangku("user", "list", *local))["users"]] == \
            ["dev", "ops"]
        r = run_cangku("user", "create", "dev", *local, stdin="dev-password\n")
        assert r.returncode == 1 and "CONFLICT" in r.stderr
        r = run_cangku("user", "create", "bad name", *local, stdin="long-enough\n")
        assert r.returncode == 2 and "BAD_REQUEST" in r.stderr
        assert run_cangku("user", "create", "nopw", *local).returncode == 2  # no password on stdin
        assert run_cangku("user", "update", "dev", *local).returncode == 2   # nothing to change
        cli_json(run_cangku("user", "passwd", "dev", *local, stdin="dev-password-2\n"))

        cli_json(run_cangku("project", "create", "team", *local))
        cli_json(run_cangku("project", "member", "add", "team", "dev", "--role", "maintainer",
                            *local))
        members = cli_json(run_cangku("project", "members", "team", *local))["members"]
        assert [(m["user"], m["role"]) for m in members] == [("dev", "maintainer")]
        robot = cli_json(run_cangku("robot", "create", "ci", "--project", "team",
                                    "--permission", "pull,push", *local))
        assert robot["name"] == "robot$team+ci"
        listed = cli_json(run_cangku("robot", "list", "--project", "team", *local))["robots"]
        assert [x["name"] for x in listed] == ["robot$team+ci"] and "secret" not in listed[0]
        r = run_cangku("robot", "create", "x", "--permission", "", *local)
        assert r.returncode == 2
        # The policy commands still work beside the account ones.
        r = run_cangku("project", "show", "team", *local)
        assert r.returncode == 0 and "project: team" in r.stdout, r.stderr

        reg = Registry(workdir)
        reg.env["CANGKU_AUTH_ENABLED"] = "true"
        # The fixture's admin password is not used: "ops" existed, so no "admin" is created;
        # wait for readiness with ops's credentials instead.
        reg.port = free_port()
        start_with(reg, basic_auth("ops", "ops-password"))
        try:
            me = expect(reg.client_as("ops", "ops-password").get("/api/v1/me"), 200)
            assert me["admin"] is True
            expect(reg.client_as("dev", "dev-password").get("/api/v1/me"), 401)
            me = expect(reg.client_as("dev", "dev-password-2").get("/api/v1/me"), 200)
            assert me["memberships"] == [{"project": "team", "role": "maintainer"}]
            expect(reg.client_as("robot$team+ci", robot["secret"]).get("/api/v1/me"), 200)
            expect(reg.client_as("admin", "x").get("/api/v1/me"), 401)
            audit = expect(reg.client_as("ops", "ops-password")
                           .get("/api/v1/audit?actor=system&action=robot.create"), 200)
            assert audit["entries"][0]["address"] == "local"
        finally:
            reg.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def start_with(reg, authorization):
    """Starts `reg` and waits until GET /api/v1/me answers 200 with `authorization`."""
    import subprocess
    env = dict(os.environ)
    env.update(reg.env)
    reg.log_path = os.path.join(reg.workdir, "registry-cli.log")
    reg._log = open(reg.log_path, "wb")
    reg.proc = subprocess.Popen(reg._command(), stdin=subprocess.DEVNULL, stdout=reg._log,
                                stderr=subprocess.STDOUT, cwd=reg.workdir, env=env)

    def ready():
        assert reg.proc.poll() is None, reg.log_tail()
        try:
            return reg.anon_client.get("/api/v1/me", headers={"Authorization": authorization}) \
                .status == 200
        except OSError:
            return False

    wait_until(ready, timeout=30, what="the registry to answer")


def test_cli_remote_mode(server, admin):
    url, admin_password = server
    remote = ("--server", url, "--username", "admin", "--password-stdin")
    kim = name("kim")
    created = cli_json(run_cangku("user", "create", kim, *remote,
                                  stdin="%s\nkim-password\n" % admin_password))
    assert created["name"] == kim
    listed = cli_json(run_cangku("user", "list", "--n", "1000", *remote, stdin=admin_password + "\n"))
    assert kim in [u["name"] for u in listed["users"]]
    # With the environment instead of stdin.
    env = {"CANGKU_USERNAME": kim, "CANGKU_PASSWORD": "kim-password"}
    r = run_cangku("user", "list", "--server", url, env=env)
    assert r.returncode == 1 and "403" in r.stderr and "DENIED" in r.stderr
    p = name("kp")
    cli_json(run_cangku("project", "create", p, "--server", url, env=env))
    projects = cli_json(run_cangku("project", "list", "--server", url, env=env))["projects"]
    assert p in [x["name"] for x in projects]
    robot = cli_json(run_cangku("robot", "create", "ci", "--project", p, "--permission", "pull",
                                "--server", url, env=env))
    full = "robot$%s+ci" % p
    assert robot["name"] == full
    rotated = cli_json(run_cangku("robot", "rotate", full, "--server", url, env=env))
    assert rotated["secret"] != robot["secret"]
    cli_json(run_cangku("robot", "update", full, "--disable", "--server", url, env=env))
    assert expect(admin.get(robot_path(full)), 200)["disabled"] is True
    # Changing one's own password remotely sends the login password as the current one.
    cli_json(run_cangku("user", "passwd", kim, "--server", url, env=env, stdin="kim-password-2\n"))
    expect(server.reg.client_as(kim, "kim-password-2").get("/api/v1/me"), 200)
    r = run_cangku("user", "list", "--server", url, env=env)
    assert r.returncode == 1 and "401" in r.stderr
    # The server answers errors the CLI reports; an unreachable one is a failure too.
    r = run_cangku("project", "delete", name("none"), *remote, stdin=admin_password + "\n")
    assert r.returncode == 1 and "NOT_FOUND" in r.stderr
    r = run_cangku("project", "list", "--server", "http://127.0.0.1:%d" % free_port())
    assert r.returncode == 1
    assert run_cangku("user", "list", "--username", "x", "--data-dir", "/nonexistent").returncode == 2
