// The parts of the Task interface (tasks.hpp) that are code: batch lookup, the default step,
// the data seeds.
#include <fmt/format.h>

#include "liandan/experiments/tasks.hpp"

namespace liandan::experiments {

Tensor Batch::operator[](const std::string& name) const { return Tensor(tensors[name]); }

Tensor Task::loss(const Batch&) { throw Error("task: this task defines train_step, not loss"); }

StepResult Task::train_step(const Batch& batch, const UpdateFn& update) {
  Tensor l = loss(batch);
  const double grad_norm = update(l, "");
  return {.loss = std::move(l), .grad_norm = grad_norm, .extra = {}};
}

std::uint64_t data_seed(std::uint64_t seed, std::uint64_t stream) {
  // splitmix64 of (seed, stream): well-separated Philox keys for nearby seeds.
  std::uint64_t z = seed * 0x9E3779B97F4A7C15ull + (stream + 1) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace liandan::experiments
