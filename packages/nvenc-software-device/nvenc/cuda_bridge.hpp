// CUDA access for the software NVENC device: always through the CUDA driver API of the libcuda
// that owns the client's context (software or NVIDIA's), never by dereferencing device pointers.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace nvsoft {
namespace cuda {

// One loaded CUDA driver library. Every call runs with ctx current on this thread (push/pop) and
// returns 0 on success, the CUresult otherwise.
class Library {
 public:
  virtual ~Library() = default;
  virtual int checkContext(void* ctx) const = 0;
  // -2 when the library lacks cuMemGetAddressRange.
  virtual int addressRange(void* ctx, uint64_t dptr, uint64_t* base, size_t* size) const = 0;
  virtual int copyToHost(void* ctx, uint64_t dptr, size_t srcPitch, size_t widthBytes, size_t rows, void* dst,
                         size_t dstPitch) const = 0;
  // Waits for the work queued on a client's CUDA stream (nvEncSetIOCudaStreams input stream).
  // -2 when the library lacks cuStreamSynchronize.
  virtual int streamSynchronize(void* ctx, void* stream) const = 0;
  virtual std::string errorText(int res) const = 0;
  // Where it was loaded from, for messages.
  virtual const std::string& path() const = 0;
};

enum class Choice { Found, NoCuda, Ambiguous };
// The CUDA library a session must read ctx's memory through. Every libcuda.so* loaded in the
// process is considered, not only the one a lookup by soname returns: a process can hold two
// libraries with the soname libcuda.so.1 (NVIDIA's, loaded by name, and the software device's,
// loaded by path for device: 'software'), and the soname lookup returns whichever came first.
// A software libcuda (it exports nvsoft_cuda_identify) is asked whether ctx is one of its
// contexts, which it answers safely for any pointer; if none claims ctx and exactly one other
// libcuda is loaded, that one is the client's (NVIDIA's CUDA with the software NVENC library).
// With none loaded, libcuda.so.1 is loaded by name. NoCuda / Ambiguous set err.
Choice forContext(void* ctx, const Library** out, std::string& err);

}  // namespace cuda
}  // namespace nvsoft
