// Run directory paths, checkpoint listing and retention, atomic text files.
#include "liandan/experiments/run_dir.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "liandan/core/error.hpp"

namespace liandan::experiments {

fs::path RunDir::checkpoint(std::int64_t step) const {
  return checkpoints() / fmt::format("step_{:08d}.h5", step);
}

std::vector<std::pair<std::int64_t, fs::path>> RunDir::list_checkpoints() const {
  std::vector<std::pair<std::int64_t, fs::path>> found;
  if (!fs::is_directory(checkpoints())) return found;
  for (const fs::directory_entry& e : fs::directory_iterator(checkpoints())) {
    // step_<digits>.h5
    const std::string file = e.path().filename().string();
    const std::string digits = file.size() > 8 ? file.substr(5, file.size() - 8) : "";
    if (e.is_regular_file() && file.starts_with("step_") && file.ends_with(".h5") &&
        !digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos)
      found.emplace_back(std::stoll(digits), e.path());
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
  const auto all = list_checkpoints();
  for (std::size_t i = 0; i + n < all.size(); ++i) fs::remove(all[i].second);
}

void write_file_atomic(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + fmt::format(".tmp-{}", ::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    check(out.good(), "cannot write '{}'", tmp.string());
    out << text;
    out.flush();
    check(out.good(), "cannot write '{}'", tmp.string());
  }
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
