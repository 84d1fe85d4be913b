// Anomaly mode state: per thread, as grad mode.
#include "liandan/autograd/anomaly_mode.hpp"

#include <vector>

namespace liandan {
namespace {
thread_local bool anomaly_enabled = false;
thread_local std::vector<std::string> scopes;
}  // namespace

bool AnomalyMode::enabled() { return anomaly_enabled; }
void AnomalyMode::set_enabled(bool enabled) { anomaly_enabled = enabled; }

AnomalyScope::AnomalyScope(std::string label) { scopes.push_back(std::move(label)); }
AnomalyScope::~AnomalyScope() { scopes.pop_back(); }

const std::string& AnomalyScope::current() {
  static const std::string none;
  return scopes.empty() ? none : scopes.back();
}

}  // namespace liandan
