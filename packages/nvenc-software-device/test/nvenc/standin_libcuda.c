/* A stand-in for NVIDIA's libcuda.so.1 (built with that soname by the tests that use it:
 * cuda_choice_test.cpp, nvenc-native's software-beside-other-libcuda.test.mjs): it
 * occupies the soname in the process, as NVIDIA's driver does once loaded, and records every call
 * in the file named by NVSOFT_STANDIN_LOG. Every entry point fails: a CUDA context of another
 * library is never valid here, as it would not be in NVIDIA's driver. */
#include <stdio.h>
#include <stdlib.h>

static int record(const char* fn) {
  const char* path = getenv("NVSOFT_STANDIN_LOG");
  FILE* f = path ? fopen(path, "a") : NULL;
  if (f) {
    fprintf(f, "%s\n", fn);
    fclose(f);
  }
  return 801; /* CUDA_ERROR_NOT_SUPPORTED */
}

#define ENTRY(name) \
  int name() { return record(#name); }
ENTRY(cuInit)
ENTRY(cuCtxPushCurrent_v2)
ENTRY(cuCtxPopCurrent_v2)
ENTRY(cuCtxGetDevice)
ENTRY(cuMemcpy2D_v2)
ENTRY(cuMemGetAddressRange_v2)
ENTRY(cuStreamSynchronize)
ENTRY(cuGetErrorString)
