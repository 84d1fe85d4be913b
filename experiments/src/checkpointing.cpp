// Training checkpoints: see Note [Checkpoint contents].
#include "liandan/experiments/checkpointing.hpp"

#include <fmt/format.h>

#include "liandan/core/random.hpp"
#include "liandan/nn/checkpoint.hpp"

namespace liandan::experiments {
namespace {

core::Tensor i64(std::uint64_t v) {
  return core::Tensor::from<std::int64_t>({static_cast<std::int64_t>(v)}, {});
}

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

const core::Tensor& entry(const core::NamedTensors& all, const std::string& key,
                          const std::string& path) {
  for (const auto& [name, t] : all)
    if (name == key) return t;
  throw Error(fmt::format("checkpoint '{}': no entry '{}'", path, key));
}

std::uint64_t u64(const core::NamedTensors& all, const std::string& key, const std::string& path) {
  const core::Tensor& t = entry(all, key, path);
  check(t.dtype() == DType::i64 && t.numel() == 1, "checkpoint '{}': '{}' must be one i64", path,
        key);
  return static_cast<std::uint64_t>(t.to_vector<std::int64_t>()[0]);
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
  all.add("rng.seed", i64(gen.seed()));
  all.add("rng.offset", i64(gen.offset()));
  all.add("trainer.step", i64(static_cast<std::uint64_t>(state.step)));
  all.add("trainer.wall_time", core::Tensor::scalar(state.wall_time, DType::f64));
  nn::save(path.string(), all, {{"step", std::to_string(state.step)}, {"format", "liandan-run-1"}});
}

TrainerState load_checkpoint(const std::filesystem::path& path, Task& task,
                             optim::Optimizer& optimizer) {
  const nn::Checkpoint ck = load_verified(path);
  const std::string where = path.string();
  try {
    task.model().load_state_dict(under(ck.tensors, "model."));
    optimizer.load_state_dict(under(ck.tensors, "optimizer."));
    task.load_sampler_state(under(ck.tensors, "sampler."));
  } catch (const Error& e) {
    throw Error(fmt::format("checkpoint '{}': {}", where, e.what()));
  }
  core::default_generator().set_state(u64(ck.tensors, "rng.seed", where),
                                      u64(ck.tensors, "rng.offset", where));
  return {.step = static_cast<std::int64_t>(u64(ck.tensors, "trainer.step", where)),
          .wall_time = entry(ck.tensors, "trainer.wall_time", where).item()};
}

std::int64_t load_model(const std::filesystem::path& path, Task& task) {
  const nn::Checkpoint ck = load_verified(path);
  try {
    task.model().load_state_dict(under(ck.tensors, "model."));
  } catch (const Error& e) {
    throw Error(fmt::format("checkpoint '{}': {}", path.string(), e.what()));
  }
  return static_cast<std::int64_t>(u64(ck.tensors, "trainer.step", path.string()));
}

}  // namespace liandan::experiments
