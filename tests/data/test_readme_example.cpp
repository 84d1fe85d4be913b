// The README's "Data" example, compiled and run: the code between the two banners below is
// the README's code block verbatim (the first test case checks it still is).
#include <doctest/doctest.h>

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
Seen scan(int epochs, data::NamedTensors& checkpoint) {
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

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot open " << path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The body of the first ```cpp block after heading, up to its closing fence.
std::string code_block_after(const std::string& markdown, const std::string& heading) {
  const std::size_t at = markdown.find(heading);
  REQUIRE_MESSAGE(at != std::string::npos, "no heading " << heading);
  const std::string fence = "```cpp\n";
  const std::size_t begin = markdown.find(fence, at);
  REQUIRE(begin != std::string::npos);
  const std::size_t end = markdown.find("\n```\n", begin + fence.size());
  REQUIRE(end != std::string::npos);
  return markdown.substr(begin + fence.size(), end + 1 - begin - fence.size());
}

}  // namespace

TEST_CASE("data README example: this file holds the README's code block verbatim") {
  const std::string root = std::string(LIANDAN_FIXTURE_DIR) + "/../../";
  const std::string block = code_block_after(read_text(root + "README.md"), "## Data\n");
  const std::string source = read_text(root + "tests/data/test_readme_example.cpp");
  const std::string begin = "// ---- begin README block\n", end = "// ---- end README block\n";
  const std::size_t b = source.find(begin), e = source.find(end);
  REQUIRE(b != std::string::npos);
  REQUIRE(e != std::string::npos);
  CHECK(source.substr(b + begin.size(), e - b - begin.size()) == block);
}

TEST_CASE("data README example: one epoch of Fashion-MNIST, then a resumable state") {
  if (!std::ifstream(std::string(data::kFashionMnistDir) + "/train-images-idx3-ubyte.gz")) {
    MESSAGE("dataset-fashion-mnist is not installed: skipped");
    return;
  }
  data::NamedTensors checkpoint;
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
