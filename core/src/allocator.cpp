// The caching allocator behind Storage; see Note [Caching allocator] in storage.hpp.
#include <bit>
#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include "liandan/core/storage.hpp"

namespace liandan {
namespace {

// Rounds a request up to its size class: multiples of 64 bytes up to 1 KiB, then four
// classes per power of two.
std::size_t block_size(std::size_t nbytes) {
  if (nbytes <= 1024) return (nbytes + kAlignment - 1) / kAlignment * kAlignment;
  const int log2 = std::bit_width(nbytes - 1) - 1;  // 2^log2 < nbytes <= 2^(log2+1)
  const std::size_t quarter = std::size_t{1} << (log2 - 2);
  return (nbytes + quarter - 1) / quarter * quarter;
}

struct Cache {
  std::mutex mutex;
  std::unordered_map<std::size_t, std::vector<void*>> free_blocks;
  AllocatorStats stats;
};

Cache& cache() {
  static Cache* c = new Cache;  // never destroyed: storages may outlive static destruction
  return *c;
}

}  // namespace

// Under AddressSanitizer blocks go straight back to the system so use-after-free is caught.
#ifdef __SANITIZE_ADDRESS__
constexpr bool kCaching = false;
#else
constexpr bool kCaching = true;
#endif

void* allocate(std::size_t nbytes) {
  const std::size_t size = block_size(nbytes);
  Cache& c = cache();
  {
    std::lock_guard lock(c.mutex);
    ++c.stats.allocations;
    c.stats.bytes_in_use += size;
    c.stats.peak_bytes_in_use = std::max(c.stats.peak_bytes_in_use, c.stats.bytes_in_use);
    auto it = c.free_blocks.find(size);
    if (it != c.free_blocks.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      c.stats.bytes_cached -= size;
      ++c.stats.cache_hits;
      return p;
    }
  }
  void* p = std::aligned_alloc(kAlignment, size);
  if (!p) {
    empty_cache();
    p = std::aligned_alloc(kAlignment, size);
  }
  if (!p) {
    std::lock_guard lock(c.mutex);
    c.stats.bytes_in_use -= size;
    throw std::bad_alloc();
  }
  return p;
}

void deallocate(void* ptr, std::size_t nbytes) {
  const std::size_t size = block_size(nbytes);
  Cache& c = cache();
  std::lock_guard lock(c.mutex);
  c.stats.bytes_in_use -= size;
  if (!kCaching) return std::free(ptr);
  c.stats.bytes_cached += size;
  c.free_blocks[size].push_back(ptr);
}

AllocatorStats allocator_stats() {
  std::lock_guard lock(cache().mutex);
  return cache().stats;
}

void empty_cache() {
  Cache& c = cache();
  std::lock_guard lock(c.mutex);
  for (auto& [size, blocks] : c.free_blocks)
    for (void* p : blocks) std::free(p);
  c.free_blocks.clear();
  c.stats.bytes_cached = 0;
}

void reset_peak_bytes() {
  std::lock_guard lock(cache().mutex);
  cache().stats.peak_bytes_in_use = cache().stats.bytes_in_use;
}

}  // namespace liandan
