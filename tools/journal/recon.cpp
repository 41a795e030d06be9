// SPDX-License-Identifier: Apache-2.0
// recon: the journal's fills against the broker's execution file.

#include "recon.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <unordered_map>

#include <fmt/format.h>

#include "commands.hpp"
#include "common.hpp"
#include "fixgate/journal/reader.hpp"
#include "json_out.hpp"
#include "source.hpp"

namespace fixgate::journal_tool {
namespace {

constexpr const char* column_names[] = {"exec_id", "order_id", "side", "symbol", "qty", "price", "time"};

/// Splits RFC 4180 CSV into records of fields; each record remembers the line it starts on.
struct CsvRecord {
  std::size_t line = 0;
  std::vector<std::string> fields;
};

std::vector<CsvRecord> split_csv(std::string_view text, const std::string& file) {
  std::vector<CsvRecord> records;
  std::size_t line = 1;
  std::size_t pos = 0;
  while (pos < text.size()) {
    CsvRecord record;
    record.line = line;
    std::string field;
    bool end_of_record = false;
    while (!end_of_record) {
      field.clear();
      if (pos < text.size() && text[pos] == '"') {
        const std::size_t quote_line = line;
        ++pos;
        for (;;) {
          if (pos >= text.size()) {
            throw UsageError(fmt::format("{}:{}: column {} ({}): quoted field is never closed", file, quote_line,
                                         record.fields.size() + 1,
                                         record.fields.size() < 7 ? column_names[record.fields.size()] : "extra"));
          }
          const char c = text[pos++];
          if (c == '"') {
            if (pos < text.size() && text[pos] == '"') {
              field.push_back('"');
              ++pos;
            } else {
              break;
            }
          } else {
            if (c == '\n') ++line;
            field.push_back(c);
          }
        }
        if (pos < text.size() && text[pos] != ',' && text[pos] != '\r' && text[pos] != '\n') {
          throw UsageError(fmt::format("{}:{}: column {}: text after the closing quote", file, line,
                                       record.fields.size() + 1));
        }
      } else {
        while (pos < text.size() && text[pos] != ',' && text[pos] != '\r' && text[pos] != '\n') {
          if (text[pos] == '"') {
            throw UsageError(fmt::format("{}:{}: column {}: a quote inside an unquoted field", file, line,
                                         record.fields.size() + 1));
          }
          field.push_back(text[pos++]);
        }
      }
      record.fields.push_back(field);
      if (pos >= text.size()) {
        end_of_record = true;
      } else if (text[pos] == ',') {
        ++pos;
      } else {
        if (text[pos] == '\r') ++pos;
        if (pos < text.size() && text[pos] == '\n') ++pos;
        ++line;
        end_of_record = true;
      }
    }
    if (record.fields.size() == 1 && record.fields[0].empty()) continue;  // blank line
    records.push_back(std::move(record));
  }
  return records;
}

std::string canonical_side(const std::string& side) {
  if (side == "buy" || side == "sell" || side == "sell_short") return side;
  return side_name(side);
}

}  // namespace

std::map<std::string, std::size_t> ReconResult::by_kind() const {
  std::map<std::string, std::size_t> out;
  for (const auto& b : breaks) ++out[b.kind];
  return out;
}

std::vector<Execution> read_broker_csv(std::string_view text, const std::string& file) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 byte order mark
  const auto records = split_csv(text, file);
  if (records.empty()) throw UsageError(file + ":1: empty file; expected the header " + std::string(broker_header));
  {
    const auto& header = records.front();
    std::string joined;
    for (std::size_t i = 0; i < header.fields.size(); ++i) joined += (i ? "," : "") + header.fields[i];
    if (joined != broker_header) {
      throw UsageError(fmt::format("{}:{}: header is \"{}\", expected \"{}\"", file, header.line, joined, broker_header));
    }
  }
  std::vector<Execution> out;
  for (std::size_t r = 1; r < records.size(); ++r) {
    const auto& rec = records[r];
    const auto fail = [&](std::size_t column, const std::string& what) {
      throw UsageError(fmt::format("{}:{}: column {} ({}): {}", file, rec.line, column + 1, column_names[column], what));
    };
    if (rec.fields.size() != 7) {
      throw UsageError(fmt::format("{}:{}: {} columns, expected 7 ({})", file, rec.line, rec.fields.size(), broker_header));
    }
    Execution e;
    e.exec_id = rec.fields[0];
    if (e.exec_id.empty()) fail(0, "empty");
    e.order_id = rec.fields[1];
    e.side = canonical_side(rec.fields[2]);
    if (e.side != "buy" && e.side != "sell" && e.side != "sell_short") {
      fail(2, "\"" + rec.fields[2] + "\" is not a side (buy, sell, sell_short)");
    }
    e.symbol = rec.fields[3];
    if (e.symbol.empty()) fail(3, "empty");
    auto qty = Qty::parse(rec.fields[4]);
    if (!qty || qty->units() <= 0) fail(4, "\"" + rec.fields[4] + "\" is not a positive decimal quantity (4 decimals at most)");
    e.qty = *qty;
    auto price = WidePrice::parse(rec.fields[5]);
    if (!price) fail(5, "\"" + rec.fields[5] + "\" is not a decimal price");
    e.price = *price;
    e.time = rec.fields[6];
    if (!parse_time(e.time)) fail(6, "\"" + e.time + "\" is not an ISO 8601 UTC time");
    e.where = fmt::format("{}:{}", file, rec.line);
    out.push_back(std::move(e));
  }
  return out;
}

std::optional<Execution> journal_fill(const journal::RecordView& record) {
  if (record.kind != journal::RecordKind::fix_in) return std::nullopt;
  const Facts f = facts_of(record);
  if (f.msg_type != "8" || f.exec_id.empty()) return std::nullopt;
  const bool trade = f.exec_type == "F" || f.exec_type == "1" || f.exec_type == "2";
  // FIX 4.2: ExecTransType 1/2/3 are a cancel, a correction or a status, not a new execution.
  if (!trade || (!f.exec_trans_type.empty() && f.exec_trans_type != "0")) return std::nullopt;
  auto last_qty = Qty::parse(f.last_qty);
  if (!last_qty || last_qty->units() <= 0) return std::nullopt;
  Execution e;
  e.exec_id = f.exec_id;
  e.order_id = f.order_id;
  e.side = f.side;
  e.symbol = f.symbol;
  e.qty = *last_qty;
  e.price = WidePrice::parse(f.last_px).value_or(WidePrice{});
  e.time = format_time(record.timestamp_ns);
  e.where = fmt::format("record #{} ({})", record.seq, record.stream);
  e.poss_dup = f.poss_dup;
  return e;
}

void AppliedFills::add(const journal::RecordView& record) {
  if (record.kind == journal::RecordKind::fix_in) {
    if (auto fill = journal_fill(record)) waiting_.emplace(record.seq, std::move(*fill));
    return;
  }
  if (record.kind != journal::RecordKind::engine_event) return;
  const std::string_view text = record.payload;
  if (text.starts_with("apply_fix ")) {
    // "apply_fix <fix_in seq>[ sent <MsgType> <ClOrdID>]"
    std::uint64_t seq = 0;
    const auto digits = text.substr(10);
    std::from_chars(digits.data(), digits.data() + digits.size(), seq);
    if (auto it = waiting_.find(seq); it != waiting_.end()) {
      applied_.push_back(std::move(it->second));
      waiting_.erase(it);
    }
  } else if (text.starts_with("apply_raw ")) {
    // "apply_raw [sent <MsgType> <ClOrdID>\x01]<raw FIX>": applied straight from these bytes.
    auto raw = text.substr(10);
    if (raw.starts_with("sent ")) raw = raw.substr(std::min(raw.size(), raw.find('\x01') + 1));
    journal::RecordView copy = record;
    copy.kind = journal::RecordKind::fix_in;
    copy.payload = raw;
    if (auto fill = journal_fill(copy)) applied_.push_back(std::move(*fill));
  }
}

ReconResult reconcile(const std::vector<Execution>& journal, const std::vector<Execution>& broker) {
  ReconResult result;
  std::unordered_map<std::string, const Execution*> ours;
  std::vector<const Execution*> ours_in_order;
  for (const auto& e : journal) {
    auto [it, inserted] = ours.try_emplace(e.exec_id, &e);
    if (inserted) {
      ours_in_order.push_back(&e);
    } else if (!e.poss_dup) {
      // A resend carries PossDupFlag and is applied once; the same ExecID again without it is a
      // second execution as far as the wire says.
      result.breaks.push_back({"duplicate_in_journal", e.exec_id,
                               "seen again at " + e.where + " without PossDupFlag (first at " + it->second->where + ")"});
    }
  }
  std::unordered_map<std::string, const Execution*> theirs;
  std::vector<const Execution*> theirs_in_order;
  for (const auto& e : broker) {
    auto [it, inserted] = theirs.try_emplace(e.exec_id, &e);
    if (inserted) {
      theirs_in_order.push_back(&e);
    } else {
      result.breaks.push_back({"duplicate_in_broker", e.exec_id, "again at " + e.where + " (first at " + it->second->where + ")"});
    }
  }
  result.journal_fills = ours_in_order.size();
  result.broker_fills = theirs_in_order.size();
  for (const Execution* j : ours_in_order) {
    const auto it = theirs.find(j->exec_id);
    if (it == theirs.end()) {
      result.breaks.push_back({"missing_in_broker", j->exec_id,
                               fmt::format("{} {} {} @ {} at {}", j->side, j->qty.to_string(), j->symbol,
                                           j->price.to_string(), j->where)});
      continue;
    }
    const Execution& b = *it->second;
    bool same = true;
    const auto differ = [&](const char* kind, const std::string& journal_value, const std::string& broker_value) {
      same = false;
      result.breaks.push_back({kind, j->exec_id,
                               "journal " + journal_value + " (" + j->where + "), broker " + broker_value + " (" + b.where + ")"});
    };
    if (j->qty != b.qty) differ("qty_mismatch", j->qty.to_string(), b.qty.to_string());
    if (j->price != b.price) differ("price_mismatch", j->price.to_string(), b.price.to_string());
    if (j->side != b.side) differ("side_mismatch", j->side, b.side);
    if (j->symbol != b.symbol) differ("symbol_mismatch", j->symbol, b.symbol);
    if (j->order_id != b.order_id) differ("order_id_mismatch", j->order_id, b.order_id);
    if (same) ++result.matched;
  }
  for (const Execution* b : theirs_in_order) {
    if (ours.count(b->exec_id) == 0) {
      result.breaks.push_back({"missing_in_journal", b->exec_id,
                               fmt::format("{} {} {} @ {} at {}", b->side, b->qty.to_string(), b->symbol,
                                           b->price.to_string(), b->where)});
    }
  }
  return result;
}

int cmd_recon(const Args& args) {
  const auto broker_file = args.get("--broker");
  if (!broker_file) args.fail("missing --broker FILE.csv");
  const auto session = args.get("--session");
  const auto source = open_source(args);
  std::ifstream in(*broker_file, std::ios::binary);
  if (!in) args.fail("--broker " + *broker_file + ": cannot read the file");
  std::ostringstream text;
  text << in.rdbuf();
  const auto broker = read_broker_csv(text.str(), *broker_file);

  AppliedFills applied;
  auto scanned = source->scan([&](const journal::RecordView& record) {
    if (session && record.stream != *session) return true;
    applied.add(record);
    return true;
  });
  if (!scanned) {
    std::cerr << "fixgate-journal recon: " << scanned.error().to_string() << "\n";
    return exit_for(scanned.error());  // a damaged journal is a finding, as for verify
  }
  const auto result = reconcile(applied.fills(), broker);
  if (args.has("--json")) {
    Json out;
    out["journal_fills"] = result.journal_fills;
    out["broker_fills"] = result.broker_fills;
    out["matched"] = result.matched;
    out["breaks"] = Json::array();
    for (const auto& b : result.breaks) out["breaks"].push_back({{"kind", b.kind}, {"exec_id", b.exec_id}, {"detail", b.detail}});
    out["by_kind"] = Json::object();
    for (const auto& [kind, count] : result.by_kind()) out["by_kind"][kind] = count;
    print_json(out);
    return result.breaks.empty() ? exit_ok : exit_finding;
  }
  std::string out;
  for (const auto& b : result.breaks) out += b.kind + " exec_id=" + b.exec_id + " " + b.detail + "\n";
  out += fmt::format("recon: {} journal fills, {} broker fills, {} matched, {} breaks", result.journal_fills,
                     result.broker_fills, result.matched, result.breaks.size());
  const auto kinds = result.by_kind();
  if (!kinds.empty()) {
    out += " (";
    bool first_kind = true;
    for (const auto& [kind, count] : kinds) {
      out += fmt::format("{}{} {}", first_kind ? "" : ", ", kind, count);
      first_kind = false;
    }
    out += ")";
  }
  out += "\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
  return result.breaks.empty() ? exit_ok : exit_finding;
}

}  // namespace fixgate::journal_tool
