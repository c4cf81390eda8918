// NV_ENC_BUFFER_FORMAT support, names and plane layouts as NVENC defines them.
#include "core.hpp"

namespace nvsoft {

bool bufFmtSupported(uint32_t f) {
  switch (f) {
    case BF_NV12:
    case BF_YV12:
    case BF_IYUV:
    case BF_YUV444:
    case BF_YUV420_10BIT:
    case BF_YUV444_10BIT:
    case BF_ARGB:
    case BF_ABGR:
    case BF_AYUV:
    case BF_ARGB10:
    case BF_ABGR10: return true;
    default: return false;
  }
}

const char* bufFmtName(uint32_t f) {
  switch (f) {
    case BF_NV12: return "NV12";
    case BF_YV12: return "YV12";
    case BF_IYUV: return "IYUV";
    case BF_YUV444: return "YUV444";
    case BF_YUV420_10BIT: return "YUV420_10BIT";
    case BF_YUV444_10BIT: return "YUV444_10BIT";
    case BF_ARGB: return "ARGB";
    case BF_ABGR: return "ABGR";
    case BF_ARGB10: return "ARGB10";
    case BF_ABGR10: return "ABGR10";
    case BF_AYUV: return "AYUV";
    default: return "UNDEFINED";
  }
}

bool planeLayout(uint32_t fmt, uint32_t w, uint32_t h, size_t pitch, PlaneLayout* L) {
  *L = PlaneLayout();
  size_t cw = (w + 1) / 2, ch = (h + 1) / 2;
  switch (fmt) {
    case BF_NV12:
    case BF_YUV420_10BIT: {
      size_t bps = fmt == BF_NV12 ? 1 : 2;
      L->count = 2;
      L->pitch[0] = L->pitch[1] = pitch;
      L->rowBytes[0] = w * bps;
      L->rows[0] = h;
      L->offset[1] = pitch * h;
      L->rowBytes[1] = cw * 2 * bps;
      L->rows[1] = ch;
      break;
    }
    case BF_YV12:
    case BF_IYUV:
      L->count = 3;
      L->pitch[0] = pitch;
      L->pitch[1] = L->pitch[2] = pitch / 2;
      L->rowBytes[0] = w;
      L->rows[0] = h;
      L->rowBytes[1] = L->rowBytes[2] = cw;
      L->rows[1] = L->rows[2] = ch;
      L->offset[1] = pitch * h;
      L->offset[2] = L->offset[1] + (pitch / 2) * ch;
      if (pitch / 2 < cw) return false;
      break;
    case BF_YUV444:
    case BF_YUV444_10BIT: {
      size_t bps = fmt == BF_YUV444 ? 1 : 2;
      L->count = 3;
      for (int i = 0; i < 3; i++) {
        L->pitch[i] = pitch;
        L->rowBytes[i] = w * bps;
        L->rows[i] = h;
        L->offset[i] = pitch * h * i;
      }
      break;
    }
    case BF_ARGB:
    case BF_ABGR:
    case BF_AYUV:
    case BF_ARGB10:
    case BF_ABGR10:
      L->count = 1;
      L->pitch[0] = pitch;
      L->rowBytes[0] = (size_t)w * 4;
      L->rows[0] = h;
      break;
    default: return false;
  }
  if (pitch < L->rowBytes[0]) return false;
  int last = L->count - 1;
  L->total = L->offset[last] + L->pitch[last] * (L->rows[last] - 1) + L->rowBytes[last];
  return true;
}

size_t minPitch(uint32_t fmt, uint32_t w) {
  switch (fmt) {
    case BF_YUV420_10BIT:
    case BF_YUV444_10BIT: return (size_t)w * 2;
    case BF_ARGB:
    case BF_ABGR:
    case BF_AYUV:
    case BF_ARGB10:
    case BF_ABGR10: return (size_t)w * 4;
    case BF_YV12:
    case BF_IYUV: return ((size_t)w + 1) & ~(size_t)1;
    default: return w;
  }
}

}  // namespace nvsoft
