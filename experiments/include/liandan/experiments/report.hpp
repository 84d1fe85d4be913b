// Reports over finished runs: a Markdown table of final and best metrics, mean ± std over the
// runs of each group (runs grouped by the value of a config key, e.g. optimizer.name), and PNG
// plots (loss vs step, loss vs wall time, lr vs step) drawn by experiments/scripts/plot_runs.py
// with Debian's /usr/bin/python3 and python3-matplotlib.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace liandan::experiments {

// "0.4123 ± 0.0012" (sample std over the values), or "0.4123" for one value.
std::string mean_std(const std::vector<double>& values);

// The Markdown table; runs without summary.json are listed below it as skipped.
std::string report_table(const std::vector<std::filesystem::path>& runs,
                         const std::string& group_by);

struct ReportOptions {
  std::string group_by = "optimizer.name";
  std::filesystem::path out_dir = ".";  // report.md and the PNGs
  bool plots = true;
};
// Writes out_dir/report.md (and the plots) and returns the table. A plotting failure is a
// warning on stderr, not an error: the table stands alone.
std::string write_report(const std::vector<std::filesystem::path>& runs,
                         const ReportOptions& options);

}  // namespace liandan::experiments
