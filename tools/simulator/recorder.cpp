// SPDX-License-Identifier: Apache-2.0
#include "recorder.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace fixgate::sim {
namespace {

std::FILE* open_append(const std::string& path) {
  if (path.empty()) return nullptr;
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (f == nullptr) throw std::runtime_error("cannot open " + path + " for appending");
  return f;
}

void write_line(std::FILE* f, const std::string& line) {
  if (f == nullptr) return;
  std::fputs(line.c_str(), f);
  std::fputc('\n', f);
  std::fflush(f);  // readers poll these files while we run
}

// RFC 4180: quote only when the value would break the row.
std::string csv_cell(const std::string& v) {
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

bool is_regular(std::FILE* f) {
  struct stat st {};
  return f != nullptr && ::fstat(::fileno(f), &st) == 0 && S_ISREG(st.st_mode);
}

// A line cut short by a kill mid-write is dropped (its fill is recorded again if the FIX store
// holds it), so the file stays whole lines and the next append cannot be glued onto the cut one.
void drop_partial_line(std::FILE* f, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto last_newline = text.rfind('\n');
  const std::size_t whole = last_newline == std::string::npos ? 0 : last_newline + 1;
  if (whole == text.size()) return;
  spdlog::warn("{}: dropping a partial last line ({} bytes)", path, text.size() - whole);
  if (std::fflush(f) != 0 || ::ftruncate(::fileno(f), static_cast<off_t>(whole)) != 0)
    throw std::runtime_error("cannot drop the partial last line of " + path);
}

std::unordered_set<std::string> exec_ids_in_json_lines(const std::string& path) {
  std::unordered_set<std::string> ids;
  std::ifstream in(path);
  std::string line;
  for (int line_no = 1; std::getline(in, line); ++line_no) {
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_object() && j.contains("exec_id") && j["exec_id"].is_string()) {
      ids.insert(j["exec_id"].get<std::string>());
    } else {
      spdlog::warn("{}:{}: not an execution record, ignored", path, line_no);
    }
  }
  return ids;
}

// The exec id is the first cell; ids are never quoted by csv_cell (no comma or quote in them).
std::unordered_set<std::string> exec_ids_in_csv(const std::string& path) {
  std::unordered_set<std::string> ids;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line))
    if (!line.empty()) ids.insert(line.substr(0, line.find(',')));
  return ids;
}

}  // namespace

std::string iso_now() {
  // libstdc++ 12 has no <format>; gmtime_r and one snprintf do the same.
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  const std::time_t secs = static_cast<std::time_t>(us / 1'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];  // roomy: the compiler cannot bound tm_year
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(us % 1'000'000));
  return buf;
}

Recorder::Recorder(const std::string& executions_path, const std::string& csv_path,
                   const std::string& logons_path)
    : executions_(open_append(executions_path)), csv_(open_append(csv_path)),
      logons_(open_append(logons_path)) {
  // Only a regular file has earlier lines to read back; a pipe or /dev/null is written blind.
  if (is_regular(executions_)) {
    drop_partial_line(executions_, executions_path);
    in_executions_ = exec_ids_in_json_lines(executions_path);
  }
  if (is_regular(csv_)) {
    drop_partial_line(csv_, csv_path);
    // A header only on a fresh file, so a restarted simulator keeps one well-formed CSV.
    if (std::filesystem::file_size(csv_path) == 0) write_line(csv_, "exec_id,order_id,side,symbol,qty,price,time");
    in_csv_ = exec_ids_in_csv(csv_path);
  } else if (csv_ != nullptr) {
    write_line(csv_, "exec_id,order_id,side,symbol,qty,price,time");
  }
}

Recorder::~Recorder() {
  for (std::FILE* f : {executions_, csv_, logons_})
    if (f != nullptr) std::fclose(f);
}

bool Recorder::on_execution(const ExecutionRecord& rec) {
  nlohmann::json j = {{"exec_id", rec.exec_id}, {"order_id", rec.order_id},
                      {"cl_ord_id", rec.cl_ord_id}, {"side", rec.side},
                      {"symbol", rec.symbol}, {"qty", rec.qty},
                      {"price", rec.price}, {"time", rec.time},
                      {"session", rec.session}};
  bool wrote = false;
  if (executions_ != nullptr && in_executions_.insert(rec.exec_id).second) {
    write_line(executions_, j.dump());
    wrote = true;
  }
  if (csv_ != nullptr && in_csv_.insert(rec.exec_id).second) {
    write_line(csv_, csv_cell(rec.exec_id) + ',' + csv_cell(rec.order_id) + ',' + csv_cell(rec.side) +
                         ',' + csv_cell(rec.symbol) + ',' + rec.qty + ',' + rec.price + ',' + rec.time);
    wrote = true;
  }
  return wrote;
}

void Recorder::on_session_event(const std::string& event, const std::string& session,
                                const std::string& detail) {
  nlohmann::json j = {{"time", iso_now()}, {"event", event}, {"session", session}};
  if (!detail.empty()) j["detail"] = detail;
  write_line(logons_, j.dump());
}

}  // namespace fixgate::sim
