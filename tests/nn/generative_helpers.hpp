// Helpers shared by the generative-model suites: load a module's state and compare its
// gradients with a case of tests/fixtures/generative.h5.
#pragma once

#include <string>

#include "liandan/autograd/autograd.hpp"
#include "liandan/nn/module.hpp"
#include "support/fixtures.hpp"

namespace liandan::test {

inline const Fixture& generative_fixture() {
  static const Fixture f("generative");
  return f;
}

// Copies <case>/state/<key> into every entry of the module's state_dict.
inline void load_state(nn::Module& m, const std::string& group) {
  core::NamedTensors state;
  for (const auto& [key, t] : m.state_dict())
    state.add(key, generative_fixture().tensor(group + "/state/" + key));
  m.load_state_dict(state);
}

// Compares every parameter's .grad (undefined counts as zeros) with <case>/<dir>/<name>,
// then clears it.
inline void expect_grads(nn::Module& m, const std::string& group, const std::string& dir,
                         double tol) {
  for (const auto& [name, p] : m.named_parameters()) {
    INFO("gradient of ", name);
    const core::Tensor g =
        p.grad().defined() ? p.grad().data() : core::Tensor::zeros(p.shape(), p.dtype());
    expect_close(g, generative_fixture().tensor(group + "/" + dir + "/" + name), tol, tol);
  }
  m.zero_grad();
}

inline Tensor fixture_tensor(const std::string& path, bool requires_grad = false) {
  return Tensor(generative_fixture().tensor(path), requires_grad);
}

}  // namespace liandan::test
