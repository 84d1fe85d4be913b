// Errors: user mistakes throw liandan::Error with a message naming the op, the shapes and the
// values involved; internal invariants use assert.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace liandan {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// check(cond, "op: {} x {}: ...", a, b): formats the message only when cond is false.
template <typename... Args>
inline void check(bool ok, fmt::format_string<Args...> format, Args&&... args) {
  if (!ok) [[unlikely]]
    throw Error(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace liandan
