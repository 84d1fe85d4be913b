// core::NamedTensors (Note [Named tensors]): order of add kept, names unique, lookup errors that
// name the missing key and the known ones.
#include <doctest/doctest.h>

#include "liandan/core/named_tensors.hpp"

using namespace liandan;

TEST_CASE("NamedTensors: iteration and names() follow the order of add, not the names'") {
  core::NamedTensors named{{"z", core::Tensor::ones({2})}, {"a", core::Tensor::zeros({3})}};
  named.add("m", core::Tensor::ones({1}));
  CHECK(named.names() == std::vector<std::string>{"z", "a", "m"});
  std::vector<std::string> seen;
  for (const auto& [name, t] : named) seen.push_back(name);
  CHECK(seen == named.names());
  CHECK(named.size() == 3);
  CHECK(named.items()[1].first == "a");
}

TEST_CASE("NamedTensors::operator[]: shares the stored tensor; contains") {
  const core::Tensor x = core::Tensor::ones({2});
  const core::NamedTensors named{{"x", x}};
  CHECK(named["x"].storage() == x.storage());
  CHECK(named.contains("x"));
  CHECK_FALSE(named.contains("y"));
  CHECK(core::NamedTensors().empty());
}

TEST_CASE("NamedTensors::add: a duplicate name is an error naming it") {
  core::NamedTensors named{{"w", core::Tensor::ones({2})}};
  CHECK_THROWS_WITH_AS(named.add("w", core::Tensor::zeros({2})), "NamedTensors: duplicate name 'w'",
                       Error);
  CHECK(named.size() == 1);
  CHECK_THROWS_WITH_AS(
      (core::NamedTensors{{"a", core::Tensor::ones({1})}, {"a", core::Tensor::ones({1})}}),
      "NamedTensors: duplicate name 'a'", Error);
}

TEST_CASE("NamedTensors::operator[]: a missing name is an error naming it and the known ones") {
  const core::NamedTensors named{{"seed", core::Tensor::ones({})},
                                 {"epoch", core::Tensor::ones({})}};
  CHECK_THROWS_WITH_AS(named["position"],
                       "NamedTensors: no tensor named 'position' (have: seed, epoch)", Error);
  CHECK_THROWS_WITH_AS(core::NamedTensors()["x"], "NamedTensors: no tensor named 'x' (have: )",
                       Error);
}
