// SPDX-License-Identifier: Apache-2.0
// query: everything about one order (the whole ClOrdID chain, its upstream requests and events,
// FIX messages and reports), or every record about an account or a symbol.
//
// The answer comes from the journal's indexes when it can (sidecar files, PostgreSQL audit
// columns): look up the id, read the records found, look up every id they link to, until nothing
// new turns up. It reads the whole journal instead when an index cannot be complete: a record
// holding an id no index keeps, or an order from before `accepted` named its ClOrdID (then the
// link from request to NewOrderSingle is by content, which needs every earlier record).

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <climits>
#include <map>

#include "chains.hpp"
#include "commands.hpp"
#include "common.hpp"
#include "dictionary.hpp"
#include "export.hpp"
#include "fixgate/journal/reader.hpp"
#include "json_out.hpp"
#include "render.hpp"
#include "source.hpp"

namespace fixgate::journal_tool {
namespace {

/// A record copied out of the reader, to print after the search.
struct Kept {
  std::uint64_t seq = 0;
  std::int64_t timestamp_ns = 0;
  journal::RecordKind kind = journal::RecordKind::engine_event;
  std::uint16_t flags = 0;
  std::string stream;
  std::string payload;
  journal::Hash hash{};

  explicit Kept(const journal::RecordView& r)
      : seq(r.seq), timestamp_ns(r.timestamp_ns), kind(r.kind), flags(r.flags), stream(r.stream), payload(r.payload) {
    if (r.hash != nullptr) hash = *r.hash;
  }
  journal::RecordView view() const {
    return {seq, timestamp_ns, kind, flags, stream, payload, &hash};
  }
};

/// What is asked: one order by any of its ids, or an account or a symbol within a time window.
struct Question {
  std::optional<std::string> order, account, symbol;
  Filter window;

  std::string subject() const { return order ? "order " + *order : account ? "account " + *account : "symbol " + *symbol; }
  /// A record that names the account or symbol asked about, inside the window.
  bool seed(const journal::RecordView& record) const {
    if (order || !window.matches_frame(record)) return false;
    const Facts f = facts_of(record);
    return (account && f.account == *account) || (symbol && f.symbol == *symbol);
  }
};

/// The records of the answer and how they link.
struct Answer {
  Chains chains;
  std::map<std::uint64_t, Kept> records;  // every record read (a superset of the answer)
  std::vector<std::uint64_t> seeds;
  std::set<int> roots;
  std::set<std::uint64_t> wanted;
  bool indexed = false;

  void take(const journal::RecordView& record, const Question& q) {
    if (!records.try_emplace(record.seq, record).second) return;
    chains.add(record);
    if (q.seed(record)) seeds.push_back(record.seq);
  }
  void settle(const Question& q) {
    roots.clear();
    if (q.order) {
      roots = chains.roots_for_id(*q.order);
    } else {
      for (const auto seq : seeds) {
        for (const int r : chains.roots_of_record(seq)) roots.insert(r);
      }
    }
    wanted = chains.records_of(roots);
    wanted.insert(seeds.begin(), seeds.end());
  }
};

/// True when every request in the answer is linked to its FIX messages by the journaled
/// pairing: each `accepted` names its ClOrdID and each NewOrderSingle's ClOrdID is one of them.
bool paired(const Answer& a) {
  std::set<std::string> paired_ids;
  for (const auto seq : a.wanted) {
    const auto& r = a.records.at(seq);
    if (r.kind != journal::RecordKind::upstream_event) continue;
    const Facts f = facts_of(r.view());
    if (f.msg_type != "accepted") continue;
    if (f.cl_ord_id.empty()) return false;
    paired_ids.insert(f.cl_ord_id);
  }
  for (const auto seq : a.wanted) {
    const auto& r = a.records.at(seq);
    if (r.kind != journal::RecordKind::fix_out) continue;
    const Facts f = facts_of(r.view());
    if (f.msg_type == "D" && !f.poss_dup && paired_ids.count(f.cl_ord_id) == 0) return false;
  }
  return true;
}

/// Past this many records naming the account or symbol in the window, query reads the whole
/// journal: following that many orders id by id costs more than one pass (measured:
/// docs/PERFORMANCE.md, "Journal tool").
constexpr std::size_t max_indexed_seeds = 20'000;

/// The keys the answer so far links to and nobody has asked for: every id of its orders, and
/// the apply_fix marker of each broker message in it.
std::vector<journal::IndexKey> unasked(Answer& a, const std::set<journal::IndexKey>& asked) {
  std::vector<journal::IndexKey> next;
  for (const auto& id : a.chains.raw_ids(a.roots)) {
    journal::IndexKey key{journal::IndexKind::id, id};
    if (!asked.contains(key)) next.push_back(std::move(key));
  }
  for (const auto seq : a.wanted) {
    if (a.records.at(seq).kind != journal::RecordKind::fix_in) continue;
    journal::IndexKey key{journal::IndexKind::applies, std::to_string(seq)};
    if (!asked.contains(key)) next.push_back(std::move(key));
  }
  return next;
}

/// The answer from the indexes; false when they cannot give it exactly (the caller scans).
std::expected<bool, journal::Error> search_indexes(const RecordSource& source, const Question& q, Answer& a) {
  auto complete = source.index_complete();
  if (!complete || !*complete) return complete;
  const auto visit = [&](const journal::RecordView& record) {
    a.take(record, q);
    return true;
  };
  std::set<journal::IndexKey> asked;
  std::vector<journal::IndexKey> next;
  if (q.order) {
    next.push_back({journal::IndexKind::id, *q.order});
  } else {
    // The account's or symbol's records in the window are the seeds; the rest comes by their ids.
    const journal::IndexKey key{q.account ? journal::IndexKind::account : journal::IndexKind::symbol,
                                q.account ? *q.account : *q.symbol};
    const journal::TimeRange range{q.window.from_ns.value_or(INT64_MIN), q.window.to_ns.value_or(INT64_MAX)};
    auto found = source.find({key}, [&](const journal::RecordView& record) {
      if (q.seed(record)) a.take(record, q);
      return a.seeds.size() <= max_indexed_seeds;
    }, range);
    if (!found || !*found) return found;
    if (a.seeds.size() > max_indexed_seeds) return false;  // most of the journal: one scan is cheaper
    asked.insert(key);
    a.settle(q);
    next = unasked(a, asked);
  }
  // Each round asks for ids not asked before; ids are finite, so this ends.
  while (!next.empty()) {
    auto found = source.find(next, visit);
    if (!found || !*found) return found;
    asked.insert(next.begin(), next.end());
    a.settle(q);
    next = unasked(a, asked);
  }
  return paired(a);
}

/// The answer from every record: pass 1 links, pass 2 keeps the records wanted.
std::expected<void, journal::Error> search_all(const RecordSource& source, const Question& q, Answer& a) {
  a = Answer{};
  auto scanned = source.scan([&](const journal::RecordView& record) {
    a.chains.add(record);
    if (q.seed(record)) a.seeds.push_back(record.seq);
    return true;
  });
  if (!scanned) return std::unexpected(scanned.error());
  a.settle(q);
  if (a.wanted.empty()) return {};
  journal::ReadOptions options;
  options.from_seq = *a.wanted.begin();
  auto kept = source.scan(
      [&](const journal::RecordView& record) {
        if (record.seq > *a.wanted.rbegin()) return false;
        if (a.wanted.count(record.seq) != 0) a.records.try_emplace(record.seq, record);
        return true;
      },
      options);
  if (!kept) return std::unexpected(kept.error());
  return {};
}

}  // namespace

int cmd_query(const Args& args) {
  const bool json = args.has("--json");
  Question q{args.get("--order"), args.get("--account"), args.get("--symbol"), parse_filter(args, nullptr)};
  const int asked = (q.order ? 1 : 0) + (q.account ? 1 : 0) + (q.symbol ? 1 : 0);
  if (asked != 1) args.fail("give exactly one of --order ID, --account ACC, --symbol SYM");
  const auto mode = args.get("--color").value_or("auto");
  if (mode != "auto" && mode != "always" && mode != "never") args.fail("--color must be auto, always or never, not \"" + mode + "\"");
  const bool color = mode == "always" || (mode == "auto" && ::isatty(STDOUT_FILENO) == 1);
  const auto dicts = Dictionaries::load(args.get("--dictionary-dir").value_or(default_spec_dir().string()));
  const auto source = open_source(args);

  Answer a;
  std::optional<journal::Error> failed;
  if (!args.has("--scan")) {
    auto indexed = search_indexes(*source, q, a);
    if (!indexed) failed = indexed.error();
    a.indexed = indexed && *indexed;
  }
  if (!failed && !a.indexed) {
    if (auto all = search_all(*source, q, a); !all) failed = all.error();
  }
  if (failed) {
    std::cerr << "fixgate-journal query: " << failed->to_string() << "\n";
    return exit_for(*failed);
  }

  std::vector<const Kept*> rows;
  for (const auto seq : a.wanted) {
    const auto& r = a.records.at(seq);
    if (q.window.matches_frame(r.view())) rows.push_back(&r);
  }
  if (json) {
    Json document;
    document["query"] = q.order ? Json{{"order", *q.order}} : q.account ? Json{{"account", *q.account}} : Json{{"symbol", *q.symbol}};
    if (q.window.from_ns) document["query"]["from_ns"] = *q.window.from_ns;
    if (q.window.to_ns) document["query"]["to_ns"] = *q.window.to_ns;
    document["records"] = rows.size();
    document["ids"] = a.chains.ids(a.roots);
    document["rows"] = Json::array();
    for (const auto* r : rows) document["rows"].push_back(export_object(export_row(r->view())));
    print_json(document);
  }
  if (a.wanted.empty()) {
    std::cerr << "fixgate-journal query: no record in " << source->where() << " is about " << q.subject() << "\n";
    return exit_finding;
  }
  if (json) return exit_ok;

  std::string out = q.subject() + ": " + std::to_string(a.wanted.size()) + " records\n";
  if (q.order) {
    for (const auto& line : a.chains.describe(a.roots)) out += "  " + line + "\n";
  }
  out += "\n";
  const Renderer renderer(dicts, color);
  for (const auto* r : rows) {
    renderer.render(r->view(), out);
    if (out.size() > (1 << 16)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return exit_ok;
}

}  // namespace fixgate::journal_tool
