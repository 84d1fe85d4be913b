// data::NamedTensors (a loader's sampler state, a batch) and nn::NamedTensors (state_dicts,
// checkpoints) convert both ways: a loader's state saves and loads with nn::save / nn::load.
#include <doctest/doctest.h>

#include <filesystem>

#include "experiments/helpers.hpp"
#include "liandan/autograd/autograd.hpp"
#include "liandan/data/data.hpp"
#include "liandan/nn/checkpoint.hpp"

using namespace liandan;

TEST_CASE("data::NamedTensors <-> nn::NamedTensors: nn::save(path, loader.state_dict()) and back") {
  test::ScratchDir dir("named_tensors");
  auto dataset = std::make_shared<data::TensorDataset>(
      data::NamedTensors{{"x", core::Tensor::arange(0, 10).reshape({10, 1})}}, "ten");
  data::DataLoader loader(dataset, {.batch_size = 3, .shuffle = true, .seed = 5});
  loader.next_batch();
  const std::string path = (dir.path / "sampler.h5").string();
  nn::save(path, loader.state_dict());  // data -> nn, implicitly
  const std::vector<float> expected = loader.next_batch()["x"].to_vector<float>();

  data::DataLoader resumed(dataset, {.batch_size = 3, .shuffle = true, .seed = 5});
  resumed.load_state_dict(nn::load(path).tensors);  // nn -> data, implicitly
  CHECK(resumed.next_batch()["x"].to_vector<float>() == expected);

  // the conversions share data, keep names and order
  const data::NamedTensors d{{"a", core::Tensor::ones({2})}, {"b", core::Tensor::zeros({3})}};
  const nn::NamedTensors n = d;
  REQUIRE(n.size() == 2);
  CHECK(n[0].first == "a");
  CHECK(n[1].second.shape() == Shape{3});
  CHECK(n[0].second.data().storage() == d["a"].storage());
  const data::NamedTensors back = n;
  CHECK(back.names() == std::vector<std::string>{"a", "b"});
  CHECK(back["b"].storage() == d["b"].storage());
}
