// Grad mode: whether differentiable ops record nodes on this thread. NoGradGuard turns it off
// for a scope (optimizer steps, evaluation); the engine turns it on for create_graph.
#pragma once

namespace liandan {

class GradMode {
 public:
  static bool enabled();
  static void set_enabled(bool enabled);
};

// RAII: sets grad mode for a scope and restores the previous mode.
class GradModeGuard {
 public:
  explicit GradModeGuard(bool enabled) : previous_(GradMode::enabled()) {
    GradMode::set_enabled(enabled);
  }
  ~GradModeGuard() { GradMode::set_enabled(previous_); }
  GradModeGuard(const GradModeGuard&) = delete;
  GradModeGuard& operator=(const GradModeGuard&) = delete;

 private:
  bool previous_;
};

class NoGradGuard : public GradModeGuard {
 public:
  NoGradGuard() : GradModeGuard(false) {}
};

}  // namespace liandan
