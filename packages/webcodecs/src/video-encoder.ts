/**
 * VideoEncoder following the WebCodecs spec's algorithms: a control message queue (configure,
 * encode, flush run in call order), [[encodeQueueSize]] with the `dequeue` event, "codec saturated"
 * backpressure, Reset/Close with AbortError, and errors through the error callback as DOMException
 * (NotSupportedError, EncodingError). Encoding runs on NvencEncoder's worker thread (encodeAsync).
 */
import { codecString, NvencEncoder, SessionLimitError, type EncoderOptions, type Packet } from '@nvenc-ts/nvenc';
import {
  avcDecoderConfigurationRecord,
  hevcDecoderConfigurationRecord,
  parameterSets,
  toLengthPrefixed,
} from './bitstream.js';
import { enforceRange, staticSupport, validateEncoderConfig, type CodecRequest } from './config.js';
import { chooseDevice, type DeviceChoice, type EncoderDeviceKind } from './device.js';
import { adoptChunk, type EncodedVideoChunk } from './encoded-video-chunk.js';
import { encoderInput, sessionFormat, streamColour, type SessionFormat } from './frame-input.js';
import type {
  CodecState,
  EncodedVideoChunkMetadata,
  VideoColorSpaceInit,
  VideoDecoderConfig,
  VideoEncoderConfig,
  VideoEncoderEncodeOptions,
  VideoEncoderSupport,
} from './types.js';
import { frameDetached, frameState, isRgbFormat, REC709, VideoFrame, type FrameState } from './video-frame.js';

/** Callbacks of `new VideoEncoder()`. */
export interface VideoEncoderInit {
  /** Receives each encoded chunk, in order. */
  output: (chunk: EncodedVideoChunk, metadata: EncodedVideoChunkMetadata) => void;
  /** Receives the error that closed the encoder. */
  error: (error: DOMException) => void;
}

/** Extension: which device a configured encoder uses and why (hardwareAcceleration's outcome). */
export interface EncoderDevice {
  kind: EncoderDeviceKind;
  /** NVENC's device name (the GPU, or the software device's identity). */
  name: string;
  /** True for the software device: its results are never NVENC hardware results. */
  software: boolean;
  reason: string;
}

/** Encodes submitted to the worker thread before the codec counts as saturated (frames stay queued). */
const MAX_IN_FLIGHT = 2;
/** Default constant QP for bitrateMode 'quantizer' before a frame names one (NVENC's own default range). */
const DEFAULT_QP = { h264: 23, hevc: 23, av1: 100 } as const;

type ControlMessage = () => 'processed' | 'not processed';

interface SessionKey {
  format: SessionFormat;
  colour: string;
  qp: number | undefined;
}

interface Session {
  encoder: NvencEncoder;
  key: SessionKey;
  decoderConfig: VideoDecoderConfig;
  /** Frames submitted whose packet has not come out yet: seq → the frame's times. */
  pending: Map<number, { timestamp: number; duration: number | null }>;
  nextSeq: number;
}

interface ActiveConfig {
  config: VideoEncoderConfig;
  request: CodecRequest;
  device: DeviceChoice;
}

function domError(
  name: 'NotSupportedError' | 'InvalidStateError' | 'EncodingError' | 'AbortError',
  message: string,
): DOMException {
  return new DOMException(message, name);
}

/** NvencEncoder options for a config, a frame format, a colour description and a QP. */
function sessionOptions(
  active: ActiveConfig,
  key: SessionKey,
  colour: ReturnType<typeof streamColour>['vui'],
): EncoderOptions {
  const { config, request, device } = active;
  const options: EncoderOptions = {
    width: config.width,
    height: config.height,
    codec: request.codec,
    profile: request.profile,
    inputFormat: key.format,
    device: device.option,
    fps: config.framerate ?? 30,
    // 'quality' trades latency for compression; 'realtime' is NVENC's ultra-low-latency tuning.
    tuning: config.latencyMode === 'realtime' ? 'ull' : 'hq',
    rateControl: config.bitrateMode === 'constant' ? 'cbr' : config.bitrateMode === 'quantizer' ? 'cqp' : 'vbr',
    colour,
  };
  if (config.bitrate !== undefined && config.bitrateMode !== 'quantizer') options.bitrate = config.bitrate;
  if (key.qp !== undefined) options.qp = key.qp;
  return options;
}

function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** decoderConfig of a session, from the parameter sets it really emits. */
function decoderConfigOf(
  active: ActiveConfig,
  encoder: NvencEncoder,
  colorSpace: VideoColorSpaceInit,
): VideoDecoderConfig {
  const { config, request } = active;
  const headers = encoder.sequenceHeaders();
  const real = codecString(headers, request.codec);
  // The rest of the string is the stream's; the prefix says where parameter sets live (in-band for avc3/hev1).
  const codec = request.prefix + real.slice(4);
  const out: VideoDecoderConfig = { codec, codedWidth: config.width, codedHeight: config.height, colorSpace };
  if (config.displayWidth !== undefined && config.displayHeight !== undefined) {
    out.displayAspectWidth = config.displayWidth;
    out.displayAspectHeight = config.displayHeight;
  }
  if (request.codec === 'h264' && lengthPrefixed(active)) {
    out.description = toArrayBuffer(avcDecoderConfigurationRecord(parameterSets(headers, 'h264')));
  } else if (request.codec === 'hevc' && lengthPrefixed(active)) {
    out.description = toArrayBuffer(hevcDecoderConfigurationRecord(parameterSets(headers, 'hevc')));
  }
  return out;
}

/** The spec's defaults: avc.format 'avc', hevc.format 'hevc' (length-prefixed, parameter sets in description). */
function lengthPrefixed(active: ActiveConfig): boolean {
  if (active.request.codec === 'h264') return (active.config.avc?.format ?? 'avc') === 'avc';
  if (active.request.codec === 'hevc') return (active.config.hevc?.format ?? 'hevc') === 'hevc';
  return false;
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function configKey(dc: VideoDecoderConfig): string {
  const desc = dc.description ? Buffer.from(dc.description).toString('hex') : '';
  return JSON.stringify([
    dc.codec,
    dc.codedWidth,
    dc.codedHeight,
    dc.displayAspectWidth,
    dc.displayAspectHeight,
    dc.colorSpace,
    desc,
  ]);
}

function cloneDecoderConfig(dc: VideoDecoderConfig): VideoDecoderConfig {
  const out: VideoDecoderConfig = { ...dc };
  if (dc.colorSpace) out.colorSpace = { ...dc.colorSpace };
  if (dc.description) out.description = dc.description.slice(0);
  return out;
}

/** Support of a valid config on a device: the static checks, then a real session opened and closed. */
function supportOf(config: VideoEncoderConfig): { active: ActiveConfig } | { reason: string } {
  const s = staticSupport(config);
  if ('reason' in s) return s;
  const device = chooseDevice(config.hardwareAcceleration ?? 'no-preference');
  if ('unsupported' in device) return { reason: device.unsupported };
  return { active: { config, request: s.request, device } };
}

/**
 * isConfigSupported() answers by config. A real session's answer does not change while the process
 * runs, except for a full device (session limit, memory), which is never cached.
 */
const supportCache = new Map<string, boolean>();

function trialSession(active: ActiveConfig): { reason: string; transient: boolean } | undefined {
  const { config } = active;
  // NV12 needs even sizes; RGB input may be odd (NVENC converts it).
  const format: SessionFormat = config.width % 2 === 0 && config.height % 2 === 0 ? 'nv12' : 'bgra';
  const key: SessionKey = {
    format,
    colour: '',
    qp: config.bitrateMode === 'quantizer' ? DEFAULT_QP[active.request.codec] : undefined,
  };
  try {
    new NvencEncoder(
      sessionOptions(active, key, streamColour(format === 'nv12' ? 'NV12' : 'BGRA', REC709).vui),
    ).close();
    return undefined;
  } catch (err) {
    return {
      reason: describeError(err),
      transient: err instanceof SessionLimitError || (err as { code?: string }).code === 'NV_ENC_ERR_OUT_OF_MEMORY',
    };
  }
}

function nextTask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The W3C WebCodecs VideoEncoder over NVENC (or the software device), for Node.js. */
export class VideoEncoder extends EventTarget {
  #state: CodecState = 'unconfigured';
  #encodeQueueSize = 0;
  #queue: ControlMessage[] = [];
  #blocked = false;
  #dequeueScheduled = false;
  readonly #output: VideoEncoderInit['output'];
  readonly #error: VideoEncoderInit['error'];
  #active: ActiveConfig | null = null;
  #session: Session | null = null;
  /** decoderConfig last given to the output callback (the spec's [[active output config]]). */
  #outputConfigKey: string | null = null;
  #pendingFlushes = new Set<{ resolve: () => void; reject: (e: unknown) => void }>();
  #inFlight = 0;
  /** Outputs are emitted in submission order along this chain. */
  #tail: Promise<void> = Promise.resolve();
  /** Bumped by Reset: work started before it finds a different epoch and drops its results. */
  #epoch = 0;
  #device: EncoderDevice | null = null;
  /** Pixel format and colour space of the frames the last session was opened for. */
  #lastInput: { format: FrameState['format']; colorSpace: VideoColorSpaceInit } | undefined;
  /** Called (like a `dequeue` event listener) when encodeQueueSize drops. */
  ondequeue: ((this: VideoEncoder, ev: Event) => unknown) | null = null;

  constructor(init: VideoEncoderInit) {
    super();
    if (typeof init !== 'object' || init === null) throw new TypeError('VideoEncoderInit is required');
    if (typeof init.output !== 'function') throw new TypeError('VideoEncoderInit.output must be a function');
    if (typeof init.error !== 'function') throw new TypeError('VideoEncoderInit.error must be a function');
    this.#output = init.output;
    this.#error = init.error;
  }

  /** 'unconfigured', 'configured' or 'closed'. */
  get state(): CodecState {
    return this.#state;
  }

  /** Frames accepted by encode() and not yet handed to the encoder. */
  get encodeQueueSize(): number {
    return this.#encodeQueueSize;
  }

  /** Extension: the device the last configuration encoded on (null until a configure() has opened one). */
  get encoderDevice(): EncoderDevice | null {
    return this.#device;
  }

  /**
   * Extension: forgets NVENC's cached registration of CUDA memory that frames wrapped (call before
   * freeing that memory; registrations are cached per pointer because registering is costly).
   * Returns whether one was cached.
   */
  releaseCudaDeviceMemory(devicePtr: bigint): boolean {
    return this.#session?.encoder.releaseDeviceFrame(devicePtr) ?? false;
  }

  /** Whether `configure(config)` would succeed here, without opening a session. */
  static async isConfigSupported(config: VideoEncoderConfig): Promise<VideoEncoderSupport> {
    const valid = validateEncoderConfig(config);
    const key = JSON.stringify(valid);
    const cached = supportCache.get(key);
    if (cached !== undefined) return { supported: cached, config: valid };
    await nextTask();
    const s = supportOf(valid);
    if ('reason' in s) {
      supportCache.set(key, false);
      return { supported: false, config: valid };
    }
    const failure = trialSession(s.active);
    if (failure === undefined || !failure.transient) supportCache.set(key, failure === undefined);
    return { supported: failure === undefined, config: valid };
  }

  /** Queues (re)configuration; errors arrive through the error callback. */
  configure(config: VideoEncoderConfig): void {
    const valid = validateEncoderConfig(config);
    if (this.#state === 'closed') throw domError('InvalidStateError', 'configure() on a closed VideoEncoder');
    this.#state = 'configured';
    this.#enqueue(() => {
      this.#blocked = true;
      const epoch = this.#epoch;
      void this.#runConfigure(valid, epoch);
      return 'processed';
    });
  }

  async #runConfigure(config: VideoEncoderConfig, epoch: number): Promise<void> {
    try {
      await this.#drain(epoch);
    } catch (err) {
      if (epoch === this.#epoch) this.#closeWith(domError('EncodingError', describeError(err)));
      return;
    }
    await nextTask();
    if (epoch !== this.#epoch) return;
    if (this.#reconfigureInPlace(config)) {
      this.#blocked = false;
      this.#processQueue();
      return;
    }
    this.#closeSession();
    const s = supportOf(config);
    if ('reason' in s) {
      this.#closeWith(domError('NotSupportedError', `Unsupported configuration: ${s.reason}`));
      return;
    }
    this.#active = s.active;
    try {
      // Open for the last frames' pixel format and colour (a new config rarely changes them), else NV12.
      const odd = config.width % 2 !== 0 || config.height % 2 !== 0;
      const last = this.#lastInput && !(odd && !isRgbFormat(this.#lastInput.format)) ? this.#lastInput : undefined;
      const format = last?.format ?? (odd ? 'BGRA' : 'NV12');
      const colorSpace = last?.colorSpace ?? REC709;
      this.#openSession({ format: sessionFormat(format), colour: '', qp: undefined }, format, colorSpace);
    } catch (err) {
      this.#active = null;
      this.#closeWith(domError('NotSupportedError', `Unsupported configuration: ${describeError(err)}`));
      return;
    }
    this.#blocked = false;
    this.#processQueue();
  }

  /**
   * A new config that changes only bitrate or frame rate reconfigures the running session (no key
   * frame, the same decoderConfig), as browsers do; anything else opens a new session.
   */
  #reconfigureInPlace(config: VideoEncoderConfig): boolean {
    const session = this.#session;
    const active = this.#active;
    if (session === null || active === null) return false;
    const strip = (c: VideoEncoderConfig): string =>
      JSON.stringify({ ...c, bitrate: c.bitrate === undefined, framerate: c.framerate === undefined });
    if (strip(config) !== strip(active.config) || config.bitrateMode === 'quantizer') return false;
    const fps = config.framerate ?? 30;
    if (!Number.isInteger(fps)) return false;
    try {
      const request: { bitrate?: number; fps?: number } = {};
      if (config.bitrate !== undefined && config.bitrate !== active.config.bitrate) request.bitrate = config.bitrate;
      if (fps !== (active.config.framerate ?? 30)) request.fps = fps;
      if (request.bitrate !== undefined || request.fps !== undefined) session.encoder.reconfigure(request);
    } catch {
      return false;
    }
    this.#active = { ...active, config };
    return true;
  }

  #openSession(key: SessionKey, format: FrameState['format'], cs: VideoColorSpaceInit): Session {
    const active = this.#active;
    if (active === null) throw new Error('not configured');
    if (key.qp === undefined && active.config.bitrateMode === 'quantizer')
      key = { ...key, qp: DEFAULT_QP[active.request.codec] };
    const colour = streamColour(format, cs);
    const encoder = new NvencEncoder(
      sessionOptions(active, { ...key, colour: JSON.stringify(colour.vui) }, colour.vui),
    );
    try {
      const info = encoder.info;
      this.#device = {
        kind: active.device.kind,
        name: info.device,
        software: info.software,
        reason: active.device.reason,
      };
      const decoderConfig = decoderConfigOf(active, encoder, colour.colorSpace);
      this.#session = {
        encoder,
        key: { ...key, colour: JSON.stringify(colour.vui) },
        decoderConfig,
        pending: new Map(),
        nextSeq: 0,
      };
      this.#lastInput = { format, colorSpace: cs };
      return this.#session;
    } catch (err) {
      encoder.close();
      throw err;
    }
  }

  #closeSession(): void {
    this.#session?.encoder.close();
    this.#session = null;
  }

  /** Queues one frame; its chunks arrive through the output callback. */
  encode(frame: VideoFrame, options: VideoEncoderEncodeOptions = {}): void {
    if (!(frame instanceof VideoFrame)) throw new TypeError('encode() takes a VideoFrame');
    if (frame[frameDetached]) throw new TypeError('encode() of a closed VideoFrame');
    if (this.#state !== 'configured')
      throw domError('InvalidStateError', `encode() while the encoder is ${this.#state}`);
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
    const keyFrame = Boolean(options.keyFrame ?? false);
    const quantizer = this.#quantizerOf(options);
    const clone = frame.clone();
    this.#encodeQueueSize++;
    this.#enqueue(() => {
      const session = this.#session;
      const active = this.#active;
      if (session === null || active === null || this.#inFlight >= MAX_IN_FLIGHT) return 'not processed';
      const state = clone[frameState]();
      const colour = streamColour(state.format, state.colorSpace);
      const key: SessionKey = {
        format: sessionFormat(state.format),
        colour: JSON.stringify(colour.vui),
        qp: active.config.bitrateMode === 'quantizer' ? this.#qpFor(active, quantizer, session) : undefined,
      };
      const changed =
        key.format !== session.key.format || key.colour !== session.key.colour || key.qp !== session.key.qp;
      // A new input format, colour description or QP needs a new session; wait for the old one's outputs.
      if (changed && (this.#inFlight > 0 || session.pending.size > 0)) return 'not processed';
      this.#encodeQueueSize--;
      this.#scheduleDequeue();
      let current = session;
      try {
        if (changed) {
          this.#closeSession();
          current = this.#openSession(key, state.format, state.colorSpace);
        }
      } catch (err) {
        clone.close();
        this.#queueCloseWith(
          domError('EncodingError', `Could not reopen the session for this frame: ${describeError(err)}`),
        );
        return 'processed';
      }
      this.#submit(current, clone, state, keyFrame);
      return 'processed';
    });
  }

  #quantizerOf(options: VideoEncoderEncodeOptions): number | undefined {
    const codec = this.#active?.request.codec;
    const q =
      codec === 'hevc' ? options.hevc?.quantizer : codec === 'av1' ? options.av1?.quantizer : options.avc?.quantizer;
    if (q === undefined || q === null) return undefined;
    const max = codec === 'av1' ? 63 : 51;
    const v = enforceRange(q, 'quantizer', max);
    return v;
  }

  /** NVENC's QP for a WebCodecs quantizer (AV1's 0–63 scale → NVENC's 0–255 qindex). */
  #qpFor(active: ActiveConfig, quantizer: number | undefined, session: Session): number {
    if (quantizer === undefined) return session.key.qp ?? DEFAULT_QP[active.request.codec];
    return active.request.codec === 'av1' ? Math.min(255, quantizer * 4) : quantizer;
  }

  #submit(session: Session, frame: VideoFrame, state: FrameState, keyFrame: boolean): void {
    const epoch = this.#epoch;
    const active = this.#active!;
    const seq = session.nextSeq++;
    let job: Promise<Packet[]>;
    try {
      const input = encoderInput(state, active.config.width, active.config.height);
      session.pending.set(seq, { timestamp: frame.timestamp, duration: frame.duration });
      job = session.encoder.encodeAsync(input, { forceKeyframe: keyFrame, seq, timestamp: frame.timestamp });
    } catch (err) {
      frame.close();
      this.#queueCloseWith(domError('EncodingError', describeError(err)));
      return;
    }
    this.#inFlight++;
    const emitted = this.#tail.then(async () => {
      let packets: Packet[];
      try {
        packets = await job;
      } finally {
        frame.close();
      }
      if (epoch !== this.#epoch) return;
      for (const p of packets) this.#emit(session, p);
    });
    this.#tail = emitted.then(
      () => this.#settle(epoch),
      (err: unknown) => {
        this.#settle(epoch);
        if (epoch === this.#epoch && this.#state !== 'closed')
          this.#closeWith(domError('EncodingError', describeError(err)));
      },
    );
  }

  #settle(epoch: number): void {
    if (epoch !== this.#epoch) return;
    this.#inFlight--;
    this.#processQueue();
  }

  #emit(session: Session, packet: Packet): void {
    const times = session.pending.get(packet.seq);
    session.pending.delete(packet.seq);
    const active = this.#active!;
    const codec = active.request.codec;
    const data =
      lengthPrefixed(active) && codec !== 'av1' ? toLengthPrefixed(packet.data, codec) : new Uint8Array(packet.data);
    const init = {
      type: packet.keyframe ? ('key' as const) : ('delta' as const),
      timestamp: times?.timestamp ?? packet.timestamp,
      data,
    };
    const chunk = adoptChunk(times?.duration == null ? init : { ...init, duration: times.duration });
    const metadata: EncodedVideoChunkMetadata = {};
    const key = configKey(session.decoderConfig);
    if (key !== this.#outputConfigKey) {
      this.#outputConfigKey = key;
      metadata.decoderConfig = cloneDecoderConfig(session.decoderConfig);
    }
    this.#output(chunk, metadata);
  }

  /** Resolves when every queued frame has been output. */
  flush(): Promise<void> {
    if (this.#state !== 'configured')
      return Promise.reject(domError('InvalidStateError', `flush() while the encoder is ${this.#state}`));
    return new Promise<void>((resolve, reject) => {
      const entry = { resolve, reject };
      this.#pendingFlushes.add(entry);
      this.#enqueue(() => {
        this.#blocked = true;
        const epoch = this.#epoch;
        this.#drain(epoch).then(
          async () => {
            await nextTask();
            if (epoch !== this.#epoch) return;
            this.#pendingFlushes.delete(entry);
            resolve();
            this.#blocked = false;
            this.#processQueue();
          },
          (err: unknown) => {
            if (epoch === this.#epoch) this.#closeWith(domError('EncodingError', describeError(err)));
          },
        );
        return 'processed';
      });
    });
  }

  /** Waits for every submitted frame's output and drains frames the session still holds (emitting them). */
  async #drain(epoch: number): Promise<void> {
    await this.#tail;
    const session = this.#session;
    if (epoch !== this.#epoch || session === null || session.pending.size === 0) return;
    const packets = await session.encoder.flushAsync();
    if (epoch !== this.#epoch) return;
    for (const p of packets) this.#emit(session, p);
  }

  /** Drops queued work and returns to 'unconfigured'. */
  reset(): void {
    this.#reset(domError('AbortError', 'reset() was called'));
  }

  /** Drops queued work and frees the encoder for good. */
  close(): void {
    this.#closeWith(domError('AbortError', 'close() was called'), true);
  }

  /** The spec's "Reset VideoEncoder" algorithm. */
  #reset(exception: DOMException): void {
    if (this.#state === 'closed') throw domError('InvalidStateError', 'reset() on a closed VideoEncoder');
    this.#state = 'unconfigured';
    this.#epoch++;
    this.#active = null;
    this.#outputConfigKey = null;
    this.#queue = [];
    this.#blocked = false;
    this.#inFlight = 0;
    this.#tail = Promise.resolve();
    // The old session's worker calls reject with EncoderClosedError; their epoch drops them.
    this.#closeSession();
    if (this.#encodeQueueSize > 0) {
      this.#encodeQueueSize = 0;
      this.#scheduleDequeue();
    }
    const flushes = [...this.#pendingFlushes];
    this.#pendingFlushes.clear();
    for (const f of flushes) f.reject(exception);
  }

  /** The spec's "Close VideoEncoder" algorithm; the error callback sees every exception but AbortError. */
  #closeWith(exception: DOMException, fromCloseMethod = false): void {
    if (this.#state === 'closed' && !fromCloseMethod) return;
    this.#reset(exception);
    this.#state = 'closed';
    if (exception.name !== 'AbortError') this.#error(exception);
  }

  /** "Queue a task to Close VideoEncoder": errors found while processing a message surface asynchronously. */
  #queueCloseWith(exception: DOMException): void {
    const epoch = this.#epoch;
    setImmediate(() => {
      if (epoch === this.#epoch && this.#state !== 'closed') this.#closeWith(exception);
    });
  }

  #enqueue(message: ControlMessage): void {
    this.#queue.push(message);
    this.#processQueue();
  }

  /** The spec's "Process the control message queue". */
  #processQueue(): void {
    while (!this.#blocked && this.#queue.length > 0) {
      const message = this.#queue[0]!;
      if (message() === 'not processed') break;
      this.#queue.shift();
    }
  }

  #scheduleDequeue(): void {
    if (this.#dequeueScheduled) return;
    this.#dequeueScheduled = true;
    setImmediate(() => {
      this.#dequeueScheduled = false;
      const event = new Event('dequeue');
      this.ondequeue?.call(this, event);
      this.dispatchEvent(event);
    });
  }
}
