#pragma once
// How one input picture of a given format and size lies in memory: every plane at one pitch,
// planes stacked (NV12: h luma rows then h/2 interleaved chroma rows; YUV444: three h-row planes;
// BGRA/RGBA: one plane of 4-byte pixels; P010: NV12 layout with 16-bit samples). This is the
// layout NVENC expects behind a CUDA device pointer, so one 2D copy of rows() rows moves a frame.
#include <ffnvcodec/nvEncodeAPI.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace nvenc {

enum class InputFormat { Nv12, Yuv444, Bgra, Rgba, P010 };

bool parseInputFormat(const std::string& name, InputFormat& out);
const char* inputFormatName(InputFormat f);

struct FrameLayout {
  InputFormat format = InputFormat::Nv12;
  uint32_t width = 0;
  uint32_t height = 0;

  // Bytes one row of the first plane needs: the smallest valid pitch.
  size_t rowBytes() const;
  // Rows of all planes together at one pitch.
  size_t rows() const;
  size_t bytes(size_t pitch) const { return pitch * rows(); }
  NV_ENC_BUFFER_FORMAT bufferFormat() const;
  bool tenBit() const { return format == InputFormat::P010; }
  bool chroma444() const { return format == InputFormat::Yuv444; }
  bool rgb() const { return format == InputFormat::Bgra || format == InputFormat::Rgba; }
  // "1920x1080 nv12"
  std::string describe() const;
};

}  // namespace nvenc
