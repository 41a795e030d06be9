// SPDX-License-Identifier: Apache-2.0
// The journal-backed QuickFIX store: sequence numbers folded back out of journal records.

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>

#include "fixgate/fix/journal_store.hpp"
#include "fixgate/fix/quickfix.hpp"
#include "fixgate/journal/journal.hpp"
#include "fixgate/journal/reader.hpp"

namespace fs = std::filesystem;
using namespace fixgate;

namespace {

struct TempDir {
  fs::path path = fs::temp_directory_path() /
                  ("fixgate-store-test-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

std::string message(const char* type, int seq, bool poss_dup = false) {
  std::string m = std::string("8=FIX.4.4\x01" "9=10\x01" "35=") + type + "\x01" "34=" + std::to_string(seq) + "\x01";
  if (poss_dup) m += "43=Y\x01";
  return m + "49=FIXGATE\x01" "56=SIM\x01" "10=000\x01";
}

config::Session sim_session() {
  config::Session s;
  s.name = "SIM";
  s.sender_comp_id = "FIXGATE";
  s.target_comp_id = "SIM";
  return s;
}

/// Journals `records` (kind, payload) on stream SIM, folds them, and returns the next numbers the
/// store hands QuickFIX.
std::pair<int, int> next_numbers(const std::vector<std::pair<journal::RecordKind, std::string>>& records) {
  TempDir dir;
  journal::Options options;
  options.dir = dir.path;
  auto opened = journal::Journal::open(options);
  REQUIRE(opened.has_value());
  auto& j = **opened;
  for (const auto& [kind, payload] : records) REQUIRE(j.append(kind, "SIM", payload, 1).has_value());
  REQUIRE(j.wait_durable(j.last_seq(), std::chrono::seconds(5)).has_value());
  std::map<std::string, fix::StoreState> states;
  REQUIRE(journal::scan(dir.path, [&](const journal::RecordView& r) {
            fix::fold_store_record(states, r);
            return true;
          }).has_value());
  fix::JournalStores stores(j, {sim_session()}, std::move(states), [] { return std::int64_t{1}; });
  auto* factory = static_cast<FIX::MessageStoreFactory*>(stores.message_store_factory());
  FIX::MessageStore* store = factory->create(FIX::SessionID("FIX.4.4", "FIXGATE", "SIM"));
  const std::pair<int, int> next{store->getNextSenderMsgSeqNum(), store->getNextTargetMsgSeqNum()};
  factory->destroy(store);
  REQUIRE(j.close().has_value());
  return next;
}

using journal::RecordKind;

}  // namespace

TEST_CASE("sequence numbers fold out of the messages themselves, resends aside") {
  const auto next = next_numbers({{RecordKind::fix_out, message("A", 1)},
                                  {RecordKind::fix_in, message("A", 1)},
                                  {RecordKind::fix_out, message("D", 2)},
                                  {RecordKind::fix_in, message("8", 2)},
                                  {RecordKind::fix_in, message("8", 1, true)},
                                  {RecordKind::seq_change, "closed"}});
  CHECK(next == std::pair{3, 3});
}

TEST_CASE("after an unclean stop the next sender number skips past the durable reservation") {
  const auto next = next_numbers({{RecordKind::seq_change, "reserve=1000"},
                                  {RecordKind::fix_out, message("A", 1)},
                                  {RecordKind::fix_out, message("D", 2)}});
  CHECK(next.first == 1001);
}

TEST_CASE("after a clean stop the next sender number is exact") {
  const auto next = next_numbers({{RecordKind::seq_change, "reserve=1000"},
                                  {RecordKind::fix_out, message("A", 1)},
                                  {RecordKind::fix_out, message("D", 2)},
                                  {RecordKind::seq_change, "closed"}});
  CHECK(next.first == 3);
}

TEST_CASE("a reset starts both numbers again from 1") {
  const auto next = next_numbers({{RecordKind::fix_out, message("D", 7)},
                                  {RecordKind::fix_in, message("8", 9)},
                                  {RecordKind::seq_change, "reset"},
                                  {RecordKind::seq_change, "closed"}});
  CHECK(next == std::pair{1, 1});
}

TEST_CASE("with frame verdicts the next expected inbound number is the last one accepted in order") {
  // 2 delivered; 4 arrived behind a gap (3 lost) and was queued; a kill -9 came before the resend.
  const auto next = next_numbers({{RecordKind::fix_in, message("A", 1)},
                                  {RecordKind::fix_verdict, "1 delivered next=2"},
                                  {RecordKind::fix_in, message("8", 2)},
                                  {RecordKind::fix_verdict, "3 delivered next=3"},
                                  {RecordKind::fix_in, message("8", 4)},
                                  {RecordKind::fix_verdict, "5 queued: MsgSeqNum too high, expecting 3 but received 4"},
                                  {RecordKind::fix_in, message("8", 2, true)},
                                  {RecordKind::fix_garbage, "8=FIX.4.4\x01" "9=99\x01" "35=8\x01" "34=3\x01" "10=000\x01"}});
  CHECK(next.second == 3);
}

TEST_CASE("a fix_in with no verdict after verdicts began does not move the next expected number") {
  // Arrived, then the process died before the session layer counted it: asked for again.
  const auto next = next_numbers({{RecordKind::fix_in, message("A", 1)},
                                  {RecordKind::fix_verdict, "1 delivered next=2"},
                                  {RecordKind::fix_in, message("8", 2)}});
  CHECK(next.second == 2);
}

TEST_CASE("a sequence reset and an operator's change still set the next expected number") {
  const auto next = next_numbers({{RecordKind::fix_in, message("A", 1)},
                                  {RecordKind::fix_verdict, "1 delivered next=2"},
                                  {RecordKind::fix_in, message("4", 2)},
                                  {RecordKind::seq_change, "target=20"},
                                  {RecordKind::fix_verdict, "3 delivered next=20"},
                                  {RecordKind::seq_change, "target=25"}});
  CHECK(next.second == 25);
}
