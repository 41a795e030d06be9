#include "options.hpp"

#include <charconv>
#include <string_view>

namespace fixgate::sim {
namespace {

template <class Int>
std::optional<Int> parse_int(std::string_view text) {
  Int value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

bool known_begin_string(const std::string& s) { return s == "FIX.4.4" || s == "FIX.4.2"; }

}  // namespace

std::string usage() {
  return R"(usage: fixgate-simulator [options]
An exchange simulator: a QuickFIX acceptor for FIX 4.4 and 4.2 that acks, fills, cancels and
replaces orders. See docs/SIMULATOR.md.

  --listen HOST:PORT        address to bind (default 127.0.0.1:9878; port 0 picks a free one)
  --sender-comp-id ID       our CompID (default SIM)
  --session SPEC            accept SPEC = BEGINSTRING:THEIR_ID or BEGINSTRING:OUR_ID->THEIR_ID,
                            repeatable (default FIX.4.4:FIXGATE and FIX.4.2:FIXGATE)
  --dictionary-dir DIR      validate with DIR/FIX44.xml and DIR/FIX42.xml (default: the source tree's spec/;
                            "none" disables validation)
  --store-dir DIR           QuickFIX FileStore for our sequence numbers (default: fresh dir in var/)
  --fix-log-dir DIR         QuickFIX message and event logs (default: none)
  --executions FILE         JSON line per execution report carrying a fill
  --executions-csv FILE     CSV exec_id,order_id,side,symbol,qty,price,time per fill
  --logons FILE             JSON line per logon, logout and refused logon
  --fill full|partial:N|none  how orders are worked (default full)
  --fill-delay-ms MS        delay between successive reports of an order (default 0)
  --fill-price PX           execution price (default: the order's limit price, else 100)
  --reject-symbol SYM       reject orders for SYM (repeatable); symbols starting REJ always are
  --reject-account ACC      reject orders for account ACC (repeatable)
  --heartbeat SECONDS       heartbeat interval we expect (default 30; the initiator's Logon wins)
  --help                    this text
Symbols starting with HOLD are acknowledged and never filled.
)";
}

std::expected<SessionSpec, std::string> parse_session(const std::string& text,
                                                      const std::string& default_sender) {
  const auto colon = text.find(':');
  if (colon == std::string::npos) return std::unexpected("--session wants BEGINSTRING:COMPID: " + text);
  SessionSpec spec{text.substr(0, colon), default_sender, text.substr(colon + 1)};
  if (const auto arrow = spec.target.find("->"); arrow != std::string::npos) {
    spec.sender = spec.target.substr(0, arrow);
    spec.target = spec.target.substr(arrow + 2);
  }
  if (!known_begin_string(spec.begin_string))
    return std::unexpected("--session: only FIX.4.4 and FIX.4.2 are served: " + text);
  if (spec.sender.empty() || spec.target.empty())
    return std::unexpected("--session: empty CompID in " + text);
  return spec;
}

std::expected<Options, std::string> parse_options(int argc, const char* const* argv) {
  Options opts;
#ifdef FIXGATE_SIM_DEFAULT_SPEC_DIR
  opts.dictionary_dir = FIXGATE_SIM_DEFAULT_SPEC_DIR;  // the source tree's spec/, set by CMake
#endif
  std::vector<std::string> session_texts;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") return std::unexpected(usage());
    if (i + 1 >= argc) return std::unexpected("missing value after " + arg);
    const std::string value = argv[++i];
    if (arg == "--listen") {
      const auto colon = value.rfind(':');
      const auto port = colon == std::string::npos
                            ? std::nullopt
                            : parse_int<std::uint16_t>(std::string_view(value).substr(colon + 1));
      if (!port) return std::unexpected("--listen wants HOST:PORT, got " + value);
      opts.listen_host = value.substr(0, colon);
      if (opts.listen_host.size() > 2 && opts.listen_host.front() == '[' && opts.listen_host.back() == ']')
        opts.listen_host = opts.listen_host.substr(1, opts.listen_host.size() - 2);  // [::1]:9878
      opts.listen_port = *port;
    } else if (arg == "--sender-comp-id") {
      opts.sender_comp_id = value;
    } else if (arg == "--session") {
      session_texts.push_back(value);
    } else if (arg == "--dictionary-dir") {
      opts.dictionary_dir = value == "none" ? std::string() : value;
    } else if (arg == "--store-dir") {
      opts.store_dir = value;
    } else if (arg == "--fix-log-dir") {
      opts.fix_log_dir = value;
    } else if (arg == "--executions") {
      opts.executions_path = value;
    } else if (arg == "--executions-csv") {
      opts.executions_csv_path = value;
    } else if (arg == "--logons") {
      opts.logons_path = value;
    } else if (arg == "--fill") {
      if (value == "full") {
        opts.fill_mode = FillMode::full;
      } else if (value == "none") {
        opts.fill_mode = FillMode::none;
      } else if (value.starts_with("partial:")) {
        const auto n = parse_int<int>(std::string_view(value).substr(8));
        if (!n || *n < 1) return std::unexpected("--fill partial:N wants N >= 1, got " + value);
        opts.fill_mode = FillMode::partial;
        opts.partial_fills = *n;
      } else {
        return std::unexpected("--fill wants full, partial:N or none, got " + value);
      }
    } else if (arg == "--fill-delay-ms") {
      const auto ms = parse_int<int>(value);
      if (!ms || *ms < 0) return std::unexpected("--fill-delay-ms wants a count >= 0, got " + value);
      opts.fill_delay_ms = *ms;
    } else if (arg == "--fill-price") {
      opts.fill_price = Price::parse(value);
      if (!opts.fill_price || opts.fill_price->units() <= 0)
        return std::unexpected("--fill-price wants a positive decimal, got " + value);
    } else if (arg == "--reject-symbol") {
      opts.reject_symbols.push_back(value);
    } else if (arg == "--reject-account") {
      opts.reject_accounts.push_back(value);
    } else if (arg == "--heartbeat") {
      const auto s = parse_int<int>(value);
      if (!s || *s < 1) return std::unexpected("--heartbeat wants seconds >= 1, got " + value);
      opts.heartbeat_seconds = *s;
    } else {
      return std::unexpected("unknown option " + arg + " (see --help)");
    }
  }
  if (session_texts.empty()) session_texts = {"FIX.4.4:FIXGATE", "FIX.4.2:FIXGATE"};
  for (const auto& text : session_texts) {
    auto spec = parse_session(text, opts.sender_comp_id);
    if (!spec) return std::unexpected(spec.error());
    opts.sessions.push_back(*spec);
  }
  return opts;
}

}  // namespace fixgate::sim
