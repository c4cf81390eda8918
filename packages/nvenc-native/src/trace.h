#pragma once
// NVTX ranges around the encoder's phases, for Nsight Systems timelines. Compiled out unless the
// build sets NVENC_WITH_NVTX; when on, libnvToolsExt is dlopen()ed so the addon still loads on
// machines without it (the ranges are then no-ops).
namespace nvenc {

#if NVENC_WITH_NVTX
class TraceRange {
 public:
  explicit TraceRange(const char* name);
  ~TraceRange();
  TraceRange(const TraceRange&) = delete;
  TraceRange& operator=(const TraceRange&) = delete;

 private:
  bool pushed_ = false;
};
#else
class TraceRange {
 public:
  explicit TraceRange(const char*) {}
};
#endif

}  // namespace nvenc
