// Bitstream buffers and pictures: create, encode, lock.
// Compiled once per NVENC header (see adapter.hpp).
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "adapter.hpp"

namespace nvsoft {
namespace NVSOFT_ABI_NS {

Status createBitstreamBuffer(Session* s, void* params) {
  auto* p = (NV_ENC_CREATE_BITSTREAM_BUFFER*)params;
  if (!p) return s->fail(ST_INVALID_PTR, "nvEncCreateBitstreamBuffer: params is NULL");
  CHECK_VER(p, NV_ENC_CREATE_BITSTREAM_BUFFER_VER, "nvEncCreateBitstreamBuffer");
  BitstreamBuffer* b = nullptr;
  Status st = coreCreateBitstreamBuffer(s, &b);
  if (st == ST_SUCCESS) {
    p->bitstreamBuffer = b;
    p->bitstreamBufferPtr = nullptr;
  }
  return st;
}

Status encodePicture(Session* s, void* params) {
  auto* p = (NV_ENC_PIC_PARAMS*)params;
  if (!p) return s->fail(ST_INVALID_PTR, "nvEncEncodePicture: params is NULL");
  CHECK_VER(p, NV_ENC_PIC_PARAMS_VER, "nvEncEncodePicture");
  PicIn pic;
  pic.inputBuffer = p->inputBuffer;
  pic.outputBitstream = p->outputBitstream;
  pic.inputWidth = p->inputWidth;
  pic.inputHeight = p->inputHeight;
  pic.inputPitch = p->inputPitch;
  pic.bufferFmt = raw(p->bufferFmt);
  pic.pictureStruct = raw(p->pictureStruct);
  pic.flags = p->encodePicFlags;
  pic.frameIdx = p->frameIdx;
  pic.ts = p->inputTimeStamp;
  pic.duration = p->inputDuration;
  if (s->initialized && !(pic.flags & NV_ENC_PIC_FLAG_EOS)) {
    const NV_ENC_SEI_PAYLOAD* arr = nullptr;
    uint32_t cnt = 0;
    if (s->cfg.codec == Codec::H264) {
      arr = p->codecPicParams.h264PicParams.seiPayloadArray;
      cnt = p->codecPicParams.h264PicParams.seiPayloadArrayCnt;
    } else if (s->cfg.codec == Codec::HEVC) {
      arr = p->codecPicParams.hevcPicParams.seiPayloadArray;
      cnt = p->codecPicParams.hevcPicParams.seiPayloadArrayCnt;
    }
    if (s->cfg.codec == Codec::H264) {
      const NV_ENC_PIC_PARAMS_H264& h = p->codecPicParams.h264PicParams;
      pic.forceIntraRefreshCnt = h.forceIntraRefreshWithFrameCnt;
      pic.ltrMark = h.ltrMarkFrame;
      pic.ltrUse = h.ltrUseFrames;
    } else if (s->cfg.codec == Codec::HEVC) {
      const NV_ENC_PIC_PARAMS_HEVC& h = p->codecPicParams.hevcPicParams;
      pic.forceIntraRefreshCnt = h.forceIntraRefreshWithFrameCnt;
      pic.ltrMark = h.ltrMarkFrame;
      pic.ltrUse = h.ltrUseFrames;
    }
    pic.qpDeltaMap = p->qpDeltaMap;
    pic.qpDeltaMapSize = p->qpDeltaMapSize;
    if (cnt && !arr) return s->fail(ST_INVALID_PTR, "seiPayloadArrayCnt > 0 but seiPayloadArray is NULL");
    for (uint32_t i = 0; i < cnt; i++) {
      if (arr[i].payloadSize && !arr[i].payload)
        return s->fail(ST_INVALID_PTR, "seiPayloadArray[" + std::to_string(i) + "].payload is NULL");
      pic.sei.push_back(
          SeiPayload{arr[i].payloadType, std::vector<uint8_t>(arr[i].payload, arr[i].payload + arr[i].payloadSize)});
    }
  }
  return coreEncodePicture(s, pic);
}

Status lockBitstream(Session* s, void* params) {
  auto* p = (NV_ENC_LOCK_BITSTREAM*)params;
  if (!p) return s->fail(ST_INVALID_PTR, "nvEncLockBitstream: params is NULL");
  CHECK_VER(p, NV_ENC_LOCK_BITSTREAM_VER, "nvEncLockBitstream");
  LockOut o;
  Status st = coreLockBitstream(s, p->outputBitstream, p->doNotWait, &o);
  if (st != ST_SUCCESS) return st;
  p->bitstreamBufferPtr = o.data;
  p->bitstreamSizeInBytes = o.size;
  p->pictureType = (NV_ENC_PIC_TYPE)o.picType;
  p->pictureStruct = NV_ENC_PIC_STRUCT_FRAME;
  p->frameIdx = o.frameIdx;
  p->outputTimeStamp = o.ts;
  p->outputDuration = o.duration;
  p->frameAvgQP = o.avgQP;
  p->hwEncodeStatus = 0;
  // NVENC reports slices only with reportSliceOffsets; the array holds one entry per macroblock,
  // so numSlices entries always fit.
  p->numSlices = s->cfg.reportSliceOffsets ? o.numSlices : 0;
  if (p->sliceOffsets && s->cfg.reportSliceOffsets)
    for (uint32_t i = 0; i < o.numSlices; i++) p->sliceOffsets[i] = o.sliceOffsets[i];
  p->ltrFrameIdx = 0;
  p->ltrFrameBitmap = 0;
  p->temporalId = 0;
  p->frameSatd = 0;
  p->intraMBCount = 0;
  p->interMBCount = 0;
  p->averageMVX = 0;
  p->averageMVY = 0;
  fillLockOfThisAbi(*p, o);
  return ST_SUCCESS;
}

}  // namespace NVSOFT_ABI_NS
}  // namespace nvsoft
