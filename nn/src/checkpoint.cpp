// Checkpoints: liandan's header, checksum and atomic write around the HDF5 file that data's
// wrapper builds and reads (Note [Checkpoint layout], Note [Checkpoint integrity] in
// checkpoint.hpp). No HDF5 call is made here.
#include "liandan/nn/checkpoint.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <span>
#include <utility>
#include <vector>

#include "liandan/data/hdf5.hpp"

namespace liandan::nn {
namespace {

// ---- the header (Note [Checkpoint integrity])

constexpr std::size_t kHeaderSize = 512;  // HDF5's smallest user block
constexpr std::array<char, 8> kMagic = {'\x89', 'L', 'D', 'C', 'K', 'P', 'T', '\n'};
constexpr std::uint32_t kVersion = 1;
constexpr std::size_t kVersionAt = 8, kCrcAt = 12, kSizeAt = 16;
// HDF5's signature; its superblock sits at 0 or at a power of two >= 512 (after a user block).
constexpr std::array<char, 8> kHdf5Signature = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};

template <typename T>
void put_le(std::byte* at, T value) {
  for (std::size_t i = 0; i < sizeof(T); ++i)
    at[i] = static_cast<std::byte>((static_cast<std::uint64_t>(value) >> (8 * i)) & 0xff);
}

template <typename T>
T get_le(const std::byte* at) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i)
    v |= static_cast<std::uint64_t>(std::to_integer<std::uint8_t>(at[i])) << (8 * i);
  return static_cast<T>(v);
}

// zlib's crc32 takes at most 4 GiB per call (uInt lengths).
std::uint32_t crc32_update(std::uint32_t crc, const std::byte* p, std::size_t n) {
  while (n > 0) {
    const std::size_t chunk = std::min<std::size_t>(n, std::size_t{1} << 30);
    crc = static_cast<std::uint32_t>(
        ::crc32(crc, reinterpret_cast<const Bytef*>(p), static_cast<uInt>(chunk)));
    p += chunk;
    n -= chunk;
  }
  return crc;
}

// The CRC-32 of the first bytes of a file (at least the header), with the CRC field read as
// zeros; crc32_update continues it over the rest.
std::uint32_t file_crc(std::span<const std::byte> header) {
  constexpr std::array<std::byte, 4> zeros{};
  std::uint32_t crc = static_cast<std::uint32_t>(::crc32(0L, Z_NULL, 0));
  crc = crc32_update(crc, header.data(), kCrcAt);
  crc = crc32_update(crc, zeros.data(), zeros.size());
  return crc32_update(crc, header.data() + kCrcAt + 4, header.size() - kCrcAt - 4);
}

// ---- save

std::string errno_text(int err) { return std::strerror(err); }

// Writes all of bytes to fd, retrying short writes and EINTR; throws with what was written.
void write_all(int fd, std::span<const std::byte> bytes, const std::string& where,
               const std::string& tmp) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    check(n > 0, "{}: cannot write '{}': {} ({} of {} bytes written)", where, tmp,
          n < 0 ? errno_text(errno) : "no progress", done, bytes.size());
    done += static_cast<std::size_t>(n);
  }
}

// fsync a directory, best effort: some file systems refuse.
void sync_directory(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// Writes bytes to tmp, fsync'ed and closed; every failure (ENOSPC at write, fsync or close
// included) throws naming tmp.
void write_file(const std::string& tmp, std::span<const std::byte> bytes,
                const std::string& where) {
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  check(fd >= 0, "{}: cannot create '{}': {}", where, tmp, errno_text(errno));
  try {
    write_all(fd, bytes, where, tmp);
    check(::fsync(fd) == 0, "{}: fsync of '{}' failed: {}", where, tmp, errno_text(errno));
  } catch (...) {
    ::close(fd);
    throw;
  }
  check(::close(fd) == 0, "{}: cannot close '{}': {}", where, tmp, errno_text(errno));
}

// ---- load

// A file descriptor closed on scope exit.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Reads exactly n bytes at offset; false on a short read.
bool read_at(int fd, std::byte* out, std::size_t n, std::uint64_t offset) {
  std::size_t done = 0;
  while (done < n) {
    const ssize_t r = ::pread(fd, out + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    done += static_cast<std::size_t>(r);
  }
  return true;
}

// Whether the HDF5 signature is where HDF5 looks for it: at 0, 512, 1024, ... (the first
// bytes of head, then pread).
bool has_hdf5_signature(int fd, std::uint64_t size) {
  std::array<std::byte, 8> sig{};
  for (std::uint64_t at = 0; at + sig.size() <= size; at = at == 0 ? 512 : at * 2)
    if (read_at(fd, sig.data(), sig.size(), at) &&
        std::memcmp(sig.data(), kHdf5Signature.data(), sig.size()) == 0)
      return true;
  return false;
}

// Checks the header in `header` and the CRC of the file behind fd against it.
void verify(int fd, std::span<const std::byte> header, std::uint64_t size,
            const std::string& where) {
  const auto version = get_le<std::uint32_t>(header.data() + kVersionAt);
  check(version == kVersion,
        "{}: liandan checkpoint format version {}, but this liandan reads version {} (a newer "
        "liandan's file, or a damaged header)",
        where, version, kVersion);
  const auto expected_size = get_le<std::uint64_t>(header.data() + kSizeAt);
  check(expected_size == size,
        "{}: {}: its header says {} bytes, the file has {} (an interrupted copy, or a damaged "
        "header)",
        where, size < expected_size ? "truncated" : "wrong size", expected_size, size);
  const auto expected = get_le<std::uint32_t>(header.data() + kCrcAt);
  std::uint32_t found = file_crc(header);
  std::vector<std::byte> buffer(std::min<std::uint64_t>(size, std::uint64_t{4} << 20));
  for (std::uint64_t at = kHeaderSize; at < size;) {
    const std::size_t n = std::min<std::uint64_t>(buffer.size(), size - at);
    check(read_at(fd, buffer.data(), n, at), "{}: cannot read bytes {}..{}: {}", where, at, at + n,
          errno_text(errno));
    found = crc32_update(found, buffer.data(), n);
    at += n;
  }
  check(found == expected,
        "{}: checksum mismatch: the header says CRC-32 {:08x}, the file's bytes give {:08x}: "
        "the file is damaged (a flipped bit, a torn or altered copy); load an earlier "
        "checkpoint",
        where, expected, found);
}

// Note [Unverified checkpoints]: a file without liandan's header has no checksum to vouch for
// it, so HDF5 parses it first in a forked child that reads everything and keeps nothing
// (data::Hdf5ReadOptions::probe: no tensors, so no allocator lock another thread might hold at
// the fork). If HDF5 crashes, loops or fails there, the caller gets an Error; if it parses
// cleanly, the parent parses the same open file again, and HDF5's parsing of the same bytes is
// deterministic. The child never returns: it ends in _exit, running no atexit handler and
// flushing none of the parent's buffers. Limit: half a second plus a second per 50 MB
// (parsing takes milliseconds per MB; a looping HDF5 must still give its error quickly).
constexpr std::chrono::milliseconds kProbeBase{500};

void probe_in_child(const std::string& hdf5_path, std::uint64_t size, const std::string& where) {
  int pipe_fds[2];
  check(::pipe2(pipe_fds, O_CLOEXEC) == 0, "{}: cannot create a pipe: {}", where,
        errno_text(errno));
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(pipe_fds[0]);
    std::string reason;
    try {
      data::read_hdf5_file(hdf5_path, where, {.probe = true});
      ::_exit(0);
    } catch (const std::exception& e) {
      reason = e.what();
    } catch (...) {
      reason = where + ": unknown error";
    }
    [[maybe_unused]] const ssize_t ignored = ::write(pipe_fds[1], reason.data(), reason.size());
    ::_exit(1);
  }
  ::close(pipe_fds[1]);
  Fd reader{pipe_fds[0]};
  check(pid > 0, "{}: cannot fork to check the file: {}", where, errno_text(errno));
  const auto limit = kProbeBase + std::chrono::seconds(size / 50'000'000);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::string reason;
  bool timed_out = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{.fd = reader.fd, .events = POLLIN, .revents = 0};
    const int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;  // the deadline is checked above
    char chunk[512];
    const ssize_t n = ::read(reader.fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF: the child has ended
    reason.append(chunk, static_cast<std::size_t>(n));
  }
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  check(!timed_out,
        "{}: HDF5 did not finish parsing the file within {} ms (a damaged file makes HDF5 1.10 "
        "loop); the file has no liandan checksum (Note [Checkpoint integrity])",
        where, limit.count());
  if (WIFSIGNALED(status))
    throw Error(fmt::format(
        "{}: HDF5 crashed parsing the file (signal {}: {}): damaged, or not an HDF5 file liandan "
        "can read; the file has no liandan checksum (Note [Checkpoint integrity])",
        where, WTERMSIG(status), ::strsignal(WTERMSIG(status))));
  if (!reason.empty()) throw Error(reason);
  check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "{}: checking the file failed (status {})",
        where, status);
}

}  // namespace

void save(const std::string& path, const core::NamedTensors& tensors, const Metadata& metadata) {
  const std::string where = fmt::format("save: '{}'", path);
  const std::string tmp = fmt::format("{}.tmp-{}", path, ::getpid());
  std::vector<std::byte> image = data::hdf5_image(tensors, metadata, kHeaderSize, where);
  check(image.size() > kHeaderSize, "{}: the HDF5 image has {} bytes", where, image.size());
  std::memcpy(image.data(), kMagic.data(), kMagic.size());
  put_le<std::uint32_t>(image.data() + kVersionAt, kVersion);
  put_le<std::uint64_t>(image.data() + kSizeAt, image.size());
  put_le<std::uint32_t>(image.data() + kCrcAt, file_crc(image));
  try {
    write_file(tmp, image, where);
    check(std::rename(tmp.c_str(), path.c_str()) == 0, "{}: cannot rename '{}' to it: {}", where,
          tmp, errno_text(errno));
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw;
  }
  // Make the rename itself durable.
  sync_directory(std::filesystem::absolute(path).parent_path().string());
}

Checkpoint load(const std::string& path) {
  const std::string where = fmt::format("load: '{}'", path);
  Fd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) {
    check(errno != ENOENT, "{}: no such file", where);
    throw Error(fmt::format("{}: cannot open: {}", where, errno_text(errno)));
  }
  struct stat st {};
  check(::fstat(file.fd, &st) == 0, "{}: cannot stat: {}", where, errno_text(errno));
  check(!S_ISDIR(st.st_mode), "{}: is a directory", where);
  check(S_ISREG(st.st_mode), "{}: not a regular file", where);
  const auto size = static_cast<std::uint64_t>(st.st_size);

  std::array<std::byte, kHeaderSize> header{};
  const bool has_header =
      read_at(file.fd, header.data(), std::min<std::uint64_t>(size, kHeaderSize), 0) &&
      size >= kMagic.size() && std::memcmp(header.data(), kMagic.data(), kMagic.size()) == 0;
  check(!has_header || size >= kHeaderSize,
        "{}: truncated: {} bytes, shorter than liandan's {}-byte checkpoint header", where, size,
        kHeaderSize);
  if (has_header) {
    verify(file.fd, header, size, where);
  } else {
    check(has_hdf5_signature(file.fd, size), "{}: not an HDF5 file (no HDF5 signature; {} bytes)",
          where, size);
  }
  // HDF5 reads the very file checked above, not whatever the path names by now.
  std::string hdf5_path = fmt::format("/proc/self/fd/{}", file.fd);
  if (::access(hdf5_path.c_str(), R_OK) != 0) hdf5_path = path;  // no /proc
  if (!has_header) probe_in_child(hdf5_path, size, where);
  data::Hdf5Contents contents =
      data::read_hdf5_file(hdf5_path, where, {.variable_length_strings = !has_header});
  return {.tensors = std::move(contents.tensors),
          .metadata = std::move(contents.attributes),
          .verified = has_header};
}

void save_module(const std::string& path, const Module& module, const Metadata& metadata) {
  save(path, module.state_dict(), metadata);
}

Metadata load_module(const std::string& path, Module& module, bool strict) {
  Checkpoint checkpoint = load(path);
  try {
    module.load_state_dict(checkpoint.tensors, strict);
  } catch (const Error& e) {
    throw Error(fmt::format("load_module: '{}': {}", path, e.what()));
  }
  return std::move(checkpoint.metadata);
}

}  // namespace liandan::nn
