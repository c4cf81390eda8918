#pragma once
#include "session/session_types.h"

namespace nvenc {

// Points the session at a call's PacketMemory for the length of that call, and away from it on
// every way out: the next call (perhaps the worker's, with no JS memory) must never write packets
// into memory a finished synchronous call handed to JS.
class MemoryScope {
 public:
  MemoryScope(PacketMemory*& slot, PacketMemory* memory) : slot_(slot) { slot_ = memory; }
  ~MemoryScope() { slot_ = nullptr; }
  MemoryScope(const MemoryScope&) = delete;
  MemoryScope& operator=(const MemoryScope&) = delete;

 private:
  PacketMemory*& slot_;
};

}  // namespace nvenc
