// Training checkpoints: see Note [Checkpoint contents].
#include "liandan/experiments/checkpointing.hpp"

#include <fmt/format.h>

#include <bit>

#include "liandan/core/random.hpp"
#include "liandan/nn/checkpoint.hpp"

namespace liandan::experiments {
namespace {

void add_prefixed(core::NamedTensors& out, const std::string& prefix,
                  const core::NamedTensors& in) {
  for (const auto& [name, t] : in) out.add(prefix + name, t);
}

// The entries under prefix, with the prefix removed.
core::NamedTensors under(const core::NamedTensors& all, const std::string& prefix) {
  core::NamedTensors out;
  for (const auto& [name, t] : all)
    if (name.rfind(prefix, 0) == 0) out.add(name.substr(prefix.size()), t);
  return out;
}

// nn::load, warning on stderr when the file has no checksum (Note [Checkpoint integrity]):
// --resume, init_from, eval and sample all load through here.
nn::Checkpoint load_verified(const std::filesystem::path& path) {
  nn::Checkpoint ck = nn::load(path.string());
  if (!ck.verified)
    fmt::print(stderr,
               "warning: checkpoint '{}' has no checksum (written before liandan checksummed its "
               "checkpoints, or by another program): loaded unverified\n",
               path.string());
  return ck;
}

}  // namespace

void save_checkpoint(const std::filesystem::path& path, Task& task,
                     const optim::Optimizer& optimizer, const TrainerState& state) {
  core::NamedTensors all;
  add_prefixed(all, "model.", task.model().state_dict());
  add_prefixed(all, "optimizer.", optimizer.state_dict());
  add_prefixed(all, "sampler.", task.sampler_state());
  const core::Generator& gen = core::default_generator();
  all.add_integer("rng.seed", std::bit_cast<std::int64_t>(gen.seed()));
  all.add_integer("rng.offset", std::bit_cast<std::int64_t>(gen.offset()));
  all.add_integer("trainer.step", state.step);
  all.add("trainer.wall_time", core::Tensor::scalar(state.wall_time, DType::f64));
  nn::save(path.string(), all, {{"step", std::to_string(state.step)}, {"format", "liandan-run-1"}});
}

TrainerState load_checkpoint(const std::filesystem::path& path, Task& task,
                             optim::Optimizer& optimizer) {
  const nn::Checkpoint ck = load_verified(path);
  try {
    task.model().load_state_dict(under(ck.tensors, "model."));
    optimizer.load_state_dict(under(ck.tensors, "optimizer."));
    task.load_sampler_state(under(ck.tensors, "sampler."));
    core::default_generator().set_state(
        std::bit_cast<std::uint64_t>(ck.tensors.integer("rng.seed")),
        std::bit_cast<std::uint64_t>(ck.tensors.integer("rng.offset")));
    return {.step = ck.tensors.integer("trainer.step"),
            .wall_time = ck.tensors["trainer.wall_time"].item()};
  } catch (const Error& e) {
    throw Error(fmt::format("checkpoint '{}': {}", path.string(), e.what()));
  }
}

std::int64_t load_model(const std::filesystem::path& path, Task& task) {
  const nn::Checkpoint ck = load_verified(path);
  try {
    task.model().load_state_dict(under(ck.tensors, "model."));
    return ck.tensors.integer("trainer.step");
  } catch (const Error& e) {
    throw Error(fmt::format("checkpoint '{}': {}", path.string(), e.what()));
  }
}

}  // namespace liandan::experiments
