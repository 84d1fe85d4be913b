// DataLoader: seeded epoch order, collation, a bounded prefetch queue and the sampler state
// (Notes [Epoch order] and [Sampler state] in loader.hpp).
#include "liandan/data/loader.hpp"

#include <bit>

#include "liandan/core/random.hpp"

namespace liandan::data {

std::vector<std::int64_t> epoch_order(std::int64_t n, std::uint64_t seed, std::int64_t epoch,
                                      bool shuffle) {
  check(n >= 0 && epoch >= 0, "epoch_order: need n >= 0 and epoch >= 0, got n = {}, epoch = {}", n,
        epoch);
  if (!shuffle) {
    std::vector<std::int64_t> order(n);
    for (std::int64_t i = 0; i < n; ++i) order[i] = i;
    return order;
  }
  // 2^40 blocks per epoch: randperm(n) uses ceil((n - 1) / 4) blocks (twice as many beyond
  // 2^32 elements), so epochs never share a block for n < 2^41.
  core::Generator gen(seed);
  gen.set_state(seed, static_cast<std::uint64_t>(epoch) << 40);
  return core::randperm(n, gen).to_vector<std::int64_t>();
}

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, const LoaderOptions& options)
    : dataset_(std::move(dataset)), options_(options) {
  check(dataset_ != nullptr, "DataLoader: no dataset");
  const std::string name = dataset_->name();
  check(options_.batch_size >= 1, "DataLoader: dataset '{}': batch_size must be >= 1, got {}", name,
        options_.batch_size);
  check(options_.prefetch >= 0, "DataLoader: dataset '{}': prefetch must be >= 0, got {}", name,
        options_.prefetch);
  check(dataset_->size() > 0, "DataLoader: dataset '{}' is empty", name);
  check(batches_per_epoch() > 0,
        "DataLoader: dataset '{}' has {} examples, fewer than one batch of {} with drop_last", name,
        dataset_->size(), options_.batch_size);
  state_ = {options_.seed, 0, 0, dataset_->size()};
}

DataLoader::~DataLoader() { stop_worker(); }

std::int64_t DataLoader::batches_per_epoch() const {
  const std::int64_t n = dataset_->size(), b = options_.batch_size;
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

std::int64_t DataLoader::batch_length(std::int64_t position) const {
  const std::int64_t left = dataset_->size() - position;
  if (left >= options_.batch_size) return options_.batch_size;
  return options_.drop_last ? 0 : left;
}

Batch DataLoader::make_batch(const std::vector<std::int64_t>& order, std::int64_t epoch,
                             std::int64_t position) const {
  const std::int64_t length = batch_length(position);
  try {
    return collate(*dataset_, std::span(order).subspan(position, length));
  } catch (const std::exception& e) {
    throw Error(fmt::format("DataLoader: dataset '{}': epoch {}, batch {} (examples {}..{}): {}",
                            dataset_->name(), epoch, position / options_.batch_size, position,
                            position + length - 1, e.what()));
  }
}

std::optional<Batch> DataLoader::next() {
  if (options_.prefetch == 0) {
    if (order_epoch_ != state_.epoch) {
      order_ = epoch_order(dataset_->size(), state_.seed, state_.epoch, options_.shuffle);
      order_epoch_ = state_.epoch;
    }
    const std::int64_t length = batch_length(state_.position);
    if (length == 0) {
      state_.epoch += 1, state_.position = 0;
      return std::nullopt;
    }
    Batch batch = make_batch(order_, state_.epoch, state_.position);
    state_.position += length;
    return batch;
  }
  if (!worker_.joinable()) start_worker();
  Item item;
  {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !queue_.empty(); });
    item = std::move(queue_.front());
    queue_.pop_front();
  }
  changed_.notify_all();
  if (item.error) {
    stop_worker();  // the worker has stopped; a later next() retries from the same state
    std::rethrow_exception(item.error);
  }
  state_ = item.after;
  return std::move(item.batch);
}

Batch DataLoader::next_batch() {
  for (;;)  // at most two rounds: every epoch has at least one batch (checked on construction)
    if (std::optional<Batch> batch = next()) return std::move(*batch);
}

void DataLoader::start_worker() {
  stop_ = false;
  worker_ = std::thread([this, from = state_] { worker_loop(from); });
}

void DataLoader::stop_worker() {
  if (!worker_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  worker_.join();
  queue_.clear();
}

// Produces items from state `from` on, epoch after epoch, until stopped or an error.
void DataLoader::worker_loop(SamplerState from) {
  // Waits for room in the queue and pushes; false when asked to stop.
  auto push = [&](Item item) {
    std::unique_lock lock(mutex_);
    changed_.wait(
        lock, [&] { return stop_ || queue_.size() < static_cast<std::size_t>(options_.prefetch); });
    if (stop_) return false;
    queue_.push_back(std::move(item));
    lock.unlock();
    changed_.notify_all();
    return true;
  };
  SamplerState at = from;
  try {
    for (;;) {
      const std::vector<std::int64_t> order =
          epoch_order(dataset_->size(), at.seed, at.epoch, options_.shuffle);
      for (std::int64_t length; (length = batch_length(at.position)) > 0;) {
        Batch batch = make_batch(order, at.epoch, at.position);
        at.position += length;
        if (!push({std::move(batch), nullptr, at})) return;
      }
      at.epoch += 1, at.position = 0;
      if (!push({std::nullopt, nullptr, at})) return;
    }
  } catch (...) {
    push({std::nullopt, std::current_exception(), at});
  }
}

void DataLoader::load_state(const SamplerState& state) {
  const std::string name = dataset_->name();
  check(state.dataset_size == dataset_->size(),
        "DataLoader: dataset '{}': the sampler state is for {} examples, the dataset has {}", name,
        state.dataset_size, dataset_->size());
  check(state.epoch >= 0 && state.position >= 0 && state.position <= state.dataset_size,
        "DataLoader: dataset '{}': invalid sampler state (epoch {}, position {})", name,
        state.epoch, state.position);
  stop_worker();
  state_ = state;
  order_epoch_ = -1;
}

core::NamedTensors DataLoader::state_dict() const {
  core::NamedTensors state;
  state.add_integer("seed", std::bit_cast<std::int64_t>(state_.seed));
  state.add_integer("epoch", state_.epoch);
  state.add_integer("position", state_.position);
  state.add_integer("dataset_size", state_.dataset_size);
  return state;
}

void DataLoader::load_state_dict(const core::NamedTensors& tensors) {
  SamplerState state;
  try {
    state = {std::bit_cast<std::uint64_t>(tensors.integer("seed")), tensors.integer("epoch"),
             tensors.integer("position"), tensors.integer("dataset_size")};
  } catch (const Error& e) {
    throw Error(
        fmt::format("DataLoader: dataset '{}': sampler state: {}", dataset_->name(), e.what()));
  }
  load_state(state);
}

}  // namespace liandan::data
