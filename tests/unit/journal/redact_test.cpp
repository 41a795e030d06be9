// SPDX-License-Identifier: Apache-2.0
// FIX secret redaction, alone and as the journal applies it.

#include <catch2/catch.hpp>

#include "fixgate/journal/redact.hpp"
#include "test_util.hpp"

using namespace journal_test;

TEST_CASE("Password and NewPassword values are starred at the same length") {
  const std::string logon = fix("8=FIX.4.4|9=80|35=A|49=ME|56=THEM|553=user|554=s3cret|925=n3wpass!|98=0|108=30|10=123|");
  const std::string expected = fix("8=FIX.4.4|9=80|35=A|49=ME|56=THEM|553=user|554=******|925=********|98=0|108=30|10=123|");
  CHECK(redacted_fix(logon) == expected);
  std::string copy = logon;
  CHECK(redact_fix_secrets(std::span<char>(copy.data(), copy.size())) == 2);
  CHECK(copy == expected);
}

TEST_CASE("redaction leaves messages without secrets untouched") {
  for (const std::string& m : {fix("8=FIX.4.4|9=5|35=0|10=000|"), std::string(), std::string("garbage"),
                              fix("8=FIX.4.4|1554=x|5540=y|58=554=z|10=000|"), fix("554")}) {
    CHECK(redacted_fix(m) == m);
  }
}

TEST_CASE("redaction finds a secret at the start, at the end and without a trailing SOH") {
  CHECK(redacted_fix(fix("554=abc|")) == fix("554=***|"));
  CHECK(redacted_fix(fix("35=A|554=abc")) == fix("35=A|554=***"));
  CHECK(redacted_fix(fix("35=A|554=|")) == fix("35=A|554=|"));
}

TEST_CASE("redaction skips length-prefixed data that only looks like a password") {
  // RawData (96) holds SOH and "554=" as data: its length (95) says where it ends.
  const std::string data = fix("x|554=no");
  const std::string m = fix("35=A|95=" + std::to_string(data.size()) + "|96=") + data + fix("|554=pw|10=000|");
  const std::string expected = fix("35=A|95=" + std::to_string(data.size()) + "|96=") + data + fix("|554=**|10=000|");
  CHECK(redacted_fix(m) == expected);
}

TEST_CASE("the journal redacts FIX records only, and flags the ones it changed") {
  TempDir tmp;
  const std::string logon = fix("8=FIX.4.4|9=30|35=A|554=secret|10=000|");
  {
    auto j = open_journal(tmp.journal(), SyncPolicy::batch);
    REQUIRE(j->append(RecordKind::fix_out, "LSE", logon, 1));
    REQUIRE(j->append(RecordKind::fix_in, "LSE", logon, 2));
    REQUIRE(j->append(RecordKind::engine_event, "", logon, 3));
    REQUIRE(j->append(RecordKind::fix_in, "LSE", fix("35=0|"), 4));
    REQUIRE(j->wait_durable(4, std::chrono::seconds(5)));
  }
  std::vector<std::pair<std::string, std::uint16_t>> got;
  REQUIRE(scan(tmp.journal(), [&](const RecordView& v) {
    got.emplace_back(std::string(v.payload), v.flags);
    return true;
  }));
  REQUIRE(got.size() == 4);
  CHECK(got[0].first == redacted_fix(logon));
  CHECK(got[0].first.size() == logon.size());
  CHECK(got[0].second == flag_redacted);
  CHECK(got[1].first == redacted_fix(logon));
  CHECK(got[2].first == logon);
  CHECK(got[2].second == 0);
  CHECK(got[3].second == 0);
  // Only the engine_event copy keeps the text: it is not a FIX record.
  const std::string disk = read_file(list_segments(tmp.journal())->front().path);
  const auto first = disk.find("secret");
  CHECK(first != std::string::npos);
  CHECK(disk.find("secret", first + 1) == std::string::npos);
  REQUIRE(verify(tmp.journal()));
}
