// SPDX-License-Identifier: Apache-2.0
#pragma once
// The real fixgate-simulator as a child process, and a raw FIX client that writes and reads exact
// frames, for the simulator's own tests. Every wait is bounded so a failure cannot hang.

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixgate/fix/quickfix.hpp"

extern char** environ;

namespace simtest {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

inline std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

/// A fresh folder for one test under the build tree (or /tmp).
inline fs::path fresh_dir(const std::string& name) {
  fs::path dir = fs::path(env("FIXGATE_BUILD_DIR").empty() ? "/tmp" : env("FIXGATE_BUILD_DIR")) / "test-tmp" /
                 (name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The simulator as a child process; its first stdout line names the port.
class SimulatorProcess {
 public:
  /// Starts it on a free port with files in `dir`, sessions FIX.4.4:SMOKE44 and FIX.4.2:SMOKE42
  /// unless `extra` names sessions of its own, plus `extra`.
  SimulatorProcess(const fs::path& dir, std::vector<std::string> extra) {
    std::vector<std::string> args = {env("FIXGATE_SIMULATOR"), "--listen", "127.0.0.1:0",
                                     "--dictionary-dir", env("FIXGATE_SOURCE_DIR") + "/spec",
                                     "--store-dir", (dir / "sim-store").string(),
                                     "--executions", (dir / "executions.jsonl").string(),
                                     "--executions-csv", (dir / "executions.csv").string(),
                                     "--logons", (dir / "logons.jsonl").string(),
                                     "--session", "FIX.4.4:SMOKE44", "--session", "FIX.4.2:SMOKE42"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int out[2];
    REQUIRE(::pipe(out) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    REQUIRE(::posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) == 0);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    stdout_fd_ = out[0];
  }
  ~SimulatorProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (stdout_fd_ >= 0) ::close(stdout_fd_);
  }
  SimulatorProcess(const SimulatorProcess&) = delete;
  SimulatorProcess& operator=(const SimulatorProcess&) = delete;

  /// The port from "listening 127.0.0.1:<port>", or 0 after 10 s.
  int wait_port() {
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{stdout_fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char c;
      if (::read(stdout_fd_, &c, 1) != 1) return 0;
      if (c != '\n') {
        line += c;
        continue;
      }
      if (line.rfind("listening ", 0) == 0) return std::stoi(line.substr(line.rfind(':') + 1));
      line.clear();
    }
    return 0;
  }

  /// wait_port(), failing the test when there is none.
  int require_port() {
    const int port = wait_port();
    REQUIRE(port > 0);
    return port;
  }

  /// Sends SIGTERM and returns the exit status, or -1 if it did not exit within 15 s.
  int terminate() {
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 150; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(100ms);
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
};

/// Runs the simulator with `args` expecting it to refuse them at start-up (exit status 2); returns
/// what it wrote to stderr, or "exit status N" when it did not exit 2.
inline std::string refused_with(const fs::path& dir, const std::vector<std::string>& args) {
  std::string command = "'" + env("FIXGATE_SIMULATOR") + "'";
  for (const auto& a : args) command += " '" + a + "'";
  command += " --listen 127.0.0.1:0 >/dev/null 2>'" + (dir / "refused.err").string() + "'";
  const int status = std::system(command.c_str());
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 2) return "exit status " + std::to_string(status);
  return slurp(dir / "refused.err");
}

/// Body fields of a frame, in the order they are written.
using Fields = std::vector<std::pair<int, std::string>>;

/// The value of `tag` in a raw frame (SOH-separated), "" when absent.
inline std::string raw_field(const std::string& frame, int tag) {
  const std::string key = '\x01' + std::to_string(tag) + '=';
  const auto at = ("\x01" + frame).find(key);
  if (at == std::string::npos) return {};
  const auto begin = at + key.size() - 1;
  return frame.substr(begin, frame.find('\x01', begin) - begin);
}

/// A frame with SOH shown as '|' and the values of `masked` tags (times, lengths, checksums and
/// the like, which differ per run) shown as '*', so a test can compare every other byte.
inline std::string shown(const std::string& frame, std::initializer_list<int> masked = {9, 10, 52, 60}) {
  std::string out;
  std::size_t pos = 0;
  while (pos < frame.size()) {
    const auto end = frame.find('\x01', pos);
    const std::string field = frame.substr(pos, end - pos);
    const auto eq = field.find('=');
    const int tag = eq == std::string::npos ? -1 : std::atoi(field.substr(0, eq).c_str());
    bool hide = false;
    for (int m : masked) hide = hide || m == tag;
    out += hide ? field.substr(0, eq) + "=*" : field;
    out += '|';
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return out;
}

/// One FIX connection spoken by hand: we choose every byte we send and see every byte we get.
class RawFixClient {
 public:
  RawFixClient(int port, std::string begin_string, std::string sender, std::string target = "SIM")
      : begin_string_(std::move(begin_string)), sender_(std::move(sender)), target_(std::move(target)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~RawFixClient() { close(); }
  RawFixClient(const RawFixClient&) = delete;
  RawFixClient& operator=(const RawFixClient&) = delete;

  /// A whole frame of `type` with our header; MsgSeqNum is the next of ours unless `seq` is given.
  std::string frame(const std::string& type, const Fields& body, std::optional<int> seq = std::nullopt) {
    FIX::Message msg;
    auto& header = msg.getHeader();
    header.setField(FIX::BeginString(begin_string_));
    header.setField(FIX::MsgType(type));
    header.setField(FIX::SenderCompID(sender_));
    header.setField(FIX::TargetCompID(target_));
    header.setField(FIX::MsgSeqNum(seq.value_or(next_seq_)));
    header.setField(FIX::SendingTime());
    if (!seq) ++next_seq_;
    for (const auto& [tag, value] : body) msg.setField(tag, value);
    return msg.toString();
  }
  /// Writes bytes in one send(); several frames given together reach the peer in one segment.
  void write(const std::string& bytes) {
    REQUIRE(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size()));
  }
  void send(const std::string& type, const Fields& body) { write(frame(type, body)); }

  /// The next whole frame within `timeout`; nullopt on timeout or when the peer closed.
  std::optional<std::string> read_frame(std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string out;
    for (;;) {
      if (parser_.readFixMessage(out)) return out;
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || fd_ < 0) return std::nullopt;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        peer_closed_ = true;
        return std::nullopt;
      }
      parser_.addToStream(buf, static_cast<std::size_t>(n));
    }
  }
  /// The next frame of application type (not a Heartbeat or TestRequest) within `timeout`.
  std::optional<std::string> read_app(std::chrono::milliseconds timeout = 10s) {
    for (int i = 0; i < 100; ++i) {
      auto f = read_frame(timeout);
      if (!f) return f;
      const std::string type = raw_field(*f, 35);
      if (type == "1") write(frame("0", {{112, raw_field(*f, 112)}}));  // answer a TestRequest
      if (type != "0" && type != "1") return f;
    }
    return std::nullopt;
  }
  /// True once the peer closed the connection (reads and drops what came before) within `timeout`.
  bool wait_closed(std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!peer_closed_ && std::chrono::steady_clock::now() < deadline)
      read_frame(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
    return peer_closed_;
  }
  /// Sends a Logon (HeartBtInt 30) at `seq` or our next number and returns the answer.
  std::optional<std::string> logon(std::optional<int> seq = std::nullopt) {
    write(frame("A", {{98, "0"}, {108, "30"}}, seq));
    if (seq) next_seq_ = *seq + 1;
    return read_frame();
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  std::string begin_string_, sender_, target_;
  int fd_ = -1;
  int next_seq_ = 1;
  bool peer_closed_ = false;
  FIX::Parser parser_;
};

}  // namespace simtest
