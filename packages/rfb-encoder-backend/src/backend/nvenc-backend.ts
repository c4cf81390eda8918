import {
  BackendClosedError,
  EncoderFailedError,
  InvalidFrameError,
  InvalidOptionError,
  UnsupportedFrameError,
} from '../errors.js';
import type {
  EngineFrame,
  EngineInputFormat,
  EnginePacket,
  EngineSession,
  EngineSessionConfig,
  VideoEncoderEngine,
} from './engine.js';
import { frameByteLength, rgb24ToBgra, yuv420pToNv12 } from './pixel-conversion.js';
import type {
  CudaFrameData,
  EncodedPayload,
  EncodedPayloadMetadata,
  EncodeFrameOptions,
  EncoderBackend,
  FrameColor,
  RawFrame,
} from './types.js';

/** Options of `H264EncoderBackend` (and of `createEncoderBackend()`). */
export interface H264BackendOptions {
  /**
   * H.264 profile. `baseline` (default) is what every browser decoder takes; noVNC configures its
   * WebCodecs decoder from the SPS, so the stream's real profile is what counts.
   */
  profile?: 'baseline' | 'main' | 'high';
  /** Target bit rate in bits/s (default: 0.1 bit per pixel per frame, at least 1 Mbit/s). */
  bitrate?: number;
  /** Nominal frame rate, used for rate control and as the duration when timestamps do not say. Default 30. */
  fps?: number;
  /** Periodic IDR every this many frames (0 = only first frame, resizes and requests). Default 2 s of frames. */
  keyframeInterval?: number;
  /** Frames NVENC may hold back before returning output (0 = lowest latency). Default 0. */
  pipelineDepth?: number;
  /**
   * Opt-in "smooth" mode: instead of a periodic IDR every `keyframeInterval` frames (a picture
   * many times the size of the others, which a CBR stream pays for with a burst or a quality dip),
   * NVENC's intra refresh sweeps a band of intra blocks across the picture over `keyframeInterval`
   * frames, so a viewer that lost data recovers without any large picture. A client that joins or
   * asks for a keyframe, a resize and the first frame still get an IDR. Needs `keyframeInterval`
   * ≥ 2 and a device whose caps include intra refresh. Default false.
   */
  smooth?: boolean;
}

const DEFAULT_COLOR: Required<FrameColor> = {
  primaries: 'bt709',
  transfer: 'bt709',
  matrix: 'bt709',
  range: 'limited',
};

interface InFlightFrame {
  seq: number;
  width: number;
  height: number;
  timestampUs: number;
  durationUs: number;
  keyframeReason: EncodedPayloadMetadata['keyframeReason'];
  inputConversion: EncodedPayloadMetadata['inputConversion'];
  pixelRatio: number | undefined;
  color: Required<FrameColor>;
}

interface SessionShape {
  width: number;
  height: number;
  inputFormat: EngineInputFormat;
  memory: RawFrame['memory'];
  color: Required<FrameColor>;
}

/**
 * `EncoderBackend` over NVENC (hardware or the software device): H.264 with the browser-safe
 * settings (no B-frames, zero reorder delay, SPS/PPS on every IDR).
 */
export class H264EncoderBackend implements EncoderBackend {
  readonly name: string;
  readonly software: boolean;
  private readonly engine: VideoEncoderEngine;
  private readonly profile: 'baseline' | 'main' | 'high';
  private readonly fps: number;
  private readonly bitrate: number | undefined;
  private readonly keyframeInterval: number;
  private readonly pipelineDepth: number;
  private readonly smooth: boolean;
  private session: EngineSession | null = null;
  private shape: SessionShape | null = null;
  private nextToken = 1;
  private readonly inFlight = new Map<number, InFlightFrame>();
  private framesSinceKeyframe = 0;
  private codec: string | null = null;
  private lastTimestampUs: number | null = null;
  /** Reused conversion target (rgb24 → bgra, yuv420p → nv12); grows only. */
  private scratch: Uint8Array = new Uint8Array(0);
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(engine: VideoEncoderEngine, options: H264BackendOptions = {}) {
    this.engine = engine;
    this.name = engine.name;
    this.software = engine.software;
    this.profile = options.profile ?? 'baseline';
    this.fps = options.fps ?? 30;
    if (!(this.fps > 0)) throw new InvalidOptionError(`fps must be > 0 (got ${this.fps})`);
    this.bitrate = options.bitrate;
    this.keyframeInterval = options.keyframeInterval ?? Math.round(this.fps * 2);
    this.pipelineDepth = options.pipelineDepth ?? 0;
    if (!Number.isInteger(this.pipelineDepth) || this.pipelineDepth < 0 || this.pipelineDepth > 8) {
      throw new InvalidOptionError(`pipelineDepth must be an integer 0..8 (got ${this.pipelineDepth})`);
    }
    if (!Number.isInteger(this.keyframeInterval) || this.keyframeInterval < 0) {
      throw new InvalidOptionError(`keyframeInterval must be a non-negative integer (got ${this.keyframeInterval})`);
    }
    this.smooth = options.smooth ?? false;
    if (this.smooth && this.keyframeInterval < 2) {
      throw new InvalidOptionError(
        `smooth needs keyframeInterval >= 2: the refresh sweeps the picture over that many frames (got ${this.keyframeInterval})`,
      );
    }
  }

  /** The codec string of the current stream (from its SPS), once a keyframe has been produced. */
  get codecString(): string | null {
    return this.codec;
  }

  encode(frame: RawFrame, options: EncodeFrameOptions = {}): Promise<EncodedPayload[]> {
    return this.serialize(() => this.encodeNow(frame, options));
  }

  flush(): Promise<EncodedPayload[]> {
    return this.serialize(async () => {
      if (!this.session) return [];
      const packets = await this.session.flush();
      // The NVENC contract: the next encode after a flush starts with an IDR.
      this.framesSinceKeyframe = Number.POSITIVE_INFINITY;
      return this.toPayloads(packets);
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return this.tail.then(
      () => this.closeSession(),
      () => this.closeSession(),
    );
  }

  /** Same as `close()`, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private serialize<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new BackendClosedError());
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private closeSession(): void {
    this.session?.close();
    this.session = null;
    this.shape = null;
    this.inFlight.clear();
  }

  private async encodeNow(frame: RawFrame, options: EncodeFrameOptions): Promise<EncodedPayload[]> {
    if (this.closed) throw new BackendClosedError();
    const { input, shape, conversion } = this.prepareInput(frame);
    const out: EncodedPayload[] = [];

    let keyframeReason: EncodedPayloadMetadata['keyframeReason'];
    if (!this.shape || !this.session) {
      keyframeReason = 'first-frame';
    } else if (this.shape.width !== shape.width || this.shape.height !== shape.height) {
      keyframeReason = 'resize';
    } else if (
      this.shape.inputFormat !== shape.inputFormat ||
      this.shape.memory !== shape.memory ||
      !sameColor(this.shape.color, shape.color)
    ) {
      keyframeReason = 'format-change';
    }
    if (keyframeReason && this.session) {
      // Rebuild: drain the old session first so no frame in its pipeline is lost or misattributed.
      out.push(...this.toPayloads(await this.session.flush()));
      this.closeSession();
    }
    if (!this.session) {
      this.session = this.openSession(shape);
      this.shape = shape;
      this.codec = null;
    }
    if (!keyframeReason) {
      if (options.forceKeyframe) keyframeReason = 'requested';
      // In smooth mode the encoder's intra refresh replaces the periodic IDR.
      else if (!this.smooth && this.framesSinceKeyframe >= (this.keyframeInterval || Number.POSITIVE_INFINITY))
        keyframeReason = 'periodic';
    }

    const durationUs =
      this.lastTimestampUs !== null && frame.timestampUs > this.lastTimestampUs
        ? frame.timestampUs - this.lastTimestampUs
        : Math.round(1_000_000 / this.fps);
    this.lastTimestampUs = frame.timestampUs;

    const token = this.nextToken++;
    this.inFlight.set(token, {
      seq: frame.seq,
      width: frame.width,
      height: frame.height,
      timestampUs: frame.timestampUs,
      durationUs,
      keyframeReason,
      inputConversion: conversion,
      pixelRatio: frame.pixelRatio,
      color: shape.color,
    });
    let packets: EnginePacket[];
    try {
      packets = await this.session.encode(input, {
        forceKeyframe: keyframeReason !== undefined,
        seq: token,
        timestamp: frame.timestampUs,
      });
    } catch (error) {
      this.inFlight.delete(token);
      throw new EncoderFailedError(
        `${this.name}: encoding frame seq ${frame.seq} failed: ${(error as Error).message}`,
        error,
      );
    }
    if (keyframeReason === undefined) this.framesSinceKeyframe++;
    out.push(...this.toPayloads(packets));
    return out;
  }

  private openSession(shape: SessionShape): EngineSession {
    const config: EngineSessionConfig = {
      width: shape.width,
      height: shape.height,
      inputFormat: shape.inputFormat,
      profile: this.profile,
      bitrate: this.bitrate ?? Math.max(1_000_000, Math.round(shape.width * shape.height * this.fps * 0.1)),
      fps: this.fps,
      pipelineDepth: this.pipelineDepth,
      colour: {
        primaries: shape.color.primaries,
        transfer: shape.color.transfer,
        matrix: shape.color.matrix,
        fullRange: shape.color.range === 'full',
      },
    };
    if (this.smooth) config.intraRefresh = { period: this.keyframeInterval, count: this.keyframeInterval - 1 };
    try {
      return this.engine.open(config);
    } catch (error) {
      throw new EncoderFailedError(
        `${this.name}: opening a ${shape.width}x${shape.height} ${shape.inputFormat} H.264 session failed: ${(error as Error).message}`,
        error,
      );
    }
  }

  private toPayloads(packets: EnginePacket[]): EncodedPayload[] {
    const payloads: EncodedPayload[] = [];
    for (const packet of packets) {
      const record = this.inFlight.get(packet.seq);
      if (!record) {
        throw new EncoderFailedError(
          `${this.name}: encoder returned a packet for unknown frame token ${packet.seq}`,
          undefined,
        );
      }
      this.inFlight.delete(packet.seq);
      if (packet.keyframe) {
        this.framesSinceKeyframe = 0;
        this.codec = this.engine.codecString(packet.data) ?? this.codec;
      }
      payloads.push({
        seq: record.seq,
        kind: 'video',
        timestampUs: record.timestampUs,
        payload: packet.data,
        width: record.width,
        height: record.height,
        codec: this.codec ?? 'avc1',
        keyframe: packet.keyframe,
        durationUs: record.durationUs,
        metadata: {
          backend: this.name,
          pictureType: packet.pictureType,
          frameIndex: packet.frameIndex,
          sliceCount: countSlices(packet.data),
          ...(packet.keyframe && record.keyframeReason ? { keyframeReason: record.keyframeReason } : {}),
          inputConversion: record.inputConversion,
          ...(record.pixelRatio !== undefined ? { pixelRatio: record.pixelRatio } : {}),
          color: record.color,
        },
      });
    }
    return payloads;
  }

  private prepareInput(frame: RawFrame): {
    input: EngineFrame;
    shape: SessionShape;
    conversion: EncodedPayloadMetadata['inputConversion'];
  } {
    const { width, height, pixelFormat } = frame;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new InvalidFrameError(
        `frame seq ${frame.seq}: width and height must be positive integers (got ${width}x${height})`,
      );
    }
    if (width % 2 !== 0 || height % 2 !== 0) {
      throw new InvalidFrameError(
        `frame seq ${frame.seq}: H.264 4:2:0 needs even dimensions (got ${width}x${height}); pad the frame`,
      );
    }
    const color = { ...DEFAULT_COLOR, ...frame.color };
    if (frame.memory === 'cuda') {
      const data = frame.data as CudaFrameData;
      if (typeof data !== 'object' || data === null || typeof data.devicePtr !== 'bigint' || !(data.pitch > 0)) {
        throw new InvalidFrameError(`frame seq ${frame.seq}: CUDA frames need data = { devicePtr: bigint, pitch }`);
      }
      const inputFormat = directFormat(pixelFormat);
      if (!inputFormat) {
        throw new UnsupportedFrameError(
          `frame seq ${frame.seq}: ${pixelFormat} in CUDA memory would need a conversion kernel; send bgra8, rgba8 or nv12 from the GPU`,
        );
      }
      return {
        input: { devicePtr: data.devicePtr, pitch: data.pitch },
        shape: { width, height, inputFormat, memory: 'cuda', color },
        conversion: 'none',
      };
    }
    if (frame.memory !== 'cpu')
      throw new InvalidFrameError(`frame seq ${frame.seq}: unknown memory '${String(frame.memory)}'`);
    if (!(frame.data instanceof Uint8Array)) {
      throw new InvalidFrameError(`frame seq ${frame.seq}: CPU frames need data as a Uint8Array/Buffer`);
    }
    const data = frame.data;
    const bytesPerPixel = pixelFormat === 'rgb24' ? 3 : 4;
    const packed = pixelFormat === 'rgb24' || pixelFormat === 'rgba8' || pixelFormat === 'bgra8';
    const pitch = packed ? (frame.pitch ?? width * bytesPerPixel) : width;
    if (packed && pitch < width * bytesPerPixel) {
      throw new InvalidFrameError(
        `frame seq ${frame.seq}: pitch ${pitch} is less than a row (${width * bytesPerPixel} bytes)`,
      );
    }
    const needed = packed ? pitch * (height - 1) + width * bytesPerPixel : frameByteLength(pixelFormat, width, height);
    if (data.byteLength < needed) {
      throw new InvalidFrameError(
        `frame seq ${frame.seq}: ${width}x${height} ${pixelFormat} needs ${needed} bytes, got ${data.byteLength}`,
      );
    }
    switch (pixelFormat) {
      case 'bgra8':
      case 'rgba8':
        return {
          input: { data, pitch },
          shape: { width, height, inputFormat: pixelFormat === 'bgra8' ? 'bgra' : 'rgba', memory: 'cpu', color },
          conversion: 'none',
        };
      case 'nv12':
        return {
          input: { data, pitch: width },
          shape: { width, height, inputFormat: 'nv12', memory: 'cpu', color },
          conversion: 'none',
        };
      case 'rgb24': {
        const dst = this.scratchBuffer(width * height * 4);
        rgb24ToBgra(data, width, height, pitch, dst);
        return {
          input: { data: dst, pitch: width * 4 },
          shape: { width, height, inputFormat: 'bgra', memory: 'cpu', color },
          conversion: 'rgb24-to-bgra',
        };
      }
      case 'yuv420p': {
        const dst = this.scratchBuffer(frameByteLength('nv12', width, height));
        yuv420pToNv12(data, width, height, dst);
        return {
          input: { data: dst, pitch: width },
          shape: { width, height, inputFormat: 'nv12', memory: 'cpu', color },
          conversion: 'yuv420p-to-nv12',
        };
      }
      default:
        throw new UnsupportedFrameError(`frame seq ${frame.seq}: unknown pixel format '${String(pixelFormat)}'`);
    }
  }

  private scratchBuffer(bytes: number): Uint8Array {
    if (this.scratch.byteLength < bytes) this.scratch = new Uint8Array(bytes);
    return this.scratch.subarray(0, bytes);
  }
}

function directFormat(format: RawFrame['pixelFormat']): EngineInputFormat | null {
  switch (format) {
    case 'bgra8':
      return 'bgra';
    case 'rgba8':
      return 'rgba';
    case 'nv12':
      return 'nv12';
    default:
      return null;
  }
}

function sameColor(a: Required<FrameColor>, b: Required<FrameColor>): boolean {
  return a.primaries === b.primaries && a.transfer === b.transfer && a.matrix === b.matrix && a.range === b.range;
}

/** Counts coded-slice NAL units (types 1 and 5) in an Annex B access unit. */
export function countSlices(annexB: Uint8Array): number {
  let slices = 0;
  const end = annexB.length - 3;
  for (let i = 0; i < end; i++) {
    // 00 00 01 start code (the 4-byte form ends in the same three bytes)
    if (annexB[i + 2]! > 1) {
      i += 2;
      continue;
    }
    if (annexB[i] === 0 && annexB[i + 1] === 0 && annexB[i + 2] === 1) {
      const type = annexB[i + 3]! & 0x1f;
      if (type === 1 || type === 5) slices++;
      i += 3;
    }
  }
  return slices;
}
