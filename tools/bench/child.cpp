// SPDX-License-Identifier: Apache-2.0
#include "child.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace fixgate::bench {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

int decode_status(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

}  // namespace

double cpu_seconds(pid_t pid) {
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  unsigned long long utime = 0;
  unsigned long long stime = 0;
  // After ')' come field 3 (state) onwards; utime and stime are fields 14 and 15.
  for (int index = 3; index <= 15 && fields >> field; ++index) {
    if (index == 14) utime = std::stoull(field);
    if (index == 15) stime = std::stoull(field);
  }
  static const long ticks = ::sysconf(_SC_CLK_TCK);
  return static_cast<double>(utime + stime) / static_cast<double>(ticks);
}

Child::Child(std::string name, const std::vector<std::string>& args, const std::vector<std::string>& env,
             const std::string& stdout_path, const std::string& stderr_path)
    : name_(std::move(name)), stdout_path_(stdout_path), stderr_path_(stderr_path) {
  if (::access(args.at(0).c_str(), X_OK) != 0) {
    throw BenchError(name_ + ": cannot execute " + args[0] + ": " + std::strerror(errno));
  }
  // Everything the child needs is built before fork: after it, only async-signal-safe calls.
  std::vector<std::string> args_copy = args;
  std::vector<char*> argv;
  for (auto& a : args_copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_copy = env;
  std::vector<char*> envp;
  for (auto& e : env_copy) envp.push_back(e.data());
  for (char** e = environ; *e != nullptr; ++e) envp.push_back(*e);
  envp.push_back(nullptr);
  const int out = ::open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0 || err < 0) {
    if (out >= 0) ::close(out);
    if (err >= 0) ::close(err);
    throw BenchError(name_ + ": cannot create log files next to " + stdout_path);
  }
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ == 0) {
    // If the benchmark dies without stopping us, the kernel does it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(out);
  ::close(err);
  if (pid_ < 0) throw BenchError(name_ + ": fork failed: " + std::strerror(errno));
}

Child::~Child() { stop(); }

bool Child::alive() {
  if (status_) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    status_ = decode_status(status);
    return false;
  }
  return true;
}

std::string Child::tail(std::size_t bytes) const {
  std::string text = read_file(stderr_path_);
  if (text.size() > bytes) text = "..." + text.substr(text.size() - bytes);
  return text;
}

std::string Child::wait_for(const std::string& needle, bool in_stdout, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const std::string& path = in_stdout ? stdout_path_ : stderr_path_;
  while (true) {
    const std::string text = read_file(path);
    if (auto at = text.find(needle); at != std::string::npos) {
      const auto from = at + needle.size();
      const auto end = text.find('\n', from);
      if (end != std::string::npos) return text.substr(from, end - from);
    }
    if (!alive()) {
      throw BenchError(name_ + " exited with status " + std::to_string(*status_) + " before printing '" + needle +
                       "':\n" + tail());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      throw BenchError(name_ + " did not print '" + needle + "' within " + std::to_string(timeout.count()) +
                       " ms:\n" + tail());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int Child::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return -1;
  if (!alive()) return *status_;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!alive()) return *status_;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  status_ = decode_status(status);
  return *status_;
}

}  // namespace fixgate::bench
