// Token arrays (bytes of a text, or of nanoGPT-style uint8/uint16 token files, in memory) and the
// language-model dataset of (input, target) windows over them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "liandan/data/dataset.hpp"

namespace liandan::data {

enum class TokenType : std::uint8_t { u8, u16 };  // u16 little-endian, as numpy writes on x86

// A read-only token array in memory, shared by copies.
class Tokens {
 public:
  // Owns bytes (vocab 256); name appears in errors.
  static Tokens from_bytes(std::vector<std::uint8_t> bytes, std::string name);
  // Reads a file of raw tokens (nanoGPT's train.bin / val.bin) into memory, so that a file
  // changed or truncated while in use cannot crash the process (Note [Token files are read] in
  // tokens.cpp). A missing or empty file, or a u16 file of odd size, is an Error naming the path.
  static Tokens read_file(const std::string& path, TokenType type);

  std::int64_t size() const;
  TokenType type() const;
  const std::string& name() const;
  std::int64_t operator[](std::int64_t i) const;
  // Writes tokens [start, start + length) as i64 into out.
  void copy_to(std::int64_t start, std::int64_t length, std::int64_t* out) const;

 private:
  struct Source;
  explicit Tokens(std::shared_ptr<const Source> source) : source_(std::move(source)) {}
  std::shared_ptr<const Source> source_;
};

// Note [Token windows]: example i is a window of T + 1 consecutive tokens starting at s_i,
// split into input = tokens[s_i, s_i + T) and target = tokens[s_i + 1, s_i + T + 1), both i64
// of shape (T). Sequential windows start at i * stride (every start with room for T + 1
// tokens). Random windows start at a position drawn from Philox with key seed and counter i,
// uniform over [0, N - T - 1]: the set of windows is fixed by (seed, i), the loader's shuffle
// orders them, and num_windows sets the epoch length (nanoGPT's get_batch is this with one
// fresh window per draw).
struct WindowOptions {
  std::int64_t block_size = 128;  // T
  bool random = false;
  std::int64_t stride = 0;       // sequential: distance between starts; 0 means T
  std::int64_t num_windows = 0;  // random: dataset size; 0 means N / T
  std::uint64_t seed = 0;        // random: the starts' seed
};

class TokenWindows : public Dataset {
 public:
  TokenWindows(Tokens tokens, const WindowOptions& options);
  std::int64_t size() const override { return size_; }
  const std::vector<Field>& fields() const override { return fields_; }
  std::string name() const override;
  void get_into(std::int64_t index, const ExampleSlot& out) const override;
  std::int64_t start(std::int64_t index) const;  // s_i of Note [Token windows]
  const Tokens& tokens() const { return tokens_; }

 private:
  Tokens tokens_;
  WindowOptions options_;
  std::int64_t size_ = 0;
  std::vector<Field> fields_;
};

}  // namespace liandan::data
