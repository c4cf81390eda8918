// CUDA access for the software NVENC device: always through the CUDA driver API of whatever
// libcuda.so.1 the process uses (software or NVIDIA's), never by dereferencing device pointers.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace nvsoft {
namespace cuda {
bool load(std::string& err);
// Runs with ctx current on this thread (push/pop). Returns 0 on success, the CUresult otherwise.
int checkContext(void* ctx);
int addressRange(void* ctx, uint64_t dptr, uint64_t* base, size_t* size);
int copyToHost(void* ctx, uint64_t dptr, size_t srcPitch, size_t widthBytes, size_t rows, void* dst, size_t dstPitch);
// Waits for the work queued on a client's CUDA stream (nvEncSetIOCudaStreams input stream).
// -2 when the libcuda lacks cuStreamSynchronize.
int streamSynchronize(void* ctx, void* stream);
std::string errorText(int res);
}  // namespace cuda
}  // namespace nvsoft
