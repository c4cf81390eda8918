// Which CUDA the software NVENC library reads a session's frames through when several libraries
// named libcuda.so.1 are loaded (README "The libraries"). Two stand-ins for NVIDIA's driver
// (standin_libcuda.c: every call fails and is recorded) are loaded first with RTLD_GLOBAL, as a
// process that already uses NVIDIA's driver has it; then the software libcuda and NVENC by path.
//   1. A context of the software CUDA: the session opens and never calls a stand-in.
//   2. A context no software libcuda knows, with two other libcuda loaded: refused with
//      NV_ENC_ERR_INVALID_DEVICE and a message naming both, never handed to either.
// Usage: nvsoft_cuda_choice_test <stand-in A> <stand-in B> <software libcuda> <software libnvidia-encode>
#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include <ffnvcodec/dynlink_cuda.h>
#include <ffnvcodec/nvEncodeAPI.h>

#include "check.hpp"

static void* load(const char* path, int flags) {
  void* h = dlopen(path, flags);
  if (!h) {
    fprintf(stderr, "cannot load %s: %s\n", path, dlerror());
    exit(2);
  }
  return h;
}

int main(int argc, char** argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s <stand-in A> <stand-in B> <software libcuda> <software libnvidia-encode>\n", argv[0]);
    return 2;
  }
  char logTemplate[] = "/tmp/nvsoft-standin-XXXXXX";
  int fd = mkstemp(logTemplate);
  if (fd < 0) return 2;
  close(fd);
  setenv("NVSOFT_STANDIN_LOG", logTemplate, 1);

  load(argv[1], RTLD_NOW | RTLD_GLOBAL);
  load(argv[2], RTLD_NOW | RTLD_GLOBAL);
  void* cuda = load(argv[3], RTLD_NOW | RTLD_LOCAL);
  void* nvenc = load(argv[4], RTLD_NOW | RTLD_LOCAL);

  auto cuInit = (CUresult(CUDAAPI*)(unsigned))dlsym(cuda, "cuInit");
  auto cuCtxCreate = (CUresult(CUDAAPI*)(CUcontext*, unsigned, CUdevice))dlsym(cuda, "cuCtxCreate_v2");
  auto cuCtxDestroy = (CUresult(CUDAAPI*)(CUcontext))dlsym(cuda, "cuCtxDestroy_v2");
  auto create = (NVENCSTATUS(NVENCAPI*)(NV_ENCODE_API_FUNCTION_LIST*))dlsym(nvenc, "NvEncodeAPICreateInstance");
  if (!cuInit || !cuCtxCreate || !cuCtxDestroy || !create) return 2;
  CUcontext ctx = nullptr;
  if (cuInit(0) != CUDA_SUCCESS || cuCtxCreate(&ctx, 0, 0) != CUDA_SUCCESS) return 2;
  NV_ENCODE_API_FUNCTION_LIST fl = {};
  fl.version = NV_ENCODE_API_FUNCTION_LIST_VER;
  if (create(&fl) != NV_ENC_SUCCESS) return 2;

  auto open = [&](void* device, void** enc) {
    NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS p = {};
    p.version = NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS_VER;
    p.deviceType = NV_ENC_DEVICE_TYPE_CUDA;
    p.device = device;
    p.apiVersion = NVENCAPI_VERSION;
    return fl.nvEncOpenEncodeSessionEx(&p, enc);
  };

  // 1. The software CUDA claims its own context although a stand-in holds the soname first.
  void* enc = nullptr;
  NVENCSTATUS st = open(ctx, &enc);
  CHECK(st == NV_ENC_SUCCESS, "open with a software context: %d (%s)", (int)st, fl.nvEncGetLastErrorString(nullptr));
  if (enc) fl.nvEncDestroyEncoder(enc);

  // 2. A context nobody claims, two other libcuda: refused, naming both.
  enc = nullptr;
  st = open(reinterpret_cast<void*>(uintptr_t{0x5000}), &enc);
  std::string err = fl.nvEncGetLastErrorString(nullptr);
  CHECK(st == NV_ENC_ERR_INVALID_DEVICE, "open with an unknown context: %d (%s)", (int)st, err.c_str());
  CHECK(err.find("cannot tell which CUDA driver library") != std::string::npos, "message: %s", err.c_str());
  CHECK(err.find(argv[1]) != std::string::npos && err.find(argv[2]) != std::string::npos, "message: %s", err.c_str());

  std::ifstream log(logTemplate);
  std::stringstream calls;
  calls << log.rdbuf();
  CHECK(calls.str().empty(), "the stand-ins were called: %s", calls.str().c_str());
  unlink(logTemplate);
  cuCtxDestroy(ctx);

  if (failures)
    fprintf(stderr, "%d check(s) failed\n", failures);
  else
    printf("ok: software context claimed by the software CUDA; unknown context refused\n");
  return failures ? 1 : 0;
}
