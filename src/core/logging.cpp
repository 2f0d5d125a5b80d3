#include "core/logging.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <cstdlib>
#include <mutex>
#include <string>

#include "core/expects.hpp"

namespace franca {

namespace {

// Forwards formatted messages to a C callback, or to stderr when none is set.
class CallbackSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  void set(LogCallback callback, void* user_data) {
    std::lock_guard<std::mutex> lock(mutex_);
    callback_ = callback;
    user_data_ = user_data;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    if (callback_) {
      // The host language's logger adds its own name and level: pass the bare message.
      const std::string text(msg.payload.data(), msg.payload.size());
      callback_(static_cast<int>(msg.level), text.c_str(), user_data_);
      return;
    }
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    std::fwrite(formatted.data(), 1, formatted.size(), stderr);
  }
  void flush_() override { std::fflush(stderr); }

 private:
  LogCallback callback_ = nullptr;
  void* user_data_ = nullptr;
};

spdlog::level::level_enum level_from_env() {
  const char* env = std::getenv("FRANCA_LOG_LEVEL");
  if (!env || !*env) return spdlog::level::warn;
  const auto level = spdlog::level::from_str(env);
  // from_str answers "off" for anything it does not know; only honour a real "off".
  return (level == spdlog::level::off && std::string(env) != "off") ? spdlog::level::warn : level;
}

struct LoggerState {
  std::shared_ptr<CallbackSink> sink = std::make_shared<CallbackSink>();
  spdlog::logger logger{"franca", sink};
  LoggerState() {
    logger.set_pattern("[franca] [%l] %v");
    logger.set_level(level_from_env());
  }
};

LoggerState& state() {
  static LoggerState s;
  return s;
}

}  // namespace

spdlog::logger& logger() { return state().logger; }

void set_log_level(int level) {
  // spdlog's 5 (critical) is no franca_log_level: franca never logs at it.
  FRANCA_EXPECTS((level >= 0 && level <= 4) || level == 6,
                 "level: must be a franca_log_level (0 trace .. 4 error, 6 off), got {}", level);
  state().logger.set_level(static_cast<spdlog::level::level_enum>(level));
}

int log_level() { return static_cast<int>(state().logger.level()); }

void set_log_callback(LogCallback callback, void* user_data) { state().sink->set(callback, user_data); }

}  // namespace franca
