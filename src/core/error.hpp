// Errors: user-fixable ones (bad input, bad config) and internal invariant checks.
// A user error reads `kgpert <stage>: <what> "<path>": <reason>`; main() adds the stage prefix.
#pragma once

#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace kg {

/// An error the user can fix (bad file, bad config value). Its message names the file,
/// line or key and the reason; main() prints it on one line after `kgpert <stage>: `.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& msg) : std::runtime_error(msg) {}
};

/// Throw an Error built with fmt-style formatting.
template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> f, Args&&... args) {
  throw Error(fmt::format(f, std::forward<Args>(args)...));
}

/// Error about a file: `<what> "<path>": <reason>`.
template <typename... Args>
[[noreturn]] void fail_file(const std::string& what, const std::string& path,
                            fmt::format_string<Args...> f, Args&&... args) {
  throw Error(fmt::format("{} \"{}\": {}", what, path,
                          fmt::format(f, std::forward<Args>(args)...)));
}

/// Internal invariant failure (a bug, not bad input).
class InternalError : public std::logic_error {
 public:
  explicit InternalError(const std::string& msg) : std::logic_error(msg) {}
};

}  // namespace kg

/// Checks an internal invariant; on failure throws InternalError naming file and line.
#define KG_CHECK(cond, ...)                                                              \
  do {                                                                                   \
    if (!(cond))                                                                         \
      throw ::kg::InternalError(::fmt::format("{}:{}: check failed: {}{}", __FILE__,     \
                                              __LINE__, #cond,                           \
                                              ::kg::detail::check_msg(__VA_ARGS__)));    \
  } while (0)

namespace kg::detail {
inline std::string check_msg() { return ""; }
template <typename... Args>
std::string check_msg(fmt::format_string<Args...> f, Args&&... args) {
  return " (" + fmt::format(f, std::forward<Args>(args)...) + ")";
}
}  // namespace kg::detail
