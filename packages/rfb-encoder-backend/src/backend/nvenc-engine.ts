import type { EngineFrame, EnginePacket, EngineSession, EngineSessionConfig, VideoEncoderEngine } from './engine.js';

/** The part of `@nvenc-ts/nvenc` this package uses, typed locally so it builds without the addon. */
interface NvencModule {
  NvencEncoder: new (options: Record<string, unknown>) => NvencEncoderLike;
  probeDriver: (options?: { device?: unknown }) => NvencProbeReport;
  codecString: (data: Uint8Array, codec: 'h264') => string;
}

interface NvencEncoderLike {
  encode(frame: unknown, options?: Record<string, unknown>): NvencPacketLike[];
  encodeAsync?(frame: unknown, options?: Record<string, unknown>): Promise<NvencPacketLike[]>;
  flush(): NvencPacketLike[] | void;
  flushAsync?(): Promise<NvencPacketLike[] | void>;
  close(): void;
}

interface NvencPacketLike {
  data: Buffer;
  keyframe: boolean;
  pictureType?: string;
  seq?: number;
  frameIndex?: number;
}

/** What `probeDriver` reports (only the fields the registry reads). */
export interface NvencProbeReport {
  /** Libraries load, a GPU is present and a built ABI fits the driver (a session may still fail). */
  ok: boolean;
  software: boolean;
  devices?: readonly unknown[];
  problems?: readonly string[];
}

let modulePromise: Promise<NvencModule> | null = null;

/** Loads `@nvenc-ts/nvenc` on first use, so the RFB layer never needs the native addon. */
export function loadNvenc(): Promise<NvencModule> {
  modulePromise ??= import('@nvenc-ts/nvenc' as string).then((m: unknown) => {
    const mod = (m as { default?: unknown } & Partial<NvencModule>);
    const resolved = (mod.NvencEncoder ? mod : (mod.default as Partial<NvencModule> | undefined)) ?? mod;
    if (!resolved.NvencEncoder || !resolved.codecString || !resolved.probeDriver) {
      throw new Error('@nvenc-ts/nvenc does not export NvencEncoder, probeDriver and codecString');
    }
    return resolved as NvencModule;
  });
  return modulePromise;
}

export interface NvencEngineOptions {
  /**
   * `software` = the software NVENC device; `auto` / `{ gpu }` = the NVIDIA driver; library paths
   * select other implementations (e.g. real CUDA with the software engine).
   */
  device: 'auto' | 'software' | { gpu?: number; cudaLibrary?: string; nvencLibrary?: string };
  /** Registry name to report (default `nvenc-software` for `software`, else `nvenc`). */
  name?: string;
  preset?: 'p1' | 'p2' | 'p3' | 'p4' | 'p5' | 'p6' | 'p7';
  tuning?: 'ull' | 'll';
}

/** A VideoEncoderEngine over `@nvenc-ts/nvenc`'s NvencEncoder. */
export async function createNvencEngine(options: NvencEngineOptions): Promise<VideoEncoderEngine> {
  const nvenc = await loadNvenc();
  const software = options.device === 'software';
  return {
    name: options.name ?? (software ? 'nvenc-software' : 'nvenc'),
    software,
    codecString: (data) => {
      try {
        return nvenc.codecString(data, 'h264');
      } catch {
        return null;
      }
    },
    open: (config: EngineSessionConfig): EngineSession => {
      const encoder = new nvenc.NvencEncoder({
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
      });
      const toEngine = (packets: NvencPacketLike[] | void): EnginePacket[] =>
        (packets ?? []).map((p) => ({
          data: p.data,
          keyframe: p.keyframe,
          pictureType: p.pictureType ?? (p.keyframe ? 'idr' : 'p'),
          seq: p.seq ?? -1,
          frameIndex: p.frameIndex ?? -1,
        }));
      return {
        encode: async (frame: EngineFrame, o) => {
          const opts = { forceKeyframe: o.forceKeyframe, seq: o.seq, timestamp: o.timestamp };
          return toEngine(encoder.encodeAsync ? await encoder.encodeAsync(frame, opts) : encoder.encode(frame, opts));
        },
        flush: async () => toEngine(encoder.flushAsync ? await encoder.flushAsync() : encoder.flush()),
        close: () => encoder.close(),
      };
    },
  };
}
