// Grad mode is per thread: a data loader thread never records into the training graph.
#include "liandan/autograd/grad_mode.hpp"

namespace liandan {
namespace {
thread_local bool grad_enabled = true;
}

bool GradMode::enabled() { return grad_enabled; }
void GradMode::set_enabled(bool enabled) { grad_enabled = enabled; }

}  // namespace liandan
