/**
 * VideoEncoder following the WebCodecs spec's algorithms: a control message queue (configure,
 * encode, flush run in call order), [[encodeQueueSize]] with the `dequeue` event, "codec saturated"
 * backpressure, Reset/Close with AbortError, and errors through the error callback as DOMException
 * (NotSupportedError, EncodingError). Nothing blocks the event loop for NVENC: sessions open with
 * NvencEncoder.open() (driver and session setup off the JS thread) while the control message
 * queue is blocked, as the spec's configure message blocks it, and encoding runs on
 * NvencEncoder's worker thread (encodeAsync).
 */
import { BitstreamParseError, codecString, NvencEncoder, type Packet } from '@nvenc-ts/nvenc';
import {
  avcDecoderConfigurationRecord,
  hevcDecoderConfigurationRecord,
  parameterSets,
  toLengthPrefixed,
} from './bitstream.js';
import { enforceRange, staticSupport, validateEncoderConfig, type CodecRequest } from './config.js';
import { openOnDevice, type DeviceChoice, type EncoderDeviceKind } from './device.js';
import { adoptChunk, type EncodedVideoChunk } from './encoded-video-chunk.js';
import { encoderInput, sessionFormat, streamColour, type SessionFormat } from './frame-input.js';
import { checkSupport, sessionOptions } from './support.js';
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

type ControlMessage = () => 'processed' | 'not processed';

/** What a session is opened for besides the config: the frames' pixel format and colour description. */
interface SessionKey {
  format: SessionFormat;
  colour: string;
}

interface Session {
  encoder: NvencEncoder;
  device: DeviceChoice;
  key: SessionKey;
  /** The colour space the stream signals (decoderConfig.colorSpace). */
  colorSpace: VideoColorSpaceInit;
  /** From the last key chunk that carried parameter sets; null until the first. */
  decoderConfig: VideoDecoderConfig | null;
  /** Frames submitted whose packet has not come out yet: seq → the frame's times. */
  pending: Map<number, { timestamp: number; duration: number | null }>;
  nextSeq: number;
}

interface ActiveConfig {
  config: VideoEncoderConfig;
  request: CodecRequest;
}

function domError(
  name: 'NotSupportedError' | 'InvalidStateError' | 'EncodingError' | 'AbortError',
  message: string,
): DOMException {
  return new DOMException(message, name);
}

function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * decoderConfig from parameter sets the stream really carries: a key access unit (NVENC repeats
 * SPS/PPS/VPS or the AV1 sequence header with every IDR here, repeatSpsPps) or the session's
 * sequence headers. Throws BitstreamParseError when `headers` holds none.
 */
function decoderConfigOf(
  active: ActiveConfig,
  headers: Uint8Array,
  colorSpace: VideoColorSpaceInit,
): VideoDecoderConfig {
  const { config, request } = active;
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

/** The per-codec quantizers of encode() options, each checked against its codec's range (TypeError). */
function quantizersOf(options: VideoEncoderEncodeOptions): Partial<Record<CodecRequest['codec'], number>> {
  const out: Partial<Record<CodecRequest['codec'], number>> = {};
  const take = (codec: CodecRequest['codec'], q: number | null | undefined, max: number): void => {
    if (q !== undefined && q !== null) out[codec] = enforceRange(q, 'quantizer', max);
  };
  take('h264', options.avc?.quantizer, 51);
  take('hevc', options.hevc?.quantizer, 51);
  take('av1', options.av1?.quantizer, 63);
  return out;
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

  /**
   * Whether `configure(config)` would succeed here: the spec's "Check Configuration Support",
   * answered from the device's capabilities (one capability session per device preference, codec
   * and profile, opened off the event loop and kept for the process; see support.ts).
   */
  static async isConfigSupported(config: VideoEncoderConfig): Promise<VideoEncoderSupport> {
    // Step 1: an invalid config rejects with TypeError (this is an async function).
    const valid = validateEncoderConfig(config);
    const { supported } = await checkSupport(valid);
    return { supported, config: valid };
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
    if (await this.#reconfigureInPlace(config, epoch)) {
      if (epoch === this.#epoch) this.#unblock();
      return;
    }
    if (epoch !== this.#epoch) return;
    this.#closeSession();
    const s = staticSupport(config);
    if ('reason' in s) {
      this.#closeWith(domError('NotSupportedError', `Unsupported configuration: ${s.reason}`));
      return;
    }
    const active: ActiveConfig = { config, request: s.request };
    this.#active = active;
    // Open for the last frames' pixel format and colour (a new config rarely changes them), else NV12.
    const odd = config.width % 2 !== 0 || config.height % 2 !== 0;
    const last = this.#lastInput && !(odd && !isRgbFormat(this.#lastInput.format)) ? this.#lastInput : undefined;
    const format = last?.format ?? (odd ? 'BGRA' : 'NV12');
    try {
      if ((await this.#openSession(active, format, last?.colorSpace ?? REC709, epoch, null)) === null) return;
    } catch (err) {
      if (epoch !== this.#epoch) return;
      this.#active = null;
      this.#closeWith(domError('NotSupportedError', `Unsupported configuration: ${describeError(err)}`));
      return;
    }
    this.#unblock();
  }

  /** The end of a message that blocked the queue: "assign false to [[message queue blocked]]", process it. */
  #unblock(): void {
    this.#blocked = false;
    this.#processQueue();
  }

  /**
   * A new config that changes only bitrate or frame rate reconfigures the running session (no key
   * frame, the same decoderConfig), as browsers do; anything else opens a new session.
   */
  async #reconfigureInPlace(config: VideoEncoderConfig, epoch: number): Promise<boolean> {
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
      // On the encoder's worker: an engine that restarts for it (libx265, SVT-AV1) does so off the loop.
      if (request.bitrate !== undefined || request.fps !== undefined) await session.encoder.reconfigureAsync(request);
    } catch {
      return false;
    }
    // A reset() meanwhile owns the state now (and has closed this session).
    if (epoch === this.#epoch) this.#active = { ...active, config };
    return true;
  }

  /**
   * Opens a session for `active` and frames of `format`/`cs` off the event loop: on the device
   * hardwareAcceleration picks, or on `device` (a reopen for new frames keeps the device).
   * Resolves with null, the session closed, when a reset or close came meanwhile.
   */
  async #openSession(
    active: ActiveConfig,
    format: FrameState['format'],
    cs: VideoColorSpaceInit,
    epoch: number,
    device: DeviceChoice | null,
  ): Promise<Session | null> {
    const colour = streamColour(format, cs);
    const options = sessionOptions(active.config, active.request, sessionFormat(format), colour.vui);
    const opened =
      device === null
        ? await openOnDevice(active.config.hardwareAcceleration ?? 'no-preference', options)
        : { encoder: await NvencEncoder.open({ ...options, device: device.option }), device };
    const { encoder } = opened;
    if (epoch !== this.#epoch) {
      void encoder.closeAsync().catch(() => {}); // reset or closed meanwhile: nobody wants it
      return null;
    }
    const info = encoder.info;
    this.#device = {
      kind: opened.device.kind,
      name: info.device,
      software: info.software,
      reason: opened.device.reason,
    };
    this.#session = {
      encoder,
      device: opened.device,
      key: { format: sessionFormat(format), colour: JSON.stringify(colour.vui) },
      colorSpace: colour.colorSpace,
      decoderConfig: null,
      pending: new Map(),
      nextSeq: 0,
    };
    this.#lastInput = { format, colorSpace: cs };
    return this.#session;
  }

  #closeSession(): void {
    // The teardown (nvEncDestroyEncoder, an engine's shutdown) runs on the session's worker thread.
    void this.#session?.encoder.closeAsync().catch(() => {}); // nothing left to report to
    this.#session = null;
  }

  /** Queues one frame; its chunks arrive through the output callback. */
  encode(frame: VideoFrame, options: VideoEncoderEncodeOptions = {}): void {
    if (!(frame instanceof VideoFrame)) throw new TypeError('encode() takes a VideoFrame');
    // Spec encode() step 1: a detached frame is a TypeError; step 2: not configured, InvalidStateError.
    if (frame[frameDetached]) throw new TypeError('encode() of a closed VideoFrame');
    if (this.#state !== 'configured')
      throw domError('InvalidStateError', `encode() while the encoder is ${this.#state}`);
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
    const keyFrame = Boolean(options.keyFrame ?? false);
    const quantizers = quantizersOf(options);
    const clone = frame.clone();
    this.#encodeQueueSize++;
    this.#enqueue(() => {
      const session = this.#session;
      const active = this.#active;
      if (session === null || active === null || this.#inFlight >= MAX_IN_FLIGHT) return 'not processed';
      const state = clone[frameState]();
      const colour = streamColour(state.format, state.colorSpace);
      const changed =
        sessionFormat(state.format) !== session.key.format || JSON.stringify(colour.vui) !== session.key.colour;
      // A new input format or colour description needs a new session: the frames on their way to
      // the old one come back first; the ones it holds are drained below.
      if (changed && this.#inFlight > 0) return 'not processed';
      this.#encodeQueueSize--;
      this.#scheduleDequeue();
      // bitrateMode 'quantizer': the frame's QP goes with it; NVENC changes it in place (no new session).
      // The codec is known here, not in encode(): configure() may still be queued ahead of this frame.
      const quantizer = quantizers[active.request.codec];
      const qp =
        active.config.bitrateMode === 'quantizer' && quantizer !== undefined
          ? this.#qpFor(active, quantizer)
          : undefined;
      if (!changed) {
        this.#submit(session, clone, state, keyFrame, qp);
        return 'processed';
      }
      // The reopen blocks the queue like a configure message: later messages wait, the loop runs.
      this.#blocked = true;
      const epoch = this.#epoch;
      this.#drain(epoch)
        .then(() => {
          if (epoch !== this.#epoch) return null;
          this.#closeSession();
          return this.#openSession(active, state.format, state.colorSpace, epoch, session.device);
        })
        .then(
          (reopened) => {
            if (reopened === null) return clone.close();
            this.#submit(reopened, clone, state, keyFrame, qp);
            this.#unblock();
          },
          (err: unknown) => {
            clone.close();
            if (epoch === this.#epoch)
              this.#closeWith(
                domError('EncodingError', `Could not reopen the session for this frame: ${describeError(err)}`),
              );
          },
        );
      return 'processed';
    });
  }

  /** NVENC's QP for a WebCodecs quantizer (AV1's 0–63 scale → NVENC's 0–255 qindex). */
  #qpFor(active: ActiveConfig, quantizer: number): number {
    return active.request.codec === 'av1' ? Math.min(255, quantizer * 4) : quantizer;
  }

  #submit(session: Session, frame: VideoFrame, state: FrameState, keyFrame: boolean, qp: number | undefined): void {
    const epoch = this.#epoch;
    const active = this.#active!;
    const seq = session.nextSeq++;
    let job: Promise<Packet[]>;
    try {
      const input = encoderInput(state, active.config.width, active.config.height);
      session.pending.set(seq, { timestamp: frame.timestamp, duration: frame.duration });
      const options = { forceKeyframe: keyFrame, seq, timestamp: frame.timestamp };
      job = session.encoder.encodeAsync(input, qp === undefined ? options : { ...options, qp });
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
    // "Output EncodedVideoChunks": decoderConfig only when the output config changed. A key
    // access unit carries its parameter sets, so a change (new session, or new parameter sets
    // after an in-place reconfigure) shows up exactly on the chunk that starts using them.
    if (packet.keyframe) {
      try {
        session.decoderConfig = decoderConfigOf(active, packet.data, session.colorSpace);
      } catch (err) {
        if (!(err instanceof BitstreamParseError)) throw err;
      }
    }
    session.decoderConfig ??= decoderConfigOf(active, session.encoder.sequenceHeaders(), session.colorSpace);
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
            this.#unblock();
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
