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

/// Calls of MPI, CUDA and NCCL: evaluates `call` once; unless it returns the library's success
/// code, throws Error `<file>:<line>: <call as written> failed: <the library's error string>`.
/// The library's header must be included where the macro is used (this header includes none).
#define KG_MPI_CHECK(call)                                                                \
  do {                                                                                    \
    const int kg_rc_ = (call);                                                            \
    if (kg_rc_ != MPI_SUCCESS) {                                                          \
      /* MPI_Error_string only between MPI_Init and MPI_Finalize (else MPI aborts) */     \
      int kg_up_ = 0, kg_down_ = 0, kg_len_ = 0;                                          \
      char kg_msg_[MPI_MAX_ERROR_STRING];                                                 \
      if (MPI_Initialized(&kg_up_) != MPI_SUCCESS || MPI_Finalized(&kg_down_) != MPI_SUCCESS || \
          !kg_up_ || kg_down_ || MPI_Error_string(kg_rc_, kg_msg_, &kg_len_) != MPI_SUCCESS)   \
        kg_len_ = 0;                                                                      \
      ::kg::detail::call_failed(__FILE__, __LINE__, #call,                                \
                                kg_len_ > 0 ? std::string(kg_msg_, size_t(kg_len_))       \
                                            : "MPI error code " + std::to_string(kg_rc_)); \
    }                                                                                     \
  } while (0)

#define KG_CUDA_CHECK(call)                                                               \
  do {                                                                                    \
    const cudaError_t kg_rc_ = (call);                                                    \
    if (kg_rc_ != cudaSuccess)                                                            \
      ::kg::detail::call_failed(__FILE__, __LINE__, #call, cudaGetErrorString(kg_rc_));   \
  } while (0)

#define KG_NCCL_CHECK(call)                                                               \
  do {                                                                                    \
    const ncclResult_t kg_rc_ = (call);                                                   \
    if (kg_rc_ != ncclSuccess)                                                            \
      ::kg::detail::call_failed(__FILE__, __LINE__, #call, ncclGetErrorString(kg_rc_));   \
  } while (0)

namespace kg::detail {
/// Throws the Error of KG_MPI_CHECK, KG_CUDA_CHECK and KG_NCCL_CHECK.
[[noreturn]] inline void call_failed(const char* file, int line, const char* call, const std::string& reason) {
  throw Error(fmt::format("{}:{}: {} failed: {}", file, line, call, reason));
}

inline std::string check_msg() { return ""; }
template <typename... Args>
std::string check_msg(fmt::format_string<Args...> f, Args&&... args) {
  return " (" + fmt::format(f, std::forward<Args>(args)...) + ")";
}
}  // namespace kg::detail
