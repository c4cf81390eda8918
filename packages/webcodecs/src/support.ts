/**
 * The spec's "Check Configuration Support" for isConfigSupported(), answered from the device's
 * capabilities instead of a full session per call: one session per device preference, codec and
 * profile opens (off the event loop) to ask nvEncGetEncodeCaps, and its answer is kept for the
 * process. A config is supported when the codec string and level allow it, NvencEncoder's own
 * option checks accept the session it would open (resolveEncoderOptions: the same function the
 * session open runs first), and the capabilities the session open checks admit it (the codec is
 * offered, width and height within NV_ENC_CAPS_WIDTH/HEIGHT_MIN/MAX). configure() opens the real
 * session and says NotSupportedError for anything that still fails there.
 */
import {
  InvalidOptionError,
  resolveEncoderOptions,
  SessionLimitError,
  type EncoderOptions,
  type NvencCapabilities,
} from '@nvenc-ts/nvenc';
import { staticSupport, type CodecRequest } from './config.js';
import { DeviceUnavailable, openOnDevice, type DeviceChoice } from './device.js';
import type { VideoEncoderConfig } from './types.js';

/** NvencEncoder options of a config (without the device), for a session format and optional QP. */
export function sessionOptions(
  config: VideoEncoderConfig,
  request: CodecRequest,
  inputFormat: EncoderOptions['inputFormat'],
  colour?: EncoderOptions['colour'],
): Omit<EncoderOptions, 'device'> {
  const options: Omit<EncoderOptions, 'device'> = {
    width: config.width,
    height: config.height,
    codec: request.codec,
    profile: request.profile,
    inputFormat,
    fps: config.framerate ?? 30,
    // 'quality' trades latency for compression; 'realtime' is NVENC's ultra-low-latency tuning.
    tuning: config.latencyMode === 'realtime' ? 'ull' : 'hq',
    rateControl: config.bitrateMode === 'constant' ? 'cbr' : config.bitrateMode === 'quantizer' ? 'cqp' : 'vbr',
  };
  if (colour !== undefined) options.colour = colour;
  if (config.bitrate !== undefined && config.bitrateMode !== 'quantizer') options.bitrate = config.bitrate;
  if (config.bitrateMode === 'quantizer') options.qp = DEFAULT_QP[request.codec];
  return options;
}

/** Constant QP of bitrateMode 'quantizer' until a frame names one (NVENC's scale: AV1 is 0–255). */
export const DEFAULT_QP = { h264: 23, hevc: 23, av1: 100 } as const;

/** The session format a config opens with before the first frame: NV12, or BGRA for odd sizes. */
export function firstInputFormat(config: VideoEncoderConfig): 'nv12' | 'bgra' {
  return config.width % 2 === 0 && config.height % 2 === 0 ? 'nv12' : 'bgra';
}

type DeviceAnswer = { device: DeviceChoice; caps: NvencCapabilities } | { reason: string; transient: boolean };

/** Capabilities per device preference + codec + profile; a promise, so concurrent calls share one session. */
const capsCache = new Map<string, Promise<DeviceAnswer>>();

/** A session small enough for every NVENC: opened only to ask the capabilities. */
const PROBE_SIZE = { width: 256, height: 144 } as const;

async function deviceCaps(config: VideoEncoderConfig, request: CodecRequest): Promise<DeviceAnswer> {
  const preference = config.hardwareAcceleration ?? 'no-preference';
  const key = `${preference}|${request.codec}|${request.profile}`;
  let answer = capsCache.get(key);
  if (answer === undefined) {
    answer = (async (): Promise<DeviceAnswer> => {
      try {
        // Fixed rate control, tuning and frame rate: the answer depends only on what the key holds.
        const probe = {
          ...config,
          ...PROBE_SIZE,
          bitrate: undefined,
          bitrateMode: 'variable' as const,
          latencyMode: undefined,
          framerate: undefined,
        };
        const { encoder, device } = await openOnDevice(preference, sessionOptions(probe, request, 'nv12'));
        try {
          return { device, caps: encoder.getCapabilities(request.codec) };
        } finally {
          await encoder.closeAsync(); // the teardown (SVT-AV1's takes ~10 ms) off the event loop
        }
      } catch (err) {
        const code = (err as { code?: string }).code;
        // A full device (sessions, memory) may have room later: that answer is not kept.
        const transient =
          err instanceof SessionLimitError ||
          code === 'NV_ENC_ERR_OUT_OF_MEMORY' ||
          (err instanceof DeviceUnavailable && err.transient);
        return { reason: err instanceof DeviceUnavailable ? err.message : (err as Error).message, transient };
      }
    })();
    capsCache.set(key, answer);
    void answer.then((a) => {
      if ('transient' in a ? a.transient : a.device.transient === true) capsCache.delete(key);
    });
  }
  return answer;
}

/** Whether configure(config) would open a session here; the reason when not. */
export async function checkSupport(config: VideoEncoderConfig): Promise<{ supported: boolean; reason?: string }> {
  const s = staticSupport(config);
  if ('reason' in s) return { supported: false, reason: s.reason };
  try {
    resolveEncoderOptions({ ...sessionOptions(config, s.request, firstInputFormat(config)), device: 'software' });
  } catch (err) {
    if (err instanceof InvalidOptionError) return { supported: false, reason: err.message };
    throw err;
  }
  const answer = await deviceCaps(config, s.request);
  if ('reason' in answer) return { supported: false, reason: answer.reason };
  const { caps } = answer;
  if (caps.supported === 0) return { supported: false, reason: `${request(s.request)} is not offered by the device` };
  const within = (value: number, min: number | undefined, max: number | undefined): boolean =>
    (min === undefined || min <= 0 || value >= min) && (max === undefined || max <= 0 || value <= max);
  if (!within(config.width, caps.widthMin, caps.widthMax) || !within(config.height, caps.heightMin, caps.heightMax)) {
    return {
      supported: false,
      reason: `${config.width}x${config.height} is outside ${caps.widthMin ?? '?'}..${caps.widthMax}x${caps.heightMin ?? '?'}..${caps.heightMax} for ${request(s.request)}`,
    };
  }
  return { supported: true };
}

function request(r: CodecRequest): string {
  return `${r.codec} ${r.profile}`;
}
