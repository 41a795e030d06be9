// SPDX-License-Identifier: Apache-2.0
#include "quickfix_driver.hpp"

#include <atomic>
#include <condition_variable>
#include <ctime>
#include <filesystem>
#include <mutex>

#include "child.hpp"
#include "fixgate/fix/quickfix.hpp"

namespace fixgate::bench {
namespace {

/// FIX UTCTimestamp with milliseconds, the precision fixgate writes TransactTime with.
std::string utc_now_millis() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  char text[32];
  const auto n = std::strftime(text, sizeof text, "%Y%m%d-%H:%M:%S", &tm);
  std::snprintf(text + n, sizeof text - n, ".%03d", static_cast<int>(ms % 1000));
  return text;
}

}  // namespace

/// The QuickFIX Application; its callbacks run on the initiator's thread.
class QuickfixDriver::Impl : public FIX::Application {
 public:
  Impl(StoreKind store, const std::string& sender_comp_id, std::uint16_t port, const std::string& spec_dir,
       const std::string& work_dir)
      : session_id_("FIX.4.4", sender_comp_id, "SIM") {
    const std::string store_path = work_dir + "/quickfix-" + sender_comp_id;
    std::filesystem::create_directories(store_path);
    FIX::Dictionary defaults;
    defaults.setString("ConnectionType", "initiator");
    FIX::Dictionary d;
    d.setString("SocketConnectHost", "127.0.0.1");
    d.setInt("SocketConnectPort", port);
    d.setInt("HeartBtInt", 30);
    d.setInt("ReconnectInterval", 1);
    d.setString("SocketNodelay", "Y");  // QuickFIX leaves Nagle on otherwise
    d.setString("StartTime", "00:00:00");
    d.setString("EndTime", "00:00:00");
    d.setString("UseDataDictionary", "Y");
    d.setString("DataDictionary", spec_dir + "/FIX44.xml");
    d.setString("FileStorePath", store_path);
    d.setString("ResetOnLogon", "Y");
    FIX::SessionSettings settings;
    settings.set(defaults);
    settings.set(session_id_, d);
    if (store == StoreKind::file) {
      store_factory_ = std::make_unique<FIX::FileStoreFactory>(settings);
    } else {
      store_factory_ = std::make_unique<FIX::MemoryStoreFactory>();
    }
    try {
      initiator_ = std::make_unique<FIX::SocketInitiator>(*this, *store_factory_, settings);
      initiator_->start();
    } catch (const FIX::Exception& e) {
      throw BenchError("QuickFIX initiator " + sender_comp_id + ": " + e.what());
    }
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, std::chrono::seconds(20), [&] { return logged_on_; })) {
      throw BenchError("QuickFIX initiator " + sender_comp_id + " did not log on to the simulator within 20 s");
    }
  }

  ~Impl() override {
    try {
      if (initiator_) initiator_->stop();
    } catch (const FIX::Exception&) {
      // Stopping is best effort; the simulator is stopped next anyway.
    }
  }

  DriverOutcome run(const RunSpec& spec) {
    {
      std::lock_guard lock(mutex_);
      sent_.reset(new std::atomic<Nanos>[spec.orders]);
      acked_.reset(new std::atomic<Nanos>[spec.orders]);
      filled_.reset(new std::atomic<Nanos>[spec.orders]);
      for (std::size_t i = 0; i < spec.orders; ++i) sent_[i] = acked_[i] = filled_[i] = 0;
      next_ = 0;
      done_ = 0;
      filled_count_ = 0;
      rejected_count_ = 0;
      error_.clear();
      spec_ = &spec;  // last: the callback thread acts on reports only once this is set
    }
    for (std::size_t i = 0; i < spec.window; ++i) send_next();
    std::unique_lock lock(mutex_);
    std::size_t seen = 0;
    while (done_ < spec.orders && error_.empty()) {
      if (!cv_.wait_for(lock, spec.stall_timeout, [&] { return done_ != seen || !error_.empty(); })) {
        spec_ = nullptr;
        throw BenchError("QuickFIX run " + spec.id_prefix + " stalled: nothing for " +
                         std::to_string(spec.stall_timeout.count()) + " ms; done " + std::to_string(done_) + " of " +
                         std::to_string(spec.orders));
      }
      seen = done_;
    }
    spec_ = nullptr;
    if (!error_.empty()) throw BenchError("QuickFIX run " + spec.id_prefix + ": " + error_);
    DriverOutcome out;
    out.filled = filled_count_;
    out.rejected = rejected_count_;
    out.times.resize(spec.orders);
    for (std::size_t i = 0; i < spec.orders; ++i) {
      out.times[i].sent = sent_[i].load(std::memory_order_relaxed);
      out.times[i].acked = acked_[i].load(std::memory_order_relaxed);
      out.times[i].filled = filled_[i].load(std::memory_order_relaxed);
    }
    return out;
  }

  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override {
    std::lock_guard lock(mutex_);
    logged_on_ = true;
    cv_.notify_all();
  }
  void onLogout(const FIX::SessionID&) override {
    std::lock_guard lock(mutex_);
    logged_on_ = false;
    if (spec_.load() != nullptr) error_ = "logged out during the run";
    cv_.notify_all();
  }
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) override {}
  void fromAdmin(const FIX::Message&, const FIX::SessionID&) override {}

  // The reactive client a QuickFIX user writes: time the report, and on a fill send the next order
  // from this callback (as QuickFIX's own examples do), so no thread hand-off is measured.
  void fromApp(const FIX::Message& message, const FIX::SessionID&) override {
    const Nanos t = now_ns();
    const RunSpec* spec = spec_.load();
    if (spec == nullptr || message.getHeader().getField(FIX::FIELD::MsgType) != "8") return;
    const std::string& id = message.getField(FIX::FIELD::ClOrdID);
    if (!std::string_view(id).starts_with(spec->id_prefix)) return;
    const std::size_t i = index_of(id);
    if (i >= spec->orders) return;
    const std::string& exec_type = message.getField(FIX::FIELD::ExecType);
    if (exec_type == "0") {
      acked_[i].store(t, std::memory_order_relaxed);
    } else if (exec_type == "F" && message.getField(FIX::FIELD::OrdStatus) == "2") {
      filled_[i].store(t, std::memory_order_relaxed);
      // Send before counting: once the last order counts, run() may return and drop the spec.
      send_next();
      finish(true);
    } else if (exec_type == "8") {
      send_next();
      finish(false);
    }
  }

 private:
  void send_next() {
    const RunSpec* spec = spec_.load();
    if (spec == nullptr) return;
    const std::size_t i = next_.fetch_add(1);
    if (i >= spec->orders) return;
    FIX44::NewOrderSingle order;
    order.setField(FIX::FIELD::ClOrdID, spec->id_prefix + std::to_string(i));
    order.setField(FIX::FIELD::Account, std::string(order_content::account));
    order.setField(FIX::FIELD::Symbol, std::string(order_content::symbol));
    order.setField(FIX::FIELD::Side, "1");
    order.setField(FIX::FIELD::TransactTime, utc_now_millis());
    order.setField(FIX::FIELD::OrderQty, std::string(order_content::qty));
    order.setField(FIX::FIELD::OrdType, "2");
    order.setField(FIX::FIELD::Price, std::string(order_content::price));
    order.setField(FIX::FIELD::TimeInForce, "0");
    sent_[i].store(now_ns(), std::memory_order_relaxed);
    try {
      FIX::Session::sendToTarget(order, session_id_);
    } catch (const FIX::SessionNotFound&) {
      std::lock_guard lock(mutex_);
      error_ = "session not found";
      cv_.notify_all();
    }
  }

  void finish(bool filled) {
    std::lock_guard lock(mutex_);
    ++done_;
    if (filled) ++filled_count_; else ++rejected_count_;
    cv_.notify_all();
  }

  FIX::SessionID session_id_;
  std::unique_ptr<FIX::MessageStoreFactory> store_factory_;
  std::unique_ptr<FIX::SocketInitiator> initiator_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool logged_on_ = false;
  // Set before the first send of a run and cleared after its last fill, so the callback thread
  // only reads it while the run is live.
  std::atomic<const RunSpec*> spec_{nullptr};
  std::unique_ptr<std::atomic<Nanos>[]> sent_;
  std::unique_ptr<std::atomic<Nanos>[]> acked_;
  std::unique_ptr<std::atomic<Nanos>[]> filled_;
  std::atomic<std::size_t> next_{0};
  std::size_t done_ = 0;
  std::size_t filled_count_ = 0;
  std::size_t rejected_count_ = 0;
  std::string error_;
};

QuickfixDriver::QuickfixDriver(StoreKind store, const std::string& sender_comp_id, std::uint16_t port,
                               const std::string& spec_dir, const std::string& work_dir)
    : impl_(std::make_unique<Impl>(store, sender_comp_id, port, spec_dir, work_dir)) {}

QuickfixDriver::~QuickfixDriver() = default;

DriverOutcome QuickfixDriver::run(const RunSpec& spec) { return impl_->run(spec); }

}  // namespace fixgate::bench
