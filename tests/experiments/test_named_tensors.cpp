// One NamedTensors from data to checkpoints: a loader's sampler state saves with nn::save and
// loads back from nn::load, with no conversion between them.
#include <doctest/doctest.h>

#include <filesystem>

#include "experiments/helpers.hpp"
#include "liandan/data/data.hpp"
#include "liandan/nn/checkpoint.hpp"

using namespace liandan;

TEST_CASE("DataLoader::state_dict: nn::save(path, loader.state_dict()), then load_state_dict") {
  test::ScratchDir dir("named_tensors");
  auto dataset = std::make_shared<data::TensorDataset>(
      core::NamedTensors{{"x", core::Tensor::arange(0, 10).reshape({10, 1})}}, "ten");
  data::DataLoader loader(dataset, {.batch_size = 3, .shuffle = true, .seed = 5});
  loader.next_batch();
  const std::string path = (dir.path / "sampler.h5").string();
  nn::save(path, loader.state_dict());
  const std::vector<float> expected = loader.next_batch()["x"].to_vector<float>();

  data::DataLoader resumed(dataset, {.batch_size = 3, .shuffle = true, .seed = 5});
  resumed.load_state_dict(nn::load(path).tensors);
  CHECK(resumed.next_batch()["x"].to_vector<float>() == expected);
}
