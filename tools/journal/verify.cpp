// SPDX-License-Identifier: Apache-2.0
// verify (CRCs, sequence numbers and the SHA-256 chain, exit 1 naming the first bad record; on
// PostgreSQL seqs and the chain; with --key the head signatures too), index (writes the sidecar
// indexes a directory lacks) and dump (one line per record, FIX separators shown as '|').

#include <chrono>
#include <filesystem>
#include <cstdio>
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "common.hpp"
#include "fixgate/journal/index.hpp"
#include "fixgate/journal/reader.hpp"
#include "fixgate/journal/signing.hpp"
#include "json_out.hpp"
#include "source.hpp"

namespace fixgate::journal_tool {

namespace {

/// What the signatures say, as a sentence and as JSON.
struct SignedHead {
  std::string text;
  Json json;
};

SignedHead describe(const journal::SignatureCheck& c, const std::string& key) {
  const std::uint64_t after = c.last_seq - c.signed_seq;
  SignedHead out;
  out.text = fmt::format("signatures: {} checked with {}; the head at seq {} was signed at {} ({}); {}", c.signatures, key,
                         c.signed_seq, format_time(c.signed_at_ns), journal::to_hex(c.signed_hash),
                         after == 0 ? std::string("no record after it")
                                    : fmt::format("{} records after it are not signed yet", after));
  out.json = {{"checked", c.signatures}, {"signed_seq", c.signed_seq}, {"signed_hash", journal::to_hex(c.signed_hash)},
              {"signed_at", format_time(c.signed_at_ns)}, {"unsigned_records", after}};
  return out;
}

}  // namespace

int cmd_verify(const Args& args) {
  const bool json = args.has("--json");
  const auto key = args.get("--key");
  if (args.has("--signatures") && !key) args.fail("--signatures needs --key PUBLIC.pem");
  const auto source = open_source(args);
  if (key && !source->directory()) args.fail("--key: head signatures belong to a file journal; PostgreSQL has none");
  if (key && !std::filesystem::is_regular_file(*key)) args.fail("--key " + *key + " is not a file");
  const auto started = std::chrono::steady_clock::now();
  std::expected<journal::ScanSummary, journal::Error> result;
  std::optional<SignedHead> signed_head;
  if (key) {
    auto checked = journal::verify_signatures(*source->directory(), *key, args.get("--signatures").value_or(""));
    if (checked) {
      result = checked->audit;
      signed_head = describe(*checked, *key);
    } else {
      result = std::unexpected(checked.error());
    }
  } else {
    result = source->verify();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (json) {
    Json out;
    out["journal"] = source->where();
    out["checked"] = source->checks();
    if (!result) {
      // Unreadable (exit 2) is not damaged (exit 1): an outage is never taken for tampering.
      out["intact"] = exit_for(result.error()) == exit_usage ? Json(nullptr) : Json(false);
      out["error"] = error_json(result.error());
    } else {
      out["intact"] = true;
      out["records"] = result->records;
      if (source->directory()) out["segments"] = result->segments;
      out["first_seq"] = result->first_seq;
      out["last_seq"] = result->last_seq;
      out["last_hash"] = journal::to_hex(result->last_hash);
      if (signed_head) out["signatures"] = signed_head->json;
    }
    if (args.has("--timing")) out["seconds"] = seconds;
    print_json(out);
    return result ? exit_ok : exit_for(result.error());
  }
  if (!result) {
    if (exit_for(result.error()) == exit_usage) {
      std::cerr << "fixgate-journal verify: cannot read journal " << source->where() << ": "
                << result.error().to_string() << "\n";
      return exit_usage;
    }
    std::cout << "journal " << source->where() << " is damaged: " << result.error().to_string() << "\n";
    return exit_finding;
  }
  std::cout << "journal " << source->where() << " is intact: " << result->records << " records";
  if (source->directory()) std::cout << " in " << result->segments << " segment(s)";
  std::cout << ", seq " << result->first_seq << ".." << result->last_seq << ", last hash "
            << fixgate::journal::to_hex(result->last_hash) << "\n";
  // The file journal's checks are its format's (spec/journal-format.md); a database row has no
  // CRC, so say what was checked there.
  if (!source->directory()) std::cout << "checked: " << source->checks() << "\n";
  if (signed_head) std::cout << signed_head->text << "\n";
  if (args.has("--timing")) {
    std::cout << fmt::format("verified {} records ({} bytes) in {:.3f} s: {:.0f} records/s\n", result->records,
                             result->bytes, seconds, seconds > 0 ? static_cast<double>(result->records) / seconds : 0.0);
  }
  return exit_ok;
}

int cmd_index(const Args& args) {
  const auto& dir = args.dir();
  if (!std::filesystem::is_directory(dir)) args.fail(dir + " is not a directory");
  auto written = journal::write_missing_indexes(dir);
  if (!written) {
    std::cerr << "fixgate-journal index: " << written.error().to_string() << "\n";
    return exit_for(written.error());
  }
  std::cout << "journal " << dir << ": " << *written << " sidecar index(es) written\n";
  return exit_ok;
}

int cmd_dump(const Args& args) {
  const auto source = open_source(args);
  std::string line;
  auto result = source->scan([&](const fixgate::journal::RecordView& r) {
    line.assign(std::to_string(r.seq)).append(" ").append(std::to_string(r.timestamp_ns)).append(" ");
    line.append(fixgate::journal::name(r.kind)).append(" ").append(r.stream.empty() ? "-" : r.stream).append(" ");
    for (const char c : r.payload) line.push_back(c == '\x01' ? '|' : (c == '\n' ? ' ' : c));
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), stdout);
    return true;
  });
  if (!result) {
    std::cerr << "fixgate-journal: " << result.error().to_string() << "\n";
    return exit_for(result.error());
  }
  if (result->tail) std::cerr << "fixgate-journal: reading stopped at a torn tail: " << result->tail->to_string() << "\n";
  return exit_ok;
}

}  // namespace fixgate::journal_tool
