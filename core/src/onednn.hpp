// Internal: the one oneDNN CPU engine and stream every primitive runs on.
#pragma once

#include <dnnl.hpp>

namespace liandan::core::detail {

inline dnnl::engine& dnnl_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

// oneDNN's CPU stream is in-order and synchronous with OpenMP; one per thread keeps a data
// loader thread and the training thread out of each other's way.
inline dnnl::stream& dnnl_stream() {
  thread_local dnnl::stream stream(dnnl_engine());
  return stream;
}

}  // namespace liandan::core::detail
