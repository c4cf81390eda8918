// Software CUDA driver (nvenc-ts): the process-wide registry of contexts,
// allocations, streams and events. Every handle the library hands out is
// looked up here before use, so stale or foreign handles are reported as
// errors instead of being dereferenced.
#pragma once

#include "cuda_types.h"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <shared_mutex>
#include <unordered_map>

namespace nvsoft {

enum class MemKind { Device, Managed, PinnedHost, Registered };

struct FreeDeleter {
  void operator()(void* p) const noexcept { std::free(p); }
};
using Block = std::unique_ptr<void, FreeDeleter>;

struct Alloc {
  uintptr_t base = 0;
  size_t size = 0;
  MemKind kind = MemKind::Device;
  CUcontext ctx = nullptr;
  unsigned flags = 0;
  uint64_t id = 0;
  Block block;  // owned storage; empty for MemKind::Registered
};

struct Context {
  CUcontext handle = nullptr;
  CUdevice device = 0;
  unsigned flags = 0;
  bool primary = false;
  // Kept after cuCtxDestroy (handles are never reused): a thread that still has it current gets
  // CUDA_ERROR_CONTEXT_IS_DESTROYED, as cuCtxDestroy documents; every other use INVALID_CONTEXT.
  bool destroyed = false;
  std::array<size_t, 8> limits{};
};

struct Stream {
  CUstream handle = nullptr;
  CUcontext ctx = nullptr;
  unsigned flags = 0;
  int priority = 0;
};

struct Event {
  CUevent handle = nullptr;
  CUcontext ctx = nullptr;
  unsigned flags = 0;
  bool recorded = false;
  std::chrono::steady_clock::time_point when{};
};

struct Registry {
  std::shared_mutex mu;
  std::map<uintptr_t, Alloc> allocs;                // keyed by base address
  std::unordered_map<uintptr_t, Context> contexts;  // keyed by handle value
  std::unordered_map<uintptr_t, Stream> streams;
  std::unordered_map<uintptr_t, Event> events;
  uint64_t nextId = 2;  // 1 is the primary context

  // Primary context of device 0 (the only device).
  unsigned primaryRefs = 0;
  unsigned primaryFlags = 0;

  // Entry containing address p (base <= p < base + size), or nullptr.
  const Alloc* find(uintptr_t p) const {
    auto it = allocs.upper_bound(p);
    if (it == allocs.begin()) return nullptr;
    --it;
    const Alloc& a = it->second;
    if (p >= a.base && p - a.base < a.size) return &a;
    return nullptr;
  }
  // True if [p, p+n) overlaps any entry.
  bool overlaps(uintptr_t p, size_t n) const {
    auto it = allocs.lower_bound(p + n);
    if (it == allocs.begin()) return false;
    --it;
    return it->second.base + it->second.size > p;
  }
};

Registry& registry();

}  // namespace nvsoft
