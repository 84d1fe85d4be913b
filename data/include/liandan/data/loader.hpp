// DataLoader: batches of a Dataset in a seeded order, prepared ahead by a background thread,
// with a sampler state that a checkpoint can carry so a resumed run sees the same batches.
//
// Note [Epoch order]: epoch e visits the dataset in the order randperm(N) drawn from a Philox
// generator at state (seed, offset = e * 2^40): it depends only on (seed, e), never on how many
// batches were drawn before, on the batch size or on the prefetch depth. Without shuffle the
// order is 0..N-1. An epoch yields batches of batch_size consecutive entries of that order;
// the last one is smaller (or dropped with drop_last).
//
// Note [Sampler state]: (seed, epoch, position) where position counts the examples of the
// epoch already handed to the caller (not those prefetched). The end of an epoch is consumed
// too: after next() has returned nullopt for epoch e the state is (seed, e + 1, 0). Restoring a
// state replays from exactly that point; as named tensors (i64 scalars) it is
//   seed (the uint64 bits), epoch, position, dataset_size (checked on restore).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "liandan/data/dataset.hpp"

namespace liandan::data {

struct LoaderOptions {
  std::int64_t batch_size = 1;
  bool shuffle = true;
  std::uint64_t seed = 0;
  bool drop_last = false;
  int prefetch = 2;  // batches prepared ahead by a background thread; 0: in the caller's thread
};

struct SamplerState {
  std::uint64_t seed = 0;
  std::int64_t epoch = 0;
  std::int64_t position = 0;  // examples of this epoch already delivered
  std::int64_t dataset_size = 0;
  friend bool operator==(const SamplerState&, const SamplerState&) = default;
};

// Epoch e's order of 0..n-1 (Note [Epoch order]).
std::vector<std::int64_t> epoch_order(std::int64_t n, std::uint64_t seed, std::int64_t epoch,
                                      bool shuffle = true);

class DataLoader {
 public:
  DataLoader(std::shared_ptr<const Dataset> dataset, const LoaderOptions& options = {});
  ~DataLoader();  // stops and joins the prefetch thread
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  // The next batch of the current epoch, or nullopt when it is over (the loader then moves on
  // to the next epoch). An exception from the dataset is rethrown here as an Error naming the
  // dataset, the epoch and the batch.
  std::optional<Batch> next();
  // The next batch, crossing into the next epoch when this one is over (for step-based loops).
  Batch next_batch();

  // Range over the rest of the current epoch: for (const Batch& b : loader) { ... }
  class Iterator;
  struct Sentinel {};
  Iterator begin();
  Sentinel end() { return {}; }

  std::int64_t batches_per_epoch() const;
  std::int64_t epoch() const { return state_.epoch; }
  const Dataset& dataset() const { return *dataset_; }
  const LoaderOptions& options() const { return options_; }

  // Note [Sampler state]. load_state stops the prefetch thread and restarts from the state.
  SamplerState state() const { return state_; }
  void load_state(const SamplerState& state);
  core::NamedTensors state_dict() const;
  void load_state_dict(const core::NamedTensors& tensors);

 private:
  // What the prefetch thread hands over: a batch, the end of an epoch, or an error; with the
  // state the loader is in once the caller has received it.
  struct Item {
    std::optional<Batch> batch;  // empty at the end of an epoch or on error
    std::exception_ptr error;
    SamplerState after;
  };
  void start_worker();
  void stop_worker();
  void worker_loop(SamplerState from);
  Batch make_batch(const std::vector<std::int64_t>& order, std::int64_t epoch,
                   std::int64_t position) const;
  std::int64_t batch_length(std::int64_t position) const;  // 0 at the end of the epoch

  std::shared_ptr<const Dataset> dataset_;
  LoaderOptions options_;
  SamplerState state_;
  // Synchronous mode: the current epoch's order, computed once per epoch.
  std::int64_t order_epoch_ = -1;
  std::vector<std::int64_t> order_;
  // Prefetch: a bounded queue filled by worker_.
  std::thread worker_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Item> queue_;
  bool stop_ = false;
};

class DataLoader::Iterator {
 public:
  explicit Iterator(DataLoader* loader) : loader_(loader), current_(loader->next()) {}
  const Batch& operator*() const { return *current_; }
  const Batch* operator->() const { return &*current_; }
  Iterator& operator++() {
    current_ = loader_->next();
    return *this;
  }
  bool operator==(Sentinel) const { return !current_.has_value(); }

 private:
  DataLoader* loader_;
  std::optional<Batch> current_;
};

inline DataLoader::Iterator DataLoader::begin() { return Iterator(this); }

}  // namespace liandan::data
