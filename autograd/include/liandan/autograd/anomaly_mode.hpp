// Anomaly mode, for debugging NaN/Inf gradients: while it is on, every node remembers the scope
// it was created in (e.g. the path of the nn module whose forward ran it), and the engine
// checks each gradient a backward returns. The first NaN or Inf is an error naming the node and
// that scope. It costs a reduction per gradient, so it is off by default. Per thread, like
// grad mode.
#pragma once

#include <string>

namespace liandan {

class AnomalyMode {
 public:
  static bool enabled();
  static void set_enabled(bool enabled);
};

// RAII: turns anomaly mode on (or off) for a scope.
class AnomalyModeGuard {
 public:
  explicit AnomalyModeGuard(bool enabled = true) : previous_(AnomalyMode::enabled()) {
    AnomalyMode::set_enabled(enabled);
  }
  ~AnomalyModeGuard() { AnomalyMode::set_enabled(previous_); }
  AnomalyModeGuard(const AnomalyModeGuard&) = delete;
  AnomalyModeGuard& operator=(const AnomalyModeGuard&) = delete;

 private:
  bool previous_;
};

// A label for the nodes created inside this scope (innermost wins) while anomaly mode is on.
class AnomalyScope {
 public:
  explicit AnomalyScope(std::string label);
  ~AnomalyScope();
  AnomalyScope(const AnomalyScope&) = delete;
  AnomalyScope& operator=(const AnomalyScope&) = delete;
  static const std::string& current();  // "" outside any scope
};

}  // namespace liandan
