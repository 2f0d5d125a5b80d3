// franca's one spdlog logger. Its level starts from FRANCA_LOG_LEVEL (default warn); the C API
// can change it and redirect messages to a host language's callback.
#pragma once

#include <spdlog/spdlog.h>

namespace franca {

using LogCallback = void (*)(int level, const char* message, void* user_data);

spdlog::logger& logger();
void set_log_level(int level);  // franca_log_level values
int log_level();
void set_log_callback(LogCallback callback, void* user_data);

}  // namespace franca

#define FRANCA_LOG_DEBUG(...) ::franca::logger().debug(__VA_ARGS__)
#define FRANCA_LOG_INFO(...) ::franca::logger().info(__VA_ARGS__)
#define FRANCA_LOG_WARN(...) ::franca::logger().warn(__VA_ARGS__)
