// SPDX-License-Identifier: Apache-2.0
// export: every record (or a filtered selection) as CSV or JSON lines with stable columns.

#include "export.hpp"

#include <cstdio>
#include <iostream>


#include "commands.hpp"
#include "common.hpp"
#include "dictionary.hpp"
#include "fixgate/journal/reader.hpp"
#include "source.hpp"

namespace fixgate::journal_tool {

const std::vector<std::string>& export_columns() {
  static const std::vector<std::string> columns{
      "seq",           "time",      "time_ns",        "kind",     "stream",          "direction",
      "msg_type",      "client_order_id", "orig_client_order_id", "cl_ord_id", "orig_cl_ord_id", "order_id",
      "exec_id",       "exec_type", "ord_status",     "account",  "symbol",          "side",
      "qty",           "price",     "last_qty",       "last_px",  "poss_dup",        "payload",
      // Appended later (columns are only ever appended): the codes beside the names, why and who.
      "exec_type_code", "ord_status_code", "reason", "by"};
  return columns;
}

std::vector<std::string> export_row(const journal::RecordView& record) {
  const Facts f = facts_of(record);
  std::string msg_type = f.msg_type;
  if (record.kind == journal::RecordKind::engine_event || record.kind == journal::RecordKind::seq_change) {
    // The first word says what it is: session_up, apply_fix, reserve=1000 -> reserve, ...
    const auto text = trimmed(record.payload);
    msg_type = std::string(text.substr(0, text.find_first_of(" =")));
  }
  const auto exec_type = exec_type_of(f.exec_type);
  const auto ord_status = ord_status_of(f.ord_status);
  return {std::to_string(record.seq),
          format_time(record.timestamp_ns),
          std::to_string(record.timestamp_ns),
          std::string(journal::name(record.kind)),
          std::string(record.stream),
          std::string(direction_of(record.kind)),
          msg_type,
          f.client_order_id,
          f.orig_client_order_id,
          f.cl_ord_id,
          f.orig_cl_ord_id,
          f.order_id,
          f.exec_id,
          exec_type.name,
          ord_status.name,
          f.account,
          f.symbol,
          f.side,
          f.qty,
          f.price,
          f.last_qty,
          f.last_px,
          f.poss_dup ? "Y" : "",
          printable(record.payload),
          exec_type.code,
          ord_status.code,
          f.reason,
          f.by};
}

std::string csv_field(std::string_view value) {
  // A spreadsheet runs a cell starting with = + - @ (or a tab or CR before one) as a formula:
  // a leading ' makes it text (OWASP "CSV injection").
  const bool formula = !value.empty() && std::string_view("=+-@\t\r").find(value.front()) != std::string_view::npos;
  const bool quote = value.find_first_of(",\"\r\n") != std::string_view::npos ||
                     (!value.empty() && (value.front() == ' ' || value.back() == ' '));
  if (!quote) return formula ? "'" + std::string(value) : std::string(value);
  std::string out = formula ? "\"'" : "\"";
  for (const char c : value) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string csv_line(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i != 0) out.push_back(',');
    out.append(csv_field(fields[i]));
  }
  out.append("\r\n");
  return out;
}

Json export_object(const std::vector<std::string>& row) {
  const auto& columns = export_columns();
  Json object;
  for (std::size_t i = 0; i < columns.size() && i < row.size(); ++i) {
    const auto& c = columns[i];
    if (c == "seq" || c == "time_ns") {
      object[c] = std::stoll(row[i]);
    } else if (c == "poss_dup") {
      object[c] = row[i] == "Y";
    } else {
      object[c] = row[i];
    }
  }
  return object;
}

std::string jsonl_line(const std::vector<std::string>& row) {
  // Payload bytes that are not UTF-8 are replaced rather than failing the export.
  return export_object(row).dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

int cmd_export(const Args& args) {
  const auto format = args.get("--format").value_or("csv");
  if (format != "csv" && format != "jsonl") args.fail("--format must be csv or jsonl, not \"" + format + "\"");
  std::optional<Dictionaries> dicts;
  if (args.has("--type")) dicts = Dictionaries::load(args.get("--dictionary-dir").value_or(default_spec_dir().string()));
  const Filter filter = parse_filter(args, dicts ? &*dicts : nullptr);
  const auto source = open_source(args);

  std::string out;
  if (format == "csv") out = csv_line(export_columns());
  auto result = source->scan([&](const journal::RecordView& record) {
    if (!filter.matches(record)) return true;
    const auto row = export_row(record);
    out.append(format == "csv" ? csv_line(row) : jsonl_line(row));
    if (out.size() > (1 << 16)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
    return true;
  });
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (!result) {
    std::cerr << "fixgate-journal export: " << result.error().to_string() << "\n";
    return exit_for(result.error());
  }
  if (result->tail) std::cerr << "fixgate-journal export: reading stopped at a torn tail: " << result->tail->to_string() << "\n";
  return exit_ok;
}

}  // namespace fixgate::journal_tool
