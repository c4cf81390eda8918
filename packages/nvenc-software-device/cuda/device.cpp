// Initialisation, the one device and its attributes.
#include "internal.hpp"

using namespace nvsoft;

namespace nvsoft {

// ---- device attributes ----

bool deviceAttribute(int attr, int* out) {
  int v = 0;
  switch (attr) {
    case 1: v = 1024; break;         // MAX_THREADS_PER_BLOCK
    case 2: v = 1024; break;         // MAX_BLOCK_DIM_X
    case 3: v = 1024; break;         // MAX_BLOCK_DIM_Y
    case 4: v = 64; break;           // MAX_BLOCK_DIM_Z
    case 5: v = 2147483647; break;   // MAX_GRID_DIM_X
    case 6: v = 65535; break;        // MAX_GRID_DIM_Y
    case 7: v = 65535; break;        // MAX_GRID_DIM_Z
    case 8: v = 49152; break;        // MAX_SHARED_MEMORY_PER_BLOCK
    case 9: v = 65536; break;        // TOTAL_CONSTANT_MEMORY
    case 10: v = 32; break;          // WARP_SIZE
    case 11: v = 2147483647; break;  // MAX_PITCH
    case 12: v = 65536; break;       // MAX_REGISTERS_PER_BLOCK
    case 13: v = 2520000; break;     // CLOCK_RATE (kHz)
    case 14: v = 512; break;         // TEXTURE_ALIGNMENT
    case 15: v = 1; break;           // GPU_OVERLAP
    case 16: v = 8; break;           // MULTIPROCESSOR_COUNT
    case 17: v = 0; break;           // KERNEL_EXEC_TIMEOUT
    case 18: v = 0; break;           // INTEGRATED (behaves as a discrete GPU)
    case 19: v = 1; break;           // CAN_MAP_HOST_MEMORY
    case 20: v = 0; break;           // COMPUTE_MODE (default)
    case 21: v = 131072; break;      // MAXIMUM_TEXTURE1D_WIDTH
    case 22: v = 131072; break;      // MAXIMUM_TEXTURE2D_WIDTH
    case 23: v = 65536; break;       // MAXIMUM_TEXTURE2D_HEIGHT
    case 24:
    case 25:
    case 26: v = 16384; break;  // MAXIMUM_TEXTURE3D_*
    case 27:
    case 28: v = 32768; break;     // MAXIMUM_TEXTURE2D_LAYERED_WIDTH/HEIGHT
    case 29: v = 2048; break;      // MAXIMUM_TEXTURE2D_LAYERED_LAYERS
    case 30: v = 512; break;       // SURFACE_ALIGNMENT
    case 31: v = 1; break;         // CONCURRENT_KERNELS
    case 32: v = 0; break;         // ECC_ENABLED
    case 33: v = 1; break;         // PCI_BUS_ID
    case 34: v = 0; break;         // PCI_DEVICE_ID
    case 35: v = 0; break;         // TCC_DRIVER
    case 36: v = 10501000; break;  // MEMORY_CLOCK_RATE (kHz)
    case 37: v = 192; break;       // GLOBAL_MEMORY_BUS_WIDTH
    case 38: v = 33554432; break;  // L2_CACHE_SIZE
    case 39: v = 1536; break;      // MAX_THREADS_PER_MULTIPROCESSOR
    case 40: v = 2; break;         // ASYNC_ENGINE_COUNT
    case 41: v = 1; break;         // UNIFIED_ADDRESSING
    case 42: v = 32768; break;     // MAXIMUM_TEXTURE1D_LAYERED_WIDTH
    case 43: v = 2048; break;      // MAXIMUM_TEXTURE1D_LAYERED_LAYERS
    case 45:
    case 46: v = 32768; break;  // MAXIMUM_TEXTURE2D_GATHER_WIDTH/HEIGHT
    case 47:
    case 48: v = 8192; break;   // MAXIMUM_TEXTURE3D_*_ALTERNATE
    case 49: v = 32768; break;  // MAXIMUM_TEXTURE3D_DEPTH_ALTERNATE
    case 50: v = 0; break;      // PCI_DOMAIN_ID
    case 51: v = 32; break;     // TEXTURE_PITCH_ALIGNMENT
    case 52:
    case 53: v = 32768; break;  // MAXIMUM_TEXTURECUBEMAP_(LAYERED_)WIDTH
    case 54: v = 2046; break;   // MAXIMUM_TEXTURECUBEMAP_LAYERED_LAYERS
    case 55:
    case 56: v = 32768; break;  // MAXIMUM_SURFACE1D_WIDTH, SURFACE2D_WIDTH
    case 57: v = 65536; break;  // MAXIMUM_SURFACE2D_HEIGHT
    case 58:
    case 59:
    case 60: v = 16384; break;  // MAXIMUM_SURFACE3D_*
    case 61: v = 32768; break;  // MAXIMUM_SURFACE1D_LAYERED_WIDTH
    case 62: v = 2048; break;   // MAXIMUM_SURFACE1D_LAYERED_LAYERS
    case 63:
    case 64: v = 32768; break;  // MAXIMUM_SURFACE2D_LAYERED_WIDTH/HEIGHT
    case 65: v = 2048; break;   // MAXIMUM_SURFACE2D_LAYERED_LAYERS
    case 66:
    case 67: v = 32768; break;      // MAXIMUM_SURFACECUBEMAP_(LAYERED_)WIDTH
    case 68: v = 2046; break;       // MAXIMUM_SURFACECUBEMAP_LAYERED_LAYERS
    case 69: v = 268435456; break;  // MAXIMUM_TEXTURE1D_LINEAR_WIDTH
    case 70: v = 131072; break;     // MAXIMUM_TEXTURE2D_LINEAR_WIDTH
    case 71: v = 65000; break;      // MAXIMUM_TEXTURE2D_LINEAR_HEIGHT
    case 72: v = 2097120; break;    // MAXIMUM_TEXTURE2D_LINEAR_PITCH
    case 73: v = 32768; break;      // MAXIMUM_TEXTURE2D_MIPMAPPED_WIDTH
    case 74: v = 32768; break;      // MAXIMUM_TEXTURE2D_MIPMAPPED_HEIGHT
    case 75: v = kCcMajor; break;   // COMPUTE_CAPABILITY_MAJOR
    case 76: v = kCcMinor; break;   // COMPUTE_CAPABILITY_MINOR
    case 77: v = 32768; break;      // MAXIMUM_TEXTURE1D_MIPMAPPED_WIDTH
    case 78: v = 1; break;          // STREAM_PRIORITIES_SUPPORTED
    case 79:
    case 80: v = 1; break;       // GLOBAL/LOCAL_L1_CACHE_SUPPORTED
    case 81: v = 102400; break;  // MAX_SHARED_MEMORY_PER_MULTIPROCESSOR
    case 82: v = 65536; break;   // MAX_REGISTERS_PER_MULTIPROCESSOR
    case 83: v = 1; break;       // MANAGED_MEMORY
    case 84: v = 0; break;       // MULTI_GPU_BOARD
    case 85: v = 0; break;       // MULTI_GPU_BOARD_GROUP_ID
    case 87: v = 64; break;      // SINGLE_TO_DOUBLE_PRECISION_PERF_RATIO
    case 89: v = 1; break;       // CONCURRENT_MANAGED_ACCESS
    case 90: v = 1; break;       // COMPUTE_PREEMPTION_SUPPORTED
    case 95: v = 1; break;       // COOPERATIVE_LAUNCH
    case 97: v = 101376; break;  // MAX_SHARED_MEMORY_PER_BLOCK_OPTIN
    case 99: v = 1; break;       // HOST_REGISTER_SUPPORTED
    case 106: v = 24; break;     // MAX_BLOCKS_PER_MULTIPROCESSOR
    default:
      // Anything else up to CU_DEVICE_ATTRIBUTE_MAX (about 150 in CUDA 12.x):
      // a feature this device does not have.
      if (attr < 1 || attr >= 160) return false;
      v = 0;
  }
  *out = v;
  return true;
}

}  // namespace nvsoft

// ---- initialisation / version ----

NVSOFT_API CUresult cuInit(unsigned int Flags) {
  if (Flags != 0) return R(kErrInvalidValue);
  const char* nodev = std::getenv("NVSOFT_CUDA_NO_DEVICE");
  if (nodev && *nodev && std::strcmp(nodev, "0") != 0) return R(kErrNoDevice);
  registry();
  g_initialized.store(true, std::memory_order_release);
  return R(kSuccess);
}

NVSOFT_API CUresult cuDriverGetVersion(int* driverVersion) {
  if (!driverVersion) return R(kErrInvalidValue);
  *driverVersion = kDriverVersion;
  return R(kSuccess);
}

// ---- device ----

NVSOFT_API CUresult cuDeviceGetCount(int* count) {
  REQUIRE_INIT();
  if (!count) return R(kErrInvalidValue);
  *count = 1;
  return R(kSuccess);
}

NVSOFT_API CUresult cuDeviceGet(CUdevice* device, int ordinal) {
  REQUIRE_INIT();
  if (!device) return R(kErrInvalidValue);
  if (ordinal != 0) return R(kErrInvalidDevice);
  *device = 0;
  return R(kSuccess);
}

NVSOFT_API CUresult cuDeviceGetName(char* name, int len, CUdevice dev) {
  REQUIRE_INIT();
  if (!name || len <= 0) return R(kErrInvalidValue);
  if (dev != 0) return R(kErrInvalidDevice);
  std::snprintf(name, static_cast<size_t>(len), "%s", kDeviceName);
  return R(kSuccess);
}

NVSOFT_API CUresult cuDeviceGetAttribute(int* pi, CUdevice_attribute attrib, CUdevice dev) {
  REQUIRE_INIT();
  if (!pi) return R(kErrInvalidValue);
  if (dev != 0) return R(kErrInvalidDevice);
  int v = 0;
  if (!deviceAttribute(static_cast<int>(attrib), &v)) return R(kErrInvalidValue);
  *pi = v;
  return R(kSuccess);
}

NVSOFT_API CUresult cuDeviceComputeCapability(int* major, int* minor, CUdevice dev) {
  REQUIRE_INIT();
  if (!major || !minor) return R(kErrInvalidValue);
  if (dev != 0) return R(kErrInvalidDevice);
  *major = kCcMajor;
  *minor = kCcMinor;
  return R(kSuccess);
}

NVSOFT_API CUresult cuDeviceTotalMem_v2(size_t* bytes, CUdevice dev) {
  REQUIRE_INIT();
  if (!bytes) return R(kErrInvalidValue);
  if (dev != 0) return R(kErrInvalidDevice);
  *bytes = totalMemory();
  return R(kSuccess);
}
NVSOFT_ALIAS(CUresult, cuDeviceTotalMem, cuDeviceTotalMem_v2, (size_t*, CUdevice));

NVSOFT_API CUresult cuDeviceGetUuid(CUuuid* uuid, CUdevice dev) {
  REQUIRE_INIT();
  if (!uuid) return R(kErrInvalidValue);
  if (dev != 0) return R(kErrInvalidDevice);
  static const unsigned char kUuid[16] = {0x6e, 0x76, 0x73, 0x6f, 0x66, 0x74, 0x2d, 0x63,
                                          0x75, 0x64, 0x61, 0x2d, 0x64, 0x65, 0x76, 0x30};
  std::memcpy(uuid->bytes, kUuid, sizeof kUuid);
  return R(kSuccess);
}
NVSOFT_ALIAS(CUresult, cuDeviceGetUuid_v2, cuDeviceGetUuid, (CUuuid*, CUdevice));

NVSOFT_API CUresult cuDeviceGetLuid(char* luid, unsigned int* deviceNodeMask, CUdevice dev) {
  REQUIRE_INIT();
  if (!luid || !deviceNodeMask) return R(kErrInvalidValue);
  if (dev != 0) return R(kErrInvalidDevice);
  return R(kErrNotSupported);  // LUIDs exist on Windows only
}

NVSOFT_API CUresult cuDeviceGetPCIBusId(char* pciBusId, int len, CUdevice dev) {
  REQUIRE_INIT();
  if (!pciBusId || len <= 0) return R(kErrInvalidValue);
  if (dev != 0) return R(kErrInvalidDevice);
  std::snprintf(pciBusId, static_cast<size_t>(len), "%s", kPciBusId);
  return R(kSuccess);
}

NVSOFT_API CUresult cuDeviceGetByPCIBusId(CUdevice* dev, const char* pciBusId) {
  REQUIRE_INIT();
  if (!dev || !pciBusId) return R(kErrInvalidValue);
  unsigned domain = 0, bus = 0, device = 0, function = 0;
  int n = std::sscanf(pciBusId, "%x:%x:%x.%x", &domain, &bus, &device, &function);
  if (n < 3) {
    domain = 0;
    n = std::sscanf(pciBusId, "%x:%x.%x", &bus, &device, &function);
    if (n < 2) return R(kErrInvalidValue);
  }
  if (domain != 0 || bus != 1 || device != 0) return R(kErrInvalidDevice);
  *dev = 0;
  return R(kSuccess);
}

// Signatures against nv-codec-headers' typedefs.
NVSOFT_SIG(cuInit, tcuInit);
NVSOFT_SIG(cuDriverGetVersion, tcuDriverGetVersion);
NVSOFT_SIG(cuDeviceGetCount, tcuDeviceGetCount);
NVSOFT_SIG(cuDeviceGet, tcuDeviceGet);
NVSOFT_SIG(cuDeviceGetAttribute, tcuDeviceGetAttribute);
NVSOFT_SIG(cuDeviceGetName, tcuDeviceGetName);
NVSOFT_SIG(cuDeviceGetUuid, tcuDeviceGetUuid);
NVSOFT_SIG(cuDeviceGetUuid_v2, tcuDeviceGetUuid_v2);
NVSOFT_SIG(cuDeviceGetLuid, tcuDeviceGetLuid);
NVSOFT_SIG(cuDeviceGetByPCIBusId, tcuDeviceGetByPCIBusId);
NVSOFT_SIG(cuDeviceGetPCIBusId, tcuDeviceGetPCIBusId);
NVSOFT_SIG(cuDeviceComputeCapability, tcuDeviceComputeCapability);
