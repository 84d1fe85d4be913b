// A data::DataLoader's sampler state as the named tensors a Task hands to checkpoints.
#pragma once

#include "liandan/data/loader.hpp"
#include "liandan/nn/module.hpp"

namespace liandan::experiments {

inline nn::NamedTensors loader_state(const data::DataLoader& loader) {
  nn::NamedTensors out;
  for (const auto& [name, t] : loader.state_dict()) out.emplace_back(name, Tensor(t));
  return out;
}

inline void load_loader_state(data::DataLoader& loader, const nn::NamedTensors& state) {
  data::NamedTensors tensors;
  for (const auto& [name, t] : state) tensors.add(name, t.data());
  loader.load_state_dict(tensors);
}

}  // namespace liandan::experiments
