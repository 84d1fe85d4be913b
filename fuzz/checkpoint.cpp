// libFuzzer harness for the checkpoint load path: each input is the bytes of a file handed to
// nn::load, which --resume, init_from, eval and sample all go through. A liandan::Error is the
// expected answer to a bad file; a crash, a hang, a sanitizer report or any other exception is
// a finding. Build and run: README, "Reliability".
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "liandan/nn/checkpoint.hpp"

namespace {

// One in-memory file (memfd) reused for every input; nn::load opens it by its /proc path as
// it would any file on disk.
struct MemoryFile {
  int fd = ::memfd_create("checkpoint.h5", MFD_CLOEXEC);
  std::string path = "/proc/self/fd/" + std::to_string(fd);
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const MemoryFile file;
  if (file.fd < 0) {
    std::perror("fuzz_checkpoint: memfd_create");
    std::abort();
  }
  if (::ftruncate(file.fd, 0) != 0 ||
      (size > 0 && ::pwrite(file.fd, data, size, 0) != static_cast<ssize_t>(size)))
    std::abort();
  try {
    const liandan::nn::Checkpoint c = liandan::nn::load(file.path);
    (void)c;
  } catch (const liandan::Error&) {
    // a clear error: what a damaged file must give
  }
  return 0;
}
