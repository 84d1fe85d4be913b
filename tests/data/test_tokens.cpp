// Token arrays (bytes and u8/u16 token files, read into memory) and the (input, target) windows
// over them.
#include <set>

#include "util.hpp"

using namespace liandan;
using namespace liandan::data;
using namespace liandan::data::test;

TEST_CASE("data::TokenWindows: sequential windows, target is input shifted by one") {
  std::vector<std::uint8_t> bytes(20);
  for (int i = 0; i < 20; ++i) bytes[i] = static_cast<std::uint8_t>(100 + i);
  TokenWindows w(Tokens::from_bytes(bytes, "bytes"), {.block_size = 4});
  CHECK(w.size() == 4);  // starts 0, 4, 8, 12 (the last needs tokens 12..16)
  const Example e = w.get(2);
  CHECK(e["input"].to_vector<std::int64_t>() == std::vector<std::int64_t>{108, 109, 110, 111});
  CHECK(e["target"].to_vector<std::int64_t>() == std::vector<std::int64_t>{109, 110, 111, 112});
  TokenWindows overlapping(Tokens::from_bytes(bytes, "bytes"), {.block_size = 4, .stride = 1});
  CHECK(overlapping.size() == 16);
  CHECK(overlapping.get(15)["target"].to_vector<std::int64_t>().back() == 119);
  CHECK(contains(error_of([&] {
                   TokenWindows(Tokens::from_bytes({1, 2, 3}, "tiny"), {.block_size = 3});
                 }),
                 "TokenWindows 'tiny': 3 tokens, too few for one window of 3 + 1"));
}

TEST_CASE("data::TokenWindows: random windows are fixed by (seed, index) and lie inside") {
  std::vector<std::uint8_t> bytes(1000);
  for (int i = 0; i < 1000; ++i) bytes[i] = static_cast<std::uint8_t>(i % 251);
  const Tokens tokens = Tokens::from_bytes(bytes, "bytes");
  TokenWindows a(tokens, {.block_size = 16, .random = true, .num_windows = 500, .seed = 1});
  TokenWindows b(tokens, {.block_size = 16, .random = true, .num_windows = 500, .seed = 1});
  TokenWindows c(tokens, {.block_size = 16, .random = true, .num_windows = 500, .seed = 2});
  CHECK(a.size() == 500);
  std::set<std::int64_t> starts;
  int same_as_c = 0;
  for (std::int64_t i = 0; i < 500; ++i) {
    CHECK(a.start(i) == b.start(i));
    same_as_c += a.start(i) == c.start(i);
    CHECK(a.start(i) >= 0);
    CHECK(a.start(i) <= 1000 - 17);
    starts.insert(a.start(i));
  }
  CHECK(same_as_c < 10);
  CHECK(starts.size() > 300);
  const Example e = a.get(42);
  const auto in = e["input"].to_vector<std::int64_t>();
  CHECK(in[0] == a.start(42) % 251);
  // Default epoch length: N / T windows.
  CHECK(TokenWindows(tokens, {.block_size = 16, .random = true}).size() == 62);
}

TEST_CASE("data::Tokens::read_file: u8 and little-endian u16 files, windows through a loader") {
  TempDir dir;
  std::vector<unsigned char> u16;
  for (int i = 0; i < 50; ++i) {
    const int token = 1000 * i + 7;  // up to 49007 < 65536
    u16.push_back(static_cast<unsigned char>(token & 0xff));
    u16.push_back(static_cast<unsigned char>(token >> 8));
  }
  write_bytes(dir.file("train.bin"), u16);
  const Tokens tokens = Tokens::read_file(dir.file("train.bin"), TokenType::u16);
  CHECK(tokens.size() == 50);
  CHECK(tokens[49] == 49007);
  CHECK(tokens.name() == dir.file("train.bin"));
  auto windows = std::make_shared<TokenWindows>(tokens, WindowOptions{.block_size = 8});
  DataLoader loader(windows, {.batch_size = 2, .shuffle = false});
  const Batch b = *loader.next();
  CHECK(b["input"].shape() == Shape{2, 8});
  const auto in = b["input"].to_vector<std::int64_t>(),
             target = b["target"].to_vector<std::int64_t>();
  for (int i = 0; i < 16; ++i) {
    CHECK(in[i] == 1000 * i + 7);
    CHECK(target[i] == 1000 * (i + 1) + 7);
  }
  const std::vector<unsigned char> u8 = {5, 6, 7, 8, 250};
  write_bytes(dir.file("val.bin"), u8);
  const Tokens small = Tokens::read_file(dir.file("val.bin"), TokenType::u8);
  CHECK(small.size() == 5);
  CHECK(small[4] == 250);
}

TEST_CASE("data::Tokens::read_file: missing, empty and odd-sized u16 files are errors") {
  TempDir dir;
  const std::string missing = dir.file("missing.bin");
  CHECK(contains(error_of([&] { Tokens::read_file(missing, TokenType::u8); }),
                 "'" + missing + "': cannot open"));
  const std::string empty = dir.file("empty.bin");
  write_bytes(empty, {});
  CHECK(contains(error_of([&] { Tokens::read_file(empty, TokenType::u8); }),
                 "'" + empty + "': empty token file"));
  const std::string odd = dir.file("odd.bin");
  write_bytes(odd, {1, 2, 3});
  CHECK(contains(error_of([&] { Tokens::read_file(odd, TokenType::u16); }),
                 "'" + odd + "': 3 bytes is not a whole number of uint16 tokens"));
  CHECK(Tokens::read_file(odd, TokenType::u8).size() == 3);
}

TEST_CASE("data::Tokens::read_file: a file truncated while in use does not crash the reader") {
  // A mapped file truncated under its reader gave SIGBUS; the tokens are a copy now.
  TempDir dir;
  std::vector<unsigned char> bytes(3 * 4096, 7);
  write_bytes(dir.file("train.bin"), bytes);
  const Tokens tokens = Tokens::read_file(dir.file("train.bin"), TokenType::u8);
  write_bytes(dir.file("train.bin"), {});  // truncates the file in place
  CHECK(tokens.size() == 3 * 4096);
  CHECK(tokens[3 * 4096 - 1] == 7);
}
