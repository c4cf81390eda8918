#include "trace.h"

#if NVENC_WITH_NVTX
#include <dlfcn.h>

namespace nvenc {

namespace {

struct Nvtx {
  int (*push)(const char*) = nullptr;
  int (*pop)() = nullptr;
  Nvtx() {
    // NVTX v2's library; Nsight injects into it. Missing library → ranges cost one branch.
    void* lib = dlopen("libnvToolsExt.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) return;
    push = reinterpret_cast<int (*)(const char*)>(dlsym(lib, "nvtxRangePushA"));
    pop = reinterpret_cast<int (*)()>(dlsym(lib, "nvtxRangePop"));
    if (!push || !pop) push = nullptr;
  }
};

const Nvtx& nvtx() {
  static Nvtx instance;
  return instance;
}

}  // namespace

TraceRange::TraceRange(const char* name) {
  if (nvtx().push) {
    nvtx().push(name);
    pushed_ = true;
  }
}

TraceRange::~TraceRange() {
  if (pushed_) nvtx().pop();
}

}  // namespace nvenc
#endif
