// SPDX-License-Identifier: Apache-2.0
#pragma once
// The export row: stable columns (spec/journal-export.md) and their CSV (RFC 4180) and JSON-lines
// encodings.

#include <string>
#include <string_view>
#include <vector>

#include "fixgate/journal/record.hpp"
#include "json_out.hpp"

namespace fixgate::journal_tool {

/// Column names, in order; never renamed or reordered, only appended to.
const std::vector<std::string>& export_columns();
/// The row of one record, one string per column (empty when the record has no such value).
std::vector<std::string> export_row(const journal::RecordView& record);
/// One CSV field per RFC 4180: quoted (with inner quotes doubled) when it holds a comma, a quote,
/// CR or LF, or starts/ends with a space; a value starting with = + - @ tab or CR (a spreadsheet
/// formula) gets a leading ' first.
std::string csv_field(std::string_view value);
/// A whole CSV record, fields joined by commas and ended by CRLF as RFC 4180 says.
std::string csv_line(const std::vector<std::string>& fields);
/// The row as a JSON object, keys in column order: seq and time_ns numbers, poss_dup a boolean,
/// the rest strings.
Json export_object(const std::vector<std::string>& row);
/// One JSON object line (export_object and a newline).
std::string jsonl_line(const std::vector<std::string>& row);

}  // namespace fixgate::journal_tool
