// nn checkpoints: HDF5 round trips, atomic writes, damaged files, load_module errors, and
// PyTorch state_dicts converted by scripts/torch_to_hdf5.py (fixtures from gen_checkpoint.py).
#include <doctest/doctest.h>
#include <hdf5.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "liandan/autograd/autograd.hpp"
#include "liandan/nn/checkpoint.hpp"
#include "liandan/nn/containers.hpp"
#include "liandan/nn/linear.hpp"
#include "support/fixtures.hpp"

using namespace liandan;
namespace fs = std::filesystem;

namespace {

// A fresh directory for one test, removed with everything in it.
struct TempDir {
  fs::path path;
  TempDir() {
    static int count = 0;
    path = fs::temp_directory_path() /
           fmt::format("liandan_test_checkpoint_{}_{}", ::getpid(), count++);
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
  std::vector<std::string> listing() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(path))
      names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
};

// Same dtype, shape and bytes.
void expect_identical(const core::Tensor& actual, const core::Tensor& expected) {
  REQUIRE(actual.defined());
  CHECK(actual.dtype() == expected.dtype());
  REQUIRE(actual.shape() == expected.shape());
  const core::Tensor a = actual.contiguous(), e = expected.contiguous();
  if (a.numel() > 0)
    CHECK(std::memcmp(a.raw_data(), e.raw_data(), a.numel() * element_size(a.dtype())) == 0);
}

// The message of the Error f throws ("" if none).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

struct Relu : nn::Module {
  Tensor forward(const Tensor& x) override { return relu(x); }
};

}  // namespace

TEST_CASE("nn::save / nn::load: bit-identical round trip of every dtype, 0-dim, empty, metadata") {
  TempDir dir;
  const std::string path = dir.file("state.h5");
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const core::NamedTensors tensors = {
      // Keys out of alphabetical order: the file keeps the given order.
      {"z.weird", tensor<float>({nan, inf, -inf, -0.0f, 1e-45f, 3.4e38f}, {2, 3}).data()},
      {"blocks.0.fc1.weight", randn({4, 3, 2}).data()},
      {"blocks.0.fc1.bias", randn({5}, {.dtype = DType::f64}).data()},
      {"steps", tensor<std::int64_t>({std::numeric_limits<std::int64_t>::min(), -1, 0,
                                      std::numeric_limits<std::int64_t>::max()},
                                     {2, 2})
                    .data()},
      {"mask", tensor<bool>({true, false, false, true, true}, {5}).data()},
      {"scale", scalar(2.5).data()},
      {"count", scalar(7, {.dtype = DType::i64}).data()},
      {"empty", zeros({0, 3}, {.dtype = DType::f64}).data()},
      {"transposed",
       transpose(randn({3, 4}), 0, 1).data()},  // not contiguous: stored as its values
      {"rank5", randn({1, 2, 1, 3, 2}).data()},
  };
  const nn::Metadata metadata = {{"step", "1200"}, {"name", "炼丹 run"}, {"empty", ""}};
  nn::save(path, tensors, metadata);
  CHECK(dir.listing() == std::vector<std::string>{"state.h5"});

  const nn::Checkpoint loaded = nn::load(path);
  CHECK(loaded.tensors.names() == tensors.names());
  REQUIRE(loaded.tensors.size() == tensors.size());
  for (const auto& [name, t] : tensors) {
    INFO(name);
    expect_identical(loaded.tensors[name], t);
  }
  CHECK(loaded.metadata == metadata);

  // Saving again replaces the file.
  nn::save(path, {{"only", ones({2}).data()}});
  CHECK(nn::load(path).tensors.names() == std::vector<std::string>{"only"});
  CHECK(nn::load(path).metadata.empty());
}

TEST_CASE("nn::save: atomic, a save that fails midway leaves the old file and no temporary") {
  TempDir dir;
  const std::string path = dir.file("model.h5");
  const core::NamedTensors good = {{"a", randn({3}).data()}, {"b", randn({2, 2}).data()}};
  nn::save(path, good, {{"version", "1"}});

  // The undefined tensor comes after "a" has been written to the temporary file.
  CHECK_THROWS_WITH_AS(
      nn::save(path, {{"a", zeros({3}).data()}, {"b", {}}, {"c", zeros({1}).data()}}),
      fmt::format("save: '{}': tensor 'b' is undefined", path).c_str(), Error);
  CHECK_THROWS_WITH_AS(
      nn::save(path, {{"blocks/0", zeros({3}).data()}}),
      fmt::format("save: '{}': invalid key 'blocks/0': keys are non-empty and have no '/'", path)
          .c_str(),
      Error);
  CHECK(dir.listing() == std::vector<std::string>{"model.h5"});
  const nn::Checkpoint old = nn::load(path);
  REQUIRE(old.tensors.size() == 2);
  expect_identical(old.tensors["a"], good["a"]);
  expect_identical(old.tensors["b"], good["b"]);
  CHECK(old.metadata.at("version") == "1");

  // A directory that does not exist: the error names the temporary file it could not create.
  const std::string nowhere = dir.file("missing/model.h5");
  CHECK(contains(error_of([&] { nn::save(nowhere, good); }),
                 fmt::format("save: '{}': cannot create '{}.tmp-", nowhere, nowhere)));
}

TEST_CASE("nn::load: missing, garbage, truncated and corrupt files are errors naming the path") {
  TempDir dir;
  const std::string missing = dir.file("nope.h5");
  CHECK_THROWS_WITH_AS(nn::load(missing), fmt::format("load: '{}': no such file", missing).c_str(),
                       Error);
  CHECK_THROWS_WITH_AS(nn::load(dir.path.string()),
                       fmt::format("load: '{}': is a directory", dir.path.string()).c_str(), Error);

  const std::string garbage = dir.file("garbage.h5");
  std::ofstream(garbage) << "this is not HDF5";
  CHECK_THROWS_WITH_AS(
      nn::load(garbage),
      fmt::format("load: '{}': not an HDF5 file (no HDF5 signature; 16 bytes)", garbage).c_str(),
      Error);

  // The HDF5 signature, then garbage.
  const std::string corrupt = dir.file("corrupt.h5");
  {
    std::ofstream out(corrupt, std::ios::binary);
    out << "\x89HDF\r\n\x1a\n";
    for (int i = 0; i < 1000; ++i) out << static_cast<char>(i * 37 + 11);
  }
  const std::string corrupt_error = error_of([&] { nn::load(corrupt); });
  CHECK(contains(corrupt_error, fmt::format("load: '{}': cannot open (truncated or corrupt?) "
                                            "(HDF5: ",
                                            corrupt)));

  // A valid file cut to half its size.
  const std::string truncated = dir.file("truncated.h5");
  nn::save(truncated, {{"w", randn({64, 64}).data()}, {"b", randn({64}).data()}}, {{"step", "3"}});
  fs::resize_file(truncated, fs::file_size(truncated) / 2);
  const std::string truncated_error = error_of([&] { nn::load(truncated); });
  INFO(truncated_error);
  CHECK(contains(truncated_error, fmt::format("load: '{}': ", truncated)));
  CHECK(contains(truncated_error, "truncated"));

  // A file in another layout (groups per dot) names the offending entry.
  const std::string nested = dir.file("nested.h5");
  {
    const hid_t f = H5Fcreate(nested.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(f >= 0);
    H5Gclose(H5Gcreate2(f, "blocks", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    H5Fclose(f);
  }
  CHECK_THROWS_WITH_AS(nn::load(nested),
                       fmt::format("load: '{}': 'blocks' is not a dataset (a liandan checkpoint "
                                   "holds one dataset per tensor at its root, named by the dotted "
                                   "key)",
                                   nested)
                           .c_str(),
                       Error);
}

TEST_CASE(
    "nn::save_module / load_module: round trip; missing key and shape mismatch name the file") {
  TempDir dir;
  const std::string path = dir.file("seq.h5");
  nn::Sequential a, b;
  for (nn::Sequential* s : {&a, &b}) {
    s->emplace_back<nn::Linear>(4, 3);
    s->emplace_back<Relu>();
    s->emplace_back<nn::Linear>(3, 2);
  }
  nn::save_module(path, a, {{"epoch", "4"}});
  const nn::Metadata meta = nn::load_module(path, b);
  CHECK(meta.at("epoch") == "4");
  const Tensor x = randn({5, 4});
  CHECK(a(x).to_vector<float>() == b(x).to_vector<float>());
  CHECK(nn::load(path).tensors.names() == a.state_dict().names());

  nn::Linear wide(4, 5);
  CHECK_THROWS_WITH_AS(nn::load_module(path, wide),
                       fmt::format("load_module: '{}': load_state_dict: missing key 'weight' "
                                   "(shape [5,4])",
                                   path)
                           .c_str(),
                       Error);
  const std::string one = dir.file("linear.h5");
  nn::Linear lin(4, 3);
  nn::save_module(one, lin);
  CHECK_THROWS_WITH_AS(nn::load_module(one, wide),
                       fmt::format("load_module: '{}': load_state_dict: shape mismatch for "
                                   "'weight': checkpoint has [3,4], model has [5,4]",
                                   one)
                           .c_str(),
                       Error);
  nn::Linear no_bias(4, 3, {.bias = false});
  CHECK_THROWS_WITH_AS(
      nn::load_module(one, no_bias),
      fmt::format("load_module: '{}': load_state_dict: unexpected key 'bias'", one).c_str(), Error);
  nn::load_module(one, no_bias, /*strict=*/false);
  CHECK(no_bias.weight.to_vector<float>() == lin.weight.to_vector<float>());
}

TEST_CASE("nn::load_module: a PyTorch state_dict converted by torch_to_hdf5.py gives its outputs") {
  const std::string path = std::string(LIANDAN_FIXTURE_DIR) + "/checkpoint_torch.h5";
  nn::Sequential model;  // torch.nn.Sequential(Linear(4, 3), ReLU(), Linear(3, 2))
  model.emplace_back<nn::Linear>(4, 3);
  model.emplace_back<Relu>();
  model.emplace_back<nn::Linear>(3, 2);
  const nn::Metadata meta = nn::load_module(path, model);
  CHECK(meta.at("arch") == "4-3-2 relu");
  CHECK(nn::load(path).tensors.names() ==
        std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"});
  const test::Fixture f("checkpoint");
  const Tensor out = model(Tensor(f.tensor("sequential/x")));
  test::expect_close(out.data(), f.tensor("sequential/out"), 1e-5, 1e-6);
}

TEST_CASE("nn::load: converter dtypes (f16 as f32, i32 as i64, bool as uint8), 0-dim, empty") {
  const nn::Checkpoint c = nn::load(std::string(LIANDAN_FIXTURE_DIR) + "/checkpoint_dtypes.h5");
  CHECK(c.metadata.at("kind") == "dtypes");
  const test::Fixture f("checkpoint");
  CHECK(c.tensors.names() == std::vector<std::string>{"a.f32", "a.f64", "b.i64", "b.i32", "c.bool",
                                                      "d.f16", "e.scalar", "f.empty"});
  for (const auto& [key, t] : c.tensors) {
    INFO(key);
    expect_identical(t, f.tensor("dtypes/" + key));
  }
}
