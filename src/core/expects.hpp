// Argument checks that format their message with fmt and throw franca::Error.
#pragma once

#include <fmt/format.h>

#include "core/error.hpp"

// Throws Status::invalid_argument (a ValueError in Python) unless `cond` holds.
#define FRANCA_EXPECTS(cond, ...)                                                                       \
  do {                                                                                                  \
    if (!(cond)) ::franca::throw_error(::franca::Status::invalid_argument, ::fmt::format(__VA_ARGS__)); \
  } while (0)

// Throws the given status unless `cond` holds.
#define FRANCA_EXPECTS_STATUS(cond, status, ...)                            \
  do {                                                                      \
    if (!(cond)) ::franca::throw_error(status, ::fmt::format(__VA_ARGS__)); \
  } while (0)

#define FRANCA_FAIL(status, ...) ::franca::throw_error(status, ::fmt::format(__VA_ARGS__))
