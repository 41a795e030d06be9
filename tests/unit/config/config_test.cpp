// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "fixgate/config/config.hpp"
#include "fixgate/config/policy.hpp"

namespace fs = std::filesystem;
using namespace fixgate::config;
using fixgate::Price;
using fixgate::Qty;

namespace {

const char* const minimal_session = R"(
sessions:
  - name: S1
    sender_comp_id: A
    target_comp_id: B
    connect: 127.0.0.1:9000
)";

Config load_ok(const std::string& yaml) {
  auto result = load_string(yaml, "test.yaml");
  if (!result) FAIL(result.error().to_string());
  return *result;
}

ConfigError load_bad(const std::string& yaml) {
  auto result = load_string(yaml, "test.yaml");
  REQUIRE_FALSE(result.has_value());
  return result.error();
}

// A file under the temp directory, removed when the test ends.
struct TempFile {
  explicit TempFile(const std::string& contents)
      : path(fs::temp_directory_path() / ("fixgate-config-test-" + std::to_string(::getpid()) + ".token")) {
    std::ofstream(path, std::ios::binary) << contents;
  }
  ~TempFile() { fs::remove(path); }
  fs::path path;
};

std::string client_with_file(const fs::path& path) {
  return "upstream:\n  clients:\n    - name: c1\n      token_file: " + path.string() + "\n";
}

}  // namespace

TEST_CASE("loads the shipped demo configuration") {
  const char* source = std::getenv("FIXGATE_SOURCE_DIR");
  REQUIRE(source != nullptr);
  ::setenv("FIXGATE_DEMO_TOKEN", "demo-token", 1);
  ::setenv("FIXGATE_OPS_TOKEN", "ops-token", 1);
  const std::string path = std::string(source) + "/config/fixgate.yaml";
  const auto result = load_file(path);
  if (!result) FAIL(result.error().to_string());
  const Config& config = *result;

  CHECK(config.source == path);
  CHECK(config.instance == "fixgate-demo");
  CHECK(config.logging.level == LogLevel::info);
  CHECK(config.logging.format == LogFormat::text);
  CHECK(config.logging.file.empty());
  CHECK(config.journal.backend == JournalBackend::file);
  CHECK(config.journal.path == "var/journal");
  CHECK(config.journal.sync == SyncPolicy::batch);
  CHECK(config.journal.segment_bytes == 67108864u);
  CHECK(config.journal.stale_resend_seconds == 5u);
  REQUIRE(config.upstream.tcp.size() == 1);
  CHECK(config.upstream.tcp[0] == Endpoint{"127.0.0.1", 7001});
  CHECK(config.upstream.unix_paths.empty());
  CHECK(config.upstream.max_line_bytes == 65536u);
  CHECK(config.upstream.max_connections == 64u);
  CHECK(config.upstream.max_requests_per_second == 10000u);
  CHECK(config.upstream.send_buffer_bytes == 4194304u);
  REQUIRE(config.upstream.clients.size() == 2);
  CHECK(config.upstream.clients[0].name == "demo");
  CHECK(config.upstream.clients[0].token == "demo-token");
  CHECK(config.upstream.clients[0].accounts == std::vector<std::string>{"ACC1", "ACC2"});
  CHECK(config.upstream.clients[0].role == ClientRole::trader);
  CHECK(config.upstream.clients[1].token == "ops-token");
  CHECK(config.upstream.clients[1].accounts == std::vector<std::string>{"*"});
  CHECK(config.upstream.clients[1].role == ClientRole::admin);
  REQUIRE(config.sessions.size() == 1);
  const Session& sim = config.sessions[0];
  CHECK(sim.name == "SIM");
  CHECK(sim.version == FixVersion::fix44);
  CHECK(sim.sender_comp_id == "FIXGATE");
  CHECK(sim.target_comp_id == "SIM");
  CHECK(sim.connect == Endpoint{"127.0.0.1", 9878});
  CHECK(sim.heartbeat_seconds == 30u);
  CHECK(sim.reconnect_seconds == 5u);
  CHECK(sim.data_dictionary == "spec/FIX44.xml");
  CHECK(sim.enabled);
  REQUIRE(config.routes.size() == 1);
  CHECK(config.routes[0].account == "*");
  CHECK(config.routes[0].sessions == std::vector<std::string>{"SIM"});
  CHECK(config.risk.defaults.max_order_qty == Qty::from_whole(1000000));
  CHECK(config.risk.defaults.max_order_notional == Price::from_whole(100000000));
  REQUIRE(config.risk.accounts.contains("ACC2"));
  CHECK(config.risk.accounts.at("ACC2").max_order_qty == Qty::from_whole(5000));
  CHECK_FALSE(config.risk.accounts.at("ACC2").max_order_notional.has_value());
  // The demo serves /metrics, /healthz and /readyz (README, "Running fixgate yourself").
  REQUIRE(config.ops.http.has_value());
  CHECK(*config.ops.http == Endpoint{"127.0.0.1", 9100});
}

/// FIXGATE_SPEC_DIR set for one test: the default dictionaries are found through it
/// (fixgate/core/spec_dir.hpp), so the expected paths do not depend on where the tests run.
struct SpecDirForTest {
  static constexpr const char* dir = "/srv/fixgate-test/spec";
  SpecDirForTest() { ::setenv("FIXGATE_SPEC_DIR", dir, 1); }
  ~SpecDirForTest() { ::unsetenv("FIXGATE_SPEC_DIR"); }
};

TEST_CASE("fills every unspecified value with the documented default") {
  const SpecDirForTest spec_dir;
  const Config config = load_ok(minimal_session);
  const Config defaults;
  CHECK(config.source == "test.yaml");
  CHECK(config.instance == defaults.instance);
  CHECK(config.logging.level == LogLevel::info);
  CHECK(config.journal.path == "var/journal");
  CHECK(config.journal.dsn_env == "FIXGATE_PG_DSN");
  CHECK(config.journal.segment_bytes == defaults.journal.segment_bytes);
  CHECK(config.upstream.max_line_bytes == defaults.upstream.max_line_bytes);
  CHECK(config.upstream.send_buffer_bytes == defaults.upstream.send_buffer_bytes);
  CHECK(config.upstream.tcp.empty());
  CHECK(config.upstream.clients.empty());
  CHECK(config.sessions[0].version == FixVersion::fix44);
  CHECK(config.sessions[0].heartbeat_seconds == 30u);
  CHECK(config.sessions[0].pending_request_timeout_seconds == 30u);
  CHECK(config.sessions[0].data_dictionary == "/srv/fixgate-test/spec/FIX44.xml");
  CHECK(config.sessions[0].enabled);
  CHECK(config.routes.empty());
  CHECK_FALSE(config.risk.defaults.max_order_qty.has_value());
  CHECK_FALSE(config.ops.http.has_value());
}

TEST_CASE("an empty section means its defaults") {
  const Config config = load_ok("logging:\njournal: ~\nupstream: {}\nsessions: []\nops:\n");
  CHECK(config.journal.sync == SyncPolicy::batch);
  CHECK(config.sessions.empty());
  CHECK_FALSE(config.ops.http.has_value());
}

TEST_CASE("reads fix_version as scalar text, quoted or bare") {
  const SpecDirForTest spec_dir;
  const std::string base = "sessions:\n  - name: S1\n    sender_comp_id: A\n    target_comp_id: B\n"
                           "    connect: 127.0.0.1:9000\n    fix_version: ";
  CHECK(load_ok(base + "4.2\n").sessions[0].version == FixVersion::fix42);
  CHECK(load_ok(base + "4.2\n").sessions[0].data_dictionary == "/srv/fixgate-test/spec/FIX42.xml");
  CHECK(load_ok(base + "\"4.4\"\n").sessions[0].version == FixVersion::fix44);
  CHECK(load_ok(base + "4.4\n").sessions[0].version == FixVersion::fix44);
  CHECK(load_bad(base + "4.40\n").key == "sessions[0].fix_version");
}

TEST_CASE("parses risk limits exactly from quoted or bare scalars") {
  const Config config = load_ok(
      "risk:\n  defaults: {max_order_qty: 0.0001, max_order_notional: \"12345678.12345678\"}\n"
      "  accounts:\n    \"A.B\": {max_order_notional: 0.1}\n");
  CHECK(config.risk.defaults.max_order_qty->units() == 1);
  CHECK(config.risk.defaults.max_order_notional->units() == 1234567812345678);
  CHECK(config.risk.accounts.at("A.B").max_order_notional->units() == 10000000);
  const auto error = load_bad("risk:\n  accounts:\n    \"A.B\": {max_order_qty: 0}\n");
  CHECK(error.key == "risk.accounts[\"A.B\"].max_order_qty");
  CHECK(error.line == 3);
  CHECK(error.column == 28);
}

TEST_CASE("keeps relative paths as written") {
  const Config config = load_ok(std::string(minimal_session) +
                                "    data_dictionary: ../spec/custom.xml\n"
                                "journal: {path: data/j}\nupstream: {unix: [run/fix.sock]}\n");
  CHECK(config.sessions[0].data_dictionary == "../spec/custom.xml");
  CHECK(config.journal.path == "data/j");
  CHECK(config.upstream.unix_paths == std::vector<std::string>{"run/fix.sock"});
}

TEST_CASE("reads a token file without its trailing newline") {
  TempFile lf("s3cret\n");
  CHECK(load_ok(client_with_file(lf.path)).upstream.clients[0].token == "s3cret");
  TempFile crlf("s3cret\r\n");
  CHECK(load_ok(client_with_file(crlf.path)).upstream.clients[0].token == "s3cret");
  TempFile bare("s3cret");
  CHECK(load_ok(client_with_file(bare.path)).upstream.clients[0].token == "s3cret");
}

TEST_CASE("refuses token files that are empty, multi-line or not files") {
  TempFile empty("\n");
  const auto error = load_bad(client_with_file(empty.path));
  CHECK(error.key == "upstream.clients[0].token_file");
  CHECK(error.line == 4);
  CHECK(error.column == 19);
  CHECK(error.message.find("is empty") != std::string::npos);
  TempFile two_lines("one\ntwo\n");
  CHECK(load_bad(client_with_file(two_lines.path)).message.find("more than one line") != std::string::npos);
  CHECK(load_bad(client_with_file(fs::temp_directory_path())).message.find("not a regular file") !=
        std::string::npos);
}

TEST_CASE("never prints a token in an error") {
  ::setenv("FIXGATE_TEST_DUP_TOKEN", "very-secret-value", 1);
  const auto error = load_bad(
      "upstream:\n  clients:\n    - {name: a, token_env: FIXGATE_TEST_DUP_TOKEN}\n"
      "    - {name: b, token_env: FIXGATE_TEST_DUP_TOKEN}\n");
  CHECK(error.key == "upstream.clients[1].token_env");
  CHECK(error.to_string().find("very-secret-value") == std::string::npos);
}

TEST_CASE("reads the reconnect backoff's maximum and refuses one below the minimum") {
  CHECK(load_ok(minimal_session).sessions[0].reconnect_max_seconds == 0u);
  const Config config = load_ok(std::string(minimal_session) + "    reconnect_seconds: 2\n    reconnect_max_seconds: 60\n");
  CHECK(config.sessions[0].reconnect_seconds == 2u);
  CHECK(config.sessions[0].reconnect_max_seconds == 60u);
  const auto error = load_bad(std::string(minimal_session) + "    reconnect_seconds: 10\n    reconnect_max_seconds: 5\n");
  CHECK(error.to_string().find("reconnect_max_seconds (5) must be at least reconnect_seconds (10)") != std::string::npos);
}

TEST_CASE("accepts listeners on port 0 and IPv6, refuses a connect to port 0") {
  const Config config = load_ok("upstream: {tcp: [\"127.0.0.1:0\", \"[::1]:7001\"]}\nops: {http: localhost:0}\n");
  CHECK(config.upstream.tcp[0].port == 0);
  CHECK(config.upstream.tcp[1] == Endpoint{"::1", 7001});
  CHECK(config.ops.http->port == 0);
}

TEST_CASE("checks the postgres DSN variable only for the postgres backend") {
  ::unsetenv("FIXGATE_TEST_NO_DSN");
  CHECK(load_ok("journal: {backend: file, dsn_env: FIXGATE_TEST_NO_DSN}\n").journal.dsn_env == "FIXGATE_TEST_NO_DSN");
  ::setenv("FIXGATE_TEST_DSN", "host=/tmp dbname=fixgate", 1);
  const Config config = load_ok("journal: {backend: postgres, dsn_env: FIXGATE_TEST_DSN}\n");
  CHECK(config.journal.backend == JournalBackend::postgres);
  const auto error = load_bad("journal:\n  backend: postgres\n  dsn_env: FIXGATE_TEST_NO_DSN\n");
  CHECK(error.key == "journal.dsn_env");
  CHECK(error.line == 3);
  CHECK(error.column == 12);
}

TEST_CASE("reports YAML syntax errors at their 1-based position under the given name") {
  const auto error = load_bad("instance: x\nlogging: {level: info\n");
  CHECK(error.file == "test.yaml");
  CHECK(error.line == 3);
  CHECK(error.key.empty());
  CHECK(error.message.starts_with("YAML syntax"));
}

TEST_CASE("reports a missing file without a position") {
  const auto result = load_file("/nonexistent/fixgate.yaml");
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().line == 0);
  CHECK(result.error().to_string() == "/nonexistent/fixgate.yaml: cannot open: No such file or directory");
}

TEST_CASE("loads the Tokyo Stock Exchange risk profile with its standard tick table") {
  const char* source = std::getenv("FIXGATE_SOURCE_DIR");
  REQUIRE(source != nullptr);
  ::setenv("FIXGATE_DEMO_TOKEN", "demo-token", 1);
  ::setenv("FIXGATE_OPS_TOKEN", "ops-token", 1);
  const auto result = load_file(std::string(source) + "/config/fixgate-tse.yaml");
  if (!result) FAIL(result.error().to_string());
  const auto& risk = result->risk;
  REQUIRE(risk.tick_tables.contains("tse_standard"));
  const auto& table = risk.tick_tables.at("tse_standard");
  // TSE's standard table: (up to, tick) in yen.
  const std::vector<std::pair<const char*, const char*>> expected{
      {"3000", "1"},       {"5000", "5"},        {"30000", "10"},   {"50000", "50"},
      {"300000", "100"},   {"500000", "500"},    {"3000000", "1000"}, {"5000000", "5000"},
      {"30000000", "10000"}, {"50000000", "50000"}};
  REQUIRE(table.size() == expected.size() + 1);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CHECK(table[i].up_to == fixgate::Price::parse(expected[i].first));
    CHECK(table[i].tick == fixgate::Price::parse(expected[i].second));
  }
  CHECK_FALSE(table.back().up_to.has_value());
  CHECK(table.back().tick == fixgate::Price::from_whole(100000));
  CHECK(risk.defaults.lot_size == fixgate::Qty::from_whole(100));
  CHECK(risk.defaults.tick_table == "tse_standard");
  CHECK(risk.symbols.at("7203").reference_price == fixgate::Price::from_whole(2500));
  CHECK(risk.restricted_symbols == std::vector<std::string>{"1234"});
  CHECK(risk.throttle.client_orders_per_second == 200u);
  CHECK(risk.duplicate_window_ms == 2000u);
  CHECK(risk.kill_switch.max_rejects_per_minute == 50u);
}

TEST_CASE("a policy survives the journal's JSON form unchanged") {
  const char* source = std::getenv("FIXGATE_SOURCE_DIR");
  REQUIRE(source != nullptr);
  ::setenv("FIXGATE_DEMO_TOKEN", "demo-token", 1);
  ::setenv("FIXGATE_OPS_TOKEN", "ops-token", 1);
  const auto loaded = load_file(std::string(source) + "/config/fixgate-tse.yaml");
  REQUIRE(loaded.has_value());
  const fixgate::config::Policy policy{loaded->risk, loaded->routes};
  const auto back = fixgate::config::policy_from_json(fixgate::config::to_json(policy));
  if (!back) FAIL(back.error());
  CHECK(*back == policy);
  CHECK_FALSE(fixgate::config::policy_from_json("{\"risk\":{}}").has_value());
}

TEST_CASE("run-time limit changes are validated like the file and leave the limits alone on error") {
  fixgate::config::Risk risk;
  using fixgate::config::LimitScope;
  REQUIRE(fixgate::config::set_limit(risk, LimitScope::account, "ACC1", "max_order_qty", std::string("500")));
  CHECK(risk.accounts.at("ACC1").max_order_qty == fixgate::Qty::from_whole(500));
  REQUIRE(fixgate::config::set_limit(risk, LimitScope::symbol, "7203", "restricted", std::string("true")));
  CHECK(risk.restricted_symbols == std::vector<std::string>{"7203"});
  REQUIRE(fixgate::config::set_limit(risk, LimitScope::defaults, "", "duplicate_window_ms", std::string("1500")));
  CHECK(risk.duplicate_window_ms == 1500u);
  const auto before = risk;
  CHECK_FALSE(fixgate::config::set_limit(risk, LimitScope::defaults, "", "tick_table", std::string("nope")));
  CHECK_FALSE(fixgate::config::set_limit(risk, LimitScope::account, "ACC1", "max_order_qty", std::string("1.00001")));
  CHECK_FALSE(fixgate::config::set_limit(risk, LimitScope::account, "ACC1", "max_order_qty", std::string("0")));
  CHECK_FALSE(fixgate::config::set_limit(risk, LimitScope::account, "", "max_order_qty", std::string("5")));
  CHECK_FALSE(fixgate::config::set_limit(risk, LimitScope::defaults, "", "price_band_percent", std::string("101")));
  CHECK_FALSE(fixgate::config::set_limit(risk, LimitScope::account, "ACC1", "client_orders_per_second", std::string("5")));
  CHECK(risk == before);
  REQUIRE(fixgate::config::set_limit(risk, LimitScope::account, "ACC1", "max_order_qty", std::nullopt));
  CHECK_FALSE(risk.accounts.at("ACC1").max_order_qty.has_value());
}

TEST_CASE("loading with Secrets::skip validates everything but reads no token and no DSN variable") {
  ::unsetenv("FIXGATE_TEST_UNSET_TOKEN");
  ::unsetenv("FIXGATE_TEST_UNSET_DSN");
  const std::string yaml = std::string(minimal_session) +
                           "journal: {backend: postgres, dsn_env: FIXGATE_TEST_UNSET_DSN}\n"
                           "upstream:\n  clients:\n"
                           "    - {name: a, token_env: FIXGATE_TEST_UNSET_TOKEN}\n"
                           "    - {name: b, token_file: /nonexistent/token}\n";
  CHECK_FALSE(load_string(yaml, "test.yaml").has_value());
  auto offline = load_string(yaml, "test.yaml", Secrets::skip);
  REQUIRE(offline.has_value());
  REQUIRE(offline->upstream.clients.size() == 2);
  CHECK(offline->upstream.clients[0].token.empty());
  CHECK(offline->upstream.clients[1].name == "b");
  // Everything else is still checked.
  auto bad = load_string(yaml + "risk: {defaults: {max_order_qty: -1}}\n", "test.yaml", Secrets::skip);
  CHECK_FALSE(bad.has_value());
}

TEST_CASE("journal archive and signing settings are read and checked") {
  TempFile key("not checked for content here, only for being readable");
  auto c = load_ok(std::string(minimal_session) + "journal:\n  archive: {dir: /var/arch, after_seconds: 3600, level: 9}\n"
                   "  signing: {key_file: " + key.path.string() + ", dir: /mnt/sigs}\n");
  REQUIRE(c.journal.archive.has_value());
  CHECK(c.journal.archive->dir == "/var/arch");
  CHECK(c.journal.archive->after_seconds == 3600);
  CHECK(c.journal.archive->level == 9);
  CHECK(c.journal.signing_key_file == key.path.string());
  CHECK(c.journal.signatures_dir == "/mnt/sigs");
  auto defaults = load_ok(std::string(minimal_session) + "journal:\n  archive: {dir: a}\n");
  CHECK(defaults.journal.archive->after_seconds == 604800);
  CHECK(defaults.journal.archive->level == 3);
  CHECK_FALSE(load_ok(minimal_session).journal.archive.has_value());

  CHECK(load_bad(std::string(minimal_session) + "journal:\n  archive: {after_seconds: 5}\n").key == "journal.archive.dir");
  CHECK(load_bad(std::string(minimal_session) + "journal:\n  archive: {dir: a, level: 0}\n").key == "journal.archive.level");
  CHECK(load_bad(std::string(minimal_session) + "journal:\n  archive: {dir: a, compress: yes}\n").key == "journal.archive.compress");
  const auto missing = load_bad(std::string(minimal_session) + "journal:\n  signing: {key_file: /nonexistent/key.pem}\n");
  CHECK(missing.key == "journal.signing.key_file");
  CHECK_THAT(missing.message, Catch::Contains("/nonexistent/key.pem"));
  CHECK(load_string(std::string(minimal_session) + "journal:\n  signing: {key_file: /nonexistent/key.pem}\n", "t.yaml",
                    Secrets::skip)
            .has_value());
  ::setenv("FIXGATE_TEST_ARCHIVE_DSN", "host=x", 1);
  const auto pg = load_bad(std::string(minimal_session) +
                           "journal:\n  backend: postgres\n  dsn_env: FIXGATE_TEST_ARCHIVE_DSN\n  archive: {dir: a}\n");
  CHECK(pg.key == "journal.archive");
  CHECK_THAT(pg.message, Catch::Contains("file backend only"));
}

TEST_CASE("a session's credentials come from an environment variable or a file, its SubIDs from the file") {
  ::setenv("FIXGATE_TEST_SESSION_PASSWORD", "pw from env", 1);
  const std::string with_env = std::string(minimal_session) +
                               "    sender_sub_id: DESK1\n    target_sub_id: TSE\n"
                               "    username: trader7\n    password_env: FIXGATE_TEST_SESSION_PASSWORD\n";
  const auto config = load_ok(with_env);
  const auto& session = config.sessions.at(0);
  CHECK(session.sender_sub_id == "DESK1");
  CHECK(session.target_sub_id == "TSE");
  CHECK(session.username == "trader7");
  CHECK(session.password == "pw from env");

  const fs::path file = fs::temp_directory_path() / ("fixgate-password-" + std::to_string(::getpid()));
  std::ofstream(file) << "pw-from-file\n";
  const auto from_file = load_ok(std::string(minimal_session) + "    password_file: " + file.string() + "\n");
  CHECK(from_file.sessions.at(0).password == "pw-from-file");  // without the editor's newline
  CHECK(from_file.sessions.at(0).username.empty());
  fs::remove(file);

  ::unsetenv("FIXGATE_TEST_SESSION_PASSWORD");
  auto offline = load_string(with_env, "test.yaml", Secrets::skip);
  REQUIRE(offline.has_value());
  CHECK(offline->sessions.at(0).password.empty());
  CHECK(offline->sessions.at(0).username == "trader7");
}

TEST_CASE("a password that cannot go on the wire fails naming the variable, without the password") {
  ::setenv("FIXGATE_TEST_SESSION_PASSWORD", "pw\x01secret", 1);
  const auto error = load_bad(std::string(minimal_session) + "    password_env: FIXGATE_TEST_SESSION_PASSWORD\n");
  CHECK(error.key == "sessions[0].password_env");
  CHECK(error.message == "the password must be printable ASCII");
  CHECK(error.to_string().find("secret") == std::string::npos);
  ::unsetenv("FIXGATE_TEST_SESSION_PASSWORD");
}

TEST_CASE("a session connects to a host name, resolved at each connect; listeners still bind literals") {
  const std::string head = "sessions:\n  - {name: S1, sender_comp_id: A, target_comp_id: B, connect: ";
  for (const char* name : {"broker.example.com", "fix-uat.broker.co.jp", "broker.example.com.", "BROKER1", "a1.b2"}) {
    INFO(name);
    const auto config = load_ok(head + name + ":9878}\n");
    CHECK(config.sessions.at(0).connect == Endpoint{name, 9878});
  }
  for (const char* bad : {"broker_1.example.com", "-broker.example.com", "broker-.example.com", "broker..example.com",
                          "256.0.0.1", "10.0.0.300", "broker.example.com..", "broker/1"}) {
    INFO(bad);
    const auto error = load_bad(head + bad + ":9878}\n");
    CHECK(error.key == "sessions[0].connect");
    CHECK(error.message == "host \"" + std::string(bad) + "\" is not an IPv4 address, [IPv6] or a host name");
  }
  const auto too_long = std::string(64, 'a') + ".example.com";
  CHECK(load_bad(head + too_long + ":9878}\n").key == "sessions[0].connect");
  const auto listener = load_bad(std::string(minimal_session) + "upstream: {tcp: [gateway.example.com:7001]}\n");
  CHECK(listener.key == "upstream.tcp[0]");
}
