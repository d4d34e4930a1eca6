#pragma once

// Logging goes through spdlog; loggers are created by the server wiring and passed in.
#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace cangku {

using Logger = spdlog::logger;

enum class LogFormat { kText, kJson };

// A logger writing to stderr from a background thread (the caller never waits for the
// terminal). `level` is one of trace, debug, info, warn, error. In JSON format each line is an
// object with time, level and logger; the message goes in "msg", escaped, unless
// `fields_message` is set: then the message is itself a list of JSON members ("a":1,"b":"x")
// spliced into the object.
std::shared_ptr<Logger> MakeStderrLogger(const std::string& name, LogFormat format,
                                         const std::string& level, bool fields_message = false);

// Escapes `s` for inclusion in a JSON string literal.
std::string JsonEscape(std::string_view s);

}  // namespace cangku
