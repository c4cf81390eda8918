// Null engine (NVENC_SOFT_ENGINE=null): valid, tiny access units without encoding the input.
// At open it encodes one black IDR and one black P frame (all macroblocks/CUs skipped) with
// libavcodec, then replays them: each P gets a fresh frame_num (H.264) / POC LSB (HEVC), each
// IDR a fresh idr_pic_id (H.264). The result decodes without errors as a black picture.
#include <cstring>
#include <string>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/opt.h>
}

#include "bitstream.hpp"
#include "core.hpp"
#include "initlock.hpp"

namespace nvsoft {
namespace {

struct SliceInfo {
  // H.264
  int log2MaxFrameNum = 4, pocType = 2, log2MaxPocLsb = 4;
  bool bottomFieldPicOrder = false;
  // HEVC
  int hevcLog2MaxPocLsb = 4, hevcExtraBits = 0;
  bool hevcOutputFlagPresent = false, hevcDependentSlices = false;
};

bool parseH264(const std::vector<uint8_t>& ps, SliceInfo& si, std::string& err) {
  for (auto& r : splitAnnexB(ps.data(), ps.size())) {
    const uint8_t* n = ps.data() + r.offset;
    int t = n[0] & 0x1f;
    auto rb = unescapeRbsp(n + 1, r.size - 1);
    BitReader br(rb.data(), rb.size());
    if (t == 7) {
      uint32_t profile = br.u(8);
      br.u(8);
      br.u(8);
      br.ue();
      if (profile == 100 || profile == 110 || profile == 122 || profile == 244 || profile == 44 || profile == 83 ||
          profile == 86 || profile == 118 || profile == 128) {
        uint32_t cf = br.ue();
        if (cf == 3) br.u(1);
        br.ue();
        br.ue();
        br.u(1);
        if (br.u(1)) {
          err = "scaling matrices in SPS";
          return false;
        }
      }
      si.log2MaxFrameNum = (int)br.ue() + 4;
      si.pocType = (int)br.ue();
      if (si.pocType == 0)
        si.log2MaxPocLsb = (int)br.ue() + 4;
      else if (si.pocType == 1) {
        err = "pic_order_cnt_type 1";
        return false;
      }
    } else if (t == 8) {
      br.ue();
      br.ue();
      if (br.u(1)) {
        err = "CABAC PPS";
        return false;
      }
      si.bottomFieldPicOrder = br.u(1);
    }
    if (br.overrun()) {
      err = "truncated parameter set";
      return false;
    }
  }
  return true;
}

bool parseHevc(const std::vector<uint8_t>& ps, SliceInfo& si, std::string& err) {
  for (auto& r : splitAnnexB(ps.data(), ps.size())) {
    const uint8_t* n = ps.data() + r.offset;
    int t = (n[0] >> 1) & 0x3f;
    auto rb = unescapeRbsp(n + 2, r.size - 2);
    BitReader br(rb.data(), rb.size());
    if (t == 33) {
      br.u(4);
      uint32_t subLayers = br.u(3);
      br.u(1);
      if (subLayers != 0) {
        err = "SPS with sub-layers";
        return false;
      }
      br.u(32);
      br.u(32);
      br.u(32);  // profile_tier_level (96 bits)
      br.ue();
      uint32_t cf = br.ue();
      if (cf == 3) br.u(1);
      br.ue();
      br.ue();
      if (br.u(1)) {
        br.ue();
        br.ue();
        br.ue();
        br.ue();
      }
      br.ue();
      br.ue();
      si.hevcLog2MaxPocLsb = (int)br.ue() + 4;
    } else if (t == 34) {
      br.ue();
      br.ue();
      si.hevcDependentSlices = br.u(1);
      si.hevcOutputFlagPresent = br.u(1);
      si.hevcExtraBits = (int)br.u(3);
    }
    if (br.overrun()) {
      err = "truncated parameter set";
      return false;
    }
  }
  return true;
}

// Copies the slice RBSP, replacing fields; remaining bits are copied (shifted if lengths change).
std::vector<uint8_t> rewriteH264Slice(const uint8_t* nal, size_t size, const SliceInfo& si, bool idr, uint32_t frameNum,
                                      uint32_t idrPicId, uint32_t pocLsb) {
  auto rb = unescapeRbsp(nal + 1, size - 1);
  size_t lastOne = 0;
  for (size_t i = rb.size(); i-- > 0;)
    if (rb[i]) {
      lastOne = i * 8 + 7 - (size_t)__builtin_ctz(rb[i]);
      break;
    }
  BitReader br(rb.data(), rb.size());
  BitWriter bw;
  bw.ue(br.ue());  // first_mb_in_slice
  bw.ue(br.ue());  // slice_type
  bw.ue(br.ue());  // pps id
  br.u(si.log2MaxFrameNum);
  bw.u(si.log2MaxFrameNum, frameNum & ((1u << si.log2MaxFrameNum) - 1));
  if (idr) {
    br.ue();
    bw.ue(idrPicId);
  }
  if (si.pocType == 0) {
    br.u(si.log2MaxPocLsb);
    bw.u(si.log2MaxPocLsb, pocLsb & ((1u << si.log2MaxPocLsb) - 1));
  }
  while (br.pos() < lastOne) bw.u(1, br.u(1));
  bw.trailing();
  std::vector<uint8_t> out;
  appendStartCode(out);
  out.push_back(nal[0]);
  auto esc = escapeRbsp(bw.bytes());
  out.insert(out.end(), esc.begin(), esc.end());
  return out;
}

std::vector<uint8_t> rewriteHevcSlice(const uint8_t* nal, size_t size, const SliceInfo& si, uint32_t pocLsb) {
  auto rb = unescapeRbsp(nal + 2, size - 2);
  int t = (nal[0] >> 1) & 0x3f;
  BitReader br(rb.data(), rb.size());
  br.u(1);                          // first_slice_segment_in_pic_flag (x265: one slice)
  if (t >= 16 && t <= 23) br.u(1);  // no_output_of_prior_pics_flag
  br.ue();                          // pps id
  br.u(si.hevcExtraBits);
  br.ue();  // slice_type
  if (si.hevcOutputFlagPresent) br.u(1);
  size_t pos = br.pos();
  // overwrite slice_pic_order_cnt_lsb in place (same width, slice data stays byte aligned)
  for (int i = 0; i < si.hevcLog2MaxPocLsb; i++) {
    size_t bit = pos + (size_t)i;
    uint32_t v = (pocLsb >> (si.hevcLog2MaxPocLsb - 1 - i)) & 1;
    if (v)
      rb[bit >> 3] |= (uint8_t)(0x80 >> (bit & 7));
    else
      rb[bit >> 3] &= (uint8_t) ~(0x80 >> (bit & 7));
  }
  std::vector<uint8_t> out;
  appendStartCode(out);
  out.push_back(nal[0]);
  out.push_back(nal[1]);
  auto esc = escapeRbsp(rb);
  out.insert(out.end(), esc.begin(), esc.end());
  return out;
}

class NullEngine : public Engine {
 public:
  const char* name() const override { return "null"; }

  Status open(const EncodeConfig& cfg, std::string& err) override {
    codec_ = cfg.codec;
    cfg_ = cfg;
    if (codec_ != Codec::H264 && codec_ != Codec::HEVC) {
      err = "the null engine produces H.264 and HEVC only";
      return ST_INVALID_PARAM;
    }
    if (codecInitTakesLock(codec_) && insideAvcodecOpen()) {
      deferred_ = true;
      return ST_SUCCESS;
    }
    return build(err);
  }

  Status build(std::string& err) {
    const EncodeConfig& cfg = cfg_;
    deferred_ = false;
    const char* encName = codec_ == Codec::H264 ? "libx264" : "libx265";
    const AVCodec* c = avcodec_find_encoder_by_name(encName);
    if (!c) {
      err = std::string(encName) + " is not available";
      return ST_INVALID_PARAM;
    }
    AVCodecContext* ctx = avcodec_alloc_context3(c);
    ctx->log_level_offset = 16;
    ctx->width = (int)cfg.width;
    ctx->height = (int)cfg.height;
    ctx->pix_fmt = AV_PIX_FMT_YUV420P;
    ctx->time_base = AVRational{(int)(cfg.fpsDen ? cfg.fpsDen : 1), (int)(cfg.fpsNum ? cfg.fpsNum : 30)};
    ctx->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    ctx->max_b_frames = 0;
    ctx->thread_count = 1;
    ctx->gop_size = 1 << 30;
    if (codec_ == Codec::H264) {
      av_opt_set(ctx->priv_data, "preset", "ultrafast", 0);
      av_opt_set(ctx->priv_data, "profile", "baseline", 0);
      av_opt_set_int(ctx->priv_data, "qp", 30, 0);
      av_opt_set(ctx->priv_data, "x264-params",
                 "keyint=infinite:scenecut=0:rc-lookahead=0:sync-lookahead=0:force-cfr=1:annexb=1:repeat-headers=0:ref="
                 "1:cabac=0:bframes=0",
                 0);
    } else {
      av_opt_set(ctx->priv_data, "preset", "ultrafast", 0);
      av_opt_set(ctx->priv_data, "x265-params",
                 "log-level=error:annexb=1:repeat-headers=0:keyint=-1:scenecut=0:bframes=0:rc-lookahead=0:ref=1:frame-"
                 "threads=1:qp=30:"
                 "open-gop=0:temporal-mvp=0:sao=0:pools=none:wpp=0",
                 0);
    }
    int r = avcodec_open2(ctx, nullptr, nullptr);
    if (r < 0) {
      avcodec_free_context(&ctx);
      err = "cannot open the null engine's template encoder";
      return ST_INVALID_PARAM;
    }
    ps_ = extractParamSets(codec_, ctx->extradata, (size_t)ctx->extradata_size);
    AVFrame* f = av_frame_alloc();
    f->format = ctx->pix_fmt;
    f->width = ctx->width;
    f->height = ctx->height;
    av_frame_get_buffer(f, 0);
    for (int p = 0; p < 3; p++) {
      int h = p ? (ctx->height + 1) / 2 : ctx->height;
      memset(f->data[p], p ? 128 : 16, (size_t)f->linesize[p] * h);
    }
    AVPacket* pkt = av_packet_alloc();
    std::vector<std::vector<uint8_t>> pkts;
    for (int i = 0; i < 2; i++) {
      f->pts = i;
      f->pict_type = i == 0 ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_P;
      avcodec_send_frame(ctx, f);
      while (avcodec_receive_packet(ctx, pkt) == 0) {
        pkts.emplace_back(pkt->data, pkt->data + pkt->size);
        av_packet_unref(pkt);
      }
    }
    avcodec_send_frame(ctx, nullptr);
    while (avcodec_receive_packet(ctx, pkt) == 0) {
      pkts.emplace_back(pkt->data, pkt->data + pkt->size);
      av_packet_unref(pkt);
    }
    av_packet_free(&pkt);
    av_frame_free(&f);
    avcodec_free_context(&ctx);
    if (pkts.size() != 2) {
      err = "null engine template encode produced " + std::to_string(pkts.size()) + " packets";
      return ST_GENERIC;
    }
    // keep only the VCL NAL units
    for (int i = 0; i < 2; i++) {
      auto& v = (i == 0 ? idrSlices_ : pSlices_);
      for (auto& nr : splitAnnexB(pkts[i].data(), pkts[i].size())) {
        const uint8_t* n = pkts[i].data() + nr.offset;
        int t = nalType(codec_, n);
        bool vcl = codec_ == Codec::H264 ? (t == 1 || t == 5) : (t < 32);
        if (vcl) v.emplace_back(n, n + nr.size);
      }
    }
    if (idrSlices_.empty() || pSlices_.empty()) {
      err = "null engine template has no slices";
      return ST_GENERIC;
    }
    bool ok = codec_ == Codec::H264 ? parseH264(ps_, si_, err) : parseHevc(ps_, si_, err);
    if (!ok) {
      err = "null engine cannot parse its template: " + err;
      return ST_GENERIC;
    }
    return ST_SUCCESS;
  }

  Status submit(const EngineFrame& f, std::string& err) override {
    if (idrSlices_.empty()) {
      Status st = build(err);
      if (st != ST_SUCCESS) return st;
    }
    EnginePacket p;
    p.serial = f.serial;
    p.avgQP = 30;
    bool idr = fresh_ || f.forceIDR || f.typeHint == PIC_IDR || f.typeHint == PIC_I;
    if (idr) {
      sinceIdr_ = 0;
      idrCount_++;
    } else
      sinceIdr_++;
    fresh_ = false;
    for (auto& s : (idr ? idrSlices_ : pSlices_)) {
      std::vector<uint8_t> nal;
      if (codec_ == Codec::H264)
        nal = rewriteH264Slice(s.data(), s.size(), si_, idr, idr ? 0 : (uint32_t)sinceIdr_,
                               (uint32_t)(idrCount_ & 0xffff), (uint32_t)(2 * sinceIdr_));
      else if (idr) {
        nal.clear();
        appendStartCode(nal);
        nal.insert(nal.end(), s.begin(), s.end());
      } else
        nal = rewriteHevcSlice(s.data(), s.size(), si_, (uint32_t)(sinceIdr_ & ((1u << si_.hevcLog2MaxPocLsb) - 1)));
      p.data.insert(p.data.end(), nal.begin(), nal.end());
    }
    p.picType = idr ? PIC_IDR : PIC_P;
    out_.push_back(std::move(p));
    return ST_SUCCESS;
  }

  Status drain(std::string&) override {
    fresh_ = true;
    return ST_SUCCESS;
  }
  bool pop(EnginePacket& out) override {
    if (out_.empty()) return false;
    out = std::move(out_.front());
    out_.pop_front();
    return true;
  }
  std::vector<uint8_t> paramSets() override {
    if (deferred_ && ps_.empty()) {
      std::string err;
      if (insideAvcodecOpen())
        helperParamSets(cfg_, true, ps_, err);
      else
        build(err);
    }
    return ps_;
  }

 private:
  EncodeConfig cfg_;
  bool deferred_ = false;
  Codec codec_ = Codec::None;
  std::vector<uint8_t> ps_;
  std::vector<std::vector<uint8_t>> idrSlices_, pSlices_;
  SliceInfo si_;
  std::deque<EnginePacket> out_;
  bool fresh_ = true;
  uint64_t sinceIdr_ = 0, idrCount_ = 0;
};
}  // namespace

std::unique_ptr<Engine> makeNullEngine() { return std::unique_ptr<Engine>(new NullEngine()); }

}  // namespace nvsoft
