// Run directory paths, checkpoint listing and retention, atomic text files.
#include "liandan/experiments/run_dir.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

#include "liandan/core/error.hpp"

namespace liandan::experiments {

fs::path RunDir::checkpoint(std::int64_t step) const {
  return checkpoints() / fmt::format("step_{:08d}.h5", step);
}

namespace {

[[noreturn]] void refuse_link(const fs::path& path) {
  throw Error(fmt::format(
      "'{}' is a symbolic link: liandan does not follow links inside a run directory (Note [Run "
      "directory safety]); replace it with a regular file or directory, or use another --out",
      path.string()));
}

bool is_link(const fs::path& path) {
  std::error_code ec;
  return fs::is_symlink(fs::symlink_status(path, ec));
}

}  // namespace

std::vector<std::pair<std::int64_t, fs::path>> RunDir::list_checkpoints() const {
  std::vector<std::pair<std::int64_t, fs::path>> found;
  if (is_link(checkpoints())) refuse_link(checkpoints());
  if (!fs::is_directory(checkpoints())) return found;
  for (const fs::directory_entry& e : fs::directory_iterator(checkpoints())) {
    // step_<digits>.h5
    const std::string file = e.path().filename().string();
    const std::string digits = file.size() > 8 ? file.substr(5, file.size() - 8) : "";
    if (!file.starts_with("step_") || !file.ends_with(".h5") || digits.empty() ||
        digits.find_first_not_of("0123456789") != std::string::npos)
      continue;
    if (e.is_symlink()) refuse_link(e.path());
    if (!e.is_regular_file()) continue;
    std::int64_t step = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), step);
    check(ec == std::errc() && end == digits.data() + digits.size(),
          "'{}': the step {} in the checkpoint's name is out of range (at most {})",
          e.path().string(), digits, std::numeric_limits<std::int64_t>::max());
    found.emplace_back(step, e.path());
  }
  std::sort(found.begin(), found.end());
  return found;
}

std::optional<fs::path> RunDir::latest_checkpoint() const {
  const auto all = list_checkpoints();
  if (all.empty()) return std::nullopt;
  return all.back().second;
}

void RunDir::keep_last(std::size_t n) const {
  check(n >= 1, "keep_last: n must be >= 1, got {}", n);
  const auto all = list_checkpoints();  // refuses a linked checkpoints/ or checkpoint
  for (std::size_t i = 0; i + n < all.size(); ++i) fs::remove(all[i].second);
}

bool RunDir::has_progress() const {
  if (!list_checkpoints().empty()) return true;
  std::error_code ec;
  return fs::file_size(metrics(), ec) > 0 && !ec;
}

void RunDir::check_no_links() const {
  // Every entry of the directory and of checkpoints/: the run's files, checkpoints and the
  // tasks' sample PNGs.
  std::error_code ec;
  if (is_link(checkpoints())) refuse_link(checkpoints());
  for (const fs::path& folder : {root_, checkpoints()})
    if (fs::is_directory(folder, ec))
      for (const fs::directory_entry& e : fs::directory_iterator(folder))
        if (e.is_symlink()) refuse_link(e.path());
}

bool is_temporary_name(const std::string& file) {
  const std::size_t at = file.rfind(".tmp-");
  return at != std::string::npos && at > 0 && at + 5 < file.size() &&
         file.find_first_not_of("0123456789", at + 5) == std::string::npos;
}

std::size_t RunDir::remove_temporaries() const {
  std::size_t removed = 0;
  std::error_code ec;
  for (const fs::path& folder : {root_, checkpoints()}) {
    if (!fs::is_directory(fs::symlink_status(folder, ec))) continue;
    for (const fs::directory_entry& e : fs::directory_iterator(folder))
      if (is_temporary_name(e.path().filename().string()) && !e.is_symlink() &&
          e.is_regular_file() && fs::remove(e.path(), ec))
        ++removed;
  }
  return removed;
}

RunLock::RunLock(const RunDir& dir) {
  const std::string path = dir.lock().string();
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd_ < 0 && errno == ELOOP) refuse_link(dir.lock());
  check(fd_ >= 0, "cannot open the lock file '{}': {}", path, std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char text[32] = {};
    const ssize_t n = ::pread(fd_, text, sizeof(text) - 1, 0);
    std::string pid = n > 0 ? std::string(text, static_cast<std::size_t>(n)) : "";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    ::close(fd_);
    fd_ = -1;
    check(err != EWOULDBLOCK,
          "'{}' is in use by another liandan process (pid {}, holding '{}'): wait for it to "
          "finish or stop it (kill -TERM {} saves a checkpoint), or choose another --out",
          dir.root().string(), pid.empty() ? "unknown" : pid, path, pid.empty() ? "PID" : pid);
    throw Error(fmt::format("cannot lock '{}': {}", path, std::strerror(err)));
  }
  const std::string pid = fmt::format("{}\n", ::getpid());
  if (::ftruncate(fd_, 0) != 0 ||
      ::pwrite(fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    const int err = errno;
    ::close(fd_);
    throw Error(fmt::format("cannot write the lock file '{}': {}", path, std::strerror(err)));
  }
}

RunLock::~RunLock() {
  // The file stays (removing it would race with a process that opened it to wait); the lock
  // goes with the descriptor.
  if (fd_ >= 0) ::close(fd_);
}

void write_file_atomic(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + fmt::format(".tmp-{}", ::getpid());
  // A stale temporary of a process with our pid (or a link planted there) is replaced, not
  // followed.
  if (is_link(tmp)) fs::remove(tmp);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  check(fd >= 0, "cannot write '{}': {}", tmp.string(), std::strerror(errno));
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      fs::remove(tmp);
      throw Error(fmt::format("cannot write '{}': {}", tmp.string(), std::strerror(err)));
    }
    done += static_cast<std::size_t>(n);
  }
  check(::close(fd) == 0, "cannot write '{}': {}", tmp.string(), std::strerror(errno));
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp);
    throw Error(
        fmt::format("cannot rename '{}' to '{}': {}", tmp.string(), path.string(), ec.message()));
  }
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  check(in.good(), "cannot read '{}'", path.string());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace liandan::experiments
