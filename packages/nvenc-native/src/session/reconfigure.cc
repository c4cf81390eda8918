// EncodeSession (encode_session.h): reconfigure. Rate control, frame rate and resolution change
// through nvEncReconfigureEncoder on the open session; a new size first drains the pictures of
// the old one and drops the encoder-owned surfaces that have it.
#include "session/encode_session.h"
#include "session/status_check.h"
#include "trace.h"

namespace nvenc {

void EncodeSession::reconfigure(const ReconfigureRequest& request) {
  std::lock_guard<std::mutex> lock(mutex_);
  reconfigureLocked(request);
}

void EncodeSession::reconfigureLocked(const ReconfigureRequest& request) {
  requireOpen();
  TraceRange trace("nvenc:reconfigure");
  ScopedContext scope(context_->cuda(), context_->get());
  NV_ENC_CONFIG config = config_;
  NV_ENC_INITIALIZE_PARAMS params = init_;
  params.encodeConfig = &config;
  NV_ENC_RECONFIGURE_PARAMS reconf{};
  reconf.version = NV_ENC_RECONFIGURE_PARAMS_VER;

  if (request.hasBitrate) {
    config.rcParams.averageBitRate = request.bitrate;
    if (options_.rateControl == RateControl::Cbr && !request.hasMaxBitrate)
      config.rcParams.maxBitRate = request.bitrate;
  }
  if (request.hasMaxBitrate) config.rcParams.maxBitRate = request.maxBitrate;
  if (request.hasQp) {
    if (options_.rateControl != RateControl::Cqp)
      throw NativeError("INVALID_OPTION", "qp can change only with rateControl 'cqp'", 0, "reconfigure", "qp");
    // Rate-control parameters change without resetEncoder/forceIDR: the sequence goes on.
    config.rcParams.constQP = {request.qp, request.qp, request.qp};
  }
  if (request.hasFps) {
    if (request.fpsNum == 0 || request.fpsDen == 0)
      throw NativeError("INVALID_OPTION", "fpsNum and fpsDen must be positive", 0, "reconfigure");
    params.frameRateNum = request.fpsNum;
    params.frameRateDen = request.fpsDen;
  }
  uint32_t width = request.hasWidth ? request.width : layout_.width;
  uint32_t height = request.hasHeight ? request.height : layout_.height;
  const bool resize = width != layout_.width || height != layout_.height;
  if (resize) {
    if (width == 0 || height == 0)
      throw NativeError("INVALID_OPTION", "width and height must be positive", 0, "reconfigure");
    if (!layout_.rgb() && ((width | height) & 1))
      throw NativeError("INVALID_OPTION", "4:2:0 and 4:4:4 input needs even width and height", 0, "reconfigure");
    if (width > init_.maxEncodeWidth || height > init_.maxEncodeHeight)
      throw NativeError("NV_ENC_ERR_UNSUPPORTED_PARAM",
                        "cannot change the resolution to " + std::to_string(width) + "x" + std::to_string(height) +
                            ": it exceeds the maximum of " + std::to_string(init_.maxEncodeWidth) + "x" +
                            std::to_string(init_.maxEncodeHeight) +
                            " this session was initialised for; open a new encoder",
                        NV_ENC_ERR_UNSUPPORTED_PARAM, "reconfigure");
    params.encodeWidth = params.darWidth = width;
    params.encodeHeight = params.darHeight = height;
    reconf.resetEncoder = 1;
    reconf.forceIDR = 1;
    // Frames of the old size must leave the encoder first; their packets come back with the next call.
    drain(carried_);
  }
  if (request.forceKeyframe) {
    reconf.resetEncoder = 1;
    reconf.forceIDR = 1;
  }
  reconf.reInitEncodeParams = params;
  checkNvenc(*fns_, encoder_, fns_->nvEncReconfigureEncoder(encoder_, &reconf), "nvEncReconfigureEncoder",
             "reconfigure");
  config_ = config;
  init_ = params;
  init_.encodeConfig = &config_;
  if (request.forceKeyframe) forceIdrNext_ = true;
  if (resize) {
    layout_.width = width;
    layout_.height = height;
    options_.width = width;
    options_.height = height;
    // Encoder-owned surfaces have the old size; they are idle after the drain.
    for (Slot& slot : slots_) {
      slot.registration.reset();
      slot.surface.reset();
    }
    hostUpload_.reset();
  }
}

}  // namespace nvenc
