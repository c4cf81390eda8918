// Copies and memsets (all synchronous: *Async variants complete before they return).
#include "internal.hpp"

using namespace nvsoft;

namespace nvsoft {

// ---- copies ----

enum class Side { Host, Device, Unified };

CUresult checkSide(const Registry& r, Side s, uintptr_t p, size_t n) {
  switch (s) {
    case Side::Device: return checkDeviceRange(r, p, n);
    case Side::Host: return checkHostRange(r, p, n);
    case Side::Unified:
      // cuMemcpy / CU_MEMORYTYPE_UNIFIED: a recorded block is device memory
      // and must contain the range, anything else is host memory.
      return checkHostRange(r, p, n);
  }
  return R(kErrInvalidValue);
}

CUresult copy1D(uintptr_t dst, Side ds, uintptr_t src, Side ss, size_t n, CUstream stream, bool checkStreamHandle) {
  REQUIRE_INIT();
  Registry& r = registry();
  Shared lock(r.mu);
  if (CUresult e = currentCtx(r, nullptr)) return e;
  if (checkStreamHandle)
    if (CUresult e = checkStream(r, stream)) return e;
  if (n == 0) return R(kSuccess);
  if (CUresult e = checkSide(r, ds, dst, n)) return e;
  if (CUresult e = checkSide(r, ss, src, n)) return e;
  std::memmove(reinterpret_cast<void*>(dst), reinterpret_cast<const void*>(src), n);
  return R(kSuccess);
}

unsigned readMemType(const CUmemorytype* field) {
  // Read as a plain integer: clients may pass CU_MEMORYTYPE_UNIFIED (4), which
  // is outside the enum declared by dynlink_cuda.h.
  unsigned v = 0;
  static_assert(sizeof(CUmemorytype) == sizeof(unsigned), "enum size");
  std::memcpy(&v, field, sizeof v);
  return v;
}

struct Plane {
  uintptr_t start = 0;
  size_t pitch = 0;
  Side side = Side::Host;
};

CUresult resolvePlane(unsigned type, const void* host, CUdeviceptr dev, CUarray arr, size_t x, size_t y, size_t pitch,
                      size_t width, size_t height, Plane* out) {
  uintptr_t base = 0;
  switch (type) {
    case kMemTypeHost:
      base = reinterpret_cast<uintptr_t>(host);
      out->side = Side::Host;
      break;
    case kMemTypeDevice:
      base = static_cast<uintptr_t>(dev);
      out->side = Side::Device;
      break;
    case kMemTypeUnified:
      base = static_cast<uintptr_t>(dev);
      out->side = Side::Unified;
      break;
    case kMemTypeArray: (void)arr; return R(kErrNotSupported);
    default: return R(kErrInvalidValue);
  }
  if (base == 0) return R(kErrInvalidValue);
  // cuMemcpy2D: "If specified, srcPitch must be greater than or equal to WidthInBytes +
  // srcXInBytes" (likewise dst), and any pitch above CU_DEVICE_ATTRIBUTE_MAX_PITCH fails. A single
  // row may leave the pitch 0 (unspecified).
  if ((height > 1 || pitch != 0) && (pitch < width || pitch - width < x)) return R(kErrInvalidValue);
  if (pitch > 2147483647ull) return R(kErrInvalidValue);  // MAX_PITCH
  // start = base + y * pitch + x, checked for overflow.
  unsigned __int128 start = static_cast<unsigned __int128>(y) * pitch + x + base;
  unsigned __int128 span = static_cast<unsigned __int128>(height - 1) * pitch + width;
  if (start + span > UINTPTR_MAX) return R(kErrInvalidValue);
  out->start = static_cast<uintptr_t>(start);
  out->pitch = pitch;
  return R(kSuccess);
}

CUresult copy2D(const CUDA_MEMCPY2D* c, CUstream stream, bool checkStreamHandle) {
  REQUIRE_INIT();
  if (!c) return R(kErrInvalidValue);
  Registry& r = registry();
  Shared lock(r.mu);
  if (CUresult e = currentCtx(r, nullptr)) return e;
  if (checkStreamHandle)
    if (CUresult e = checkStream(r, stream)) return e;
  const size_t w = c->WidthInBytes, h = c->Height;
  if (w == 0 || h == 0) return R(kSuccess);
  Plane src, dst;
  if (CUresult e = resolvePlane(readMemType(&c->srcMemoryType), c->srcHost, c->srcDevice, c->srcArray, c->srcXInBytes,
                                c->srcY, c->srcPitch, w, h, &src))
    return e;
  if (CUresult e = resolvePlane(readMemType(&c->dstMemoryType), c->dstHost, c->dstDevice, c->dstArray, c->dstXInBytes,
                                c->dstY, c->dstPitch, w, h, &dst))
    return e;
  // The rows are evenly spaced, so checking the span from the first byte of
  // the first row to the last byte of the last row checks every row.
  const size_t srcSpan = (h - 1) * src.pitch + w;
  const size_t dstSpan = (h - 1) * dst.pitch + w;
  if (CUresult e = checkSide(r, src.side, src.start, srcSpan)) return e;
  if (CUresult e = checkSide(r, dst.side, dst.start, dstSpan)) return e;
  if (src.pitch == w && dst.pitch == w) {
    std::memmove(reinterpret_cast<void*>(dst.start), reinterpret_cast<const void*>(src.start), w * h);
  } else {
    for (size_t row = 0; row < h; ++row)
      std::memmove(reinterpret_cast<void*>(dst.start + row * dst.pitch),
                   reinterpret_cast<const void*>(src.start + row * src.pitch), w);
  }
  return R(kSuccess);
}

// ---- memset ----

template <typename T>
CUresult memset2D(CUdeviceptr dst, size_t pitch, T value, size_t width, size_t height, CUstream stream,
                  bool checkStreamHandle) {
  REQUIRE_INIT();
  Registry& r = registry();
  Shared lock(r.mu);
  if (CUresult e = currentCtx(r, nullptr)) return e;
  if (checkStreamHandle)
    if (CUresult e = checkStream(r, stream)) return e;
  if (width == 0 || height == 0) return R(kSuccess);
  const uintptr_t p = static_cast<uintptr_t>(dst);
  if (p % sizeof(T) != 0) return R(kErrInvalidValue);
  const size_t rowBytes = width * sizeof(T);
  if (width > SIZE_MAX / sizeof(T)) return R(kErrInvalidValue);
  if (height > 1 && pitch < rowBytes) return R(kErrInvalidValue);
  unsigned __int128 span = static_cast<unsigned __int128>(height - 1) * pitch + rowBytes;
  if (span > SIZE_MAX) return R(kErrInvalidValue);
  if (CUresult e = checkDeviceRange(r, p, static_cast<size_t>(span))) return e;
  for (size_t row = 0; row < height; ++row) {
    auto* d = reinterpret_cast<unsigned char*>(p + row * pitch);
    if constexpr (sizeof(T) == 1) {
      std::memset(d, value, width);
    } else {
      for (size_t i = 0; i < width; ++i) std::memcpy(d + i * sizeof(T), &value, sizeof(T));
    }
  }
  return R(kSuccess);
}

}  // namespace nvsoft

// ---- memory: copies (all synchronous; *Async variants complete before returning) ----

NVSOFT_API CUresult cuMemcpy(CUdeviceptr dst, CUdeviceptr src, size_t ByteCount) {
  return copy1D(static_cast<uintptr_t>(dst), Side::Unified, static_cast<uintptr_t>(src), Side::Unified, ByteCount,
                nullptr, false);
}
NVSOFT_API CUresult cuMemcpyAsync(CUdeviceptr dst, CUdeviceptr src, size_t ByteCount, CUstream hStream) {
  return copy1D(static_cast<uintptr_t>(dst), Side::Unified, static_cast<uintptr_t>(src), Side::Unified, ByteCount,
                hStream, true);
}

NVSOFT_API CUresult cuMemcpyHtoD_v2(CUdeviceptr dstDevice, const void* srcHost, size_t ByteCount) {
  return copy1D(static_cast<uintptr_t>(dstDevice), Side::Device, reinterpret_cast<uintptr_t>(srcHost), Side::Host,
                ByteCount, nullptr, false);
}
NVSOFT_ALIAS(CUresult, cuMemcpyHtoD, cuMemcpyHtoD_v2, (CUdeviceptr, const void*, size_t));

NVSOFT_API CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dstDevice, const void* srcHost, size_t ByteCount,
                                         CUstream hStream) {
  return copy1D(static_cast<uintptr_t>(dstDevice), Side::Device, reinterpret_cast<uintptr_t>(srcHost), Side::Host,
                ByteCount, hStream, true);
}
NVSOFT_ALIAS(CUresult, cuMemcpyHtoDAsync, cuMemcpyHtoDAsync_v2, (CUdeviceptr, const void*, size_t, CUstream));

NVSOFT_API CUresult cuMemcpyDtoH_v2(void* dstHost, CUdeviceptr srcDevice, size_t ByteCount) {
  return copy1D(reinterpret_cast<uintptr_t>(dstHost), Side::Host, static_cast<uintptr_t>(srcDevice), Side::Device,
                ByteCount, nullptr, false);
}
NVSOFT_ALIAS(CUresult, cuMemcpyDtoH, cuMemcpyDtoH_v2, (void*, CUdeviceptr, size_t));

NVSOFT_API CUresult cuMemcpyDtoHAsync_v2(void* dstHost, CUdeviceptr srcDevice, size_t ByteCount, CUstream hStream) {
  return copy1D(reinterpret_cast<uintptr_t>(dstHost), Side::Host, static_cast<uintptr_t>(srcDevice), Side::Device,
                ByteCount, hStream, true);
}
NVSOFT_ALIAS(CUresult, cuMemcpyDtoHAsync, cuMemcpyDtoHAsync_v2, (void*, CUdeviceptr, size_t, CUstream));

NVSOFT_API CUresult cuMemcpyDtoD_v2(CUdeviceptr dstDevice, CUdeviceptr srcDevice, size_t ByteCount) {
  return copy1D(static_cast<uintptr_t>(dstDevice), Side::Device, static_cast<uintptr_t>(srcDevice), Side::Device,
                ByteCount, nullptr, false);
}
NVSOFT_ALIAS(CUresult, cuMemcpyDtoD, cuMemcpyDtoD_v2, (CUdeviceptr, CUdeviceptr, size_t));

NVSOFT_API CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dstDevice, CUdeviceptr srcDevice, size_t ByteCount,
                                         CUstream hStream) {
  return copy1D(static_cast<uintptr_t>(dstDevice), Side::Device, static_cast<uintptr_t>(srcDevice), Side::Device,
                ByteCount, hStream, true);
}
NVSOFT_ALIAS(CUresult, cuMemcpyDtoDAsync, cuMemcpyDtoDAsync_v2, (CUdeviceptr, CUdeviceptr, size_t, CUstream));

NVSOFT_API CUresult cuMemcpy2D_v2(const CUDA_MEMCPY2D* pCopy) { return copy2D(pCopy, nullptr, false); }
NVSOFT_ALIAS(CUresult, cuMemcpy2D, cuMemcpy2D_v2, (const CUDA_MEMCPY2D*));
NVSOFT_ALIAS(CUresult, cuMemcpy2DUnaligned_v2, cuMemcpy2D_v2, (const CUDA_MEMCPY2D*));
NVSOFT_ALIAS(CUresult, cuMemcpy2DUnaligned, cuMemcpy2D_v2, (const CUDA_MEMCPY2D*));

NVSOFT_API CUresult cuMemcpy2DAsync_v2(const CUDA_MEMCPY2D* pCopy, CUstream hStream) {
  return copy2D(pCopy, hStream, true);
}
NVSOFT_ALIAS(CUresult, cuMemcpy2DAsync, cuMemcpy2DAsync_v2, (const CUDA_MEMCPY2D*, CUstream));

// ---- memory: memset ----

NVSOFT_API CUresult cuMemsetD8_v2(CUdeviceptr dstDevice, unsigned char uc, size_t N) {
  return memset2D<unsigned char>(dstDevice, N, uc, N, 1, nullptr, false);
}
NVSOFT_ALIAS(CUresult, cuMemsetD8, cuMemsetD8_v2, (CUdeviceptr, unsigned char, size_t));

NVSOFT_API CUresult cuMemsetD8Async(CUdeviceptr dstDevice, unsigned char uc, size_t N, CUstream hStream) {
  return memset2D<unsigned char>(dstDevice, N, uc, N, 1, hStream, true);
}

NVSOFT_API CUresult cuMemsetD16_v2(CUdeviceptr dstDevice, unsigned short us, size_t N) {
  return memset2D<unsigned short>(dstDevice, N * 2, us, N, 1, nullptr, false);
}
NVSOFT_ALIAS(CUresult, cuMemsetD16, cuMemsetD16_v2, (CUdeviceptr, unsigned short, size_t));

NVSOFT_API CUresult cuMemsetD32_v2(CUdeviceptr dstDevice, unsigned int ui, size_t N) {
  return memset2D<unsigned int>(dstDevice, N * 4, ui, N, 1, nullptr, false);
}
NVSOFT_ALIAS(CUresult, cuMemsetD32, cuMemsetD32_v2, (CUdeviceptr, unsigned int, size_t));

NVSOFT_API CUresult cuMemsetD2D8_v2(CUdeviceptr dstDevice, size_t dstPitch, unsigned char uc, size_t Width,
                                    size_t Height) {
  return memset2D<unsigned char>(dstDevice, dstPitch, uc, Width, Height, nullptr, false);
}
NVSOFT_ALIAS(CUresult, cuMemsetD2D8, cuMemsetD2D8_v2, (CUdeviceptr, size_t, unsigned char, size_t, size_t));

NVSOFT_API CUresult cuMemsetD2D8Async(CUdeviceptr dstDevice, size_t dstPitch, unsigned char uc, size_t Width,
                                      size_t Height, CUstream hStream) {
  return memset2D<unsigned char>(dstDevice, dstPitch, uc, Width, Height, hStream, true);
}

NVSOFT_API CUresult cuMemsetD2D32_v2(CUdeviceptr dstDevice, size_t dstPitch, unsigned int ui, size_t Width,
                                     size_t Height) {
  return memset2D<unsigned int>(dstDevice, dstPitch, ui, Width, Height, nullptr, false);
}
NVSOFT_ALIAS(CUresult, cuMemsetD2D32, cuMemsetD2D32_v2, (CUdeviceptr, size_t, unsigned int, size_t, size_t));

// Loaded by FFmpeg 8 (nv-codec-headers 13): the 16- and 32-bit memsets in every form. Like every
// *Async call here they run before returning, so they complete in stream order.
NVSOFT_API CUresult cuMemsetD16Async(CUdeviceptr dstDevice, unsigned short us, size_t N, CUstream hStream) {
  return memset2D<unsigned short>(dstDevice, N * 2, us, N, 1, hStream, true);
}

NVSOFT_API CUresult cuMemsetD32Async(CUdeviceptr dstDevice, unsigned int ui, size_t N, CUstream hStream) {
  return memset2D<unsigned int>(dstDevice, N * 4, ui, N, 1, hStream, true);
}

NVSOFT_API CUresult cuMemsetD2D16_v2(CUdeviceptr dstDevice, size_t dstPitch, unsigned short us, size_t Width,
                                     size_t Height) {
  return memset2D<unsigned short>(dstDevice, dstPitch, us, Width, Height, nullptr, false);
}
NVSOFT_ALIAS(CUresult, cuMemsetD2D16, cuMemsetD2D16_v2, (CUdeviceptr, size_t, unsigned short, size_t, size_t));

NVSOFT_API CUresult cuMemsetD2D16Async(CUdeviceptr dstDevice, size_t dstPitch, unsigned short us, size_t Width,
                                       size_t Height, CUstream hStream) {
  return memset2D<unsigned short>(dstDevice, dstPitch, us, Width, Height, hStream, true);
}

NVSOFT_API CUresult cuMemsetD2D32Async(CUdeviceptr dstDevice, size_t dstPitch, unsigned int ui, size_t Width,
                                       size_t Height, CUstream hStream) {
  return memset2D<unsigned int>(dstDevice, dstPitch, ui, Width, Height, hStream, true);
}

// Signatures against nv-codec-headers' typedefs.
NVSOFT_SIG(cuMemsetD8Async, tcuMemsetD8Async);
NVSOFT_SIG(cuMemcpy, tcuMemcpy);
NVSOFT_SIG(cuMemcpyAsync, tcuMemcpyAsync);
NVSOFT_SIG(cuMemcpy2D_v2, tcuMemcpy2D_v2);
NVSOFT_SIG(cuMemcpy2DAsync_v2, tcuMemcpy2DAsync_v2);
NVSOFT_SIG(cuMemcpyHtoD_v2, tcuMemcpyHtoD_v2);
NVSOFT_SIG(cuMemcpyHtoDAsync_v2, tcuMemcpyHtoDAsync_v2);
NVSOFT_SIG(cuMemcpyDtoH_v2, tcuMemcpyDtoH_v2);
NVSOFT_SIG(cuMemcpyDtoHAsync_v2, tcuMemcpyDtoHAsync_v2);
NVSOFT_SIG(cuMemcpyDtoD_v2, tcuMemcpyDtoD_v2);
NVSOFT_SIG(cuMemcpyDtoDAsync_v2, tcuMemcpyDtoDAsync_v2);
