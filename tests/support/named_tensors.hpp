// Edited copies of a state (NamedTensors) for tests of load_state_dict's errors.
#pragma once

#include <string>

#include "liandan/core/named_tensors.hpp"

namespace liandan::test {

// state with the tensor called key replaced by value, or dropped when value is undefined; the
// order of the other entries is kept.
inline core::NamedTensors replaced(const core::NamedTensors& state, const std::string& key,
                                   const core::Tensor& value = {}) {
  core::NamedTensors out;
  for (const auto& [name, t] : state) {
    if (name != key)
      out.add(name, t);
    else if (value.defined())
      out.add(name, value);
  }
  return out;
}

// state with (key, value) appended.
inline core::NamedTensors appended(core::NamedTensors state, const std::string& key,
                                   const core::Tensor& value) {
  state.add(key, value);
  return state;
}

}  // namespace liandan::test
