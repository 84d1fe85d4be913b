// The README's "Data" example, compiled and run: the code between the two banners below is
// the README's code block verbatim (the first test case checks it still is).
#include <doctest/doctest.h>

#include "support/readme.hpp"

#include <fstream>
#include <sstream>

// ---- begin README block
#include <liandan/core/core.hpp>
#include <liandan/data/data.hpp>
using namespace liandan;

// Shuffled passes over Fashion-MNIST's training set: counts the classes and sums the pixels
// seen, and leaves the loader's position in `checkpoint` (a resumed loader continues there).
struct Seen {
  std::vector<std::int64_t> per_class = std::vector<std::int64_t>(10, 0);
  double pixels = 0;
};
Seen scan(int epochs, core::NamedTensors& checkpoint) {
  auto train = data::fashion_mnist({.train = true});  // "image" f32 in [0, 1], "label" i64
  data::DataLoader loader(train, {.batch_size = 128, .seed = 42, .drop_last = true});
  Seen seen;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    for (const data::Batch& batch : loader) {       // one epoch, prepared by a prefetch thread
      const core::Tensor& images = batch["image"];  // (128, 1, 28, 28)
      const core::Tensor& labels = batch["label"];  // (128)
      seen.pixels += core::sum(images).item();
      for (std::int64_t y : labels.to_vector<std::int64_t>()) ++seen.per_class[y];
    }
  }
  checkpoint = loader.state_dict();  // i64 scalars: seed, epoch, position, dataset_size
  return seen;
}
// ---- end README block

TEST_CASE("data README example: this file holds the README's code block verbatim") {
  test::check_readme_block("## Data\n", "tests/data/test_readme_example.cpp");
}

TEST_CASE("data README example: one epoch of Fashion-MNIST, then a resumable state") {
  if (!std::ifstream(std::string(data::kFashionMnistDir) + "/train-images-idx3-ubyte.gz")) {
    MESSAGE("dataset-fashion-mnist is not installed: skipped");
    return;
  }
  core::NamedTensors checkpoint;
  const Seen seen = scan(1, checkpoint);
  std::int64_t total = 0;
  for (std::int64_t c : seen.per_class) {
    CHECK(c > 5800);  // 6000 per class, less the 96 examples drop_last leaves out
    total += c;
  }
  CHECK(total == 468 * 128);
  CHECK(seen.pixels / (total * 784.0) == doctest::Approx(0.286).epsilon(0.01));  // the known mean
  CHECK(checkpoint["epoch"].item<std::int64_t>() == 1);
  CHECK(checkpoint["position"].item<std::int64_t>() == 0);
  CHECK(checkpoint["seed"].item<std::int64_t>() == 42);
}
