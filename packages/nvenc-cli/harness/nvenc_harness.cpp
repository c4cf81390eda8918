// nvenc_harness: the reference loop for nvenc-bench's "stack overhead" measurement.
//
// It loads libcuda and libnvidia-encode with dlopen, like @nvenc-ts/native, and drives one
// encode session with the same per-frame NVENC calls the addon makes:
//   device input: nvEncRegisterResource once per pointer (cached), then per frame
//                 nvEncMapInputResource → nvEncEncodePicture → nvEncLockBitstream → copy the
//                 access unit out → nvEncUnlockBitstream → nvEncUnmapInputResource;
//   host input:   cuMemcpy2D into one encoder-owned, registered surface, then the same.
// The difference between the TypeScript encode() loop and this loop, on the same library and
// engine, is what the JavaScript stack (N-API, validation, packet objects) costs per frame.
//
// `--copy-bench` instead measures the raw host → device copy of one frame (cuMemcpyHtoD from
// pinned memory and from pageable memory): the physical limit for host-frame upload.
//
// Output: one JSON object on stdout. Errors: a message on stderr and exit code 1 (2 for usage).
#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <ffnvcodec/dynlink_cuda.h>
#include <ffnvcodec/nvEncodeAPI.h>

namespace {

struct Options {
  std::string cudaLibrary = "libcuda.so.1";
  std::string nvencLibrary = "libnvidia-encode.so.1";
  int gpu = 0;
  uint32_t width = 1920, height = 1080;
  std::string codec = "h264";
  int preset = 1;
  std::string tuning = "ull";
  std::string input = "device";  // device | pinned | host
  std::string format = "nv12";   // nv12 | bgra | rgba
  uint32_t frames = 3000, warmup = 50, distinct = 8;
  uint32_t bitrate = 8000000, fps = 60;
  bool copyBench = false;
  uint32_t copies = 200;
  uint32_t buffers = 1;  // copy-bench: distinct source buffers cycled through (1 = one cache-hot buffer)
};

[[noreturn]] void usage(const std::string& message) {
  std::fprintf(stderr, "nvenc_harness: %s\n", message.c_str());
  std::exit(2);
}

[[noreturn]] void fail(const std::string& message) {
  std::fprintf(stderr, "nvenc_harness: %s\n", message.c_str());
  std::exit(1);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(a + " needs a value");
      return argv[++i];
    };
    auto number = [&]() -> uint32_t {
      std::string v = value();
      char* end = nullptr;
      unsigned long n = std::strtoul(v.c_str(), &end, 10);
      if (!end || *end) usage(a + ": '" + v + "' is not a number");
      return static_cast<uint32_t>(n);
    };
    if (a == "--cuda")
      o.cudaLibrary = value();
    else if (a == "--nvenc")
      o.nvencLibrary = value();
    else if (a == "--gpu")
      o.gpu = static_cast<int>(number());
    else if (a == "--width")
      o.width = number();
    else if (a == "--height")
      o.height = number();
    else if (a == "--codec")
      o.codec = value();
    else if (a == "--preset")
      o.preset = static_cast<int>(number());
    else if (a == "--tuning")
      o.tuning = value();
    else if (a == "--input")
      o.input = value();
    else if (a == "--format")
      o.format = value();
    else if (a == "--frames")
      o.frames = number();
    else if (a == "--warmup")
      o.warmup = number();
    else if (a == "--distinct")
      o.distinct = std::max(1u, number());
    else if (a == "--bitrate")
      o.bitrate = number();
    else if (a == "--fps")
      o.fps = number();
    else if (a == "--copy-bench")
      o.copyBench = true;
    else if (a == "--copies")
      o.copies = std::max(1u, number());
    else if (a == "--buffers")
      o.buffers = std::max(1u, number());
    else
      usage("unknown option " + a);
  }
  if (o.input != "device" && o.input != "pinned" && o.input != "host") usage("--input: device, pinned or host");
  if (o.format != "nv12" && o.format != "bgra" && o.format != "rgba") usage("--format: nv12, bgra or rgba");
  if (o.codec != "h264" && o.codec != "hevc") usage("--codec: h264 or hevc");
  if (o.preset < 1 || o.preset > 7) usage("--preset: 1..7");
  return o;
}

// ---- CUDA driver API, loaded by name ------------------------------------------------------
// dynlink_cuda.h has no typedefs for the pinned-memory calls; their signatures are CUDA's.
typedef CUresult CUDAAPI tcuMemAllocHost_v2(void** pp, size_t bytesize);
typedef CUresult CUDAAPI tcuMemFreeHost(void* p);

struct Cuda {
  void* lib = nullptr;
  tcuInit* init = nullptr;
  tcuDeviceGet* deviceGet = nullptr;
  tcuDevicePrimaryCtxRetain* primaryCtxRetain = nullptr;
  tcuDevicePrimaryCtxRelease* primaryCtxRelease = nullptr;
  tcuCtxPushCurrent_v2* ctxPush = nullptr;
  tcuCtxPopCurrent_v2* ctxPop = nullptr;
  tcuMemAllocPitch_v2* memAllocPitch = nullptr;
  tcuMemAlloc_v2* memAlloc = nullptr;
  tcuMemFree_v2* memFree = nullptr;
  tcuMemAllocHost_v2* memAllocHost = nullptr;
  tcuMemFreeHost* memFreeHost = nullptr;
  tcuMemcpy2D_v2* memcpy2D = nullptr;
  tcuMemcpyHtoD_v2* memcpyHtoD = nullptr;

  template <typename F>
  void sym(F*& out, const char* name) {
    out = reinterpret_cast<F*>(dlsym(lib, name));
    if (!out) fail(std::string("CUDA library lacks ") + name);
  }

  explicit Cuda(const std::string& path) {
    lib = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
    if (!lib) fail("cannot load " + path + ": " + dlerror());
    sym(init, "cuInit");
    sym(deviceGet, "cuDeviceGet");
    sym(primaryCtxRetain, "cuDevicePrimaryCtxRetain");
    sym(primaryCtxRelease, "cuDevicePrimaryCtxRelease_v2");
    sym(ctxPush, "cuCtxPushCurrent_v2");
    sym(ctxPop, "cuCtxPopCurrent_v2");
    sym(memAllocPitch, "cuMemAllocPitch_v2");
    sym(memAlloc, "cuMemAlloc_v2");
    sym(memFree, "cuMemFree_v2");
    sym(memAllocHost, "cuMemAllocHost_v2");
    sym(memFreeHost, "cuMemFreeHost");
    sym(memcpy2D, "cuMemcpy2D_v2");
    sym(memcpyHtoD, "cuMemcpyHtoD_v2");
  }
};

void checkCuda(CUresult r, const char* what) {
  if (r != CUDA_SUCCESS) fail(std::string(what) + " failed with CUDA error " + std::to_string(static_cast<int>(r)));
}

void checkNvenc(NVENCSTATUS s, const char* what) {
  if (s != NV_ENC_SUCCESS) fail(std::string(what) + " failed with NVENC status " + std::to_string(static_cast<int>(s)));
}

using Clock = std::chrono::steady_clock;

double microsSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

struct Stats {
  double mean = 0, p50 = 0, p90 = 0, p99 = 0, max = 0, min = 0;
};

// Same definition as nvenc-bench's stats.ts (linear interpolation between closest ranks).
Stats summarize(std::vector<double> v) {
  Stats s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  auto pct = [&](double p) {
    double rank = p / 100.0 * static_cast<double>(v.size() - 1);
    size_t lo = static_cast<size_t>(rank);
    size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (rank - static_cast<double>(lo));
  };
  double sum = 0;
  for (double x : v) sum += x;
  s.mean = sum / static_cast<double>(v.size());
  s.p50 = pct(50);
  s.p90 = pct(90);
  s.p99 = pct(99);
  s.min = v.front();
  s.max = v.back();
  return s;
}

std::string statsJson(const Stats& s) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "{\"mean\":%.3f,\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"min\":%.3f,\"max\":%.3f}",
                s.mean, s.p50, s.p90, s.p99, s.min, s.max);
  return buf;
}

struct Layout {
  size_t rowBytes, rows;
  NV_ENC_BUFFER_FORMAT format;
};

Layout layoutOf(const Options& o) {
  if (o.format == "nv12") return {o.width, o.height + (o.height + 1) / 2, NV_ENC_BUFFER_FORMAT_NV12};
  // In memory B,G,R,A is NVENC's ARGB; R,G,B,A is ABGR.
  return {size_t(o.width) * 4, o.height, o.format == "bgra" ? NV_ENC_BUFFER_FORMAT_ARGB : NV_ENC_BUFFER_FORMAT_ABGR};
}

void fillFrame(uint8_t* p, size_t bytes, uint32_t index) {
  for (size_t i = 0; i < bytes; i++) p[i] = static_cast<uint8_t>((i * 7 + index * 13) >> 3);
}

int copyBench(const Options& o, Cuda& cuda) {
  const size_t bytes = size_t(o.width) * o.height * (o.format == "nv12" ? 1.5 : 4.0);  // one frame
  CUdeviceptr dev = 0;
  checkCuda(cuda.memAlloc(&dev, bytes), "cuMemAlloc");
  // `buffers` distinct sources, cycled, as a benchmark cycles its frames: with one buffer the
  // source stays in the CPU caches, which a real frame source need not.
  std::vector<void*> pinned(o.buffers);
  std::vector<std::vector<uint8_t>> pageable(o.buffers);
  for (uint32_t b = 0; b < o.buffers; b++) {
    checkCuda(cuda.memAllocHost(&pinned[b], bytes), "cuMemAllocHost");
    fillFrame(static_cast<uint8_t*>(pinned[b]), bytes, 1 + b);
    pageable[b].resize(bytes);
    fillFrame(pageable[b].data(), bytes, 100 + b);
  }
  auto measure = [&](auto source) {
    for (int i = 0; i < 5; i++) checkCuda(cuda.memcpyHtoD(dev, source(i), bytes), "cuMemcpyHtoD");
    std::vector<double> t;
    t.reserve(o.copies);
    for (uint32_t i = 0; i < o.copies; i++) {
      const void* src = source(i);
      auto t0 = Clock::now();
      checkCuda(cuda.memcpyHtoD(dev, src, bytes), "cuMemcpyHtoD");
      t.push_back(microsSince(t0));
    }
    return summarize(t);
  };
  Stats p = measure([&](uint32_t i) -> const void* { return pinned[i % o.buffers]; });
  Stats g = measure([&](uint32_t i) -> const void* { return pageable[i % o.buffers].data(); });
  std::printf(
      "{\"mode\":\"copy-bench\",\"bytes\":%zu,\"copies\":%u,\"buffers\":%u,\"pinnedUs\":%s,\"pageableUs\":%s,"
      "\"pinnedGBps\":%.3f,\"pageableGBps\":%.3f}\n",
      bytes, o.copies, o.buffers, statsJson(p).c_str(), statsJson(g).c_str(), bytes / (p.p50 * 1e3),
      bytes / (g.p50 * 1e3));
  for (void* b : pinned) cuda.memFreeHost(b);
  cuda.memFree(dev);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  Cuda cuda(o.cudaLibrary);
  checkCuda(cuda.init(0), "cuInit");
  CUdevice device = 0;
  checkCuda(cuda.deviceGet(&device, o.gpu), "cuDeviceGet");
  CUcontext ctx = nullptr;
  checkCuda(cuda.primaryCtxRetain(&ctx, device), "cuDevicePrimaryCtxRetain");
  checkCuda(cuda.ctxPush(ctx), "cuCtxPushCurrent");
  if (o.copyBench) return copyBench(o, cuda);

  void* nvencLib = dlopen(o.nvencLibrary.c_str(), RTLD_NOW);
  if (!nvencLib) fail("cannot load " + o.nvencLibrary + ": " + dlerror());
  using CreateInstance = NVENCSTATUS(NVENCAPI*)(NV_ENCODE_API_FUNCTION_LIST*);
  auto createInstance = reinterpret_cast<CreateInstance>(dlsym(nvencLib, "NvEncodeAPICreateInstance"));
  if (!createInstance) fail("NVENC library lacks NvEncodeAPICreateInstance");
  NV_ENCODE_API_FUNCTION_LIST nv{};
  nv.version = NV_ENCODE_API_FUNCTION_LIST_VER;
  checkNvenc(createInstance(&nv), "NvEncodeAPICreateInstance");

  NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS open{};
  open.version = NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS_VER;
  open.deviceType = NV_ENC_DEVICE_TYPE_CUDA;
  open.device = ctx;
  open.apiVersion = NVENCAPI_VERSION;
  void* enc = nullptr;
  checkNvenc(nv.nvEncOpenEncodeSessionEx(&open, &enc), "nvEncOpenEncodeSessionEx");

  static const GUID presets[] = {NV_ENC_PRESET_P1_GUID, NV_ENC_PRESET_P2_GUID, NV_ENC_PRESET_P3_GUID,
                                 NV_ENC_PRESET_P4_GUID, NV_ENC_PRESET_P5_GUID, NV_ENC_PRESET_P6_GUID,
                                 NV_ENC_PRESET_P7_GUID};
  const GUID codecGuid = o.codec == "hevc" ? NV_ENC_CODEC_HEVC_GUID : NV_ENC_CODEC_H264_GUID;
  const GUID presetGuid = presets[o.preset - 1];
  NV_ENC_TUNING_INFO tuning = o.tuning == "ll"         ? NV_ENC_TUNING_INFO_LOW_LATENCY
                              : o.tuning == "hq"       ? NV_ENC_TUNING_INFO_HIGH_QUALITY
                              : o.tuning == "lossless" ? NV_ENC_TUNING_INFO_LOSSLESS
                                                       : NV_ENC_TUNING_INFO_ULTRA_LOW_LATENCY;
  NV_ENC_PRESET_CONFIG preset{};
  preset.version = NV_ENC_PRESET_CONFIG_VER;
  preset.presetCfg.version = NV_ENC_CONFIG_VER;
  checkNvenc(nv.nvEncGetEncodePresetConfigEx(enc, codecGuid, presetGuid, tuning, &preset),
             "nvEncGetEncodePresetConfigEx");
  NV_ENC_CONFIG cfg = preset.presetCfg;
  cfg.version = NV_ENC_CONFIG_VER;
  cfg.gopLength = NVENC_INFINITE_GOPLENGTH;
  cfg.frameIntervalP = 1;
  cfg.rcParams.rateControlMode = NV_ENC_PARAMS_RC_CBR;
  cfg.rcParams.averageBitRate = o.bitrate;
  cfg.rcParams.maxBitRate = o.bitrate;
  if (o.codec == "h264") {
    cfg.encodeCodecConfig.h264Config.idrPeriod = NVENC_INFINITE_GOPLENGTH;
    cfg.encodeCodecConfig.h264Config.repeatSPSPPS = 1;
  } else {
    cfg.encodeCodecConfig.hevcConfig.idrPeriod = NVENC_INFINITE_GOPLENGTH;
    cfg.encodeCodecConfig.hevcConfig.repeatSPSPPS = 1;
  }
  NV_ENC_INITIALIZE_PARAMS init{};
  init.version = NV_ENC_INITIALIZE_PARAMS_VER;
  init.encodeGUID = codecGuid;
  init.presetGUID = presetGuid;
  init.tuningInfo = tuning;
  init.encodeWidth = init.darWidth = init.maxEncodeWidth = o.width;
  init.encodeHeight = init.darHeight = init.maxEncodeHeight = o.height;
  init.frameRateNum = o.fps;
  init.frameRateDen = 1;
  init.enablePTD = 1;
  init.encodeConfig = &cfg;
  checkNvenc(nv.nvEncInitializeEncoder(enc, &init), "nvEncInitializeEncoder");

  NV_ENC_CREATE_BITSTREAM_BUFFER bs{};
  bs.version = NV_ENC_CREATE_BITSTREAM_BUFFER_VER;
  checkNvenc(nv.nvEncCreateBitstreamBuffer(enc, &bs), "nvEncCreateBitstreamBuffer");

  const Layout layout = layoutOf(o);
  const size_t frameBytes = layout.rowBytes * layout.rows;
  auto registerPtr = [&](CUdeviceptr ptr, size_t pitch) {
    NV_ENC_REGISTER_RESOURCE reg{};
    reg.version = NV_ENC_REGISTER_RESOURCE_VER;
    reg.resourceType = NV_ENC_INPUT_RESOURCE_TYPE_CUDADEVICEPTR;
    reg.width = o.width;
    reg.height = o.height;
    reg.pitch = static_cast<uint32_t>(pitch);
    reg.resourceToRegister = reinterpret_cast<void*>(ptr);
    reg.bufferFormat = layout.format;
    reg.bufferUsage = NV_ENC_INPUT_IMAGE;
    checkNvenc(nv.nvEncRegisterResource(enc, &reg), "nvEncRegisterResource");
    return reg.registeredResource;
  };

  // Frames: `distinct` device surfaces (device input) or host frames plus one encoder surface.
  struct DeviceFrame {
    CUdeviceptr ptr;
    size_t pitch;
    NV_ENC_REGISTERED_PTR registered;
  };
  std::vector<DeviceFrame> deviceFrames;
  std::vector<uint8_t*> hostFrames;
  std::vector<std::vector<uint8_t>> pageable;
  DeviceFrame surface{};
  for (uint32_t i = 0; i < o.distinct; i++) {
    std::vector<uint8_t> content(frameBytes);
    fillFrame(content.data(), frameBytes, i);
    if (o.input == "device") {
      DeviceFrame f{};
      checkCuda(cuda.memAllocPitch(&f.ptr, &f.pitch, layout.rowBytes, layout.rows, 16), "cuMemAllocPitch");
      CUDA_MEMCPY2D c{};
      c.srcMemoryType = CU_MEMORYTYPE_HOST;
      c.srcHost = content.data();
      c.srcPitch = layout.rowBytes;
      c.dstMemoryType = CU_MEMORYTYPE_DEVICE;
      c.dstDevice = f.ptr;
      c.dstPitch = f.pitch;
      c.WidthInBytes = layout.rowBytes;
      c.Height = layout.rows;
      checkCuda(cuda.memcpy2D(&c), "cuMemcpy2D");
      f.registered = registerPtr(f.ptr, f.pitch);
      deviceFrames.push_back(f);
    } else if (o.input == "pinned") {
      void* p = nullptr;
      checkCuda(cuda.memAllocHost(&p, frameBytes), "cuMemAllocHost");
      std::memcpy(p, content.data(), frameBytes);
      hostFrames.push_back(static_cast<uint8_t*>(p));
    } else {
      pageable.push_back(std::move(content));
      hostFrames.push_back(pageable.back().data());
    }
  }
  if (o.input != "device") {
    checkCuda(cuda.memAllocPitch(&surface.ptr, &surface.pitch, layout.rowBytes, layout.rows, 16), "cuMemAllocPitch");
    surface.registered = registerPtr(surface.ptr, surface.pitch);
  }

  std::vector<uint8_t> out;
  out.reserve(1 << 20);
  std::vector<double> perFrame;
  perFrame.reserve(o.frames);
  uint64_t bytesOut = 0;
  const uint32_t total = o.warmup + o.frames;
  auto runStart = Clock::now();
  for (uint32_t i = 0; i < total; i++) {
    if (i == o.warmup) runStart = Clock::now();
    auto t0 = Clock::now();
    const DeviceFrame* in = &surface;
    if (o.input == "device") {
      in = &deviceFrames[i % deviceFrames.size()];
    } else {
      CUDA_MEMCPY2D c{};
      c.srcMemoryType = CU_MEMORYTYPE_HOST;
      c.srcHost = hostFrames[i % hostFrames.size()];
      c.srcPitch = layout.rowBytes;
      c.dstMemoryType = CU_MEMORYTYPE_DEVICE;
      c.dstDevice = surface.ptr;
      c.dstPitch = surface.pitch;
      c.WidthInBytes = layout.rowBytes;
      c.Height = layout.rows;
      checkCuda(cuda.memcpy2D(&c), "cuMemcpy2D (upload)");
    }
    NV_ENC_MAP_INPUT_RESOURCE map{};
    map.version = NV_ENC_MAP_INPUT_RESOURCE_VER;
    map.registeredResource = in->registered;
    checkNvenc(nv.nvEncMapInputResource(enc, &map), "nvEncMapInputResource");

    NV_ENC_PIC_PARAMS pic{};
    pic.version = NV_ENC_PIC_PARAMS_VER;
    pic.inputWidth = o.width;
    pic.inputHeight = o.height;
    pic.inputPitch = static_cast<uint32_t>(in->pitch);
    pic.inputBuffer = map.mappedResource;
    pic.bufferFmt = map.mappedBufferFmt;
    pic.outputBitstream = bs.bitstreamBuffer;
    pic.pictureStruct = NV_ENC_PIC_STRUCT_FRAME;
    pic.inputTimeStamp = i;
    pic.frameIdx = i;
    checkNvenc(nv.nvEncEncodePicture(enc, &pic), "nvEncEncodePicture");

    NV_ENC_LOCK_BITSTREAM lock{};
    lock.version = NV_ENC_LOCK_BITSTREAM_VER;
    lock.outputBitstream = bs.bitstreamBuffer;
    checkNvenc(nv.nvEncLockBitstream(enc, &lock), "nvEncLockBitstream");
    // The addon copies each access unit into a JS Buffer; copy it out here too.
    out.assign(static_cast<uint8_t*>(lock.bitstreamBufferPtr),
               static_cast<uint8_t*>(lock.bitstreamBufferPtr) + lock.bitstreamSizeInBytes);
    checkNvenc(nv.nvEncUnlockBitstream(enc, bs.bitstreamBuffer), "nvEncUnlockBitstream");
    checkNvenc(nv.nvEncUnmapInputResource(enc, map.mappedResource), "nvEncUnmapInputResource");
    if (i >= o.warmup) {
      perFrame.push_back(microsSince(t0));
      bytesOut += out.size();
    }
  }
  const double wallUs = microsSince(runStart);

  NV_ENC_PIC_PARAMS eos{};
  eos.version = NV_ENC_PIC_PARAMS_VER;
  eos.encodePicFlags = NV_ENC_PIC_FLAG_EOS;
  nv.nvEncEncodePicture(enc, &eos);
  for (auto& f : deviceFrames) {
    nv.nvEncUnregisterResource(enc, f.registered);
    cuda.memFree(f.ptr);
  }
  if (surface.ptr) {
    nv.nvEncUnregisterResource(enc, surface.registered);
    cuda.memFree(surface.ptr);
  }
  if (o.input == "pinned")
    for (auto* p : hostFrames) cuda.memFreeHost(p);
  nv.nvEncDestroyBitstreamBuffer(enc, bs.bitstreamBuffer);
  nv.nvEncDestroyEncoder(enc);
  CUcontext popped = nullptr;
  cuda.ctxPop(&popped);
  cuda.primaryCtxRelease(device);

  std::printf(
      "{\"mode\":\"encode\",\"abi\":\"%d.%d\",\"input\":\"%s\",\"format\":\"%s\",\"width\":%u,\"height\":%u,\"frames\":"
      "%u,"
      "\"wallUs\":%.3f,\"perFrameUs\":%s,\"wallPerFrameUs\":%.3f,\"bytes\":%llu}\n",
      NVENCAPI_MAJOR_VERSION, NVENCAPI_MINOR_VERSION, o.input.c_str(), o.format.c_str(), o.width, o.height, o.frames,
      wallUs, statsJson(summarize(perFrame)).c_str(), wallUs / o.frames, static_cast<unsigned long long>(bytesOut));
  return 0;
}
