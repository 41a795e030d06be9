// SPDX-License-Identifier: Apache-2.0
#pragma once
// fixgate's configuration, as loaded and validated from YAML. Every value here has passed
// validation: the engine never re-checks it. See docs/CONFIG.md for the file format.

#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fixgate/core/decimal.hpp"

namespace fixgate::config {

/// host:port, validated (host is an IPv4/IPv6 literal or "localhost", or for a session's
/// `connect` a host name too, resolved at each connect; port 1..65535, or 0 for "pick a free
/// port" where the owner allows it).
struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
  auto operator<=>(const Endpoint&) const = default;
};

enum class LogFormat { text, json };
enum class LogLevel { trace, debug, info, warn, error };

struct Logging {
  LogLevel level = LogLevel::info;
  LogFormat format = LogFormat::text;
  std::string file;  ///< empty: standard error
};

enum class JournalBackend { file, postgres };
enum class SyncPolicy { every, batch, none };

/// Moving closed segments to an archive directory (file backend; docs/OPERATIONS.md, "Archives").
struct JournalArchive {
  std::string dir;                       ///< where archived segments go
  std::uint64_t after_seconds = 604800;  ///< a closed segment this long after its last write moves (7 days)
  std::uint32_t level = 3;               ///< zstd compression level, 1..19
};

struct Journal {
  JournalBackend backend = JournalBackend::file;
  std::string path = "var/journal";           ///< directory of segment files (file backend)
  std::string dsn_env = "FIXGATE_PG_DSN";     ///< environment variable holding the DSN (postgres)
  SyncPolicy sync = SyncPolicy::batch;
  std::uint64_t segment_bytes = 64ull << 20;
  std::uint32_t stale_resend_seconds = 5;     ///< older orders are gap-filled, not re-sent
  std::optional<JournalArchive> archive;      ///< absent: segments stay in `path` (file backend)
  std::string signing_key_file;               ///< Ed25519 private key (PEM) signing chain heads; empty: none
  std::string signatures_dir;                 ///< where head signatures go; empty: `path`
};

enum class ClientRole { trader, admin };

struct UpstreamClient {
  std::string name;
  std::string token;                  ///< resolved from token_env or token_file; never logged
  std::vector<std::string> accounts;  ///< entitled accounts; "*" means all
  ClientRole role = ClientRole::trader;
  std::vector<std::string> sessions{};  ///< sessions it may name explicitly in `new`; "*" means all
};

/// TLS on the upstream TCP listeners (PEM files, read at start-up).
struct UpstreamTls {
  std::string certificate;  ///< the server's certificate chain
  std::string private_key;  ///< its key (fixgate --check refuses one readable by group or others)
  std::string client_ca;    ///< set: clients must present a certificate signed by one of these CAs
};

/// Bearer tokens (JWT, RS256/ES256) as an alternative to static tokens; claims name the client.
struct UpstreamJwt {
  std::string jwks_file;                   ///< the verification keys (JWKS); re-read when it changes
  std::string issuer;                      ///< required `iss`
  std::string audience;                    ///< required in `aud`
  std::string client_claim = "sub";        ///< must equal hello's `client`
  std::string accounts_claim = "accounts"; ///< array of account names ("*": all)
  std::string role_claim = "role";         ///< "trader" or "admin"; absent: trader
  std::string sessions_claim = "sessions"; ///< array of sessions it may name; absent: none
  std::uint32_t leeway_seconds = 30;       ///< clock skew allowed on exp and nbf
};

struct Upstream {
  std::vector<Endpoint> tcp;          ///< TCP listeners
  std::vector<std::string> unix_paths;///< Unix domain socket listeners
  std::uint32_t max_line_bytes = 64 * 1024;
  std::uint32_t max_connections = 64;
  std::uint32_t max_requests_per_second = 10000;  ///< per client
  std::uint32_t send_buffer_bytes = 4u << 20;     ///< per connection; a slow consumer past it is cut
  std::uint32_t login_timeout_ms = 5000;          ///< a connection must say hello within this
  std::uint32_t max_unauthenticated = 16;         ///< connections not yet logged in, all together
  std::uint32_t max_unauthenticated_per_address = 4;  ///< the same, per TCP source address
  std::uint32_t max_errors_before_hello = 3;      ///< errors a connection may earn before it logs in
  std::uint32_t auth_backoff_ms = 250;            ///< lockout after the first failed hello; doubles
  std::uint32_t auth_backoff_max_ms = 60'000;     ///< the longest lockout
  std::uint32_t line_timeout_ms = 10'000;         ///< a line once begun must end within this
  std::uint32_t idle_timeout_ms = 0;              ///< a logged-in connection silent this long is closed; 0: never
  std::uint32_t idempotency_window_hours = 24;    ///< how long a request's answer is kept for retries
  bool allow_non_loopback = false;                ///< TCP listeners beyond 127.0.0.0/8 and ::1
  bool allow_plaintext_non_loopback = false;      ///< waives TLS for them
  std::optional<UpstreamTls> tls;
  std::optional<UpstreamJwt> jwt;
  std::vector<UpstreamClient> clients;
};

enum class FixVersion { fix42, fix44 };

/// Sequence-number reset policy of a scheduled session (see ops::Schedule::reset_period_start).
enum class SeqReset { daily, weekly, never };

/// When a FIX session should be logged on, in its own time zone's wall-clock time. Daily form:
/// one period starting at `start` on each day in `days` and ending at the next `end` (the next
/// day when end <= start, e.g. 22:00-06:00). Weekly form (`start_day` and `end_day` set, `days`
/// then holds only start_day): one period from start_day start to the next end_day end.
struct SessionSchedule {
  std::string time_zone;              ///< IANA name, e.g. Asia/Tokyo; checked against zoneinfo
  std::uint32_t start_seconds = 0;    ///< seconds after local midnight, 0..86399
  std::uint32_t end_seconds = 0;
  std::uint8_t days = 0x7f;           ///< bit d: a period starts on weekday d (0 = Sunday .. 6)
  std::optional<std::uint8_t> start_day;  ///< weekly form: 0 = Sunday .. 6 = Saturday
  std::optional<std::uint8_t> end_day;
  SeqReset reset = SeqReset::daily;
  bool operator==(const SessionSchedule&) const = default;
};

struct Session {
  std::string name;                   ///< short id used in routes, logs and the journal
  FixVersion version = FixVersion::fix44;
  std::string sender_comp_id;
  std::string target_comp_id;
  Endpoint connect;                   ///< the broker's address
  std::string sender_sub_id;          ///< SenderSubID (50) on every message; empty: not sent
  std::string target_sub_id;          ///< TargetSubID (57) on every message; empty: not sent
  std::string username;               ///< Username (553) on the Logon; empty: not sent
  std::string password;               ///< Password (554) on the Logon, from password_env or password_file; never logged
  std::uint32_t heartbeat_seconds = 30;
  std::uint32_t reconnect_seconds = 5;  ///< wait before the first reconnect (the backoff's minimum)
  /// The backoff's maximum: after each failed attempt the wait doubles up to this, with jitter;
  /// 0 (the default) means reconnect_seconds, a fixed wait.
  std::uint32_t reconnect_max_seconds = 0;
  std::uint32_t pending_request_timeout_seconds = 30;  ///< wait for an answer, then ask the status; as long again, give up
  std::string data_dictionary;        ///< path; default spec/FIX44.xml or spec/FIX42.xml
  bool enabled = true;
  std::optional<SessionSchedule> schedule;  ///< absent: always on (no scheduled logon/logout)
};

struct Route {
  std::string account = "*";          ///< "*" matches any
  std::string symbol = "*";
  std::string market = "*";           ///< ExDestination (100)
  std::vector<std::string> sessions;  ///< primary first, then backups in order
  bool operator==(const Route&) const = default;
};

/// Limits at one level (defaults, an account or a symbol); unset means "not limited here".
/// Where several levels set the same maximum the strictest applies; the market-structure keys
/// (tick_table, lot_size, reference_price) come from the symbol, else the defaults.
struct RiskLimits {
  std::optional<Qty> max_order_qty;
  std::optional<Price> max_order_notional;
  std::optional<Price> price_band_percent;   ///< limit price within ±this % of the reference price
  std::optional<std::uint32_t> max_open_orders;
  std::optional<Price> max_open_notional;
  std::optional<std::string> tick_table;     ///< name in Risk::tick_tables (defaults and symbols)
  std::optional<Qty> lot_size;               ///< defaults and symbols
  std::optional<Price> reference_price;      ///< symbols only; the last fill replaces it once there is one
  bool operator==(const RiskLimits&) const = default;
};

/// Prices up to and including `up_to` move in `tick`s; the last step has no `up_to`.
struct TickStep {
  std::optional<Price> up_to;
  Price tick;
  bool operator==(const TickStep&) const = default;
};

struct Throttle {
  std::uint32_t client_orders_per_second = 0;   ///< new orders per upstream client; 0: off
  std::uint32_t session_orders_per_second = 0;  ///< new orders per FIX session; 0: off
  bool operator==(const Throttle&) const = default;
};

struct KillSwitchPolicy {
  std::uint32_t max_rejects_per_minute = 0;     ///< per account; past it the account is killed; 0: off
  bool operator==(const KillSwitchPolicy&) const = default;
};

struct Risk {
  RiskLimits defaults;
  std::map<std::string, RiskLimits> accounts;
  std::map<std::string, RiskLimits> symbols;
  std::vector<std::string> restricted_symbols;
  std::map<std::string, std::vector<TickStep>> tick_tables;
  Throttle throttle;
  std::uint32_t duplicate_window_ms = 0;        ///< same account/symbol/side/qty/price; 0: off
  KillSwitchPolicy kill_switch;
  bool operator==(const Risk&) const = default;
};

struct Ops {
  std::optional<Endpoint> http;       ///< metrics / health; absent: disabled
};

struct Config {
  std::string source;                 ///< the file it was loaded from
  std::string instance = "fixgate";
  Logging logging;
  Journal journal;
  Upstream upstream;
  std::vector<Session> sessions;
  std::vector<Route> routes;
  Risk risk;
  Ops ops;
};

/// One validation failure, located in the source file.
struct ConfigError {
  std::string file;
  int line = 0;    ///< 1-based; 0 when not tied to a position
  int column = 0;  ///< 1-based
  std::string key; ///< dotted path, e.g. "sessions[1].connect"
  std::string message;
  /// "file:line:column: key: message"
  std::string to_string() const;
};

/// Whether loading reads the secrets the file names: the clients' tokens (token_env, token_file),
/// the sessions' passwords (password_env, password_file) and, for the postgres backend, that the DSN variable is set. Tools that only replay a journal
/// (fixgate-journal orders) load with `skip`: every other value is validated the same, tokens
/// stay empty.
enum class Secrets { resolve, skip };

/// Loads and validates a configuration file. Relative paths inside it (journal path, unix
/// sockets, dictionaries, token files) resolve against `base_dir` when given, else stay as written.
std::expected<Config, ConfigError> load_file(const std::string& path, Secrets secrets = Secrets::resolve);

/// Same, from text already in memory; `name` stands in for the file name in errors.
std::expected<Config, ConfigError> load_string(const std::string& yaml, const std::string& name,
                                               Secrets secrets = Secrets::resolve);

/// Parses "host:port" ("127.0.0.1:9878", "[::1]:9878", "localhost:0").
std::optional<Endpoint> parse_endpoint(const std::string& text);

}  // namespace fixgate::config
