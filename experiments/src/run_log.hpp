// The log of a run: run.log always; the terminal when asked (plain lines, or a progress bar for
// the per-step lines when stdout is a TTY).
#pragma once

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <optional>

#include "liandan/experiments/progress.hpp"

namespace liandan::experiments {

class RunLog {
 public:
  RunLog(const std::string& path, bool console, std::int64_t total_steps) {
    auto file = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, /*truncate=*/false);
    file->set_pattern("[%Y-%m-%d %H:%M:%S.%e] %v");
    file_ = std::make_shared<spdlog::logger>("run", file);
    both_ = file_;
    if (console) {
      auto out = std::make_shared<spdlog::sinks::stdout_sink_mt>();
      out->set_pattern("%v");
      both_ = std::make_shared<spdlog::logger>("run", spdlog::sinks_init_list{file, out});
      if (stdout_is_tty()) bar_.emplace(total_steps);
    }
    file_->flush_on(spdlog::level::info);
    both_->flush_on(spdlog::level::info);
  }

  template <typename... Args>
  void info(fmt::format_string<Args...> format, Args&&... args) {
    if (bar_) bar_->clear();
    both_->info(format, std::forward<Args>(args)...);
  }

  // A metrics line: to the file, and to the terminal unless the progress bar shows it.
  void step_line(const std::string& line) { (bar_ ? file_ : both_)->info(line); }
  // Redraws the progress bar (TTY only).
  void progress(std::int64_t step, double loss, double rate, const std::string& unit, double eta) {
    if (bar_) bar_->update(step, loss, rate, unit, eta);
  }
  void end_progress() {
    if (bar_) bar_->finish();
  }

 private:
  std::shared_ptr<spdlog::logger> file_, both_;
  std::optional<ProgressBar> bar_;
};

}  // namespace liandan::experiments
