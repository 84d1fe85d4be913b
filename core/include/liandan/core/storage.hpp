// Storage: a reference-counted, 64-byte aligned buffer from the caching allocator, shared by
// a tensor and all its views. It carries the version counter that in-place ops bump.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace liandan {

inline constexpr std::size_t kAlignment = 64;

// Note [Caching allocator]: training loops allocate the same sizes every step. Freed blocks
// are kept in size-class bins (four per power of two, so at most 25% slack) and handed out
// again instead of going back to the system. empty_cache() returns them.
struct AllocatorStats {
  std::size_t bytes_in_use = 0;     // held by live storages (rounded block sizes)
  std::size_t bytes_cached = 0;     // free blocks kept for reuse
  std::size_t peak_bytes_in_use = 0;
  std::size_t allocations = 0;      // requests served
  std::size_t cache_hits = 0;       // requests served from the cache
};

void* allocate(std::size_t nbytes);
void deallocate(void* ptr, std::size_t nbytes);
AllocatorStats allocator_stats();
void empty_cache();
void reset_peak_bytes();

class Storage {
 public:
  explicit Storage(std::size_t nbytes) : data_(nbytes ? allocate(nbytes) : nullptr), nbytes_(nbytes) {}
  ~Storage() {
    if (data_) deallocate(data_, nbytes_);
  }
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  std::size_t nbytes() const { return nbytes_; }
  std::uint64_t version() const { return version_.load(std::memory_order_relaxed); }
  void bump_version() { version_.fetch_add(1, std::memory_order_relaxed); }

 private:
  void* data_;
  std::size_t nbytes_;
  std::atomic<std::uint64_t> version_{0};
};

}  // namespace liandan
