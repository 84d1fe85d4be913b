// The terminal progress bar.
#include "liandan/experiments/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace liandan::experiments {

std::string format_duration(double seconds) {
  const auto s = static_cast<long long>(std::max(0.0, std::round(seconds)));
  if (s >= 3600) return fmt::format("{}:{:02d}:{:02d}", s / 3600, (s / 60) % 60, s % 60);
  return fmt::format("{}:{:02d}", s / 60, s % 60);
}

std::string format_count(double value) {
  if (value >= 1e9) return fmt::format("{:.2f}G", value / 1e9);
  if (value >= 1e6) return fmt::format("{:.2f}M", value / 1e6);
  if (value >= 1e3) return fmt::format("{:.2f}k", value / 1e3);
  return fmt::format("{:.1f}", value);
}

void ProgressBar::update(std::int64_t step, double loss, double rate, const std::string& unit,
                         double eta) {
  constexpr int width = 24;
  const int filled = total_ > 0 ? static_cast<int>(width * step / total_) : width;
  std::string bar(width, ' ');
  std::fill(bar.begin(), bar.begin() + filled, '=');
  if (filled < width) bar[filled] = '>';
  fmt::print(out_, "\r\033[K[{}] {}/{} loss {:.4f} {} {}/s ETA {}", bar, step, total_, loss,
             format_count(rate), unit, format_duration(eta));
  std::fflush(out_);
  drawn_ = true;
}

void ProgressBar::clear() {
  if (!drawn_) return;
  fmt::print(out_, "\r\033[K");
  std::fflush(out_);
  drawn_ = false;
}

void ProgressBar::finish() {
  if (!drawn_) return;
  fmt::print(out_, "\n");
  std::fflush(out_);
  drawn_ = false;
}

bool stdout_is_tty() { return ::isatty(STDOUT_FILENO) == 1; }

}  // namespace liandan::experiments
