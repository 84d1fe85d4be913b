// Token arrays (bytes in memory) and TokenWindows (Note [Token windows] in tokens.hpp).
#include "liandan/data/tokens.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "liandan/core/random.hpp"

namespace liandan::data {

struct Tokens::Source {
  std::string name;
  TokenType type = TokenType::u8;
  std::int64_t count = 0;
  const void* data = nullptr;
  std::vector<std::uint8_t> owned;  // from_bytes, read_file
};

Tokens Tokens::from_bytes(std::vector<std::uint8_t> bytes, std::string name) {
  auto source = std::make_shared<Source>();
  source->name = std::move(name);
  source->owned = std::move(bytes);
  source->count = static_cast<std::int64_t>(source->owned.size());
  source->data = source->owned.data();
  return Tokens(std::move(source));
}

Tokens Tokens::read_file(const std::string& path, TokenType type) {
  // Note [Token files are read]: the file is read into memory, not mapped. A mapping dies with
  // SIGBUS when the file is truncated while training (another job rewriting train.bin); a copy
  // costs the file's size in memory (nanoGPT's OpenWebText train.bin, 17 GB, would not fit a
  // small machine; the corpora liandan trains on are megabytes) and makes a changed file harmless.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  check(fd >= 0, "Tokens: '{}': cannot open: {}", path, std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error(fmt::format("Tokens: '{}': not a regular file", path));
  }
  const auto bytes = static_cast<std::size_t>(st.st_size);
  const std::size_t width = type == TokenType::u16 ? 2 : 1;
  if (bytes == 0 || bytes % width != 0) {
    ::close(fd);
    check(bytes != 0, "Tokens: '{}': empty token file", path);
    throw Error(
        fmt::format("Tokens: '{}': {} bytes is not a whole number of uint16 tokens", path, bytes));
  }
  std::vector<std::uint8_t> data(bytes);
  std::size_t done = 0;
  while (done < bytes) {
    const ssize_t n = ::read(fd, data.data() + done, bytes - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      throw Error(fmt::format("Tokens: '{}': {} after {} of {} bytes (did the file change?)", path,
                              n == 0 ? "the file ended" : std::strerror(err), done, bytes));
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  auto source = std::make_shared<Source>();
  source->name = path;
  source->type = type;
  source->count = static_cast<std::int64_t>(bytes / width);
  source->owned = std::move(data);
  source->data = source->owned.data();
  return Tokens(std::move(source));
}


std::int64_t Tokens::size() const { return source_->count; }
TokenType Tokens::type() const { return source_->type; }
const std::string& Tokens::name() const { return source_->name; }

std::int64_t Tokens::operator[](std::int64_t i) const {
  check(i >= 0 && i < size(), "Tokens '{}': index {} out of range for {} tokens", name(), i,
        size());
  std::int64_t out;
  copy_to(i, 1, &out);
  return out;
}

void Tokens::copy_to(std::int64_t start, std::int64_t length, std::int64_t* out) const {
  check(start >= 0 && length >= 0 && start + length <= size(),
        "Tokens '{}': range [{}, {}) out of range for {} tokens", name(), start, start + length,
        size());
  if (source_->type == TokenType::u8) {
    const auto* p = static_cast<const std::uint8_t*>(source_->data) + start;
    for (std::int64_t i = 0; i < length; ++i) out[i] = p[i];
  } else {
    // Byte-wise little-endian loads: no alignment or host-endianness assumptions.
    const auto* p = static_cast<const std::uint8_t*>(source_->data) + 2 * start;
    for (std::int64_t i = 0; i < length; ++i) out[i] = p[2 * i] | (p[2 * i + 1] << 8);
  }
}

TokenWindows::TokenWindows(Tokens tokens, const WindowOptions& options)
    : tokens_(std::move(tokens)), options_(options) {
  const std::int64_t n = tokens_.size(), t = options_.block_size;
  check(t >= 1, "TokenWindows '{}': block_size must be >= 1, got {}", tokens_.name(), t);
  check(n >= t + 1, "TokenWindows '{}': {} tokens, too few for one window of {} + 1",
        tokens_.name(), n, t);
  if (options_.random) {
    check(options_.num_windows >= 0, "TokenWindows '{}': num_windows must be >= 0, got {}",
          tokens_.name(), options_.num_windows);
    size_ = options_.num_windows > 0 ? options_.num_windows : n / t;
  } else {
    if (options_.stride == 0) options_.stride = t;
    check(options_.stride >= 1, "TokenWindows '{}': stride must be >= 1, got {}", tokens_.name(),
          options_.stride);
    size_ = (n - t - 1) / options_.stride + 1;
  }
  fields_ = {{"input", DType::i64, {t}}, {"target", DType::i64, {t}}};
}

std::string TokenWindows::name() const {
  return fmt::format("{} ({} windows of {})", tokens_.name(),
                     options_.random ? "random" : "sequential", options_.block_size);
}

std::int64_t TokenWindows::start(std::int64_t index) const {
  if (!options_.random) return index * options_.stride;
  const auto i = static_cast<std::uint64_t>(index);
  const auto r = core::philox4x32(
      {static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i >> 32), 0, 0},
      {static_cast<std::uint32_t>(options_.seed), static_cast<std::uint32_t>(options_.seed >> 32)});
  // Uniform over [0, span) by a 64x64 -> 128-bit multiply (bias below span / 2^64).
  const auto span = static_cast<std::uint64_t>(tokens_.size() - options_.block_size);
  const std::uint64_t word = (std::uint64_t{r[0]} << 32) | r[1];
  return static_cast<std::int64_t>((static_cast<unsigned __int128>(word) * span) >> 64);
}

void TokenWindows::get_into(std::int64_t index, const ExampleSlot& out) const {
  const std::int64_t s = start(index), t = options_.block_size;
  std::int64_t* input = out.field<std::int64_t>(0);
  std::int64_t* target = out.field<std::int64_t>(1);
  tokens_.copy_to(s, t, input);
  std::copy(input + 1, input + t, target);
  target[t - 1] = tokens_[s + t];
}

}  // namespace liandan::data
