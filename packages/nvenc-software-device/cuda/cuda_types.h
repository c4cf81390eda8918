// Software CUDA driver (nvenc-ts): types and constants.
//
// The structure layouts and function typedefs come from nv-codec-headers'
// dynlink_cuda.h (MIT). That header only defines a handful of CUresult and
// enum values, so the remaining official numeric values the software driver
// needs are defined here (values as documented in NVIDIA's CUDA driver API).
#pragma once

#include <ffnvcodec/dynlink_cuda.h>

#include <cstdint>

namespace nvsoft {

// ---- CUresult values (official numbers) ----
enum : int {
  kSuccess = 0,
  kErrInvalidValue = 1,
  kErrOutOfMemory = 2,
  kErrNotInitialized = 3,
  kErrDeinitialized = 4,
  kErrNoDevice = 100,
  kErrInvalidDevice = 101,
  kErrInvalidImage = 200,
  kErrInvalidContext = 201,
  kErrContextAlreadyCurrent = 202,
  kErrMapFailed = 205,
  kErrUnmapFailed = 206,
  kErrArrayIsMapped = 207,
  kErrAlreadyMapped = 208,
  kErrNoBinaryForGpu = 209,
  kErrAlreadyAcquired = 210,
  kErrNotMapped = 211,
  kErrNotMappedAsArray = 212,
  kErrNotMappedAsPointer = 213,
  kErrEccUncorrectable = 214,
  kErrUnsupportedLimit = 215,
  kErrContextAlreadyInUse = 216,
  kErrPeerAccessUnsupported = 217,
  kErrInvalidPtx = 218,
  kErrInvalidGraphicsContext = 219,
  kErrInvalidSource = 300,
  kErrFileNotFound = 301,
  kErrSharedObjectSymbolNotFound = 302,
  kErrSharedObjectInitFailed = 303,
  kErrOperatingSystem = 304,
  kErrInvalidHandle = 400,
  kErrIllegalState = 401,
  kErrNotFound = 500,
  kErrNotReady = 600,
  kErrIllegalAddress = 700,
  kErrLaunchOutOfResources = 701,
  kErrLaunchTimeout = 702,
  kErrPeerAccessAlreadyEnabled = 704,
  kErrPeerAccessNotEnabled = 705,
  kErrPrimaryContextActive = 708,
  kErrContextIsDestroyed = 709,
  kErrHostMemoryAlreadyRegistered = 712,
  kErrHostMemoryNotRegistered = 713,
  kErrLaunchFailed = 719,
  kErrNotPermitted = 800,
  kErrNotSupported = 801,
  kErrSystemNotReady = 802,
  kErrSystemDriverMismatch = 803,
  kErrTimeout = 909,
  kErrUnknown = 999,
};

// CUmemorytype: CU_MEMORYTYPE_UNIFIED is missing from dynlink_cuda.h.
enum : unsigned {
  kMemTypeHost = 1,
  kMemTypeDevice = 2,
  kMemTypeArray = 3,
  kMemTypeUnified = 4,
};

// CUpointer_attribute (not in dynlink_cuda.h).
enum : int {
  kPtrAttrContext = 1,
  kPtrAttrMemoryType = 2,
  kPtrAttrDevicePointer = 3,
  kPtrAttrHostPointer = 4,
  kPtrAttrSyncMemops = 6,
  kPtrAttrBufferId = 7,
  kPtrAttrIsManaged = 8,
  kPtrAttrDeviceOrdinal = 9,
  kPtrAttrRangeStartAddr = 11,
  kPtrAttrRangeSize = 12,
  kPtrAttrMapped = 13,
};

// cuMemHostAlloc flags
enum : unsigned {
  kHostAllocPortable = 0x01,
  kHostAllocDeviceMap = 0x02,
  kHostAllocWriteCombined = 0x04,
};
// cuMemHostRegister flags
enum : unsigned {
  kHostRegisterPortable = 0x01,
  kHostRegisterDeviceMap = 0x02,
  kHostRegisterIoMemory = 0x04,
  kHostRegisterReadOnly = 0x08,
};
// cuMemAllocManaged flags
enum : unsigned {
  kMemAttachGlobal = 0x1,
  kMemAttachHost = 0x2,
};

// cuGetProcAddress flags / status
enum : unsigned long long {
  kGetProcAddressDefault = 0,
  kGetProcAddressLegacyStream = 1,
  kGetProcAddressPerThreadDefaultStream = 2,
};
enum : int {
  kProcAddressSuccess = 0,
  kProcAddressSymbolNotFound = 1,
  kProcAddressVersionNotSufficient = 2,
};

// Context flags: CU_CTX_SCHED_MASK = 0x07, CU_CTX_MAP_HOST = 0x08,
// CU_CTX_LMEM_RESIZE_TO_MAX = 0x10, CU_CTX_COREDUMP_ENABLE = 0x20,
// CU_CTX_USER_COREDUMP_ENABLE = 0x40, CU_CTX_SYNC_MEMOPS = 0x80.
constexpr unsigned kCtxFlagsMask = 0xFF;

// Special stream handles.
inline CUstream streamLegacy() { return reinterpret_cast<CUstream>(uintptr_t{1}); }
inline CUstream streamPerThread() { return reinterpret_cast<CUstream>(uintptr_t{2}); }

inline CUresult R(int v) { return static_cast<CUresult>(v); }

}  // namespace nvsoft
