/**
 * What `NvencEncoder.getCapabilities(codec)` returns: NVENC's `nvEncGetEncodeCaps` answers under
 * camelCase names of their `NV_ENC_CAPS_*` constants. `supported` is always present; every other
 * field is present only when the driver answered that query (older drivers know fewer), so each
 * is optional. Flags are 0/1; limits are numbers.
 */
export interface NvencCapabilities {
  /** 1 when the device can encode the codec with this binary's ABI (AV1 needs ABI 12.0+), else 0 and nothing else is reported. */
  supported: 0 | 1;
  /** Largest width in pixels (NV_ENC_CAPS_WIDTH_MAX). */
  widthMax?: number;
  /** Largest height in pixels. */
  heightMax?: number;
  /** Smallest width in pixels. */
  widthMin?: number;
  /** Smallest height in pixels. */
  heightMin?: number;
  /** Most B-frames between reference frames (0: none). */
  numMaxBframes?: number;
  /** Bit mask of NV_ENC_PARAMS_RC_MODE values the device supports. */
  supportedRatecontrolModes?: number;
  support10bitEncode?: number;
  supportLosslessEncode?: number;
  supportYuv444Encode?: number;
  supportLookahead?: number;
  supportTemporalAq?: number;
  /** 0 on Linux: NVENC runs synchronously there. */
  asyncEncodeSupport?: number;
  /** `reconfigure({ width, height })` within the size the session opened with. */
  supportDynResChange?: number;
  /** `reconfigure({ bitrate })` without a new session. */
  supportDynBitrateChange?: number;
  supportDynForceConstqp?: number;
  supportDynRcmodeChange?: number;
  supportCustomVbvBufSize?: number;
  supportIntraRefresh?: number;
  supportBframeRefMode?: number;
  supportFieldEncoding?: number;
  supportMonochrome?: number;
  supportCabac?: number;
  supportSao?: number;
  supportTemporalSvc?: number;
  supportHierarchicalPframes?: number;
  supportHierarchicalBframes?: number;
  supportRefPicInvalidation?: number;
  supportWeightedPrediction?: number;
  supportMultipleRefFrames?: number;
  supportAlphaLayerEncoding?: number;
  supportEmphasisLevelMap?: number;
  supportMeonlyMode?: number;
  numMaxTemporalLayers?: number;
  numMaxLtrFrames?: number;
  /** NVENC engines on the GPU (sessions are spread over them). */
  numEncoderEngines?: number;
  singleSliceIntraRefresh?: number;
  /** Most macroblocks per picture. */
  mbNumMax?: number;
  /** Most macroblocks per second. */
  mbPerSecMax?: number;
  levelMax?: number;
  levelMin?: number;
  dynamicQueryEncoderCapacity?: number;
}
