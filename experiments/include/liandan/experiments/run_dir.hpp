// A run directory and its files:
//   config.yaml        the resolved config (defaults filled in)
//   run.log            the spdlog log (also echoed to the terminal)
//   metrics.jsonl      one JSON object per logged step (metrics_log.hpp)
//   checkpoints/step_00000100.h5 ...   the last keep_checkpoints checkpoints (checkpointing.hpp)
//   summary.json       written when the run finishes: final and best metrics, steps, wall time
//   run.lock           the advisory lock of the process training the run (RunLock), its pid
//
// Note [Run directory safety]: train holds the directory's RunLock for its whole life, so two
// processes never write one run (the second is refused with the holder's pid). Nothing inside a
// run directory is reached through a symbolic link: check_no_links refuses a directory whose
// files or checkpoints/ are links (a checkpoints/ linked to another run's would make keep_last
// delete that run's checkpoints), files are created with O_NOFOLLOW or renamed over their
// target, and deletions only touch regular files. The directory itself (--out) may be a link.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace liandan::experiments {

namespace fs = std::filesystem;

class RunDir {
 public:
  explicit RunDir(fs::path root) : root_(std::move(root)) {}
  const fs::path& root() const { return root_; }
  fs::path config() const { return root_ / "config.yaml"; }
  fs::path log() const { return root_ / "run.log"; }
  fs::path metrics() const { return root_ / "metrics.jsonl"; }
  fs::path summary() const { return root_ / "summary.json"; }
  fs::path groups() const { return root_ / "groups.md"; }  // the resolved parameter groups
  fs::path checkpoints() const { return root_ / "checkpoints"; }
  fs::path checkpoint(std::int64_t step) const;
  fs::path lock() const { return root_ / "run.lock"; }

  // The checkpoints present, by step ascending (files named step_<digits>.h5).
  std::vector<std::pair<std::int64_t, fs::path>> list_checkpoints() const;
  std::optional<fs::path> latest_checkpoint() const;
  // Deletes all but the n latest checkpoints (n >= 1).
  void keep_last(std::size_t n) const;
  bool finished() const { return fs::exists(summary()); }
  // True when the run completed a step: a checkpoint or a metrics line exists. A directory
  // without progress (a run that failed during start-up) may be replaced by a fresh start.
  bool has_progress() const;
  // Refuses (an Error naming the path) when an entry of the directory or of checkpoints/ is a
  // symbolic link (Note [Run directory safety]).
  void check_no_links() const;
  // Deletes the temporary files (NAME.tmp-PID) that a killed writer left in the directory and
  // in checkpoints/: all of them, since the caller holds the lock. Returns how many.
  std::size_t remove_temporaries() const;

 private:
  fs::path root_;
};

// The advisory lock (flock) of a run directory, held while alive and released by the kernel when
// the process dies, however it dies. The lock file holds the holder's pid; a second lock on the
// same directory (from any process, or another RunLock in this one) is an Error naming it.
class RunLock {
 public:
  explicit RunLock(const RunDir& dir);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  int fd_ = -1;
};

// True for a file name written by write_file_atomic or nn::save before its rename: NAME.tmp-PID.
bool is_temporary_name(const std::string& file);

// Writes text to path atomically (a temporary file renamed over it; a link at path is replaced,
// never followed).
void write_file_atomic(const fs::path& path, const std::string& text);
std::string read_file(const fs::path& path);

}  // namespace liandan::experiments
