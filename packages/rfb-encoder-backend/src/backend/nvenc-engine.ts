/**
 * The real VideoEncoderEngine: `@nvenc-ts/nvenc`'s NvencEncoder. Importing that package loads no
 * native code (the binary is loaded when an encoder opens or the driver is probed), so the RFB
 * layer imports it directly; tests substitute a fake engine (test/helpers/fake-engine.ts).
 */
import { NvencEncoder, codecString, type DeviceOption, type Packet, type Preset, type Tuning } from '@nvenc-ts/nvenc';
import type { EngineFrame, EnginePacket, EngineSession, EngineSessionConfig, VideoEncoderEngine } from './engine.js';

/** Options of `createNvencEngine()`. */
export interface NvencEngineOptions {
  /**
   * `software` = the software NVENC device; `auto` / `{ gpu }` = the NVIDIA driver; library paths
   * select other implementations (e.g. real CUDA with the software engine).
   */
  device: DeviceOption;
  /** Registry name to report (default `nvenc-software` for `software`, else `nvenc`). */
  name?: string;
  preset?: Preset;
  tuning?: Extract<Tuning, 'ull' | 'll'>;
}

function toEngine(packets: Packet[]): EnginePacket[] {
  return packets.map((p) => ({
    data: p.data,
    keyframe: p.keyframe,
    pictureType: p.pictureType,
    seq: p.seq,
    frameIndex: p.frameIndex,
  }));
}

/** A VideoEncoderEngine over `@nvenc-ts/nvenc`'s NvencEncoder. */
export async function createNvencEngine(options: NvencEngineOptions): Promise<VideoEncoderEngine> {
  const software = options.device === 'software';
  return {
    name: options.name ?? (software ? 'nvenc-software' : 'nvenc'),
    software,
    codecString: (data) => {
      try {
        return codecString(data, 'h264');
      } catch {
        return null;
      }
    },
    open: (config: EngineSessionConfig): EngineSession => {
      const encoder = new NvencEncoder({
        width: config.width,
        height: config.height,
        codec: 'h264',
        preset: options.preset ?? 'p4',
        tuning: options.tuning ?? 'ull',
        profile: config.profile,
        rateControl: 'cbr',
        bitrate: config.bitrate,
        fps: config.fps,
        // IDRs are decided by the backend (first frame, requests, periodic, resize).
        gop: 'infinite',
        bFrames: 0,
        inputFormat: config.inputFormat,
        colour: config.colour,
        extraOutputDelay: config.pipelineDepth,
        // Browser decoders (WebCodecs in noVNC) need these.
        repeatSpsPps: true,
        zeroReorderDelay: true,
        device: options.device,
        ...(config.intraRefresh ? { intraRefresh: config.intraRefresh } : {}),
      });
      return {
        encode: async (frame: EngineFrame, o) =>
          toEngine(
            await encoder.encodeAsync(frame, { forceKeyframe: o.forceKeyframe, seq: o.seq, timestamp: o.timestamp }),
          ),
        flush: async () => toEngine(await encoder.flushAsync()),
        close: () => encoder.close(),
      };
    },
  };
}
