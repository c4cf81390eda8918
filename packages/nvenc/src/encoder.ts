/**
 * NvencEncoder: one NVENC session. Validates in TypeScript, runs in the native binding chosen by
 * the driver probe, and maps every native failure to a typed error.
 */
import { codecString } from './codec-string.js';
import {
  BinaryNotFoundError,
  EncoderClosedError,
  fromNative,
  InvalidFrameError,
  InvalidOptionError,
} from './errors.js';
import { frameLayout, normaliseFrame } from './frame.js';
import { loadBinary } from './native-binary.js';
import { deviceTarget, type DeviceTarget } from './device.js';
import type {
  NativeEncodeOptions,
  NativeEncoder,
  NativeEncoderConstructor,
  NativeEncoderOptions,
  NativeFlatPackets,
} from './native-types.js';
import {
  qpMapLength,
  resolveEncodeOptions,
  resolveEncoderOptions,
  resolveReconfigure,
  toNativeOptions,
} from './options.js';
import { inspect } from './probe.js';
import type {
  Codec,
  NvencCapabilities,
  CudaArrayInterface,
  DeviceKind,
  DeviceOption,
  EncodeOptions,
  EncoderInfo,
  EncoderOptions,
  Frame,
  FrameLayout,
  FrameTimings,
  Packet,
  PictureType,
  ReconfigureOptions,
  ResolvedEncoderOptions,
} from './types.js';

export type { EncoderInfo, Packet };

/**
 * Runs a native call and turns its failure, thrown or rejected, into the typed error (typed
 * errors raised on the way pass through unchanged). encode() and encodeAsync() call fromNative
 * themselves with the same arguments: two closures per frame are measurable there.
 */
function withTypedErrors<T>(gpuName: string | undefined, call: () => T): T {
  const typed = (err: unknown): never => {
    throw fromNative(err, { gpuName });
  };
  try {
    const result = call();
    return (result instanceof Promise ? result.catch(typed) : result) as T;
  } catch (err) {
    return typed(err);
  }
}

/** Index → name of the picture type codes encodeFrame writes (the binding's kPictureTypes). */
const PICTURE_TYPES: readonly PictureType[] = ['idr', 'i', 'p', 'b', 'bi', 'unknown'];
/** Fields per packet in #results: keyframe, picture type, seq, timestamp, frameIndex, slices. */
const PACKET_FIELDS = 6;

/** Packet objects from encodeFrameAsync's flat result: built here, where an object literal is cheap. */
function flatPackets(flat: NativeFlatPackets): Packet[] {
  const out: Packet[] = [];
  for (let k = 0; k + PACKET_FIELDS < flat.length; k += PACKET_FIELDS + 1) {
    out.push({
      data: flat[k] as Buffer,
      keyframe: flat[k + 1] as boolean,
      pictureType: PICTURE_TYPES[flat[k + 2] as number]!,
      seq: flat[k + 3] as number,
      timestamp: flat[k + 4] as number,
      frameIndex: flat[k + 5] as number,
      slices: flat[k + 6] as number,
    });
  }
  return out;
}

/** Whether per-frame options fit encodeFrame's scalars (seq, timestamp, forceKeyframe); the rest take encode(). */
function fastPathOptions(meta: NativeEncodeOptions): boolean {
  return (
    meta.sei === undefined &&
    meta.startIntraRefresh === undefined &&
    meta.ltr === undefined &&
    meta.qpMap === undefined &&
    meta.qp === undefined
  );
}

/**
 * Loads a device's driver libraries (`dlopen` of libcuda and libnvidia-encode, `cuInit`) on a libuv
 * pool thread, so that a later probe or session open in this process finds them loaded instead of
 * blocking the event loop for it. Never rejects for a missing or unusable driver (probeDriver()
 * and the session open say why). Loading order matters in a process that uses both devices: the
 * software device's libraries carry NVIDIA's sonames, so load `'auto'` first (NvencEncoder.open()
 * does this for the device it opens) and NVIDIA's driver keeps its names.
 *
 * @param device As the `device` option of {@link EncoderOptions}; default `'auto'` (NVIDIA's driver).
 * @param abi The native binary (NVENC ABI, e.g. `'12.1'`) whose loader holds them; default the newest
 *   that loads, the one the driver probe uses.
 * @example
 * ```ts
 * await loadDriver();   // at start-up, off the event loop
 * ```
 */
export async function loadDriver(device: DeviceOption = 'auto', abi?: string): Promise<void> {
  const target = deviceTarget(device);
  const binding = loadBinary(abi).binding;
  if (binding.loadDriverAsync)
    await binding.loadDriverAsync({ cudaLibrary: target.cudaLibrary, nvencLibrary: target.nvencLibrary });
}

/** What opening a session needs: the checked options, the driver target and the binary's Encoder. */
interface SessionPlan {
  resolved: ResolvedEncoderOptions;
  target: DeviceTarget;
  binary: { abi: string; path: string };
  gpuName: string | undefined;
  Encoder: NativeEncoderConstructor;
  nativeOptions: NativeEncoderOptions;
}

/** Options → the probed driver and the native binary to open a session with (throws typed errors). */
function planSession(options: EncoderOptions): SessionPlan {
  const resolved = resolveEncoderOptions(options);
  const probeOptions =
    resolved.abi === undefined ? { device: resolved.device } : { device: resolved.device, abi: resolved.abi };
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
  return {
    resolved,
    target,
    binary: { abi: binary.abi, path: binary.path },
    gpuName: report.devices[target.gpu]?.name,
    Encoder,
    nativeOptions: toNativeOptions(resolved, target),
  };
}

/** One NVENC encode session: frames in, Annex B packets out. Close it (or `using`) to free the session. */
export class NvencEncoder implements Disposable {
  /** Where encodeFrame writes each packet's fields: room for 64 packets a call (more fall back to objects). */
  readonly #results = new Float64Array(64 * PACKET_FIELDS);
  #native: NativeEncoder | null;
  #options: ResolvedEncoderOptions;
  #layout: FrameLayout;
  readonly #abi: string;
  readonly #binaryPath: string;
  readonly #deviceKind: DeviceKind;
  readonly #gpuName: string | undefined;

  /**
   * Opens an encode session. `device: 'auto'` (the default) means NVIDIA's driver and never falls
   * back to the software device by itself.
   *
   * @param options Size and encoding settings; each field's range and default is on {@link EncoderOptions}.
   * @throws {InvalidOptionError} an option is out of range or the device cannot do it (`err.option` names it).
   * @throws {DriverNotFoundError} no NVIDIA driver / NVENC library, the software device not built, or the
   *   software device holding the driver's names in this process (`SOFTWARE_DEVICE_HOLDS_DRIVER_NAME`).
   * @throws {NoEncodeDeviceError} no GPU, or a GPU without an NVENC engine (H100, A100).
   * @throws {AbiUnsupportedError} the driver is older than every NVENC ABI this package ships.
   * @throws {SessionLimitError} the driver refused another concurrent session.
   * @throws {BinaryNotFoundError | UnsupportedPlatformError} no native binary for this platform.
   * @example
   * ```ts
   * using enc = new NvencEncoder({ width: 1280, height: 720, codec: 'h264', inputFormat: 'bgra' });
   * const packets = enc.encode(framebuffer);   // Buffer of 1280 × 720 × 4 bytes
   * ```
   */
  constructor(options: EncoderOptions) {
    const opening = NvencEncoder.#opening;
    NvencEncoder.#opening = undefined;
    const plan = opening ?? planSession(options);
    this.#native = opening?.native ?? withTypedErrors(plan.gpuName, () => new plan.Encoder(plan.nativeOptions));
    this.#gpuName = plan.gpuName;
    this.#options = plan.resolved;
    this.#layout = frameLayout(plan.resolved.inputFormat, plan.resolved.width, plan.resolved.height);
    this.#abi = plan.binary.abi;
    this.#binaryPath = plan.binary.path;
    this.#deviceKind = plan.target.kind;
  }

  /** Set by open() for the constructor call that adopts a session opened off the JS thread. */
  static #opening: (SessionPlan & { native: NativeEncoder }) | undefined;

  /**
   * Opens an encode session without blocking the event loop: the driver libraries load on a libuv
   * pool thread and the session (CUDA context, nvEncOpenEncodeSessionEx, capability checks,
   * nvEncInitializeEncoder, buffers) opens on the encoder's own worker thread. Options are checked
   * first, synchronously, as by the constructor; every failure is the same typed error the
   * constructor throws (same `code` and `phase`), as a rejection.
   *
   * @param options Size and encoding settings, as for the constructor.
   * @throws {InvalidOptionError | DriverNotFoundError | NoEncodeDeviceError | AbiUnsupportedError | SessionLimitError | CapabilityError} as a rejection.
   * @example
   * ```ts
   * const enc = await NvencEncoder.open({ width: 1920, height: 1080, codec: 'hevc' });
   * ```
   */
  static async open(options: EncoderOptions): Promise<NvencEncoder> {
    const resolved = resolveEncoderOptions(options);
    // dlopen + cuInit off the JS thread; probing afterwards (in planSession) finds the driver cached.
    await loadDriver(resolved.device, resolved.abi);
    const plan = planSession(options);
    const native = withTypedErrors(plan.gpuName, () => new plan.Encoder(plan.nativeOptions, true));
    try {
      await withTypedErrors(plan.gpuName, () => native.openAsync());
    } catch (err) {
      native.close();
      throw err;
    }
    NvencEncoder.#opening = { ...plan, native };
    return new NvencEncoder(options);
  }

  /** The validated options with defaults filled in. */
  get options(): Readonly<ResolvedEncoderOptions> {
    return this.#options;
  }

  /** True after `close()`. */
  get closed(): boolean {
    return this.#native === null;
  }

  #open(): NativeEncoder {
    if (this.#native === null) throw new EncoderClosedError();
    return this.#native;
  }

  /** Runs `call` on the open native encoder; every failure comes out as a typed NvencError. */
  #call<T>(call: (native: NativeEncoder) => T): T {
    return withTypedErrors(this.#gpuName, () => call(this.#open()));
  }

  /** Per-stage times of the last encode call (upload, submit, wait for output), in µs. */
  get lastFrameTimings(): FrameTimings {
    return this.#call((native) => native.lastFrameTimings());
  }

  /** Device, ABI and the resolved settings of this session. */
  get info(): EncoderInfo {
    const n = this.#call((native) => native.info());
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
      hostUpload: n.hostUpload,
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
   * extraOutputDelay d, the packet of frame k-d (none for the first d frames).
   *
   * @param frame Host pixels (`Buffer`, `{ data, pitch }`, a pinned frame) or device memory
   *   (`{ devicePtr, pitch }`, a CUDA array interface), in the encoder's `inputFormat`.
   * @param options `forceKeyframe`, `seq`, `timestamp`, `sei` ({@link EncodeOptions}).
   * @throws {InvalidFrameError} wrong size, pitch or memory; the encoder stays usable.
   * @throws {EncoderClosedError} after `close()`.
   * @throws {NvencError} the driver failed the picture (`err.code` / `err.phase`, see docs/errors.md).
   * @example
   * ```ts
   * for (const packet of enc.encode(frame, { seq: n, forceKeyframe: n === 0 })) socket.write(packet.data);
   * ```
   */
  encode(frame: Frame, options?: EncodeOptions): Packet[] {
    // The per-frame path: no closures, the frame checked once (here), handed to the binding as
    // scalars, and the packets' fields read back from #results (docs/benchmarks.md, overhead).
    const native = this.#native;
    if (native === null) throw new EncoderClosedError();
    try {
      const input = normaliseFrame(frame, this.#layout);
      const pixels = 'devicePtr' in input ? input.devicePtr : input.data;
      if (options === undefined)
        return this.#packets(native.encodeFrame(pixels, input.pitch, undefined, undefined, false, this.#results));
      const meta = resolveEncodeOptions(options, this.#options)!;
      if (!fastPathOptions(meta)) return native.encode(input, meta);
      return this.#packets(
        native.encodeFrame(pixels, input.pitch, meta.seq, meta.timestamp, meta.forceKeyframe === true, this.#results),
      );
    } catch (err) {
      throw fromNative(err, { gpuName: this.#gpuName });
    }
  }

  /** Packets from encodeFrame's value and the fields it wrote into #results. */
  #packets(value: Buffer | Buffer[] | Packet[] | null): Packet[] {
    if (value === null) return [];
    const r = this.#results;
    if (!Array.isArray(value)) {
      return [
        {
          data: value,
          keyframe: r[0] === 1,
          pictureType: PICTURE_TYPES[r[1]!]!,
          seq: r[2]!,
          timestamp: r[3]!,
          frameIndex: r[4]!,
          slices: r[5]!,
        },
      ];
    }
    if (value.length > 0 && !Buffer.isBuffer(value[0])) return value as Packet[]; // more packets than #results holds
    return (value as Buffer[]).map((data, i) => {
      const f = i * PACKET_FIELDS;
      return {
        data,
        keyframe: r[f] === 1,
        pictureType: PICTURE_TYPES[r[f + 1]!]!,
        seq: r[f + 2]!,
        timestamp: r[f + 3]!,
        frameIndex: r[f + 4]!,
        slices: r[f + 5]!,
      };
    });
  }

  /**
   * Like encode(), on the encoder's worker thread: the event loop keeps running. Calls (sync and
   * async) run in the order they were made. The frame's memory must stay unchanged until the
   * promise settles.
   *
   * @throws {InvalidFrameError | EncoderClosedError | NvencError} as a rejection, like encode().
   * @example
   * ```ts
   * const packets = await enc.encodeAsync(frame, { seq: n });
   * ```
   */
  encodeAsync(frame: Frame, options?: EncodeOptions): Promise<Packet[]> {
    const native = this.#native;
    if (native === null) return Promise.reject(new EncoderClosedError());
    let pending: Promise<NativeFlatPackets>;
    try {
      const input = normaliseFrame(frame, this.#layout);
      const pixels = 'devicePtr' in input ? input.devicePtr : input.data;
      const meta = resolveEncodeOptions(options, this.#options);
      if (meta !== undefined && !fastPathOptions(meta)) return native.encodeAsync(input, meta).catch(this.#typed);
      pending =
        meta === undefined
          ? native.encodeFrameAsync(pixels, input.pitch, undefined, undefined, false)
          : native.encodeFrameAsync(pixels, input.pitch, meta.seq, meta.timestamp, meta.forceKeyframe === true);
    } catch (err) {
      return Promise.reject(fromNative(err, { gpuName: this.#gpuName }));
    }
    return pending.then(flatPackets, this.#typed);
  }

  /** Rejection handler of encodeAsync: one function per encoder, not one per call. */
  readonly #typed = (err: unknown): never => {
    throw fromNative(err, { gpuName: this.#gpuName });
  };

  /**
   * Loss recovery: tells NVENC that the pictures encoded with these `timestamp`s (the values
   * passed to encode()) never arrived (`nvEncInvalidateRefFrames`), so later pictures do not
   * reference them. Returns how many of the timestamps were still known to the encoder (its
   * last 64 pictures); unknown ones are ignored, as NVENC ignores pictures no longer in its DPB.
   * Checked against caps `supportRefPicInvalidation`.
   */
  invalidateReferences(timestamps: readonly number[]): number {
    const list: unknown = timestamps;
    if (!Array.isArray(list) || list.some((t) => typeof t !== 'number' || !Number.isFinite(t))) {
      throw new InvalidOptionError('Invalid argument to invalidateReferences: expected an array of finite timestamps', {
        option: 'timestamps',
      });
    }
    return this.#call((native) => native.invalidateReferences(list.slice() as number[]));
  }

  /** Entries a per-frame `qpMap` must have: one per 16×16 macroblock, ceil(w/16) × ceil(h/16). */
  get qpMapLength(): number {
    return qpMapLength(this.#options.width, this.#options.height);
  }

  /**
   * Benchmark support, not API: encodes `frame` `count` times from C++ on this encoder's session
   * and returns each call's time in µs (nvenc-bench's overhead measurement compares it with encode()).
   */
  _benchNativeLoop(frame: Frame, count: number): Float64Array {
    return this.#call((native) => native.benchNativeLoop(normaliseFrame(frame, this.#layout), count));
  }

  /**
   * Benchmark support, not API: encodeAsync()'s hand-offs (this encoder's worker thread and back,
   * the same rejection handler) around a `workUs` busy-wait instead of an encode; resolves `[]`.
   * Its round trip is the floor under encodeAsync() (nvenc-bench's overhead measurement).
   */
  _benchAsyncFloor(workUs: number): Promise<Packet[]> {
    const native = this.#native;
    if (native === null) return Promise.reject(new EncoderClosedError());
    return native.benchAsyncFloor(workUs).then(flatPackets, this.#typed);
  }

  /** Drains every pending packet (end of stream). The encoder stays usable; the next frame is an IDR. */
  flush(): Packet[] {
    return this.#call((native) => native.flush());
  }

  /** `flush()` on the encoder's worker thread: resolves with the remaining packets. */
  async flushAsync(): Promise<Packet[]> {
    return this.#call((native) => native.flushAsync());
  }

  /**
   * Changes bitrate, frame rate or size without a new session. Bitrate and frame-rate changes
   * apply to the running stream without a new IDR, as on NVENC; a size change (within the size the
   * session opened with) or `forceKeyframe` makes the next frame an IDR.
   *
   * @throws {InvalidOptionError} an option is out of range or beyond what the session allows.
   * @throws {EncoderClosedError} after `close()`.
   * @example
   * ```ts
   * enc.reconfigure({ bitrate: 2_000_000 });          // congestion: lower the rate, no IDR
   * enc.reconfigure({ fps: 29.97 });                  // 30000/1001
   * ```
   */
  reconfigure(options: ReconfigureOptions): void {
    this.#open(); // a closed encoder says so before judging the options
    const request = resolveReconfigure(this.#options, options);
    this.#call((native) => native.reconfigure(request));
    this.#reconfigured(request);
  }

  /**
   * reconfigure() on the encoder's worker thread, in order with encodeAsync()/flushAsync(): the
   * event loop keeps running while NVENC (or an engine that restarts for the change) applies it.
   * The new settings (size included) apply at once to the calls made after this one, as the worker
   * runs them after the change: a frame of the new size can follow without awaiting. If the
   * session rejects the change, the previous settings come back.
   *
   * @throws {InvalidOptionError | EncoderClosedError} as a rejection, like reconfigure().
   * @example
   * ```ts
   * await enc.reconfigureAsync({ bitrate: 2_000_000 });
   * ```
   */
  async reconfigureAsync(options: ReconfigureOptions): Promise<void> {
    const native = this.#open();
    const request = resolveReconfigure(this.#options, options);
    const previous = { options: this.#options, layout: this.#layout };
    // Frames submitted from here on are validated against the size they will be encoded at: the
    // worker runs them after this change.
    this.#reconfigured(request);
    const applied = this.#options;
    try {
      await withTypedErrors(this.#gpuName, () => native.reconfigureAsync(request));
    } catch (err) {
      // Not applied: back to the settings the session still has, unless a later reconfigure replaced them.
      if (this.#options === applied) {
        this.#options = previous.options;
        this.#layout = previous.layout;
      }
      throw err;
    }
  }

  /** The options after a reconfigure (applied, or queued on the worker ahead of later calls). */
  #reconfigured(request: ReturnType<typeof resolveReconfigure>): void {
    const next: ResolvedEncoderOptions = { ...this.#options };
    if (request.bitrate !== undefined) next.bitrate = request.bitrate;
    if (request.maxBitrate !== undefined) next.maxBitrate = request.maxBitrate;
    if (request.fpsNum !== undefined && request.fpsDen !== undefined) {
      next.fpsNum = request.fpsNum;
      next.fpsDen = request.fpsDen;
      next.fps = request.fpsNum / request.fpsDen;
    }
    if (request.width !== undefined) next.width = request.width;
    if (request.height !== undefined) next.height = request.height;
    this.#options = next;
    this.#layout = frameLayout(next.inputFormat, next.width, next.height);
  }

  /** The device's NVENC capabilities for a codec (nvEncGetEncodeCaps, camelCase names). */
  getCapabilities(codec: Codec = this.#options.codec): NvencCapabilities {
    this.#open();
    if (codec !== 'h264' && codec !== 'hevc' && codec !== 'av1') {
      throw new InvalidOptionError(`Invalid codec ${String(codec)}; expected 'h264', 'hevc' or 'av1'`, {
        option: 'codec',
      });
    }
    // The binding reports `supported` always and each other NV_ENC_CAPS answer it got.
    return this.#call((native) => native.getCapabilities(codec)) as unknown as NvencCapabilities;
  }

  /** SPS/PPS (and VPS) in Annex B, or the AV1 sequence header, as the session would emit them. */
  sequenceHeaders(): Buffer {
    return this.#call((native) => native.sequenceHeaders());
  }

  /** The WebCodecs codec string of this session's stream, from its real parameter sets. */
  codecString(): string {
    return codecString(this.sequenceHeaders(), this.#options.codec);
  }

  /** A Buffer in pinned (page-locked) host memory sized for one tightly packed frame: the fastest upload. */
  allocateHostFrame(): Buffer {
    return this.#call((native) => native.allocateHostFrame());
  }

  /**
   * Forgets the cached NVENC registration of a device pointer (call before freeing that memory).
   * Returns whether one was cached. Accepts the pointer, a { devicePtr } frame or a CUDA array.
   */
  releaseDeviceFrame(
    frame: bigint | number | { devicePtr: bigint | number } | { __cuda_array_interface__: CudaArrayInterface },
  ): boolean {
    this.#open();
    let ptr: unknown = frame;
    if (typeof frame === 'object' && frame !== null) {
      ptr = 'devicePtr' in frame ? frame.devicePtr : frame.__cuda_array_interface__?.data?.[0];
    }
    if (typeof ptr === 'number' && Number.isSafeInteger(ptr) && ptr > 0) ptr = BigInt(ptr);
    if (typeof ptr !== 'bigint' || ptr <= 0n) {
      throw new InvalidFrameError(`releaseDeviceFrame needs a CUDA device pointer (bigint), got ${String(ptr)}`, {
        phase: 'input',
      });
    }
    const devicePtr = ptr;
    return this.#call((native) => native.releaseDevicePointer(devicePtr));
  }

  /** Ends the session and frees its resources; pending async calls reject with EncoderClosedError. Idempotent. */
  close(): void {
    const native = this.#native;
    if (native === null) return;
    this.#native = null;
    native.close();
  }

  /**
   * Like close(), with the session's teardown (nvEncDestroyEncoder, buffer release) on the
   * encoder's worker thread after the calls queued before it: the event loop keeps running. The
   * encoder counts as closed at once (`closed`, EncoderClosedError for later calls); the promise
   * resolves once the session is gone. Idempotent.
   */
  async closeAsync(): Promise<void> {
    const native = this.#native;
    if (native === null) return;
    this.#native = null;
    try {
      await withTypedErrors(this.#gpuName, () => native.closeAsync());
    } finally {
      native.close(); // stops the now idle worker thread
    }
  }

  /** Same as `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}
