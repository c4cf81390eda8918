// libavcodec engine: libx264 (H.264), libx265 (HEVC), libsvtav1 (AV1).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/imgutils.h>
#include <libavutil/frame.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include "bitstream.hpp"
#include "core.hpp"
#include "initlock.hpp"

namespace nvsoft {
namespace {

std::string errStr(int r) {
  char b[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(r, b, sizeof b);
  return b;
}

const char* encoderName(Codec c) {
  switch (c) {
    case Codec::H264: return "libx264";
    case Codec::HEVC: return "libx265";
    case Codec::AV1: return "libsvtav1";
    default: return nullptr;
  }
}

AVPixelFormat srcPixFmt(uint32_t fmt) {
  switch (fmt) {
    case BF_NV12: return AV_PIX_FMT_NV12;
    case BF_YV12:
    case BF_IYUV: return AV_PIX_FMT_YUV420P;
    case BF_YUV444: return AV_PIX_FMT_YUV444P;
    case BF_YUV420_10BIT: return AV_PIX_FMT_P010LE;
    case BF_YUV444_10BIT: return AV_PIX_FMT_YUV444P16LE;
    case BF_ARGB: return AV_PIX_FMT_BGRA;         // NVENC ARGB: B,G,R,A bytes in memory
    case BF_ABGR: return AV_PIX_FMT_RGBA;         // NVENC ABGR: R,G,B,A bytes in memory
    case BF_ARGB10: return AV_PIX_FMT_X2RGB10LE;  // 32-bit words: B in bits 0-9, G 10-19, R 20-29, A 30-31
    case BF_ABGR10: return AV_PIX_FMT_X2BGR10LE;  // 32-bit words: R in bits 0-9, G 10-19, B 20-29, A 30-31
    case BF_AYUV: return AV_PIX_FMT_YUV444P;      // bytes V,U,Y,A; split into planes first (FFmpeg 5.1 has no VUYA)
    default: return AV_PIX_FMT_NONE;
  }
}

AVPixelFormat encPixFmt(const EncodeConfig& c) {
  bool hi = c.bitDepth > 8;
  if (c.chromaFormatIDC == 3) return hi ? AV_PIX_FMT_YUV444P10LE : AV_PIX_FMT_YUV444P;
  return hi ? AV_PIX_FMT_YUV420P10LE : AV_PIX_FMT_YUV420P;
}

// P1..P7 -> x264/x265 speed presets. NVENC's multipass (a quarter- or full-resolution first
// pass per picture) has no libx264/libx265 equivalent; the engine spends the extra analysis the
// same way NVENC's slower presets do: one (quarter) or two (full resolution) presets slower.
const char* x264Preset(int p, int multiPass = 0) {
  static const char* n[] = {"ultrafast", "ultrafast", "superfast", "veryfast", "faster",
                            "fast",      "medium",    "slow",      "slower",   "veryslow"};
  return n[std::min(std::max(p, 1), 7) + std::min(std::max(multiPass, 0), 2)];
}

// NVENC aqStrength 1 (low) .. 15 (aggressive), 0 = auto (8) -> x264/x265 aq-strength (1.0 = default).
std::string aqStrengthText(uint32_t s) {
  char b[16];
  snprintf(b, sizeof b, "%.3f", (s ? s : 8) / 8.0);
  return b;
}

int swsMatrix(uint32_t m) {
  switch (m) {
    case 1: return SWS_CS_ITU709;
    case 9:
    case 10: return SWS_CS_BT2020;
    case 7: return SWS_CS_SMPTE240M;
    case 4: return SWS_CS_FCC;
    default: return SWS_CS_ITU601;
  }
}

// SVT-AV1 logs through its own printf-style logger (about 20 "Svt[info]" lines per session), which
// libavcodec's log level does not reach; its SVT_LOG variable does (1 = errors only). A client's
// console stays quiet unless the user set SVT_LOG themselves.
void quietSvtAv1() {
  static std::once_flag once;
  std::call_once(once, [] { setenv("SVT_LOG", "1", /*overwrite=*/0); });
}

// Whether two configurations differ only in what a running sequence can change (bitrate, VBV,
// frame rate): everything the engine's open() turns into the stream's structure is equal.
bool onlyRateDiffers(const EncodeConfig& a, const EncodeConfig& b) {
  return a.codec == b.codec && a.profile == b.profile && a.preset == b.preset && a.tuning == b.tuning &&
         a.width == b.width && a.height == b.height && a.darW == b.darW && a.darH == b.darH &&
         a.gopLength == b.gopLength && a.frameIntervalP == b.frameIntervalP && a.idrPeriod == b.idrPeriod &&
         a.rc.mode == b.rc.mode && a.rc.qpP == b.rc.qpP && a.rc.qpB == b.rc.qpB && a.rc.qpI == b.rc.qpI &&
         a.rc.enableMinQP == b.rc.enableMinQP && a.rc.enableMaxQP == b.rc.enableMaxQP &&
         a.rc.targetQuality == b.rc.targetQuality && (a.rc.averageBitRate == 0) == (b.rc.averageBitRate == 0) &&
         a.chromaFormatIDC == b.chromaFormatIDC && a.bitDepth == b.bitDepth && a.lossless == b.lossless &&
         a.level == b.level && a.maxNumRefFrames == b.maxNumRefFrames && a.bframeRefMode == b.bframeRefMode &&
         a.entropy == b.entropy && a.sliceMode == b.sliceMode && a.sliceModeData == b.sliceModeData &&
         a.vui.videoSignalTypePresent == b.vui.videoSignalTypePresent && a.vui.videoFormat == b.vui.videoFormat &&
         a.vui.fullRange == b.vui.fullRange && a.vui.colourDescriptionPresent == b.vui.colourDescriptionPresent &&
         a.vui.colourPrimaries == b.vui.colourPrimaries &&
         a.vui.transferCharacteristics == b.vui.transferCharacteristics && a.vui.colourMatrix == b.vui.colourMatrix;
}

const char* videoFormatName(uint32_t v) {
  static const char* n[] = {"component", "pal", "ntsc", "secam", "mac", "undef"};
  return v < 6 ? n[v] : "undef";
}

class LibavEngine : public Engine {
 public:
  ~LibavEngine() override {
    closeCtx();
    if (sws_) sws_freeContext(sws_);
    av_frame_free(&frame_);
    av_packet_free(&pkt_);
  }
  const char* name() const override { return encoderName(cfg_.codec); }

  Status open(const EncodeConfig& cfg, std::string& err) override {
    cfg_ = cfg;
    if (!pkt_) pkt_ = av_packet_alloc();
    if (!frame_) frame_ = av_frame_alloc();
    if (codecInitTakesLock(cfg.codec) && insideAvcodecOpen()) {
      deferred_ = true;
      return ST_SUCCESS;
    }
    return openCtx(err);
  }

  Status submit(const EngineFrame& f, std::string& err) override {
    if (!ctx_) {
      Status st = openCtx(err);
      if (st != ST_SUCCESS) return st;
    }
    AVPixelFormat sf = srcPixFmt(f.fmt);
    if (sf == AV_PIX_FMT_NONE) {
      err = "unsupported input buffer format";
      return ST_INVALID_PARAM;
    }
    if (av_frame_make_writable(frame_) < 0) {
      err = "out of memory (frame)";
      return ST_OUT_OF_MEMORY;
    }
    const uint8_t* src[4] = {f.planes[0], f.planes[1], f.planes[2], nullptr};
    int srcStride[4] = {(int)f.pitch[0], (int)f.pitch[1], (int)f.pitch[2], 0};
    if (f.fmt == BF_YV12) {
      std::swap(src[1], src[2]);
      std::swap(srcStride[1], srcStride[2]);
    }
    if (f.fmt == BF_AYUV) splitAyuv(f, src, srcStride);
    sws_ = sws_getCachedContext(sws_, (int)f.width, (int)f.height, sf, ctx_->width, ctx_->height, ctx_->pix_fmt,
                                SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, nullptr, nullptr, nullptr);
    if (!sws_) {
      err = "libswscale cannot convert this input format";
      return ST_INVALID_PARAM;
    }
    if (f.fmt == BF_ARGB || f.fmt == BF_ABGR || f.fmt == BF_ARGB10 || f.fmt == BF_ABGR10) {
      int m = cfg_.vui.colourDescriptionPresent ? swsMatrix(cfg_.vui.colourMatrix) : SWS_CS_ITU601;
      sws_setColorspaceDetails(sws_, sws_getCoefficients(m), 1, sws_getCoefficients(m), cfg_.vui.fullRange ? 1 : 0, 0,
                               1 << 16, 1 << 16);
    }
    sws_scale(sws_, src, srcStride, 0, (int)f.height, frame_->data, frame_->linesize);
    frame_->pts = f.serial;
    frame_->pict_type = AV_PICTURE_TYPE_NONE;
    if (f.forceIDR || f.typeHint == PIC_IDR)
      frame_->pict_type = AV_PICTURE_TYPE_I;
    else if (f.typeHint == PIC_I)
      frame_->pict_type = AV_PICTURE_TYPE_I;
    else if (cfg_.codec != Codec::AV1 && f.typeHint == PIC_P)
      frame_->pict_type = AV_PICTURE_TYPE_P;
    else if (cfg_.codec != Codec::AV1 && f.typeHint == PIC_B)
      frame_->pict_type = AV_PICTURE_TYPE_B;
    av_frame_remove_side_data(frame_, AV_FRAME_DATA_REGIONS_OF_INTEREST);
    if (!f.qpDelta.empty()) {
      Status st = attachQpDelta(f, err);
      if (st != ST_SUCCESS) return st;
    }
    // IDR vs non-IDR intra for forced key frames (libx265 honours this per frame).
    av_opt_set_int(ctx_->priv_data, "forced-idr", (f.typeHint == PIC_I && !f.forceIDR) ? 0 : 1, 0);
    int r = avcodec_send_frame(ctx_, frame_);
    if (r < 0) {
      err = std::string("encoder rejected the frame: ") + errStr(r);
      return ST_GENERIC;
    }
    picturesSent_++;
    return receive(err);
  }

  Status drain(std::string& err) override {
    // Nothing sent since the context opened: nothing to drain, and the context still starts a new
    // sequence (SVT-AV1 would wait forever on an end of stream with no picture before it).
    if (!ctx_ || picturesSent_ == 0) return ST_SUCCESS;
    int r = avcodec_send_frame(ctx_, nullptr);
    if (r < 0 && r != AVERROR_EOF) {
      err = std::string("flush failed: ") + errStr(r);
      return ST_GENERIC;
    }
    endOfStreamSent_ = true;
    Status st = receive(err);
    closeCtx();  // next submit re-opens: a new coded video sequence starting with an IDR
    return st;
  }

  bool pop(EnginePacket& out) override {
    if (out_.empty()) return false;
    out = std::move(out_.front());
    out_.pop_front();
    return true;
  }

  bool reconfigureInPlace(const EncodeConfig& next) override {
    // libx264 changes its rate control mid-sequence (x264_encoder_reconfig, which libavcodec calls
    // on the next frame when bit_rate / rc_max_rate / rc_buffer_size differ from the running ones).
    // libx265 and SVT-AV1 are not reconfigured through libavcodec 5.1: they restart (IDR).
    if (!ctx_ || cfg_.codec != Codec::H264 || next.rc.averageBitRate == 0 || !onlyRateDiffers(cfg_, next)) return false;
    if (next.rc.mode == RC_CONSTQP || next.lossless) return false;
    // The context keeps the frame rate it was opened with (x264's VUI timing and rate control
    // both use it). Rate control spends bitrate / fps bits per frame, so a new frame rate is
    // applied as the bitrate that gives the same bits per frame at the opened rate; the VBV
    // buffer, counted in bits, keeps its size.
    double fpsOpened = (double)ctx_->framerate.num / ctx_->framerate.den;
    double fpsNew = (double)(next.fpsNum ? next.fpsNum : 30) / (next.fpsDen ? next.fpsDen : 1);
    double scale = fpsOpened / fpsNew;
    const RcParams& rc = next.rc;
    bool cbr = rc.mode == RC_CBR || rc.mode == RC_CBR_HQ || rc.mode == RC_CBR_LOWDELAY_HQ;
    ctx_->bit_rate = (int64_t)std::llround(rc.averageBitRate * scale);
    if (cbr) {
      ctx_->rc_max_rate = ctx_->bit_rate;
      ctx_->rc_buffer_size = (int)(rc.vbvBufferSize ? rc.vbvBufferSize : rc.averageBitRate);
    } else if (rc.maxBitRate) {
      ctx_->rc_max_rate = (int64_t)std::llround(std::max(rc.maxBitRate, rc.averageBitRate) * scale);
      ctx_->rc_buffer_size = (int)(rc.vbvBufferSize ? rc.vbvBufferSize : std::max(rc.maxBitRate, rc.averageBitRate));
    } else if (ctx_->rc_max_rate != 0) {
      return false;  // VBV on at open, none asked for now: x264 cannot turn VBV off while running
    }
    cfg_ = next;
    return true;
  }

  std::vector<uint8_t> paramSets() override {
    if (!ctx_ && ps_.empty()) {
      std::string err;
      if (deferred_ && insideAvcodecOpen())
        helperParamSets(cfg_, false, ps_, err);
      else
        openCtx(err);
    }
    return ps_;
  }

 private:
  void closeCtx() {
    if (ctx_ && cfg_.codec == Codec::AV1 && avcodec_is_open(ctx_) && !endOfStreamSent_ && !endSvtStream())
      ctx_ = nullptr;  // abandoned, not freed: its threads stay idle, where freeing would never return
    if (ctx_) avcodec_free_context(&ctx_);
    picturesSent_ = 0;
    endOfStreamSent_ = false;
  }

  // SVT-AV1 1.4 (the libsvtav1 libavcodec 5.1 drives) cannot be freed in every state a driver's
  // session can be destroyed in: svt_av1_enc_deinit without an end of stream prints "deinit called
  // without sending EOS" and, when no picture was ever sent, waits forever on its pipeline
  // threads; and an end of stream with no picture before it never yields the end-of-stream packet
  // that avcodec_send_frame(NULL) then blocks on. nvEncDestroyEncoder returns whatever the client
  // sent, so before freeing an AV1 context that has not seen an end of stream, the engine sends
  // one, preceded by one black picture when none was sent, and reads back and drops the packets:
  // the client asked for no more output, and none of these reaches it. False when the end of
  // stream could not be sent (out of memory): the context cannot be freed then.
  bool endSvtStream() {
    if (picturesSent_ == 0) {
      if (av_frame_make_writable(frame_) < 0) return false;
      ptrdiff_t linesize[4] = {frame_->linesize[0], frame_->linesize[1], frame_->linesize[2], frame_->linesize[3]};
      av_image_fill_black(frame_->data, linesize, (AVPixelFormat)frame_->format, ctx_->color_range, frame_->width,
                          frame_->height);
      frame_->pts = 0;
      frame_->pict_type = AV_PICTURE_TYPE_NONE;
      av_frame_remove_side_data(frame_, AV_FRAME_DATA_REGIONS_OF_INTEREST);
      if (avcodec_send_frame(ctx_, frame_) < 0) return false;
    }
    if (avcodec_send_frame(ctx_, nullptr) < 0) return false;
    while (avcodec_receive_packet(ctx_, pkt_) >= 0) av_packet_unref(pkt_);
    return true;
  }

  // NVENC AYUV (GStreamer's VUYA): one packed plane, bytes V,U,Y,A per pixel -> Y, U, V planes.
  void splitAyuv(const EngineFrame& f, const uint8_t* src[4], int stride[4]) {
    const size_t w = f.width, h = f.height;
    ayuv_.resize(w * h * 3);
    uint8_t* y = ayuv_.data();
    uint8_t* u = y + w * h;
    uint8_t* v = u + w * h;
    for (size_t row = 0; row < h; row++) {
      const uint8_t* p = f.planes[0] + row * f.pitch[0];
      for (size_t x = 0; x < w; x++, p += 4) {
        v[row * w + x] = p[0];
        u[row * w + x] = p[1];
        y[row * w + x] = p[2];
      }
    }
    src[0] = y;
    src[1] = u;
    src[2] = v;
    stride[0] = stride[1] = stride[2] = (int)w;
  }
  std::vector<uint8_t> ayuv_;

  // NVENC's QP delta map (one signed QP offset per macroblock, raster order) as libavcodec
  // regions of interest: one region per run of equal non-zero values in a row. libx264 turns
  // regions back into per-macroblock quant offsets (qoffset x 51 for 8-bit), so the map arrives
  // exactly; the first region in the array wins on overlap, and runs never overlap.
  Status attachQpDelta(const EngineFrame& f, std::string& err) {
    std::vector<AVRegionOfInterest> rois;
    for (uint32_t y = 0; y < f.qpDeltaRows; y++) {
      uint32_t x = 0;
      while (x < f.qpDeltaCols) {
        int8_t v = f.qpDelta[(size_t)y * f.qpDeltaCols + x];
        uint32_t x1 = x + 1;
        while (x1 < f.qpDeltaCols && f.qpDelta[(size_t)y * f.qpDeltaCols + x1] == v) x1++;
        if (v != 0) {
          AVRegionOfInterest r{};
          r.self_size = sizeof(AVRegionOfInterest);
          r.top = (int)(y * f.qpBlock);
          r.bottom = (int)((y + 1) * f.qpBlock);
          r.left = (int)(x * f.qpBlock);
          r.right = (int)(x1 * f.qpBlock);
          r.qoffset = AVRational{std::max(-51, std::min(51, (int)v)), 51};
          rois.push_back(r);
        }
        x = x1;
      }
    }
    if (rois.empty()) return ST_SUCCESS;
    AVFrameSideData* sd =
        av_frame_new_side_data(frame_, AV_FRAME_DATA_REGIONS_OF_INTEREST, rois.size() * sizeof(AVRegionOfInterest));
    if (!sd) {
      err = "out of memory (regions of interest)";
      return ST_OUT_OF_MEMORY;
    }
    memcpy(sd->data, rois.data(), rois.size() * sizeof(AVRegionOfInterest));
    return ST_SUCCESS;
  }

  Status receive(std::string& err) {
    for (;;) {
      int r = avcodec_receive_packet(ctx_, pkt_);
      if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return ST_SUCCESS;
      if (r < 0) {
        err = std::string("encode failed: ") + errStr(r);
        return ST_GENERIC;
      }
      EnginePacket p;
      p.serial = pkt_->pts;
      if (cfg_.codec == Codec::AV1)
        p.data.assign(pkt_->data, pkt_->data + pkt_->size);
      else
        p.data = removeParamSets(cfg_.codec, pkt_->data, pkt_->size);
      if (!infoSei_.empty()) {
        p.data.insert(p.data.begin(), infoSei_.begin(), infoSei_.end());
        infoSei_.clear();
      }
      size_t sdSize = 0;
      uint8_t* sd = av_packet_get_side_data(pkt_, AV_PKT_DATA_QUALITY_STATS, &sdSize);
      int pt = AV_PICTURE_TYPE_NONE;
      if (sd && sdSize >= 5) {
        int32_t q;
        memcpy(&q, sd, 4);
        p.avgQP = (uint32_t)std::max(0, (q + FF_QP2LAMBDA / 2) / FF_QP2LAMBDA);
        pt = sd[4];
      }
      bool key = pkt_->flags & AV_PKT_FLAG_KEY;
      // x264/x265 flag the first picture of an intra refresh wave as a key frame too, but it is
      // a P picture (a recovery point), not an IDR.
      if (key && pt != AV_PICTURE_TYPE_P && pt != AV_PICTURE_TYPE_B)
        p.picType = PIC_IDR;
      else if (pt == AV_PICTURE_TYPE_I)
        p.picType = PIC_I;
      else if (pt == AV_PICTURE_TYPE_B)
        p.picType = PIC_B;
      else
        p.picType = PIC_P;
      out_.push_back(std::move(p));
      av_packet_unref(pkt_);
    }
  }

  Status openCtx(std::string& err) {
    closeCtx();
    const AVCodec* codec = avcodec_find_encoder_by_name(encoderName(cfg_.codec));
    if (!codec) {
      err =
          std::string(encoderName(cfg_.codec) ? encoderName(cfg_.codec) : "?") + " is not available in this libavcodec";
      return ST_UNSUPPORTED_PARAM;
    }
    ctx_ = avcodec_alloc_context3(codec);
    if (!ctx_) {
      err = "out of memory";
      return ST_OUT_OF_MEMORY;
    }
    const EncodeConfig& c = cfg_;
    ctx_->log_level_offset = 16;  // keep the client's console quiet: encoder chatter only at -v debug
    ctx_->width = (int)c.width;
    ctx_->height = (int)c.height;
    ctx_->pix_fmt = encPixFmt(c);
    uint32_t fn = c.fpsNum ? c.fpsNum : 30, fd = c.fpsDen ? c.fpsDen : 1;
    ctx_->time_base = AVRational{(int)fd, (int)fn};
    ctx_->framerate = AVRational{(int)fn, (int)fd};
    ctx_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    ctx_->gop_size = 1 << 30;  // IDR placement is decided by the core (NVENC GOP pattern)
    int bframes = c.codec == Codec::AV1 ? 0 : std::max(0, c.frameIntervalP - 1);
    ctx_->max_b_frames = bframes;
    // Threads only where they cannot change the bitstream's shape or delay: frame threads would
    // add output delay (NVENC is 1-in-1-out), and x264's sliced threads cut every picture into
    // one slice per thread (whatever slice count was asked), which browser decoders fed by noVNC
    // cannot reassemble. So H.264 encodes on one thread with exactly the slices asked for;
    // HEVC/AV1 thread inside one picture.
    unsigned hw = std::max(1u, std::thread::hardware_concurrency());
    bool multiSlice = c.sliceMode == 3 && c.sliceModeData > 1;
    if (c.codec == Codec::H264)
      ctx_->thread_count = 1;
    else
      ctx_->thread_count = (int)std::min(4u, hw);
    if (c.darW && c.darH) {
      av_reduce(&ctx_->sample_aspect_ratio.num, &ctx_->sample_aspect_ratio.den, (int64_t)c.darW * c.height,
                (int64_t)c.darH * c.width, 1 << 30);
    }
    if (c.vui.colourDescriptionPresent) {
      ctx_->color_primaries = (AVColorPrimaries)c.vui.colourPrimaries;
      ctx_->color_trc = (AVColorTransferCharacteristic)c.vui.transferCharacteristics;
      ctx_->colorspace = (AVColorSpace)c.vui.colourMatrix;
    }
    ctx_->color_range = c.vui.fullRange ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG;
    if (c.maxNumRefFrames) ctx_->refs = (int)c.maxNumRefFrames;

    // Rate control
    const RcParams& rc = c.rc;
    bool cqp = rc.mode == RC_CONSTQP || c.lossless;
    std::string params;
    auto add = [&](const std::string& kv) {
      if (!params.empty()) params += ":";
      params += kv;
    };
    if (!cqp) {
      bool cbr = rc.mode == RC_CBR || rc.mode == RC_CBR_HQ || rc.mode == RC_CBR_LOWDELAY_HQ;
      if (rc.averageBitRate) {
        ctx_->bit_rate = rc.averageBitRate;
        if (cbr && c.codec == Codec::AV1) {
          // SVT-AV1 rejects max == target; its own CBR mode (rc=2, low-delay structure) is set below.
        } else if (cbr) {
          ctx_->rc_max_rate = rc.averageBitRate;
          ctx_->rc_buffer_size = (int)(rc.vbvBufferSize ? rc.vbvBufferSize : rc.averageBitRate);
        } else if (rc.maxBitRate) {
          ctx_->rc_max_rate = std::max(rc.maxBitRate, rc.averageBitRate);
          ctx_->rc_buffer_size = (int)(rc.vbvBufferSize ? rc.vbvBufferSize : ctx_->rc_max_rate);
        }
      } else {
        // no target bitrate: constant quality (targetQuality, else the encoder's default)
        int q = rc.targetQuality ? (int)rc.targetQuality : (c.codec == Codec::AV1 ? 35 : 23);
        av_opt_set_double(ctx_->priv_data, "crf", q, 0);
      }
      if (rc.enableMinQP) ctx_->qmin = (int)rc.minQP[0];
      if (rc.enableMaxQP) ctx_->qmax = (int)rc.maxQP[0];
    }

    if (c.codec == Codec::H264) {
      av_opt_set(ctx_->priv_data, "preset", x264Preset(c.preset, rc.multiPass), 0);
      const char* prof = nullptr;
      switch (c.profile) {
        case Profile::H264Baseline: prof = "baseline"; break;
        case Profile::H264Main: prof = "main"; break;
        case Profile::H264High: prof = "high"; break;
        case Profile::H264High444: prof = "high444"; break;
        default: break;
      }
      if (c.lossless || c.chromaFormatIDC == 3) prof = "high444";
      if (prof) av_opt_set(ctx_->priv_data, "profile", prof, 0);
      if (c.level) ctx_->level = (int)c.level;
      if (cqp) {
        av_opt_set_int(ctx_->priv_data, "qp", c.lossless ? 0 : (int)rc.qpP, 0);
        // NVENC's constQP gives each picture type its QP; x264 derives I/B QPs from P through
        // ipratio/pbratio (defaults 1.4/1.3, i.e. I = P - 3), so set both ratios, also when equal.
        if (!c.lossless) {
          ctx_->i_quant_factor = (float)(1.0 / std::pow(2.0, ((double)rc.qpP - rc.qpI) / 6.0));
          ctx_->b_quant_factor = (float)std::pow(2.0, ((double)rc.qpB - rc.qpP) / 6.0);
        }
      }
      if (c.entropy == 2) av_opt_set(ctx_->priv_data, "coder", "cavlc", 0);
      add("b-adapt=0");
      // x264's pyramid makes the middle B-frame of each group a reference (NVENC's "middle").
      add(c.bframeRefMode ? "b-pyramid=normal" : "b-pyramid=none");
      // Lookahead: x264's rate-control lookahead; temporal AQ: x264's macroblock tree, which
      // propagates the cost of blocks that later frames reference (what NVENC's temporal AQ
      // does). Frame types stay the NVENC pattern (the core forces each picture's type).
      uint32_t la = rc.enableLookahead ? rc.lookaheadDepth : 0;
      add("rc-lookahead=" + std::to_string(la) + ":sync-lookahead=0:scenecut=0:force-cfr=1:annexb=1:repeat-headers=0");
      add(rc.enableTemporalAQ ? "mbtree=1" : "mbtree=0");
      // Spatial AQ: x264's variance AQ. A QP delta map needs x264's AQ path switched on (libx264
      // ignores regions of interest without it), at a strength too small to move any QP.
      if (rc.enableAQ)
        add("aq-mode=1:aq-strength=" + aqStrengthText(rc.aqStrength));
      else if (rc.qpMapMode == 2)
        add("aq-mode=1:aq-strength=0.0001");
      else
        add("aq-mode=0");
      add(c.weightedPrediction ? "weightp=2" : "weightp=0");
      // Intra refresh: a column of intra macroblocks sweeps the picture in intraRefreshCnt + 1
      // pictures, starting again every intraRefreshCnt + 1 pictures (never later than NVENC's
      // intraRefreshPeriod); x264 writes a recovery point SEI at each wave's start.
      if (c.intraRefresh)
        add("intra-refresh=1:keyint=" + std::to_string(c.intraRefreshCnt + 1));
      else
        add("keyint=infinite");
      if (c.vui.videoSignalTypePresent) add(std::string("videoformat=") + videoFormatName(c.vui.videoFormat));
      if (multiSlice) add("slices=" + std::to_string(c.sliceModeData));
      uint32_t mbw = (c.width + 15) / 16;
      if (c.sliceMode == 0 && c.sliceModeData) add("slice-max-mbs=" + std::to_string(c.sliceModeData));
      if (c.sliceMode == 1 && c.sliceModeData) add("slice-max-size=" + std::to_string(c.sliceModeData));
      if (c.sliceMode == 2 && c.sliceModeData) add("slice-max-mbs=" + std::to_string(c.sliceModeData * mbw));
      av_opt_set(ctx_->priv_data, "x264-params", params.c_str(), 0);
      av_opt_set_int(ctx_->priv_data, "forced-idr", 1, 0);
    } else if (c.codec == Codec::HEVC) {
      av_opt_set(ctx_->priv_data, "preset", x264Preset(c.preset, rc.multiPass), 0);
      const char* prof = nullptr;
      if (c.chromaFormatIDC == 3)
        prof = c.bitDepth > 8 ? "main444-10" : "main444-8";
      else if (c.bitDepth > 8)
        prof = "main10";
      else if (c.profile == Profile::HEVCMain)
        prof = "main";
      if (prof) av_opt_set(ctx_->priv_data, "profile", prof, 0);
      add("log-level=error:annexb=1:repeat-headers=0:open-gop=0:scenecut=0:b-adapt=0:frame-threads=1");
      add(c.intraRefresh ? "intra-refresh=1:keyint=" + std::to_string(c.intraRefreshCnt + 1)
                         : std::string("keyint=-1"));
      add("bframes=" + std::to_string(bframes));
      add(c.bframeRefMode ? "b-pyramid=1" : "b-pyramid=0");
      uint32_t la = std::max<uint32_t>(rc.enableLookahead ? rc.lookaheadDepth : 0, bframes ? bframes + 1 : 0);
      add("rc-lookahead=" + std::to_string(la));
      add(rc.enableTemporalAQ ? "cutree=1" : "cutree=0");
      add(rc.enableAQ ? "aq-mode=1:aq-strength=" + aqStrengthText(rc.aqStrength) : std::string("aq-mode=0"));
      add(c.weightedPrediction ? "weightp=1" : "weightp=0");
      add("weightb=0");
      if (c.sliceMode == 3 && c.sliceModeData > 1) add("slices=" + std::to_string(c.sliceModeData));
      if (c.maxNumRefFrames) add("ref=" + std::to_string(std::min<uint32_t>(c.maxNumRefFrames, 16)));
      if (c.level) add("level-idc=" + std::to_string(c.level / 3));
      if (c.lossless)
        add("lossless=1");
      else if (cqp) {
        add("qp=" + std::to_string(rc.qpP));
        if (rc.qpI < rc.qpP) add("ipratio=" + std::to_string(std::pow(2.0, ((double)rc.qpP - rc.qpI) / 6.0)));
        if (rc.qpB > rc.qpP) add("pbratio=" + std::to_string(std::pow(2.0, ((double)rc.qpB - rc.qpP) / 6.0)));
      }
      if (c.vui.videoSignalTypePresent) add(std::string("videoformat=") + videoFormatName(c.vui.videoFormat));
      av_opt_set(ctx_->priv_data, "x265-params", params.c_str(), 0);
      av_opt_set_int(ctx_->priv_data, "forced-idr", 1, 0);
    } else if (c.codec == Codec::AV1) {
      quietSvtAv1();
      static const int svtPreset[] = {10, 12, 11, 10, 9, 8, 7, 6};
      av_opt_set_int(
          ctx_->priv_data, "preset",
          std::max(0, svtPreset[std::min(std::max(c.preset, 1), 7)] - std::min(std::max(rc.multiPass, 0), 2)), 0);
      av_opt_set_int(ctx_->priv_data, "la_depth", 0, 0);
      // Low-delay prediction (no hidden frames) keeps SVT-AV1 close to NVENC's 1-in-1-out model.
      std::string svt = "pred-struct=1";
      bool cbr = rc.mode == RC_CBR || rc.mode == RC_CBR_HQ || rc.mode == RC_CBR_LOWDELAY_HQ;
      // NVENC's AV1 constQP is a qindex, 0-255; SVT-AV1's qp is its 0-63 quantizer scale, which it
      // maps back to qindex at about 4 per step: scale it, never clamp (qindex 100 is not qp 63).
      if (cqp)
        svt += ":rc=0:qp=" + std::to_string(std::min(63u, (rc.qpP * 63 + 127) / 255));
      else if (cbr && rc.averageBitRate)
        svt += ":rc=2";
      av_opt_set(ctx_->priv_data, "svtav1-params", svt.c_str(), 0);
      ctx_->gop_size = -1;
    }

    int r = avcodec_open2(ctx_, nullptr, nullptr);
    if (r < 0) {
      err = std::string("cannot open ") + encoderName(c.codec) + " for this configuration (" + errStr(r) + ")";
      closeCtx();
      return ST_INVALID_PARAM;
    }
    if (cfg_.codec == Codec::AV1)
      ps_.assign(ctx_->extradata, ctx_->extradata + ctx_->extradata_size);
    else
      ps_ = extractParamSets(cfg_.codec, ctx_->extradata, (size_t)ctx_->extradata_size);
    // libx265 puts its settings SEI (user data, the options it encodes with) in the global
    // header, libx264 in the first picture: pass x265's on with the first picture too, so a
    // stream shows the encoder settings each NVENC control turned into.
    infoSei_.clear();
    if (cfg_.codec == Codec::HEVC && ctx_->extradata)
      for (const NalRef& n : splitAnnexB(ctx_->extradata, (size_t)ctx_->extradata_size))
        if (nalType(cfg_.codec, ctx_->extradata + n.offset) == 39) {
          appendStartCode(infoSei_);
          infoSei_.insert(infoSei_.end(), ctx_->extradata + n.offset, ctx_->extradata + n.offset + n.size);
        }
    av_frame_unref(frame_);
    frame_->format = ctx_->pix_fmt;
    frame_->width = ctx_->width;
    frame_->height = ctx_->height;
    if (av_frame_get_buffer(frame_, 0) < 0) {
      err = "out of memory (frame)";
      return ST_OUT_OF_MEMORY;
    }
    return ST_SUCCESS;
  }

  EncodeConfig cfg_;
  AVCodecContext* ctx_ = nullptr;
  SwsContext* sws_ = nullptr;
  AVFrame* frame_ = nullptr;
  AVPacket* pkt_ = nullptr;
  std::deque<EnginePacket> out_;
  std::vector<uint8_t> ps_;
  std::vector<uint8_t> infoSei_;  // x265 settings SEI, sent once with the first picture
  bool deferred_ = false;
  uint64_t picturesSent_ = 0;     // pictures given to the context since it opened
  bool endOfStreamSent_ = false;  // avcodec_send_frame(NULL) done on this context
};
}  // namespace

std::unique_ptr<Engine> makeLibavEngine() { return std::unique_ptr<Engine>(new LibavEngine()); }

bool libavHasEncoder(Codec c) {
  const char* n = encoderName(c);
  return n && avcodec_find_encoder_by_name(n) != nullptr;
}

}  // namespace nvsoft
