// IDX files, raw and gzip, written by the test; bad files; the real Fashion-MNIST if installed.
#include "util.hpp"

using namespace liandan;
using namespace liandan::data;
using namespace liandan::data::test;

namespace {

// An IDX file: magic, big-endian dims, then the payload bytes as given.
std::vector<unsigned char> idx_bytes(unsigned char type, const std::vector<std::uint32_t>& dims,
                                     const std::vector<unsigned char>& payload) {
  std::vector<unsigned char> out = {0, 0, type, static_cast<unsigned char>(dims.size())};
  for (std::uint32_t d : dims)
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<unsigned char>(d >> s));
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

}  // namespace

TEST_CASE("data::read_idx: u8 images and labels, raw and gzip") {
  TempDir dir;
  std::vector<unsigned char> pixels(2 * 3 * 4);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<unsigned char>(i * 11);
  const auto images = idx_bytes(0x08, {2, 3, 4}, pixels);
  write_bytes(dir.file("images"), images);
  gzip(images, dir.file("images.gz"));
  for (const char* name : {"images", "images.gz"}) {
    const core::Tensor t = read_idx(dir.file(name), DType::f32, 1.0 / 255);
    REQUIRE(t.shape() == Shape{2, 3, 4});
    const auto v = t.to_vector<float>();
    for (std::size_t i = 0; i < v.size(); ++i) CHECK(v[i] == static_cast<float>(i * 11 / 255.0));
  }
  write_bytes(dir.file("labels"), idx_bytes(0x08, {5}, {9, 0, 3, 255, 1}));
  const core::Tensor labels = read_idx(dir.file("labels"), DType::i64);
  CHECK(labels.to_vector<std::int64_t>() == std::vector<std::int64_t>{9, 0, 3, 255, 1});
}

TEST_CASE("data::read_idx: signed, 16/32-bit and float elements are big-endian") {
  TempDir dir;
  write_bytes(dir.file("i8"), idx_bytes(0x09, {2}, {0xff, 0x7f}));
  CHECK(read_idx(dir.file("i8"), DType::i64).to_vector<std::int64_t>() ==
        std::vector<std::int64_t>{-1, 127});
  write_bytes(dir.file("i16"), idx_bytes(0x0B, {2}, {0x01, 0x02, 0xff, 0xfe}));
  CHECK(read_idx(dir.file("i16"), DType::i64).to_vector<std::int64_t>() ==
        std::vector<std::int64_t>{0x0102, -2});
  write_bytes(dir.file("i32"), idx_bytes(0x0C, {1}, {0x00, 0x01, 0x00, 0x00}));
  CHECK(read_idx(dir.file("i32"), DType::i64).item<std::int64_t>() == 65536);
  write_bytes(dir.file("f32"), idx_bytes(0x0D, {1}, {0x3f, 0xc0, 0x00, 0x00}));  // 1.5f
  CHECK(read_idx(dir.file("f32"), DType::f64).item<double>() == 1.5);
  write_bytes(dir.file("f64"), idx_bytes(0x0E, {1}, {0xc0, 0x04, 0, 0, 0, 0, 0, 0}));  // -2.5
  CHECK(read_idx(dir.file("f64"), DType::f32).item<float>() == -2.5f);
}

TEST_CASE("data::read_idx: bad files are errors naming the file") {
  TempDir dir;
  const std::string missing = dir.file("nothing-idx1-ubyte.gz");
  CHECK(contains(error_of([&] { read_idx(missing); }), "'" + missing + "': no such file"));

  const std::string magic = dir.file("magic.idx");
  write_bytes(magic, {0x1f, 0x00, 0x08, 0x01, 0, 0, 0, 1, 7});
  CHECK(contains(error_of([&] { read_idx(magic); }), "'" + magic + "': wrong magic 1f 00 08 01"));

  const std::string type = dir.file("type.idx");
  write_bytes(type, idx_bytes(0x0A, {1}, {7}));
  CHECK(contains(error_of([&] { read_idx(type); }), "'" + type + "': unknown element type 0x0a"));

  const std::string tiny = dir.file("tiny.idx");
  write_bytes(tiny, {0, 0});
  CHECK(contains(error_of([&] { read_idx(tiny); }), "'" + tiny + "': truncated: 2 bytes"));

  const std::string header = dir.file("header.idx");
  write_bytes(header, {0, 0, 8, 3, 0, 0, 0, 2});
  CHECK(contains(error_of([&] { read_idx(header); }), "'" + header + "': truncated header"));

  const auto full = idx_bytes(0x08, {4, 5}, std::vector<unsigned char>(20, 1));
  const std::string cut = dir.file("cut.idx");
  write_bytes(cut, std::vector<unsigned char>(full.begin(), full.end() - 3));
  CHECK(contains(error_of([&] { read_idx(cut); }),
                 "'" + cut + "': truncated: 29 bytes, shape [4,5] of 1-byte elements needs 32"));

  const std::string extra = dir.file("extra.idx");
  auto longer = full;
  longer.push_back(0);
  write_bytes(extra, longer);
  CHECK(contains(error_of([&] { read_idx(extra); }), "'" + extra + "': 1 trailing bytes"));

  // A gzip stream cut in the middle: zlib sees the missing end.
  const std::vector<unsigned char> big =
      idx_bytes(0x08, {1000}, std::vector<unsigned char>(1000, 3));
  const auto gz = gzip(big, dir.file("whole.gz"));
  const std::string gz_cut = dir.file("cut.gz");
  write_bytes(gz_cut, std::vector<unsigned char>(gz.begin(), gz.begin() + gz.size() / 2));
  const std::string err = error_of([&] { read_idx(gz_cut); });
  CHECK(contains(err, "'" + gz_cut + "': truncated"));
}

TEST_CASE("data::fashion_mnist: the Debian files if installed") {
  const std::string dir = kFashionMnistDir;
  if (!fs::exists(dir + "/t10k-images-idx3-ubyte.gz")) {
    MESSAGE("dataset-fashion-mnist is not installed: skipped");
    return;
  }
  auto train = fashion_mnist({.train = true});
  CHECK(train->size() == 60000);
  CHECK(train->name() == "fashion-mnist train");
  const core::Tensor& images = train->tensors()["image"];
  CHECK(images.shape() == Shape{60000, 1, 28, 28});
  const core::Tensor& labels = train->tensors()["label"];
  const auto l = labels.to_vector<std::int64_t>();
  std::vector<std::int64_t> per_class(10, 0);
  for (std::int64_t v : l) {
    REQUIRE(v >= 0);
    REQUIRE(v <= 9);
    ++per_class[v];
  }
  for (std::int64_t c : per_class) CHECK(c == 6000);  // Fashion-MNIST is balanced
  const auto px = images.to_vector<float>();
  CHECK(*std::min_element(px.begin(), px.end()) == 0.0f);
  CHECK(*std::max_element(px.begin(), px.end()) == 1.0f);

  auto test = fashion_mnist({.train = false, .flatten = true});
  CHECK(test->size() == 10000);
  CHECK(test->fields()[0].shape == Shape{784});
  DataLoader loader(test, {.batch_size = 256, .seed = 0});
  const Batch b = *loader.next();
  CHECK(b["image"].shape() == Shape{256, 784});
  CHECK(b["label"].shape() == Shape{256});
  CHECK(contains(error_of([] { fashion_mnist({.dir = "/nonexistent"}); }),
                 "'/nonexistent/train-images-idx3-ubyte.gz': no such file"));
}

TEST_CASE("data::read_idx: dims whose element count overflows 64 bits are an error, not a pass") {
  TempDir dir;
  // 65536^4 = 2^64 elements wraps to 0, which matched an empty payload before the check.
  const std::string huge = dir.file("huge.idx");
  write_bytes(huge, idx_bytes(0x08, {65536, 65536, 65536, 65536}, {}));
  CHECK(contains(error_of([&] { read_idx(huge); }),
                 "'" + huge + "': truncated: 20 bytes, but its header gives shape"));
  const std::string big = dir.file("big.idx");  // no overflow, larger than the file
  write_bytes(big, idx_bytes(0x0E, {1u << 31, 1u << 30}, {1, 2}));
  CHECK(contains(error_of([&] { read_idx(big); }), "'" + big + "': truncated: 14 bytes"));
}

TEST_CASE("data::read_idx: a NaN or fractional float read as integer labels is an error") {
  TempDir dir;
  const std::string nan = dir.file("nan.idx");
  write_bytes(nan, idx_bytes(0x0D, {2}, {0x3f, 0x80, 0, 0, 0x7f, 0xc0, 0, 0}));  // 1, NaN
  CHECK(contains(error_of([&] { read_idx(nan, DType::i64); }),
                 "'" + nan + "': element 1 is nan, which is not a whole number that i64 holds"));
  const std::string half = dir.file("half.idx");
  write_bytes(half, idx_bytes(0x0E, {1}, {0x3f, 0xe0, 0, 0, 0, 0, 0, 0}));  // 0.5
  CHECK(contains(error_of([&] { read_idx(half, DType::i64); }), "element 0 is 0.5"));
  const std::string big = dir.file("big.idx");
  write_bytes(big, idx_bytes(0x0E, {1}, {0x43, 0xe0, 0, 0, 0, 0, 0, 0}));  // 2^63
  CHECK(
      contains(error_of([&] { read_idx(big, DType::i64); }), "element 0 is 9.223372036854776e+18"));
  write_bytes(half, idx_bytes(0x0D, {1}, {0xc0, 0x40, 0, 0}));  // -3 reads fine
  CHECK(read_idx(half, DType::i64).item<std::int64_t>() == -3);
}
