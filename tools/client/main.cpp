// SPDX-License-Identifier: Apache-2.0
// fixgate-client: sends one request over the upstream protocol and prints what comes back, or
// watches the event stream. Every wait is bounded by --timeout. See `fixgate-client --help`.

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <expected>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fixgate/cli/command_line.hpp"
#include "fixgate/cli/exit_codes.hpp"
#include "fixgate/gateway/codec.hpp"
#include "fixgate/gateway/line_client.hpp"
#include "format.hpp"

namespace {

using namespace fixgate;
using namespace fixgate::gateway;
using Clock = std::chrono::steady_clock;

/// Process exit codes (docs/CLI.md); scripts rely on them.
enum Exit : int {
  ok = cli::exit_ok,
  refused = cli::exit_failure,
  usage_error = cli::exit_usage,
  timed_out = cli::exit_timed_out,
  no_connection = cli::exit_no_connection
};

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

/// A command's option: its name without "--", what it takes, and whether it is a flag.
struct CommandOption {
  const char* name;
  const char* help;
  bool flag = false;
};

/// A command: its name, what it does, its positional argument (if any) and its options.
struct Command {
  const char* name;
  const char* help;
  const char* positional;  // "ID", "SESSION" or nullptr
  std::vector<CommandOption> options;
};

const std::vector<Command>& commands() {
  const CommandOption wait_any{"wait", "accepted (default), filled or done"};
  const CommandOption reason{"reason", "why (journaled with who asked)"};
  const CommandOption scope{"scope", "all, account or session"};
  const CommandOption target{"target", "the account or session (unless the scope is all)"};
  static const std::vector<Command> all{
      {"new", "send a new order; a limit order (the default type) needs --price, a market order --type market",
       nullptr,
       {{"account", "the order's account"},
        {"symbol", "the instrument"},
        {"side", "buy, sell or sell_short"},
        {"qty", "the order quantity"},
        {"type", "limit (default), market, stop or stop_limit"},
        {"price", "the limit price"},
        {"stop-price", "the stop price (stop and stop_limit orders)"},
        {"tif", "day (default), gtc, ioc, fok or gtd"},
        {"expire-time", "with --tif gtd: a UTC time, YYYY-MM-DDTHH:MM:SSZ"},
        {"exec-inst", "FIX ExecInst values, e.g. \"6 G\""},
        {"market", "the market to route to"},
        {"session", "the FIX session to route to"},
        {"client-order-id", "the order's id (default: generated)"},
        wait_any}},
      {"cancel", "cancel an order", "ID", {{"new-id", "the cancel request's id (default: generated)"}, {"wait", "accepted (default) or done"}}},
      {"replace", "change an order's quantity and/or price", "ID",
       {{"new-id", "the replacement's id (default: generated)"}, {"qty", "the new quantity"}, {"price", "the new price"}, wait_any}},
      {"status", "print an order's state", "ID", {}},
      {"list", "list the live orders", nullptr, {{"account", "only this account's"}}},
      {"watch", "print the event stream until --timeout or --count events", nullptr,
       {{"resume-from", "replay events after this sequence number first"}, {"count", "stop after N events"}}},
      {"kill", "engage the kill switch (admin clients)", nullptr, {scope, target, reason}},
      {"release", "release the kill switch (admin clients)", nullptr, {scope, target, reason}},
      {"set-limit", "change a risk limit at run time (admin clients)", nullptr,
       {{"scope", "defaults, account or symbol"},
        {"target", "the account or symbol (unless the scope is defaults)"},
        {"limit", "the limit's name, e.g. max_order_qty"},
        {"value", "the new value"},
        {"remove", "remove the limit instead of setting it", true},
        reason}},
      {"sessions", "list the FIX sessions and their sequence numbers (admin clients)", nullptr, {}},
      {"logon", "log a FIX session on (admin clients)", "SESSION", {reason}},
      {"logout", "log a FIX session out (admin clients)", "SESSION", {reason}},
      {"set-seq", "set a FIX session's next sequence numbers (admin clients)", "SESSION",
       {{"next-sender", "our next outbound MsgSeqNum"},
        {"next-target", "the next inbound MsgSeqNum we expect"},
        {"confirm", "yes, change what the counterparty expects", true},
        reason}},
      {"reload", "reload risk limits and routes from the configuration file (admin clients)", nullptr, {reason}},
  };
  return all;
}

/// What a command option's value is, for --help.
const char* value_name(const std::string& option) {
  static const std::map<std::string, const char*> names{
      {"account", "ACC"},       {"symbol", "SYM"},           {"side", "SIDE"},          {"qty", "QTY"},
      {"type", "TYPE"},         {"price", "PRICE"},          {"stop-price", "PRICE"},   {"tif", "TIF"},
      {"expire-time", "TIME"},  {"exec-inst", "VALUES"},     {"market", "MARKET"},      {"session", "SESSION"},
      {"client-order-id", "ID"}, {"new-id", "ID"},           {"wait", "UNTIL"},         {"resume-from", "SEQ"},
      {"count", "N"},           {"scope", "SCOPE"},          {"target", "NAME"},        {"reason", "TEXT"},
      {"limit", "NAME"},        {"value", "VALUE"},          {"next-sender", "N"},      {"next-target", "N"}};
  const auto it = names.find(option);
  return it == names.end() ? "VALUE" : it->second;
}

/// Parses the command line; the exit code when the program is done (--help, --version, an error).
std::expected<Options, int> parse_args(int argc, char** argv) {
  Options o;
  CLI::App app;
  cli::configure(app, "fixgate-client");
  app.description("Sends one request to fixgate's upstream gateway and prints what comes back, or watches the "
                  "event stream. Every wait is bounded by --timeout.");
  // Options of the program may also follow the command (`new ... --timeout 10`).
  app.fallthrough();
  app.require_subcommand(1);
  app.add_option("--connect", o.connect, "the gateway's address (default 127.0.0.1:7001)")->type_name("HOST:PORT");
  app.add_option("--unix", o.unix_path, "the gateway's Unix socket instead of TCP")->type_name("PATH");
  app.add_option("--client", o.client, "the client name to log in as")->required()->type_name("NAME");
  app.add_option("--token-env", o.token_env, "the environment variable holding the token (default FIXGATE_TOKEN)")
      ->type_name("VAR");
  auto* ca = app.add_option("--tls-ca", o.tls.ca_file,
                            "verify the gateway's certificate (for its address, or --tls-name) with this CA")
                 ->type_name("FILE");
  auto* cert = app.add_option("--tls-cert", o.tls.cert_file, "present this client certificate (with --tls-key)")
                   ->type_name("FILE")
                   ->needs(ca);
  auto* key = app.add_option("--tls-key", o.tls.key_file, "the client certificate's key")->type_name("FILE")->needs(ca);
  cert->needs(key);
  key->needs(cert);
  app.add_option("--tls-name", o.tls.server_name, "the name the gateway's certificate must carry")
      ->type_name("NAME")
      ->needs(ca);
  app.add_flag("--json", o.json, "print the gateway's events as they come (JSON lines)");
  int timeout_seconds = 10;
  app.add_option("--timeout", timeout_seconds, "give up after this many seconds (default 10)")
      ->check(cli::whole_number(1))
      ->type_name("SECONDS");
  app.footer("Exit codes: 0 done, 1 rejected or error, 2 usage, 3 timeout, 4 cannot connect or log in "
             "(docs/CLI.md).");
  std::vector<std::string> positional;
  for (const auto& command : commands()) {
    auto* sub = app.add_subcommand(command.name, command.help);
    if (command.positional != nullptr) {
      const bool order = std::string_view(command.positional) == "ID";
      sub->add_option(command.positional, positional, order ? "the order's client_order_id" : "the FIX session's name")
          ->required()
          ->expected(1);
    }
    for (const auto& option : command.options) {
      const std::string name = std::string("--") + option.name;
      if (option.flag) {
        sub->add_flag(name, option.help);
      } else {
        sub->add_option(name, option.help)->type_name(value_name(option.name));
      }
    }
  }
  if (auto done = cli::parse(app, argc, argv)) return std::unexpected(*done);
  o.timeout = std::chrono::seconds(timeout_seconds);
  const CLI::App* chosen = app.get_subcommands().front();
  o.command = chosen->get_name();
  o.args = positional;
  for (const CLI::Option* option : chosen->get_options()) {
    if (option->count() == 0 || option->get_lnames().empty()) continue;
    o.opts[option->get_lnames().front()] = option->get_expected_min() == 0 ? "1" : option->results().back();
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
  if (!options) return options.error();
  return run(*options);
}
