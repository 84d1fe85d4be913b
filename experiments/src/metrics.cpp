// metrics.jsonl reading, truncation, appending, and the summary.
#include "liandan/experiments/metrics.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "liandan/core/error.hpp"
#include "liandan/experiments/run_dir.hpp"

namespace liandan::experiments {

std::vector<json> read_metrics(const std::filesystem::path& path, std::string* torn_last_line) {
  std::vector<json> lines;
  if (!std::filesystem::exists(path)) return lines;
  std::ifstream in(path);
  check(in.good(), "cannot read '{}'", path.string());
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    try {
      json parsed = json::parse(line);
      check(parsed.is_object() && parsed.contains("step") && parsed["step"].is_number_integer(),
            "{}:{}: a metrics line must be a JSON object with an integer \"step\"", path.string(),
            number);
      lines.push_back(std::move(parsed));
    } catch (const json::exception& e) {
      if (torn_last_line != nullptr && in.peek() == std::char_traits<char>::eof()) {
        *torn_last_line = line;
        break;
      }
      throw Error(fmt::format("{}:{}: not a JSON object: {}", path.string(), number, e.what()));
    }
  }
  return lines;
}

std::string truncate_metrics(const std::filesystem::path& path, std::int64_t last_step) {
  if (!std::filesystem::exists(path)) return "";
  std::string torn;
  std::string kept;
  for (const json& line : read_metrics(path, &torn))
    if (line["step"].get<std::int64_t>() <= last_step) kept += line.dump() + "\n";
  write_file_atomic(path, kept);
  return torn;
}

void append_metrics(const std::filesystem::path& path, const json& line) {
  // One write of the whole line to a descriptor opened without following a link
  // (Note [Run directory safety]).
  const std::string text = line.dump() + "\n";
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  check(fd >= 0, "cannot append to '{}': {}", path.string(),
        errno == ELOOP ? "it is a symbolic link (Note [Run directory safety])"
                       : std::strerror(errno));
  const ssize_t n = ::write(fd, text.data(), text.size());
  const int err = errno;
  ::close(fd);
  check(n == static_cast<ssize_t>(text.size()), "cannot append to '{}': {}", path.string(),
        n < 0 ? std::strerror(err) : "short write");
}

json summarize(const std::vector<json>& lines,
               const std::function<bool(const std::string&)>& higher_is_better) {
  json summary = {
      {"steps", 0}, {"wall_time", 0.0}, {"final", json::object()}, {"best", json::object()}};
  for (const json& line : lines) {
    summary["steps"] = line.at("step");
    if (line.contains("wall_time")) summary["wall_time"] = line["wall_time"];
    for (const auto& [key, value] : line.items()) {
      if (!value.is_number() || key == "step") continue;
      if (key != "wall_time" && key != "examples_per_s" && key != "tokens_per_s")
        summary["final"][key] = value;
      if (key.rfind("eval_", 0) != 0) continue;
      const bool up = higher_is_better(key.substr(5));
      json& best = summary["best"][key];
      const double v = value.get<double>();
      if (best.is_null() ||
          (up ? v > best["value"].get<double>() : v < best["value"].get<double>()))
        best = {{"value", v}, {"step", line.at("step")}};
    }
  }
  return summary;
}

}  // namespace liandan::experiments
