// SPDX-License-Identifier: Apache-2.0
#include "check.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "fixgate/fix/dictionary_check.hpp"
#include "fixgate/gateway/server.hpp"

namespace fixgate::daemon {
namespace {

namespace fs = std::filesystem;

std::string octal(unsigned mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", mode & 07777);
  return text;
}

/// A directory we will write into: it exists and is writable, or its nearest existing ancestor
/// is a writable directory (it will be created). Empty: fine.
std::string writable_directory(const fs::path& dir, const std::string& what) {
  std::error_code ec;
  fs::path probe = fs::absolute(dir, ec);
  while (!probe.empty() && !fs::exists(probe, ec)) probe = probe.parent_path();
  if (probe.empty() || !fs::is_directory(probe, ec)) {
    return what + " " + dir.string() + ": " + probe.string() + " is not a directory";
  }
  if (::access(probe.c_str(), W_OK | X_OK) != 0) {
    return what + " " + dir.string() + ": " + probe.string() + " is not writable: " + std::strerror(errno);
  }
  return {};
}

void check_journal(const config::Journal& journal, CheckReport& report) {
  if (journal.backend != config::JournalBackend::file) return;
  if (auto problem = writable_directory(journal.path, "journal.path"); !problem.empty()) {
    return report.problems.push_back(problem);
  }
  struct stat info {};
  if (::stat(journal.path.c_str(), &info) == 0 && (info.st_mode & 077) != 0) {
    report.notes.push_back("journal.path " + journal.path + " is mode " + octal(info.st_mode) +
                           ": group or others can reach the journal (fixgate creates it 0700)");
  }
}

void check_log(const config::Logging& logging, CheckReport& report) {
  if (logging.file.empty()) return;
  std::error_code ec;
  if (fs::exists(logging.file, ec)) {
    if (!fs::is_regular_file(logging.file, ec) || ::access(logging.file.c_str(), W_OK) != 0) {
      report.problems.push_back("logging.file " + logging.file + ": not a writable regular file");
    }
    return;
  }
  const fs::path parent = fs::absolute(logging.file, ec).parent_path();
  if (!fs::is_directory(parent, ec) || ::access(parent.c_str(), W_OK | X_OK) != 0) {
    report.problems.push_back("logging.file " + logging.file + ": directory " + parent.string() +
                              " does not exist or is not writable");
  }
}

void check_upstream(const config::Upstream& upstream, CheckReport& report) {
  for (const auto& path : upstream.unix_paths) {
    std::error_code ec;
    const fs::path parent = fs::absolute(path, ec).parent_path();
    if (!fs::is_directory(parent, ec)) {
      report.problems.push_back("upstream.unix " + path + ": directory " + parent.string() + " does not exist");
    } else if (::access(parent.c_str(), W_OK | X_OK) != 0) {
      report.problems.push_back("upstream.unix " + path + ": directory " + parent.string() + " is not writable");
    }
  }
  if (upstream.tls) {
    struct stat info {};
    if (::stat(upstream.tls->private_key.c_str(), &info) == 0 && (info.st_mode & 077) != 0) {
      report.problems.push_back("upstream.tls.private_key " + upstream.tls->private_key + " is mode " +
                                octal(info.st_mode) + ": readable beyond its owner; chmod 0600 it");
    }
  }
  try {
    // Loads the TLS files and the JWKS exactly as the daemon will, binding nothing.
    gateway::Server probe(upstream, [](gateway::Inbound) {});
  } catch (const std::exception& e) {
    report.problems.push_back(e.what());
  }
  for (const auto& endpoint : upstream.tcp) {
    if (endpoint.host == "localhost" || endpoint.host == "::1" || endpoint.host.starts_with("127.")) continue;
    const std::string where = "upstream listener " + endpoint.host + ":" + std::to_string(endpoint.port);
    if (upstream.tls) {
      report.notes.push_back(where + " is reachable beyond this host, over TLS" +
                             (upstream.tls->client_ca.empty() ? std::string(" (no client certificates)")
                                                              : std::string(" with client certificates")));
    } else {
      report.notes.push_back("WARNING: " + where +
                             " is reachable beyond this host in plain text (allow_plaintext_non_loopback)");
    }
  }
}

}  // namespace

CheckReport check_deployment(const config::Config& config) {
  CheckReport report;
  for (const auto& session : config.sessions) {
    if (auto ok = fix::check_dictionary(session); !ok) report.problems.push_back(ok.error());
  }
  check_journal(config.journal, report);
  check_log(config.logging, report);
  check_upstream(config.upstream, report);
  return report;
}

}  // namespace fixgate::daemon
