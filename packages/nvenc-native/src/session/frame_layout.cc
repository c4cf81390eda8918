#include "session/frame_layout.h"

namespace nvenc {

bool parseInputFormat(const std::string& name, InputFormat& out) {
  if (name == "nv12")
    out = InputFormat::Nv12;
  else if (name == "yuv444")
    out = InputFormat::Yuv444;
  else if (name == "bgra")
    out = InputFormat::Bgra;
  else if (name == "rgba")
    out = InputFormat::Rgba;
  else if (name == "p010")
    out = InputFormat::P010;
  else
    return false;
  return true;
}

const char* inputFormatName(InputFormat f) {
  switch (f) {
    case InputFormat::Nv12: return "nv12";
    case InputFormat::Yuv444: return "yuv444";
    case InputFormat::Bgra: return "bgra";
    case InputFormat::Rgba: return "rgba";
    case InputFormat::P010: return "p010";
  }
  return "unknown";
}

size_t FrameLayout::rowBytes() const {
  switch (format) {
    case InputFormat::Nv12:
    case InputFormat::Yuv444: return width;
    case InputFormat::P010: return size_t(width) * 2;
    case InputFormat::Bgra:
    case InputFormat::Rgba: return size_t(width) * 4;
  }
  return width;
}

size_t FrameLayout::rows() const {
  switch (format) {
    case InputFormat::Nv12:
    case InputFormat::P010: return size_t(height) + (height + 1) / 2;
    case InputFormat::Yuv444: return size_t(height) * 3;
    case InputFormat::Bgra:
    case InputFormat::Rgba: return height;
  }
  return height;
}

NV_ENC_BUFFER_FORMAT FrameLayout::bufferFormat() const {
  switch (format) {
    case InputFormat::Nv12: return NV_ENC_BUFFER_FORMAT_NV12;
    case InputFormat::Yuv444: return NV_ENC_BUFFER_FORMAT_YUV444;
    case InputFormat::P010: return NV_ENC_BUFFER_FORMAT_YUV420_10BIT;
    // NVENC names packed RGB by the word order; in memory ARGB is B,G,R,A and ABGR is R,G,B,A.
    case InputFormat::Bgra: return NV_ENC_BUFFER_FORMAT_ARGB;
    case InputFormat::Rgba: return NV_ENC_BUFFER_FORMAT_ABGR;
  }
  return NV_ENC_BUFFER_FORMAT_UNDEFINED;
}

std::string FrameLayout::describe() const {
  return std::to_string(width) + "x" + std::to_string(height) + " " + inputFormatName(format);
}

}  // namespace nvenc
