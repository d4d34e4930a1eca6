#include "server/identity_commands.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "http/url.h"

namespace cangku::server {
namespace {

std::string Seg(const std::string& segment) { return http::PercentEncode(segment); }

// "?n=..&last=.." for the paging options that were given.
std::string PageQuery(int n, const std::string& last) {
  std::string query;
  if (n >= 0) query += "n=" + std::to_string(n);
  if (!last.empty()) query += (query.empty() ? "" : "&") + ("last=" + Seg(last));
  return query.empty() ? "" : "?" + query;
}

AdminRequest Json(std::string method, std::string target, const nlohmann::json& body) {
  return AdminRequest{std::move(method), std::move(target), body.dump()};
}

AdminRequest Bare(std::string method, std::string target) {
  return AdminRequest{std::move(method), std::move(target), ""};
}

// A --permission value: "[PROJECT=]ACTION[,ACTION...]" (PROJECT "*": every project).
StatusOr<nlohmann::json> ParsePermission(const std::string& spec) {
  nlohmann::json grant;
  std::string actions = spec;
  if (size_t eq = spec.find('='); eq != std::string::npos) {
    grant["project"] = spec.substr(0, eq);
    actions = spec.substr(eq + 1);
  }
  grant["actions"] = nlohmann::json::array();
  std::stringstream in(actions);
  for (std::string action; std::getline(in, action, ',');) {
    if (!action.empty()) grant["actions"].push_back(action);
  }
  if (grant["actions"].empty()) {
    return InvalidArgumentError("--permission " + spec + ": expected [PROJECT=]ACTION[,ACTION]");
  }
  return grant;
}

StatusOr<nlohmann::json> ParsePermissions(const std::vector<std::string>& specs) {
  nlohmann::json grants = nlohmann::json::array();
  for (const std::string& spec : specs) {
    ASSIGN_OR_RETURN(nlohmann::json grant, ParsePermission(spec));
    grants.push_back(std::move(grant));
  }
  return grants;
}

// Sets body[key] from a --flag/--no-flag pair; kInvalidArgument when both were given.
Status FlagPair(nlohmann::json& body, const char* key, bool yes, bool no, const char* flags) {
  if (yes && no) return InvalidArgumentError(std::string(flags) + " exclude each other");
  if (yes || no) body[key] = yes;
  return OkStatus();
}

StatusOr<std::string> ReadFileOrStdin(const std::string& path) {
  if (path == "-") return std::string(std::istreambuf_iterator<char>(std::cin), {});
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Prints the answer; returns the exit code.
int Print(const AdminAnswer& answer) {
  nlohmann::json body = nlohmann::json::parse(answer.body, nullptr, false);
  if (answer.status >= 200 && answer.status < 300) {
    if (!answer.body.empty()) {
      std::string out = body.is_discarded() ? answer.body : body.dump(2);
      std::printf("%s\n", out.c_str());
    }
    return 0;
  }
  std::string message = answer.body;
  if (!body.is_discarded() && body.contains("errors") && body["errors"].is_array() &&
      !body["errors"].empty()) {
    const nlohmann::json& e = body["errors"][0];
    message = e.value("code", "") + ": " + e.value("message", "");
  }
  std::fprintf(stderr, "cangku: %d %s\n", answer.status, message.c_str());
  return answer.status == 400 ? 2 : 1;
}

}  // namespace

CLI::App* IdentityCommands::Command(CLI::App& parent, const std::string& name,
                                    const std::string& what, Builder build) {
  CLI::App* cmd = parent.add_subcommand(name, what);
  cmd->callback([this, build = std::move(build)] { build_ = build; });
  cmd->add_option("--config", config_path_, "YAML configuration file (local mode)");
  cmd->add_option("--data-dir", data_dir_, "data directory (local mode)");
  cmd->add_option("--server", server_, "registry URL, e.g. https://registry.example (remote mode)");
  cmd->add_option("--username", username_, "user to sign in as (remote; else CANGKU_USERNAME)");
  cmd->add_flag("--password-stdin", password_stdin_,
                "read the password from stdin's first line (remote; else CANGKU_PASSWORD)");
  return cmd;
}

void IdentityCommands::AddUserCommands(CLI::App& app) {
  CLI::App& user = *app.add_subcommand("user", "local user accounts")->require_subcommand(1);
  Args& a = args_;
  auto* create =
      Command(user, "create", "create a user (password: next line of stdin)",
              [this]() -> StatusOr<AdminRequest> {
                ASSIGN_OR_RETURN(std::string password, StdinLine("the new user's password"));
                nlohmann::json body = {
                    {"name", args_.name}, {"password", password}, {"admin", args_.admin}};
                return Json("POST", "/api/v1/users", body);
              });
  create->add_option("name", a.name, "user name")->required();
  create->add_flag("--admin", a.admin, "make the user a system admin");

  auto* list = Command(user, "list", "list users", [this] {
    return StatusOr<AdminRequest>(Bare("GET", "/api/v1/users" + PageQuery(args_.n, args_.last)));
  });
  list->add_option("--n", a.n, "page size (at most 1000)");
  list->add_option("--last", a.last, "list the users after this name");

  auto* show = Command(user, "show", "show a user", [this] {
    return StatusOr<AdminRequest>(Bare("GET", "/api/v1/users/" + Seg(args_.name)));
  });
  show->add_option("name", a.name, "user name")->required();

  auto* passwd =
      Command(user, "passwd", "set a password (new password: next line of stdin)",
              [this]() -> StatusOr<AdminRequest> {
                ASSIGN_OR_RETURN(std::string fresh, StdinLine("the new password"));
                nlohmann::json body = {{"new_password", fresh}};
                // Changing one's own password takes the current one.
                if (!server_.empty() && username_ == args_.name) {
                  body["old_password"] = password_;
                }
                return Json("PUT", "/api/v1/users/" + Seg(args_.name) + "/password", body);
              });
  passwd->add_option("name", a.name, "user name")->required();
  AddUserChanges(user);
}

void IdentityCommands::AddUserChanges(CLI::App& user) {
  Args& a = args_;

  auto* update = Command(user, "update", "make a user (not) an admin, disable or enable it",
                         [this]() -> StatusOr<AdminRequest> {
                           nlohmann::json body = nlohmann::json::object();
                           RETURN_IF_ERROR(FlagPair(body, "admin", args_.admin, args_.no_admin,
                                                    "--admin and --no-admin"));
                           RETURN_IF_ERROR(FlagPair(body, "disabled", args_.disable, args_.enable,
                                                    "--disable and --enable"));
                           if (body.empty()) return InvalidArgumentError("nothing to change");
                           return Json("PATCH", "/api/v1/users/" + Seg(args_.name), body);
                         });
  update->add_option("name", a.name, "user name")->required();
  update->add_flag("--admin", a.admin, "make the user a system admin");
  update->add_flag("--no-admin", a.no_admin, "make the user an ordinary user");
  update->add_flag("--disable", a.disable, "disable the account (its tokens stop working)");
  update->add_flag("--enable", a.enable, "enable the account");

  auto* remove = Command(user, "delete", "delete a user and their memberships", [this] {
    return StatusOr<AdminRequest>(Bare("DELETE", "/api/v1/users/" + Seg(args_.name)));
  });
  remove->add_option("name", a.name, "user name")->required();

  auto* import =
      Command(user, "import", "create or update users from an htpasswd file (bcrypt)",
              [this]() -> StatusOr<AdminRequest> {
                ASSIGN_OR_RETURN(std::string text, ReadFileOrStdin(args_.file));
                return AdminRequest{"POST", "/api/v1/users/import", std::move(text), "text/plain"};
              });
  import->add_option("file", a.file, "htpasswd file ('-': stdin)")->required();
}

void IdentityCommands::AddProjectCommands(CLI::App& project) {
  Args& a = args_;
  auto* create = Command(project, "create", "create a project", [this] {
    nlohmann::json body = {{"name", args_.name}, {"public", args_.make_public}};
    return StatusOr<AdminRequest>(Json("POST", "/api/v1/projects", body));
  });
  create->add_option("name", a.name, "project name")->required();
  create->add_flag("--public", a.make_public, "anyone may pull (anonymous clients included)");

  auto* list = Command(project, "list", "list the projects you may see", [this] {
    return StatusOr<AdminRequest>(Bare("GET", "/api/v1/projects" + PageQuery(args_.n, args_.last)));
  });
  list->add_option("--n", a.n, "page size (at most 1000)");
  list->add_option("--last", a.last, "list the projects after this name");

  auto* update = Command(project, "update", "make a project public or private",
                         [this]() -> StatusOr<AdminRequest> {
                           nlohmann::json body = nlohmann::json::object();
                           RETURN_IF_ERROR(FlagPair(body, "public", args_.make_public,
                                                    args_.make_private, "--public and --private"));
                           if (body.empty()) return InvalidArgumentError("nothing to change");
                           return Json("PATCH", "/api/v1/projects/" + Seg(args_.name), body);
                         });
  update->add_option("name", a.name, "project name")->required();
  update->add_flag("--public", a.make_public, "anyone may pull");
  update->add_flag("--private", a.make_private, "only members and robots may pull");

  auto* remove = Command(project, "delete", "delete a project that holds no repository", [this] {
    return StatusOr<AdminRequest>(Bare("DELETE", "/api/v1/projects/" + Seg(args_.name)));
  });
  remove->add_option("name", a.name, "project name")->required();

  auto* members = Command(project, "members", "list a project's members", [this] {
    return StatusOr<AdminRequest>(Bare("GET", "/api/v1/projects/" + Seg(args_.name) + "/members"));
  });
  members->add_option("name", a.name, "project name")->required();
  AddMemberCommands(project);
}

void IdentityCommands::AddMemberCommands(CLI::App& project) {
  Args& a = args_;
  CLI::App& member =
      *project.add_subcommand("member", "add or remove a member")->require_subcommand(1);
  auto* add = Command(member, "add", "add a member, or change their role", [this] {
    nlohmann::json body = {{"role", args_.role}};
    return StatusOr<AdminRequest>(Json(
        "PUT", "/api/v1/projects/" + Seg(args_.project) + "/members/" + Seg(args_.user), body));
  });
  add->add_option("project", a.project, "project name")->required();
  add->add_option("user", a.user, "user name")->required();
  add->add_option("--role", a.role, "project-admin, maintainer, developer, guest or limited-guest")
      ->required();
  auto* remove = Command(member, "remove", "remove a member", [this] {
    return StatusOr<AdminRequest>(
        Bare("DELETE", "/api/v1/projects/" + Seg(args_.project) + "/members/" + Seg(args_.user)));
  });
  remove->add_option("project", a.project, "project name")->required();
  remove->add_option("user", a.user, "user name")->required();
}

void IdentityCommands::AddRobotCommands(CLI::App& app) {
  CLI::App& robot = *app.add_subcommand("robot", "robot accounts")->require_subcommand(1);
  Args& a = args_;
  auto* create =
      Command(robot, "create", "create a robot and print its secret (shown once)",
              [this]() -> StatusOr<AdminRequest> {
                ASSIGN_OR_RETURN(nlohmann::json grants, ParsePermissions(args_.permissions));
                nlohmann::json body = {{"name", args_.name},
                                       {"description", args_.description},
                                       {"permissions", std::move(grants)}};
                if (args_.expires_at >= 0) body["expires_at"] = args_.expires_at;
                std::string target = args_.project.empty()
                                         ? "/api/v1/robots"
                                         : "/api/v1/projects/" + Seg(args_.project) + "/robots";
                return Json("POST", target, body);
              });
  create->add_option("name", a.name, "short name (robot$<project>+<name> is the login)")
      ->required();
  create->add_option("--project", a.project, "the project's robot (default: a system robot)");
  create->add_option("--permission", a.permissions,
                     "[PROJECT=]ACTION[,ACTION]: pull, push, delete, list (PROJECT '*': all)");
  create->add_option("--description", a.description, "what the robot is for");
  create->add_option("--expires-at", a.expires_at, "Unix seconds (default: never)");

  auto* list = Command(robot, "list", "list the system's or a project's robots", [this] {
    std::string target = args_.project.empty()
                             ? "/api/v1/robots"
                             : "/api/v1/projects/" + Seg(args_.project) + "/robots";
    return StatusOr<AdminRequest>(Bare("GET", target));
  });
  list->add_option("--project", a.project, "the project's robots (default: the system robots)");

  struct Verb {
    const char* name;
    const char* what;
    const char* method;
    const char* suffix;
  };
  for (const Verb& v :
       {Verb{"show", "show a robot", "GET", ""},
        Verb{"rotate", "replace a robot's secret and print the new one", "POST", "/secret"},
        Verb{"delete", "delete a robot", "DELETE", ""}}) {
    auto* cmd = Command(robot, v.name, v.what, [this, v] {
      return StatusOr<AdminRequest>(Bare(v.method, "/api/v1/robots/" + Seg(args_.name) + v.suffix));
    });
    cmd->add_option("name", a.name, "full name (robot$...)")->required();
  }
  AddRobotUpdate(robot);
}

void IdentityCommands::AddRobotUpdate(CLI::App& robot) {
  Args& a = args_;
  auto* update = Command(
      robot, "update", "disable, enable, or change a robot's expiry, permissions or description",
      [this]() -> StatusOr<AdminRequest> {
        nlohmann::json body = nlohmann::json::object();
        RETURN_IF_ERROR(
            FlagPair(body, "disabled", args_.disable, args_.enable, "--disable and --enable"));
        if (args_.expires_at >= 0) body["expires_at"] = args_.expires_at;
        if (!args_.description.empty()) body["description"] = args_.description;
        if (!args_.permissions.empty()) {
          ASSIGN_OR_RETURN(body["permissions"], ParsePermissions(args_.permissions));
        }
        if (body.empty()) return InvalidArgumentError("nothing to change");
        return Json("PATCH", "/api/v1/robots/" + Seg(args_.name), body);
      });
  update->add_option("name", a.name, "full name (robot$...)")->required();
  update->add_flag("--disable", a.disable, "disable the robot (its tokens stop working)");
  update->add_flag("--enable", a.enable, "enable the robot");
  update->add_option("--expires-at", a.expires_at, "Unix seconds (0: never)");
  update->add_option("--description", a.description, "what the robot is for");
  update->add_option("--permission", a.permissions,
                     "replaces the permissions: [PROJECT=]ACTION[,ACTION]");
}

StatusOr<std::string> IdentityCommands::StdinLine(const std::string& what) {
  std::string line;
  if (!std::getline(std::cin, line)) {
    return InvalidArgumentError("expected " + what + " on standard input");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

int IdentityCommands::Run(const Config& config) {
  if (server_.empty() && (!username_.empty() || password_stdin_)) {
    std::fprintf(stderr, "cangku: --username and --password-stdin go with --server\n");
    return 2;
  }
  if (!server_.empty()) {
    const char* env_user = std::getenv("CANGKU_USERNAME");
    const char* env_password = std::getenv("CANGKU_PASSWORD");
    if (username_.empty() && env_user != nullptr) username_ = env_user;
    if (password_stdin_) {
      StatusOr<std::string> line = StdinLine("the password");
      if (!line.ok())
        return std::fprintf(stderr, "cangku: %s\n", line.status().message().c_str()), 2;
      password_ = *line;
    } else if (env_password != nullptr) {
      password_ = env_password;
    }
  }
  StatusOr<AdminRequest> request = build_();
  if (!request.ok()) {
    std::fprintf(stderr, "cangku: %s\n", request.status().message().c_str());
    return 2;
  }
  StatusOr<AdminAnswer> answer = AdminAnswer{};
  if (!server_.empty()) {
    answer = RemoteExchange(server_, username_, password_, *request);
  } else {
    StatusOr<std::unique_ptr<LocalAdmin>> local = LocalAdmin::Open(config);
    if (!local.ok()) answer = local.status();
    if (local.ok()) answer = (*local)->Exchange(*request);
  }
  if (!answer.ok()) {
    std::fprintf(stderr, "cangku: %s\n", answer.status().ToString().c_str());
    return 1;
  }
  return Print(*answer);
}

}  // namespace cangku::server
