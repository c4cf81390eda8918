// A second, independent CUDA user for the context tests (test/gpu/context.test.mjs): a minimal
// Node-API addon in C that loads libcuda itself (dlopen by name, so it shares the process's
// driver with the encoder) and allocates, copies and creates contexts the way another library
// (CuPy, PyTorch, a renderer) would. It is test scaffolding, never shipped.
// Build: gcc -shared -fPIC -O2 -I/usr/include/node cuda-peer.c -o cuda_peer.node -ldl
#include <dlfcn.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;
typedef int CUdevice;
typedef void* CUcontext;
typedef unsigned long long CUdeviceptr;

static struct {
  void* lib;
  CUresult (*cuInit)(unsigned);
  CUresult (*cuDeviceGet)(CUdevice*, int);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext*, CUdevice);
  CUresult (*cuCtxCreate)(CUcontext*, unsigned, CUdevice);
  CUresult (*cuCtxDestroy)(CUcontext);
  CUresult (*cuCtxPushCurrent)(CUcontext);
  CUresult (*cuCtxPopCurrent)(CUcontext*);
  CUresult (*cuCtxGetApiVersion)(CUcontext, unsigned*);
  CUresult (*cuMemAlloc)(CUdeviceptr*, size_t);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuMemcpyHtoD)(CUdeviceptr, const void*, size_t);
} cu;

static napi_value fail(napi_env env, const char* what, CUresult r) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s failed: CUresult %d", what, r);
  char code[32];
  snprintf(code, sizeof code, "CUDA_%d", r);
  napi_throw_error(env, code, msg);
  return NULL;
}

static int load(napi_env env) {
  if (cu.lib) return 1;
  const char* name = getenv("CUDA_PEER_LIBRARY") ? getenv("CUDA_PEER_LIBRARY") : "libcuda.so.1";
  void* lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    napi_throw_error(env, "NO_CUDA", dlerror());
    return 0;
  }
#define BIND(field, sym)                          \
  if (!(*(void**)& cu.field = dlsym(lib, sym))) { \
    napi_throw_error(env, "NO_SYMBOL", sym);      \
    return 0;                                     \
  }
  BIND(cuInit, "cuInit")
  BIND(cuDeviceGet, "cuDeviceGet")
  BIND(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain")
  BIND(cuCtxCreate, "cuCtxCreate_v2")
  BIND(cuCtxDestroy, "cuCtxDestroy_v2")
  BIND(cuCtxPushCurrent, "cuCtxPushCurrent_v2")
  BIND(cuCtxPopCurrent, "cuCtxPopCurrent_v2")
  BIND(cuCtxGetApiVersion, "cuCtxGetApiVersion")
  BIND(cuMemAlloc, "cuMemAlloc_v2")
  BIND(cuMemFree, "cuMemFree_v2")
  BIND(cuMemcpyHtoD, "cuMemcpyHtoD_v2")
#undef BIND
  CUresult r = cu.cuInit(0);
  if (r) {
    fail(env, "cuInit", r);
    return 0;
  }
  cu.lib = lib;
  return 1;
}

static uint64_t argU64(napi_env env, napi_callback_info info, size_t i) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint64_t v = 0;
  bool lossless;
  napi_valuetype t;
  napi_typeof(env, argv[i], &t);
  if (t == napi_bigint)
    napi_get_value_bigint_uint64(env, argv[i], &v, &lossless);
  else {
    int64_t n = 0;
    napi_get_value_int64(env, argv[i], &n);
    v = (uint64_t)n;
  }
  return v;
}

static napi_value bigint(napi_env env, uint64_t v) {
  napi_value out;
  napi_create_bigint_uint64(env, v, &out);
  return out;
}

// primaryContext(gpu) → the device's primary context (retained), as CuPy / the runtime API use it.
static napi_value PrimaryContext(napi_env env, napi_callback_info info) {
  if (!load(env)) return NULL;
  CUdevice dev;
  CUcontext ctx;
  CUresult r;
  if ((r = cu.cuDeviceGet(&dev, (int)argU64(env, info, 0)))) return fail(env, "cuDeviceGet", r);
  if ((r = cu.cuDevicePrimaryCtxRetain(&ctx, dev))) return fail(env, "cuDevicePrimaryCtxRetain", r);
  return bigint(env, (uint64_t)(uintptr_t)ctx);
}

// createContext(gpu) → a new context owned by this caller (not left current).
static napi_value CreateContext(napi_env env, napi_callback_info info) {
  if (!load(env)) return NULL;
  CUdevice dev;
  CUcontext ctx, popped;
  CUresult r;
  if ((r = cu.cuDeviceGet(&dev, (int)argU64(env, info, 0)))) return fail(env, "cuDeviceGet", r);
  if ((r = cu.cuCtxCreate(&ctx, 0, dev))) return fail(env, "cuCtxCreate", r);
  cu.cuCtxPopCurrent(&popped);
  return bigint(env, (uint64_t)(uintptr_t)ctx);
}

// alloc(ctx, bytes) → device pointer, allocated with ctx current.
static napi_value Alloc(napi_env env, napi_callback_info info) {
  if (!load(env)) return NULL;
  CUcontext ctx = (CUcontext)(uintptr_t)argU64(env, info, 0), popped;
  CUdeviceptr p = 0;
  CUresult r;
  if ((r = cu.cuCtxPushCurrent(ctx))) return fail(env, "cuCtxPushCurrent", r);
  r = cu.cuMemAlloc(&p, (size_t)argU64(env, info, 1));
  cu.cuCtxPopCurrent(&popped);
  if (r) return fail(env, "cuMemAlloc", r);
  return bigint(env, p);
}

// upload(ctx, ptr, buffer)
static napi_value Upload(napi_env env, napi_callback_info info) {
  if (!load(env)) return NULL;
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  void* data;
  size_t len;
  napi_get_buffer_info(env, argv[2], &data, &len);
  CUcontext ctx = (CUcontext)(uintptr_t)argU64(env, info, 0), popped;
  CUresult r;
  if ((r = cu.cuCtxPushCurrent(ctx))) return fail(env, "cuCtxPushCurrent", r);
  r = cu.cuMemcpyHtoD((CUdeviceptr)argU64(env, info, 1), data, len);
  cu.cuCtxPopCurrent(&popped);
  if (r) return fail(env, "cuMemcpyHtoD", r);
  return NULL;
}

// free(ctx, ptr)
static napi_value Free(napi_env env, napi_callback_info info) {
  if (!load(env)) return NULL;
  CUcontext ctx = (CUcontext)(uintptr_t)argU64(env, info, 0), popped;
  CUresult r;
  if ((r = cu.cuCtxPushCurrent(ctx))) return fail(env, "cuCtxPushCurrent", r);
  r = cu.cuMemFree((CUdeviceptr)argU64(env, info, 1));
  cu.cuCtxPopCurrent(&popped);
  if (r) return fail(env, "cuMemFree", r);
  return NULL;
}

// apiVersion(ctx) → number, or the CUresult as a negative number (201 = CUDA_ERROR_INVALID_CONTEXT
// once the context is destroyed).
static napi_value ApiVersion(napi_env env, napi_callback_info info) {
  if (!load(env)) return NULL;
  unsigned v = 0;
  CUresult r = cu.cuCtxGetApiVersion((CUcontext)(uintptr_t)argU64(env, info, 0), &v);
  napi_value out;
  napi_create_int64(env, r ? -(int64_t)r : (int64_t)v, &out);
  return out;
}

// destroyContext(ctx)
static napi_value DestroyContext(napi_env env, napi_callback_info info) {
  if (!load(env)) return NULL;
  CUresult r = cu.cuCtxDestroy((CUcontext)(uintptr_t)argU64(env, info, 0));
  if (r) return fail(env, "cuCtxDestroy", r);
  return NULL;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"primaryContext", NULL, PrimaryContext, NULL, NULL, NULL, napi_default, NULL},
      {"createContext", NULL, CreateContext, NULL, NULL, NULL, napi_default, NULL},
      {"alloc", NULL, Alloc, NULL, NULL, NULL, napi_default, NULL},
      {"upload", NULL, Upload, NULL, NULL, NULL, napi_default, NULL},
      {"free", NULL, Free, NULL, NULL, NULL, napi_default, NULL},
      {"apiVersion", NULL, ApiVersion, NULL, NULL, NULL, napi_default, NULL},
      {"destroyContext", NULL, DestroyContext, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
