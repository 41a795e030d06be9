// fixgate-client: sends one request over the upstream protocol and prints what comes back, or
// watches the event stream. Every wait is bounded by --timeout. See `fixgate-client --help`.

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fixgate/gateway/codec.hpp"
#include "fixgate/gateway/line_client.hpp"
#include "format.hpp"

namespace {

using namespace fixgate;
using namespace fixgate::gateway;
using Clock = std::chrono::steady_clock;

/// Process exit codes; scripts rely on them.
enum Exit : int { ok = 0, refused = 1, usage_error = 2, timed_out = 3, no_connection = 4 };

constexpr const char* usage = R"(usage: fixgate-client [--connect HOST:PORT | --unix PATH] --client NAME [--token-env VAR]
                      [--tls-ca FILE [--tls-cert FILE --tls-key FILE] [--tls-name NAME]]
                      [--json] [--timeout S] <command> [options]
commands:
  new --account A --symbol S --side buy|sell|sell_short --qty Q [--type limit|market|stop|stop_limit]
      [--price P] [--stop-price P] [--tif day|gtc|ioc|fok|gtd] [--expire-time YYYY-MM-DDTHH:MM:SSZ]
      [--exec-inst "6 G"] [--market M] [--session S] [--client-order-id ID] [--wait accepted|filled|done]
      A limit order (the default type) needs --price; a market order needs --type market.
  cancel ID [--new-id ID2] [--wait accepted|done]
  replace ID [--new-id ID2] [--qty Q] [--price P] [--wait accepted|filled|done]
  status ID
  list [--account A]
  watch [--resume-from N] [--count N]
  kill --scope all|account|session [--target NAME] --reason TEXT        (admin clients)
  release --scope all|account|session [--target NAME] --reason TEXT     (admin clients)
  set-limit --scope defaults|account|symbol [--target NAME] --limit NAME (--value V | --remove)
      --reason TEXT                                                      (admin clients)
  sessions                                                               (admin clients)
  logon SESSION --reason TEXT | logout SESSION --reason TEXT             (admin clients)
  set-seq SESSION [--next-sender N] [--next-target N] --confirm --reason TEXT   (admin clients)
  reload --reason TEXT     reload risk limits and routes from the file   (admin clients)
TLS: --tls-ca verifies the gateway's certificate (for its address, or --tls-name); --tls-cert and
  --tls-key present a client certificate to a gateway that asks for one.
defaults: --connect 127.0.0.1:7001, --token-env FIXGATE_TOKEN, --timeout 10
exit codes: 0 done, 1 rejected or error, 2 usage, 3 timeout, 4 cannot connect or log in
)";

struct Options {
  std::string connect = "127.0.0.1:7001";
  std::string unix_path;
  std::string client;
  std::string token_env = "FIXGATE_TOKEN";
  TlsOptions tls;  // used when tls.ca_file is set
  bool json = false;
  std::chrono::milliseconds timeout{10'000};
  std::string command;
  std::vector<std::string> args;
  std::map<std::string, std::string> opts;  // command options, without the leading "--"
};

const std::set<std::string> command_options{"account", "symbol", "side", "qty", "type", "price", "stop-price",
                                            "tif", "expire-time", "exec-inst", "market", "session",
                                            "client-order-id", "new-id", "wait",
                                            "resume-from", "count", "scope", "target", "reason", "limit",
                                            "value", "next-sender", "next-target"};

std::optional<Options> parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--json") {
      o.json = true;
      continue;
    }
    if (a == "--remove" || a == "--confirm") {
      o.opts[a.substr(2)] = "1";
      continue;
    }
    if (a == "-h" || a == "--help") return std::nullopt;
    if (a.rfind("--", 0) != 0) {
      (o.command.empty() ? o.command : o.args.emplace_back()) = a;
      continue;
    }
    if (i + 1 >= argc) {
      std::cerr << "fixgate-client: " << a << " needs a value\n";
      return std::nullopt;
    }
    const std::string key = a.substr(2);
    const std::string value = argv[++i];
    if (key == "connect") {
      o.connect = value;
    } else if (key == "unix") {
      o.unix_path = value;
    } else if (key == "client") {
      o.client = value;
    } else if (key == "token-env") {
      o.token_env = value;
    } else if (key == "tls-ca") {
      o.tls.ca_file = value;
    } else if (key == "tls-cert") {
      o.tls.cert_file = value;
    } else if (key == "tls-key") {
      o.tls.key_file = value;
    } else if (key == "tls-name") {
      o.tls.server_name = value;
    } else if (key == "timeout") {
      char* end = nullptr;
      const long seconds = std::strtol(value.c_str(), &end, 10);
      if (end == value.c_str() || *end != '\0' || seconds <= 0) {
        std::cerr << "fixgate-client: --timeout takes whole seconds\n";
        return std::nullopt;
      }
      o.timeout = std::chrono::seconds(seconds);
    } else if (command_options.contains(key)) {
      o.opts[key] = value;
    } else {
      std::cerr << "fixgate-client: unknown option " << a << "\n";
      return std::nullopt;
    }
  }
  if (o.command.empty() || o.client.empty()) return std::nullopt;
  if (o.tls.ca_file.empty() && (!o.tls.cert_file.empty() || !o.tls.key_file.empty() || !o.tls.server_name.empty())) {
    std::cerr << "fixgate-client: TLS options need --tls-ca\n";
    return std::nullopt;
  }
  if (o.tls.cert_file.empty() != o.tls.key_file.empty()) {
    std::cerr << "fixgate-client: --tls-cert and --tls-key go together\n";
    return std::nullopt;
  }
  return o;
}

/// What a received event means for the command waiting on it.
enum class Verdict { unrelated, progress, success, failure };

/// Which orders and which request the command is about, and what it waits for.
struct Target {
  std::set<std::string> ids;
  std::string request_id;
  std::string wait = "accepted";  // accepted | filled | done | answer
  bool cancel = false;            // "done" means canceled, not filled
};

bool ends_order_ok(OrdStatus s, const Target& t) {
  if (t.cancel) return s == OrdStatus::canceled || s == OrdStatus::expired || s == OrdStatus::done_for_day;
  return is_terminal(s) && s != OrdStatus::rejected && s != OrdStatus::replaced;
}

Verdict judge(const Outbound& out, const Target& t) {
  const std::string id = client::order_id_of(out.event);
  const bool ours = t.ids.contains(id) || (!t.request_id.empty() && out.request_id == t.request_id);
  if (!ours) return Verdict::unrelated;
  if (std::holds_alternative<Error>(out.event) || std::holds_alternative<Rejected>(out.event) ||
      std::holds_alternative<CancelRejected>(out.event)) {
    return Verdict::failure;
  }
  if (t.wait == "answer") {
    const bool answer = std::holds_alternative<OrderSnapshot>(out.event) || std::holds_alternative<OrderList>(out.event) ||
                        std::holds_alternative<KillSwitchStatus>(out.event) ||
                        std::holds_alternative<LimitChanged>(out.event) ||
                        std::holds_alternative<SessionList>(out.event) ||
                        std::holds_alternative<SessionCommandDone>(out.event) ||
                        std::holds_alternative<PolicyReloaded>(out.event);
    return answer ? Verdict::success : Verdict::progress;
  }
  if (std::holds_alternative<Accepted>(out.event)) return t.wait == "accepted" ? Verdict::success : Verdict::progress;
  if (const auto* e = std::get_if<Execution>(&out.event)) {
    if (e->status == OrdStatus::rejected) return Verdict::failure;
    if (t.wait == "accepted") return Verdict::success;
    if (t.wait == "filled") {
      if (e->status == OrdStatus::filled) return Verdict::success;
      return is_terminal(e->status) && e->status != OrdStatus::replaced ? Verdict::failure : Verdict::progress;
    }
    if (is_terminal(e->status) && e->status != OrdStatus::replaced) {
      return ends_order_ok(e->status, t) ? Verdict::success : Verdict::failure;
    }
  }
  return Verdict::progress;
}

class Session {
 public:
  explicit Session(const Options& o) : o_(o), deadline_(Clock::now() + o.timeout) {}

  /// Connects and logs in; prints the reason and returns the exit code on failure.
  std::optional<Exit> open(std::optional<std::uint64_t> resume_from) {
    auto connected = o_.unix_path.empty() ? connect_tcp() : conn_.connect_unix(o_.unix_path);
    if (!connected) {
      std::cerr << "fixgate-client: cannot connect to " << connected.error() << "\n";
      return no_connection;
    }
    const char* token = std::getenv(o_.token_env.c_str());
    if (token == nullptr || *token == '\0') {
      std::cerr << "fixgate-client: environment variable " << o_.token_env << " (the token) is not set\n";
      return usage_error;
    }
    if (!conn_.send(encode_request(Hello{o_.client, token, resume_from}, "hello"), remaining())) {
      std::cerr << "fixgate-client: connection lost while logging in\n";
      return no_connection;
    }
    for (;;) {
      Outbound out;
      if (auto failed = next(out)) return *failed == timed_out ? timed_out : no_connection;
      if (std::holds_alternative<Welcome>(out.event)) return std::nullopt;
      if (std::holds_alternative<Error>(out.event)) {
        print(out);
        return no_connection;
      }
    }
  }

  /// Sends a request line; false when the connection is gone.
  bool send(const Request& request, const std::string& request_id) {
    return conn_.send(encode_request(request, request_id), remaining());
  }

  /// Reads and prints events until the target is reached or fails, or time runs out.
  Exit wait_for(const Target& t) {
    for (;;) {
      Outbound out;
      if (auto failed = next(out)) {
        if (*failed == timed_out) std::cerr << "fixgate-client: timed out waiting for " << t.wait << "\n";
        return *failed;
      }
      const Verdict v = judge(out, t);
      if (v != Verdict::unrelated) print(out);
      if (v == Verdict::success) return ok;
      if (v == Verdict::failure) return refused;
    }
  }

  /// Prints every event until `count` events (0: until the timeout).
  Exit watch(std::uint64_t count) {
    std::uint64_t seen = 0;
    while (count == 0 || seen < count) {
      Outbound out;
      if (auto failed = next(out)) return *failed == timed_out && count == 0 ? ok : *failed;
      print(out, true);
      ++seen;
    }
    return ok;
  }

 private:
  std::expected<void, std::string> connect_tcp() {
    auto hp = split_host_port(o_.connect);
    if (!hp) return std::unexpected(hp.error());
    if (!o_.tls.ca_file.empty()) return conn_.connect_tls(hp->first, hp->second, remaining(), o_.tls);
    return conn_.connect_tcp(hp->first, hp->second, remaining());
  }

  std::chrono::milliseconds remaining() const {
    return std::max(std::chrono::milliseconds(0),
                    std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now()));
  }

  /// The next event, or the exit code explaining why there is none.
  std::optional<Exit> next(Outbound& out) {
    for (;;) {
      const auto status = conn_.read_line(last_line_, remaining());
      if (status == LineClient::ReadStatus::timeout) return timed_out;
      if (status != LineClient::ReadStatus::line) {
        std::cerr << "fixgate-client: the gateway closed the connection\n";
        return no_connection;
      }
      auto decoded = decode_event(last_line_);
      if (!decoded) {
        std::cerr << "fixgate-client: unreadable event (" << decoded.error().text << "): " << last_line_ << "\n";
        continue;
      }
      out = std::move(*decoded);
      return std::nullopt;
    }
  }

  void print(const Outbound& out, bool with_seq = false) const {
    if (o_.json) {
      std::cout << last_line_ << std::endl;
    } else if (with_seq && out.seq != 0) {
      std::cout << "#" << out.seq << "  " << client::describe(out) << std::endl;
    } else {
      std::cout << client::describe(out) << std::endl;
    }
  }

  const Options& o_;
  Clock::time_point deadline_;
  LineClient conn_;
  std::string last_line_;
};

std::string generated_id(std::string_view prefix) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  return std::string(prefix) + std::to_string(ms) + "-" + std::to_string(::getpid());
}

/// Parses a decimal option; prints the problem and returns nullopt when it is not one.
template <class T>
std::optional<T> decimal_opt(const Options& o, const std::string& key, bool& bad) {
  auto it = o.opts.find(key);
  if (it == o.opts.end()) return std::nullopt;
  auto v = T::parse(it->second);
  if (!v) {
    std::cerr << "fixgate-client: --" << key << " '" << it->second << "' is not a decimal\n";
    bad = true;
  }
  return v;
}

std::string opt(const Options& o, const std::string& key, const std::string& fallback = {}) {
  auto it = o.opts.find(key);
  return it == o.opts.end() ? fallback : it->second;
}

std::optional<std::uint64_t> count_opt(const Options& o, const std::string& key, bool& bad);

/// `new`: a limit order unless --type says otherwise, so a forgotten --price is an error rather
/// than a market order (which no notional check can measure without a reference price).
std::optional<Request> build_new(const Options& o, Target& target) {
  bool bad = false;
  NewOrder n;
  n.client_order_id = opt(o, "client-order-id", generated_id("cli-"));
  n.account = opt(o, "account");
  n.symbol = opt(o, "symbol");
  auto side = side_from_name(opt(o, "side"));
  auto type = ord_type_from_name(opt(o, "type", "limit"));
  auto tif = tif_from_name(opt(o, "tif", "day"));
  auto qty = decimal_opt<Qty>(o, "qty", bad);
  n.price = decimal_opt<Price>(o, "price", bad);
  n.stop_price = decimal_opt<Price>(o, "stop-price", bad);
  if (o.opts.contains("market")) n.market = opt(o, "market");
  if (o.opts.contains("session")) n.session = opt(o, "session");
  if (o.opts.contains("exec-inst")) n.exec_inst = opt(o, "exec-inst");
  if (o.opts.contains("expire-time")) {
    n.expire_time = parse_utc_timestamp(opt(o, "expire-time"));
    if (!n.expire_time) {
      std::cerr << "fixgate-client: --expire-time is a UTC time such as 2026-12-07T06:00:00Z\n";
      return std::nullopt;
    }
  }
  if (bad || n.account.empty() || n.symbol.empty() || !side || !type || !tif || !qty) {
    std::cerr << "fixgate-client: new needs --account, --symbol, --side buy|sell|sell_short and --qty "
                 "(and valid --type/--tif)\n";
    return std::nullopt;
  }
  const bool priced = *type == OrdType::limit || *type == OrdType::stop_limit;
  const bool stopped = *type == OrdType::stop || *type == OrdType::stop_limit;
  if (priced != n.price.has_value()) {
    std::cerr << (priced ? "fixgate-client: a " + std::string(name(*type)) +
                               " order needs --price (a market order needs --type market)\n"
                         : "fixgate-client: a " + std::string(name(*type)) + " order takes no --price\n");
    return std::nullopt;
  }
  if (stopped != n.stop_price.has_value()) {
    std::cerr << "fixgate-client: --stop-price goes with --type stop or stop_limit, and only with them\n";
    return std::nullopt;
  }
  if ((*tif == TimeInForce::gtd) != n.expire_time.has_value()) {
    std::cerr << "fixgate-client: --expire-time goes with --tif gtd, and only with it\n";
    return std::nullopt;
  }
  n.side = *side;
  n.ord_type = *type;
  n.tif = *tif;
  n.qty = *qty;
  target.ids = {n.client_order_id};
  target.request_id = n.client_order_id;
  return n;
}

/// Builds the request for a command; sets `target`. nullopt on a usage error (already printed).
std::optional<Request> build(const Options& o, Target& target) {
  bool bad = false;
  target.wait = opt(o, "wait", "accepted");
  if (target.wait != "accepted" && target.wait != "filled" && target.wait != "done") {
    std::cerr << "fixgate-client: --wait takes accepted, filled or done\n";
    return std::nullopt;
  }
  if (o.command == "new") return build_new(o, target);
  if ((o.command == "cancel" || o.command == "replace" || o.command == "status") && o.args.size() != 1) {
    std::cerr << "fixgate-client: " << o.command << " takes one order id\n";
    return std::nullopt;
  }
  if (o.command == "cancel" || o.command == "replace") {
    const std::string orig = o.args[0];
    const std::string id = opt(o, "new-id", generated_id(orig + "-" + o.command.substr(0, 1)));
    target.ids = {orig, id};
    target.request_id = id;
    if (o.command == "cancel") {
      target.cancel = true;
      return CancelOrder{id, orig};
    }
    ReplaceOrder r{id, orig, decimal_opt<Qty>(o, "qty", bad), decimal_opt<Price>(o, "price", bad)};
    if (bad || (!r.qty && !r.price)) {
      std::cerr << "fixgate-client: replace needs --qty and/or --price\n";
      return std::nullopt;
    }
    return r;
  }
  if (o.command == "status") {
    target.ids = {o.args[0]};
    target.request_id = "status-" + o.args[0];
    target.wait = "answer";
    return OrderStatusQuery{o.args[0]};
  }
  if (o.command == "list") {
    target.request_id = generated_id("list-");
    target.wait = "answer";
    ListOrders l;
    if (o.opts.contains("account")) l.account = opt(o, "account");
    return l;
  }
  if (o.command == "kill" || o.command == "release") {
    KillSwitchRequest k{o.command == "kill", opt(o, "scope"), opt(o, "target"), opt(o, "reason")};
    if (k.scope.empty() || k.reason.empty()) {
      std::cerr << "fixgate-client: " << o.command << " needs --scope and --reason (and --target unless the scope is all)\n";
      return std::nullopt;
    }
    target.request_id = generated_id(o.command + "-");
    target.wait = "answer";
    return k;
  }
  if (o.command == "set-limit") {
    SetLimit l{opt(o, "scope"), opt(o, "target"), opt(o, "limit"), std::nullopt, opt(o, "reason")};
    if (o.opts.contains("value")) l.value = opt(o, "value");
    if (l.scope.empty() || l.limit.empty() || l.reason.empty() || (l.value.has_value() == o.opts.contains("remove"))) {
      std::cerr << "fixgate-client: set-limit needs --scope, --limit, --reason and either --value V or --remove\n";
      return std::nullopt;
    }
    target.request_id = generated_id("limit-");
    target.wait = "answer";
    return l;
  }
  if (o.command == "sessions") {
    target.request_id = generated_id("sessions-");
    target.wait = "answer";
    return ListSessions{};
  }
  if (o.command == "logon" || o.command == "logout" || o.command == "set-seq") {
    if (o.args.size() != 1 || opt(o, "reason").empty()) {
      std::cerr << "fixgate-client: " << o.command << " takes one session name and --reason\n";
      return std::nullopt;
    }
    SessionCommand c;
    c.action = o.command == "logon" ? SessionAction::logon : o.command == "logout" ? SessionAction::logout : SessionAction::set_seq;
    c.session = o.args[0];
    c.reason = opt(o, "reason");
    if (c.action == SessionAction::set_seq) {
      if (!o.opts.contains("confirm")) {
        std::cerr << "fixgate-client: set-seq changes what the counterparty expects: add --confirm\n";
        return std::nullopt;
      }
      c.next_sender_seq = count_opt(o, "next-sender", bad);
      c.next_target_seq = count_opt(o, "next-target", bad);
      if (bad || (!c.next_sender_seq && !c.next_target_seq)) {
        std::cerr << "fixgate-client: set-seq needs --next-sender N and/or --next-target N\n";
        return std::nullopt;
      }
    }
    target.request_id = generated_id("session-");
    target.wait = "answer";
    return c;
  }
  if (o.command == "reload") {
    if (opt(o, "reason").empty()) {
      std::cerr << "fixgate-client: reload needs --reason\n";
      return std::nullopt;
    }
    target.request_id = generated_id("reload-");
    target.wait = "answer";
    return ReloadPolicy{opt(o, "reason")};
  }
  std::cerr << "fixgate-client: unknown command '" << o.command << "'\n";
  return std::nullopt;
}

std::optional<std::uint64_t> count_opt(const Options& o, const std::string& key, bool& bad) {
  auto it = o.opts.find(key);
  if (it == o.opts.end()) return std::nullopt;
  char* end = nullptr;
  const auto v = std::strtoull(it->second.c_str(), &end, 10);
  if (end == it->second.c_str() || *end != '\0' || it->second[0] == '-') {
    std::cerr << "fixgate-client: --" << key << " takes a non-negative integer\n";
    bad = true;
  }
  return v;
}

int run(const Options& o) {
  Session session(o);
  if (o.command == "watch") {
    bool bad = false;
    const auto resume_from = count_opt(o, "resume-from", bad);
    const auto count = count_opt(o, "count", bad);
    if (bad) return usage_error;
    if (auto failed = session.open(resume_from)) return *failed;
    return session.watch(count.value_or(0));
  }
  Target target;
  auto request = build(o, target);
  if (!request) return usage_error;
  if (auto failed = session.open(std::nullopt)) return *failed;
  if (!session.send(*request, target.request_id)) {
    std::cerr << "fixgate-client: connection lost while sending\n";
    return no_connection;
  }
  return session.wait_for(target);
}

}  // namespace

int main(int argc, char** argv) {
  auto options = parse_args(argc, argv);
  if (!options) {
    std::cerr << usage;
    return usage_error;
  }
  return run(*options);
}
