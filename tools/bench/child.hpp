// SPDX-License-Identifier: Apache-2.0
#pragma once
// A child process of the benchmark (simulator, fixgate): started with its output in log files,
// watched for a line, sampled for CPU time, and always stopped: SIGTERM, then SIGKILL after a
// bounded wait. It also dies with us (PR_SET_PDEATHSIG) if the benchmark itself is killed.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace fixgate::bench {

/// A failure that ends the benchmark with a message (and non-zero exit).
class BenchError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// User + system CPU seconds of a process so far, from /proc/<pid>/stat (utime + stime).
double cpu_seconds(pid_t pid);

/// A spawned program whose stdout and stderr go to files.
class Child {
 public:
  /// Starts `args` (args[0] is the path) with extra `env` entries ("NAME=value") added to ours.
  Child(std::string name, const std::vector<std::string>& args, const std::vector<std::string>& env,
        const std::string& stdout_path, const std::string& stderr_path);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  /// Waits until `needle` appears in stdout (or stderr) and returns the rest of that line;
  /// throws BenchError, with the log's tail, when the process exits or the timeout passes.
  std::string wait_for(const std::string& needle, bool in_stdout, std::chrono::milliseconds timeout);

  /// SIGTERM, wait up to `grace`, then SIGKILL; returns the exit status (128+signal if killed).
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

  /// The process id (for CPU sampling).
  pid_t pid() const { return pid_; }
  /// The name used in messages and reports.
  const std::string& name() const { return name_; }
  /// True while the process has not exited.
  bool alive();
  /// The last `bytes` of its stderr, for error messages.
  std::string tail(std::size_t bytes = 3000) const;

 private:
  std::string name_;
  std::string stdout_path_;
  std::string stderr_path_;
  pid_t pid_ = -1;
  std::optional<int> status_;
};

}  // namespace fixgate::bench
