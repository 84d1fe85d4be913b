// What a run shows on the terminal: a one-line progress bar (step, loss, throughput, ETA)
// redrawn in place when stdout is a terminal; otherwise nothing here (the trainer then logs
// plain lines every log_interval steps).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace liandan::experiments {

// "1:02:03", "4:05", "0:07".
std::string format_duration(double seconds);
// 1234.5 -> "1.23k", 2.5e6 -> "2.50M".
std::string format_count(double value);

class ProgressBar {
 public:
  ProgressBar(std::int64_t total_steps, std::FILE* out = stdout) : total_(total_steps), out_(out) {}
  ~ProgressBar() { finish(); }
  // Redraws: [=======>      ] 120/500 loss 0.3412 1.23k ex/s ETA 0:12
  void update(std::int64_t step, double loss, double rate, const std::string& unit, double eta);
  // Erases the bar so that a log line can be printed; the next update redraws it.
  void clear();
  // Ends the bar's line (once).
  void finish();

 private:
  std::int64_t total_;
  std::FILE* out_;
  bool drawn_ = false;
};

// Whether stdout is a terminal.
bool stdout_is_tty();

}  // namespace liandan::experiments
