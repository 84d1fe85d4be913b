// Shared by the experiments tests: comparing two runs (metrics lines without timing, checkpoint
// tensors bit for bit).
#pragma once

#include <doctest/doctest.h>

#include <cstring>

#include "liandan/experiments/metrics.hpp"
#include "liandan/experiments/run_dir.hpp"
#include "liandan/nn/checkpoint.hpp"

namespace liandan::test {

// metrics.jsonl without the timing fields.
inline std::vector<experiments::json> untimed_metrics(const std::filesystem::path& run) {
  std::vector<experiments::json> lines =
      experiments::read_metrics(experiments::RunDir(run).metrics());
  for (experiments::json& line : lines)
    for (const std::string& key : experiments::timing_fields) line.erase(key);
  return lines;
}

// Every tensor of checkpoint a equal bit for bit to the one of the same name in b, apart from the
// wall time; with same_names, b holds no other tensor and the order is the same.
inline void check_same_checkpoint(const std::filesystem::path& a, const std::filesystem::path& b,
                                  bool same_names = true) {
  const nn::Checkpoint ca = nn::load(a.string()), cb = nn::load(b.string());
  if (same_names) REQUIRE(ca.tensors.names() == cb.tensors.names());
  for (const auto& [name, ta] : ca.tensors) {
    CAPTURE(name);
    if (name == "trainer.wall_time") continue;
    const core::Tensor x = ta.contiguous(), y = cb.tensors[name].contiguous();
    REQUIRE(x.shape() == y.shape());
    REQUIRE(x.dtype() == y.dtype());
    CHECK(std::memcmp(x.raw_data(), y.raw_data(), x.numel() * element_size(x.dtype())) == 0);
  }
}

}  // namespace liandan::test
