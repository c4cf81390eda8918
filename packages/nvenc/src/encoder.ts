/**
 * NvencEncoder: one NVENC session. Validates in TypeScript, runs in the native binding chosen by
 * the driver probe, and maps every native failure to a typed error.
 */
import type { NvencCapabilities } from './capabilities.js';
import { codecString } from './codec-string.js';
import { BinaryNotFoundError, EncoderClosedError, fromNative, InvalidFrameError, InvalidOptionError, type NvencError } from './errors.js';
import { frameLayout, normaliseFrame, type CudaArrayInterface, type Frame, type FrameLayout } from './frame.js';
import { loadBinary } from './native-binary.js';
import type { FrameTimings, NativeEncoder, NativePacket, PictureType } from './native-types.js';
import {
  resolveEncodeOptions,
  resolveEncoderOptions,
  resolveReconfigure,
  toNativeOptions,
  type Codec,
  type EncodeOptions,
  type EncoderOptions,
  type ReconfigureOptions,
  type ResolvedEncoderOptions,
} from './options.js';
import { inspect, type DeviceKind } from './probe.js';

/** One encoded access unit (Annex B for H.264/HEVC, OBUs for AV1). */
export interface Packet {
  data: Buffer;
  keyframe: boolean;
  pictureType: PictureType;
  /** The `seq` passed with the frame (or the encoder's running count). */
  seq: number;
  /** The `timestamp` passed with the frame. */
  timestamp: number;
  /** Index of the frame in encode order since the session opened. */
  frameIndex: number;
}

export interface EncoderInfo {
  /** NVENC ABI of the loaded binary, e.g. '12.1'. */
  abi: string;
  /** Path of the loaded native binary. */
  binary: string;
  /** GPU name (or the software device's). */
  device: string;
  /** 'nvidia', 'software' or 'custom' (explicit libraries). */
  deviceKind: DeviceKind;
  /** True when the NVENC library is the software device. */
  software: boolean;
  width: number;
  height: number;
  codec: Codec;
  inputFormat: ResolvedEncoderOptions['inputFormat'];
  /** Tight pitch of a host frame in bytes. */
  pitch: number;
  /** Bytes of one tightly packed host frame. */
  frameBytes: number;
  /** Cached CUDA device-pointer registrations. */
  registeredResources: number;
  preset: ResolvedEncoderOptions['preset'];
  tuning: ResolvedEncoderOptions['tuning'];
  rateControl: ResolvedEncoderOptions['rateControl'];
  bitrate: number;
  fps: number;
  gop: number;
  extraOutputDelay: number;
}

function toPackets(packets: NativePacket[]): Packet[] {
  return packets;
}

export class NvencEncoder implements Disposable {
  #native: NativeEncoder | null;
  #options: ResolvedEncoderOptions;
  #layout: FrameLayout;
  readonly #abi: string;
  readonly #binaryPath: string;
  readonly #deviceKind: DeviceKind;
  readonly #gpuName: string | undefined;

  /**
   * Opens an encode session. Throws DriverNotFoundError (no driver), NoEncodeDeviceError (GPU
   * without NVENC), AbiUnsupportedError (driver too old), SessionLimitError, InvalidOptionError,
   * BinaryNotFoundError or UnsupportedPlatformError. `device: 'auto'` never falls back to software.
   */
  constructor(options: EncoderOptions) {
    const resolved = resolveEncoderOptions(options);
    const probeOptions = resolved.abi === undefined ? { device: resolved.device } : { device: resolved.device, abi: resolved.abi };
    const { report, target } = inspect(probeOptions);
    if (report.error) throw report.error;
    if (!target || !report.abi) throw new BinaryNotFoundError('No native binary could be chosen'); // unreachable when report.error is unset
    const binary = loadBinary(report.abi);
    const Encoder = binary.binding.Encoder;
    if (!Encoder) {
      throw new BinaryNotFoundError(
        `${binary.path} has no Encoder export (it was built before the encoder existed). Rebuild: pnpm --filter @nvenc-ts/native build`,
      );
    }
    this.#gpuName = report.devices[target.gpu]?.name;
    try {
      this.#native = new Encoder(toNativeOptions(resolved, target));
    } catch (err) {
      throw fromNative(err, { gpuName: this.#gpuName });
    }
    this.#options = resolved;
    this.#layout = frameLayout(resolved.inputFormat, resolved.width, resolved.height);
    this.#abi = binary.abi;
    this.#binaryPath = binary.path;
    this.#deviceKind = target.kind;
  }

  /** The validated options with defaults filled in. */
  get options(): Readonly<ResolvedEncoderOptions> {
    return this.#options;
  }

  get closed(): boolean {
    return this.#native === null;
  }

  #open(): NativeEncoder {
    if (this.#native === null) throw new EncoderClosedError();
    return this.#native;
  }

  #map(err: unknown): NvencError {
    return fromNative(err, { gpuName: this.#gpuName });
  }

  /** Per-stage times of the last encode call (upload, submit, wait for output), in µs. */
  get lastFrameTimings(): FrameTimings {
    const native = this.#open();
    try {
      return native.lastFrameTimings();
    } catch (err) {
      throw this.#map(err);
    }
  }

  get info(): EncoderInfo {
    const native = this.#open();
    let n;
    try {
      n = native.info();
    } catch (err) {
      throw this.#map(err);
    }
    const o = this.#options;
    return {
      abi: this.#abi,
      binary: this.#binaryPath,
      device: n.device,
      deviceKind: this.#deviceKind,
      software: n.software,
      width: n.width,
      height: n.height,
      codec: o.codec,
      inputFormat: o.inputFormat,
      pitch: n.pitch,
      frameBytes: n.frameBytes,
      registeredResources: n.registeredResources,
      preset: o.preset,
      tuning: o.tuning,
      rateControl: o.rateControl,
      bitrate: o.bitrate,
      fps: o.fps,
      gop: o.gop,
      extraOutputDelay: o.extraOutputDelay,
    };
  }

  /**
   * Encodes one frame on the calling thread and returns the packets that became ready: with
   * extraOutputDelay d, the packet of frame k-d (none for the first d frames). A bad frame throws
   * InvalidFrameError and leaves the encoder usable.
   */
  encode(frame: Frame, options?: EncodeOptions): Packet[] {
    const native = this.#open();
    const input = normaliseFrame(frame, this.#layout);
    const meta = resolveEncodeOptions(options);
    try {
      return toPackets(meta === undefined ? native.encode(input) : native.encode(input, meta));
    } catch (err) {
      throw this.#map(err);
    }
  }

  /**
   * Like encode(), on the encoder's worker thread: the event loop keeps running. Calls (sync and
   * async) run in the order they were made. The frame's memory must stay unchanged until the
   * promise settles. Rejects with the same typed errors encode() throws.
   */
  async encodeAsync(frame: Frame, options?: EncodeOptions): Promise<Packet[]> {
    const native = this.#open();
    const input = normaliseFrame(frame, this.#layout);
    const meta = resolveEncodeOptions(options);
    try {
      return toPackets(await (meta === undefined ? native.encodeAsync(input) : native.encodeAsync(input, meta)));
    } catch (err) {
      throw this.#map(err);
    }
  }

  /** Drains every pending packet (end of stream). The encoder stays usable; the next frame is an IDR. */
  flush(): Packet[] {
    const native = this.#open();
    try {
      return toPackets(native.flush());
    } catch (err) {
      throw this.#map(err);
    }
  }

  async flushAsync(): Promise<Packet[]> {
    const native = this.#open();
    try {
      return toPackets(await native.flushAsync());
    } catch (err) {
      throw this.#map(err);
    }
  }

  /** Changes bitrate, frame rate or size without a new session (size changes start with an IDR). */
  reconfigure(options: ReconfigureOptions): void {
    const native = this.#open();
    const request = resolveReconfigure(this.#options, options);
    if (request.fps !== undefined && !Number.isInteger(request.fps)) {
      throw new InvalidOptionError(`Invalid option fps: ${request.fps}; reconfigure() takes whole frames per second`, { option: 'fps' });
    }
    try {
      native.reconfigure(request);
    } catch (err) {
      throw this.#map(err);
    }
    const next: ResolvedEncoderOptions = { ...this.#options };
    if (request.bitrate !== undefined) next.bitrate = request.bitrate;
    if (request.maxBitrate !== undefined) next.maxBitrate = request.maxBitrate;
    if (request.fps !== undefined) {
      next.fps = request.fps;
      next.fpsNum = request.fps;
      next.fpsDen = 1;
    }
    if (request.width !== undefined) next.width = request.width;
    if (request.height !== undefined) next.height = request.height;
    this.#options = next;
    this.#layout = frameLayout(next.inputFormat, next.width, next.height);
  }

  /** The device's NVENC capabilities for a codec (nvEncGetEncodeCaps, camelCase names). */
  getCapabilities(codec: Codec = this.#options.codec): NvencCapabilities {
    const native = this.#open();
    if (codec !== 'h264' && codec !== 'hevc' && codec !== 'av1') {
      throw new InvalidOptionError(`Invalid codec ${String(codec)}; expected 'h264', 'hevc' or 'av1'`, { option: 'codec' });
    }
    try {
      // The binding reports `supported` always and each other NV_ENC_CAPS answer it got.
      return native.getCapabilities(codec) as unknown as NvencCapabilities;
    } catch (err) {
      throw this.#map(err);
    }
  }

  /** SPS/PPS (and VPS) in Annex B, or the AV1 sequence header, as the session would emit them. */
  sequenceHeaders(): Buffer {
    const native = this.#open();
    try {
      return native.sequenceHeaders();
    } catch (err) {
      throw this.#map(err);
    }
  }

  /** The WebCodecs codec string of this session's stream, from its real parameter sets. */
  codecString(): string {
    return codecString(this.sequenceHeaders(), this.#options.codec);
  }

  /** A Buffer in pinned (page-locked) host memory sized for one tightly packed frame: the fastest upload. */
  allocateHostFrame(): Buffer {
    const native = this.#open();
    try {
      return native.allocateHostFrame();
    } catch (err) {
      throw this.#map(err);
    }
  }

  /**
   * Forgets the cached NVENC registration of a device pointer (call before freeing that memory).
   * Returns whether one was cached. Accepts the pointer, a { devicePtr } frame or a CUDA array.
   */
  releaseDeviceFrame(frame: bigint | number | { devicePtr: bigint | number } | { __cuda_array_interface__: CudaArrayInterface }): boolean {
    const native = this.#open();
    let ptr: unknown = frame;
    if (typeof frame === 'object' && frame !== null) {
      ptr = 'devicePtr' in frame ? frame.devicePtr : frame.__cuda_array_interface__?.data?.[0];
    }
    if (typeof ptr === 'number' && Number.isSafeInteger(ptr) && ptr > 0) ptr = BigInt(ptr);
    if (typeof ptr !== 'bigint' || ptr <= 0n) {
      throw new InvalidFrameError(`releaseDeviceFrame needs a CUDA device pointer (bigint), got ${String(ptr)}`, { phase: 'input' });
    }
    try {
      return native.releaseDevicePointer(ptr);
    } catch (err) {
      throw this.#map(err);
    }
  }

  /** Ends the session and frees its resources; pending async calls reject with EncoderClosedError. Idempotent. */
  close(): void {
    const native = this.#native;
    if (native === null) return;
    this.#native = null;
    native.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
