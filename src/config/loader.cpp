// SPDX-License-Identifier: Apache-2.0
// load_file / load_string: parse YAML, read each section, and turn the first failure into a
// located ConfigError.

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sections.hpp"

namespace fixgate::config {
namespace detail {
namespace {

Logging read_logging(const Value& value) {
  const MapReader map(value, {"level", "format", "file"});
  Logging logging;
  if (auto v = map.get("level")) {
    logging.level = read_enum<LogLevel>(*v, {{"trace", LogLevel::trace}, {"debug", LogLevel::debug},
                                             {"info", LogLevel::info}, {"warn", LogLevel::warn},
                                             {"error", LogLevel::error}});
  }
  if (auto v = map.get("format")) {
    logging.format = read_enum<LogFormat>(*v, {{"text", LogFormat::text}, {"json", LogFormat::json}});
  }
  if (auto v = map.get("file")) logging.file = read_string(*v);
  return logging;
}

JournalArchive read_archive(const Value& value) {
  const MapReader map(value, {"dir", "after_seconds", "level"});
  JournalArchive archive;
  archive.dir = read_nonempty(map.require("dir"));
  if (auto v = map.get("after_seconds")) archive.after_seconds = read_uint<std::uint64_t>(*v);
  if (auto v = map.get("level")) archive.level = static_cast<std::uint32_t>(read_unsigned(*v, 1, 19));
  return archive;
}

void read_signing(const Value& value, Journal& journal, Secrets secrets) {
  const MapReader map(value, {"key_file", "dir"});
  const auto key = map.require("key_file");
  journal.signing_key_file = read_nonempty(key);
  if (auto v = map.get("dir")) journal.signatures_dir = read_nonempty(*v);
  // The key is a secret: offline tools do not need it to exist.
  if (secrets == Secrets::resolve && ::access(journal.signing_key_file.c_str(), R_OK) != 0) {
    key.fail("cannot read signing key \"" + journal.signing_key_file + "\": " + std::strerror(errno));
  }
}

Journal read_journal(const Value& value, Secrets secrets) {
  const MapReader map(value, {"backend", "path", "dsn_env", "sync", "segment_bytes", "stale_resend_seconds", "archive",
                              "signing"});
  Journal journal;
  if (auto v = map.get("backend")) {
    journal.backend = read_enum<JournalBackend>(
        *v, {{"file", JournalBackend::file}, {"postgres", JournalBackend::postgres}});
  }
  if (auto v = map.get("path")) journal.path = read_nonempty(*v);
  const auto dsn_env = map.get("dsn_env");
  if (dsn_env) journal.dsn_env = read_env_name(*dsn_env);
  if (auto v = map.get("sync")) {
    journal.sync = read_enum<SyncPolicy>(
        *v, {{"every", SyncPolicy::every}, {"batch", SyncPolicy::batch}, {"none", SyncPolicy::none}});
  }
  // Segments below a page would mean a file per handful of records.
  if (auto v = map.get("segment_bytes")) journal.segment_bytes = read_uint<std::uint64_t>(*v, 4096);
  if (auto v = map.get("stale_resend_seconds")) {
    journal.stale_resend_seconds = read_uint<std::uint32_t>(*v);
  }
  if (auto v = map.get("archive")) journal.archive = read_archive(*v);
  if (auto v = map.get("signing")) read_signing(*v, journal, secrets);
  if (journal.backend == JournalBackend::postgres) {
    for (const char* key : {"archive", "signing"}) {
      if (auto v = map.get(key)) v->fail_key(child_path(value.path(), key), std::string(key) + " applies to the file backend only");
    }
  }
  // Fail at start-up, pointing at the file, rather than at the first connect.
  if (journal.backend == JournalBackend::postgres && secrets == Secrets::resolve) {
    const char* dsn = std::getenv(journal.dsn_env.c_str());
    if (dsn == nullptr || *dsn == '\0') {
      const Value& at = dsn_env ? *dsn_env : *map.get("backend");
      at.fail_key(child_path(value.path(), "dsn_env"),
                  "environment variable " + journal.dsn_env + (dsn == nullptr ? " is not set" : " is empty") +
                      " (needed by the postgres backend)");
    }
  }
  return journal;
}

Ops read_ops(const Value& value) {
  const MapReader map(value, {"http"});
  Ops ops;
  if (auto v = map.get("http")) ops.http = read_endpoint(*v, true);
  return ops;
}

Config read_config(const YAML::Node& root, const std::string& name, Secrets secrets) {
  const Value top(name, root, root.Mark(), "");
  if (top.is_null()) top.fail("the file is empty; expected a map of settings");
  const MapReader map(top, {"instance", "logging", "journal", "upstream", "sessions", "routes", "risk", "ops"});
  Config config;
  config.source = name;
  if (auto v = map.get("instance")) config.instance = read_nonempty(*v);
  if (auto v = map.get("logging")) config.logging = read_logging(*v);
  if (auto v = map.get("journal")) config.journal = read_journal(*v, secrets);
  if (auto v = map.get("upstream")) config.upstream = read_upstream(*v, secrets);
  if (auto v = map.get("sessions")) config.sessions = read_sessions(*v, secrets);
  // Routes come after sessions whatever the order in the file: they name sessions.
  if (auto v = map.get("routes")) config.routes = read_routes(*v, config.sessions);
  if (auto v = map.get("risk")) config.risk = read_risk(*v);
  if (auto v = map.get("ops")) config.ops = read_ops(*v);
  return config;
}

}  // namespace
}  // namespace detail

std::expected<Config, ConfigError> load_string(const std::string& yaml, const std::string& name, Secrets secrets) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    return std::unexpected(detail::make_error(name, e.mark, "", "YAML syntax: " + e.msg));
  }
  try {
    return detail::read_config(root, name, secrets);
  } catch (const detail::Failure& failure) {
    return std::unexpected(failure.error);
  } catch (const YAML::Exception& e) {
    // Not expected once parsed; kept so a yaml-cpp surprise is still a located error.
    return std::unexpected(detail::make_error(name, e.mark, "", e.msg));
  }
}

std::expected<Config, ConfigError> load_file(const std::string& path, Secrets secrets) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return std::unexpected(ConfigError{path, 0, 0, "", "cannot open: it is a directory"});
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::unexpected(ConfigError{path, 0, 0, "", std::string("cannot open: ") + std::strerror(errno)});
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return std::unexpected(ConfigError{path, 0, 0, "", std::string("cannot read: ") + std::strerror(errno)});
  }
  return load_string(text.str(), path, secrets);
}

}  // namespace fixgate::config
