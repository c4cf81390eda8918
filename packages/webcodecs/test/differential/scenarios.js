// One table of WebCodecs configs and call sequences, run unchanged in headless Chromium (against
// the browser's VideoEncoder) and in Node (against @nvenc-ts/webcodecs). Plain JavaScript with no
// imports: the browser loads this file as a module; `api` holds VideoEncoder, VideoFrame and
// EncodedVideoChunk. Every scenario returns JSON; the test compares the two sides.

const W = 320;
const H = 240;

function errName(fn) {
  try {
    fn();
    return 'none';
  } catch (e) {
    return e instanceof TypeError ? 'TypeError' : (e && e.name) || String(e);
  }
}

async function rejName(promiseFn) {
  try {
    await promiseFn();
    return 'resolved';
  } catch (e) {
    return e instanceof TypeError ? 'TypeError' : (e && e.name) || String(e);
  }
}

function tick(ms = 0) {
  return new Promise((r) => setTimeout(r, ms));
}

/** A 320x240 RGBA frame: a colour per frame so the encoder has something to do. */
function rgbaFrame(api, timestamp, duration, i = 0) {
  const data = new Uint8Array(W * H * 4);
  for (let p = 0; p < W * H; p++) {
    data[p * 4] = (i * 40) & 255;
    data[p * 4 + 1] = (p % W) & 255;
    data[p * 4 + 2] = 128;
    data[p * 4 + 3] = 255;
  }
  const init = { format: 'RGBA', codedWidth: W, codedHeight: H, timestamp };
  if (duration !== undefined) init.duration = duration;
  return new api.VideoFrame(data, init);
}

function i420Frame(api, timestamp) {
  const data = new Uint8Array(W * H * 1.5).fill(100);
  return new api.VideoFrame(data, { format: 'I420', codedWidth: W, codedHeight: H, timestamp });
}

function recorder(api) {
  const rec = { outputs: [], errors: [] };
  rec.encoder = new api.VideoEncoder({
    output: (chunk, metadata) => {
      const bytes = new Uint8Array(chunk.byteLength);
      chunk.copyTo(bytes);
      const dc = metadata && metadata.decoderConfig;
      rec.outputs.push({
        type: chunk.type,
        timestamp: chunk.timestamp,
        duration: chunk.duration,
        head: Array.from(bytes.subarray(0, 4)),
        decoderConfig: dc
          ? {
              codec: dc.codec,
              codedWidth: dc.codedWidth,
              codedHeight: dc.codedHeight,
              hasDescription: dc.description !== undefined,
              displayAspectWidth: dc.displayAspectWidth,
              colorSpace: dc.colorSpace
                ? {
                    primaries: dc.colorSpace.primaries,
                    transfer: dc.colorSpace.transfer,
                    matrix: dc.colorSpace.matrix,
                    fullRange: dc.colorSpace.fullRange,
                  }
                : undefined,
            }
          : undefined,
        metadataType: metadata === undefined ? 'undefined' : typeof metadata,
      });
    },
    error: (e) => rec.errors.push(e.name),
  });
  return rec;
}

const H264 = { codec: 'avc1.42001f', width: W, height: H };

export const scenarios = {
  async invalidConfigsRejectWithTypeError(api) {
    const configs = {
      missingCodec: { width: W, height: H },
      emptyCodec: { codec: '', width: W, height: H },
      blankCodec: { codec: '  ', width: W, height: H },
      missingWidth: { codec: 'avc1.42001f', height: H },
      widthZero: { codec: 'avc1.42001f', width: 0, height: H },
      heightZero: { codec: 'avc1.42001f', width: W, height: 0 },
      widthNegative: { codec: 'avc1.42001f', width: -1, height: H },
      displayWidthZero: { codec: 'avc1.42001f', width: W, height: H, displayWidth: 0, displayHeight: H },
      displayHeightZero: { codec: 'avc1.42001f', width: W, height: H, displayWidth: W, displayHeight: 0 },
      bitrateZero: { codec: 'avc1.42001f', width: W, height: H, bitrate: 0 },
      badHardwareAcceleration: { codec: 'avc1.42001f', width: W, height: H, hardwareAcceleration: 'gpu' },
      badBitrateMode: { codec: 'avc1.42001f', width: W, height: H, bitrateMode: 'fast' },
      badLatencyMode: { codec: 'avc1.42001f', width: W, height: H, latencyMode: 'now' },
      badAvcFormat: { codec: 'avc1.42001f', width: W, height: H, avc: { format: 'mp4' } },
      framerateNaN: { codec: 'avc1.42001f', width: W, height: H, framerate: NaN },
    };
    const out = {};
    for (const [name, config] of Object.entries(configs)) {
      const enc = new api.VideoEncoder({ output: () => {}, error: () => {} });
      out[name] = {
        isConfigSupported: await rejName(() => api.VideoEncoder.isConfigSupported(config)),
        configure: errName(() => enc.configure(config)),
        stateAfter: enc.state,
      };
      enc.close();
    }
    return out;
  },

  async isConfigSupportedAnswers(api) {
    const codecs = {
      h264Baseline31: 'avc1.42001f',
      h264Main31: 'avc1.4d401f',
      h264High40: 'avc1.640028',
      h264Level10TooSmallFor320x240: 'avc1.42000a',
      h264High10Profile: 'avc1.6e0028',
      av1Main8bit: 'av01.0.04M.08',
      av1Main10bit: 'av01.0.04M.10',
      av1High444: 'av01.1.04M.08',
      hevcMain: 'hvc1.1.6.L93.B0',
      hevcMainHev1: 'hev1.1.6.L93.B0',
      vp8: 'vp8',
      vp9: 'vp09.00.10.08',
      unknown: 'bogus',
      caseWrongAvc: 'AVC1.42001F',
    };
    const out = {};
    for (const [name, codec] of Object.entries(codecs)) {
      const r = await api.VideoEncoder.isConfigSupported({ codec, width: W, height: H });
      out[name] = { supported: r.supported, echoedCodec: r.config.codec, echoedWidth: r.config.width };
    }
    const extra = {
      invalidScalabilityMode: { ...H264, scalabilityMode: 'ABC' },
      l1t1: { ...H264, scalabilityMode: 'L1T1' },
      preferSoftware: { ...H264, hardwareAcceleration: 'prefer-software' },
      preferHardwareWithoutGpu: { ...H264, hardwareAcceleration: 'prefer-hardware' },
      realtimeConstant: { ...H264, latencyMode: 'realtime', bitrateMode: 'constant', bitrate: 500000, framerate: 30 },
      annexb: { ...H264, avc: { format: 'annexb' } },
      displaySize: { ...H264, displayWidth: 640, displayHeight: 480 },
    };
    for (const [name, config] of Object.entries(extra)) {
      const r = await api.VideoEncoder.isConfigSupported(config);
      out[name] = { supported: r.supported, echoedCodec: r.config.codec };
    }
    return out;
  },

  async stateTransitions(api) {
    const rec = recorder(api);
    const enc = rec.encoder;
    const out = { initial: enc.state, initialQueue: enc.encodeQueueSize };
    out.encodeUnconfigured = errName(() => {
      const f = rgbaFrame(api, 0);
      try {
        enc.encode(f);
      } finally {
        f.close();
      }
    });
    out.flushUnconfigured = await rejName(() => enc.flush());
    enc.configure(H264);
    out.afterConfigure = enc.state;
    enc.reset();
    out.afterReset = enc.state;
    enc.reset();
    out.resetTwice = enc.state;
    enc.configure(H264);
    enc.configure({ ...H264, bitrate: 200000 });
    out.reconfigure = enc.state;
    enc.close();
    out.afterClose = enc.state;
    out.configureAfterClose = errName(() => enc.configure(H264));
    out.resetAfterClose = errName(() => enc.reset());
    out.flushAfterClose = await rejName(() => enc.flush());
    out.errorsCalled = rec.errors.length;
    return out;
  },

  async encodeAfterClose(api) {
    const rec = recorder(api);
    rec.encoder.configure(H264);
    rec.encoder.close();
    const f = rgbaFrame(api, 0);
    const out = { encode: errName(() => rec.encoder.encode(f)) };
    f.close();
    await tick(50);
    out.outputs = rec.outputs.length;
    out.errors = rec.errors;
    return out;
  },

  async encodeClosedFrame(api) {
    const rec = recorder(api);
    rec.encoder.configure(H264);
    const f = rgbaFrame(api, 0);
    f.close();
    const out = { encode: errName(() => rec.encoder.encode(f)), state: rec.encoder.state };
    rec.encoder.close();
    return out;
  },

  async flushOrdering(api) {
    const rec = recorder(api);
    const enc = rec.encoder;
    enc.configure({ ...H264, framerate: 30 });
    const order = [];
    for (let i = 0; i < 5; i++) {
      const f = rgbaFrame(api, i * 33333, 33333, i);
      enc.encode(f);
      f.close();
    }
    const first = enc.flush().then(() => order.push(`flush1 after ${rec.outputs.length} outputs`));
    for (let i = 5; i < 7; i++) {
      const f = rgbaFrame(api, i * 33333, 33333, i);
      enc.encode(f);
      f.close();
    }
    const second = enc.flush().then(() => order.push(`flush2 after ${rec.outputs.length} outputs`));
    await Promise.all([first, second]);
    const out = {
      order,
      timestamps: rec.outputs.map((o) => o.timestamp),
      durations: rec.outputs.map((o) => o.duration),
      queueAfterFlush: enc.encodeQueueSize,
      errors: rec.errors,
    };
    enc.close();
    return out;
  },

  async resetMidStream(api) {
    const rec = recorder(api);
    const enc = rec.encoder;
    enc.configure(H264);
    for (let i = 0; i < 3; i++) {
      const f = rgbaFrame(api, i * 1000, 1000, i);
      enc.encode(f);
      f.close();
    }
    const flush = rejName(() => enc.flush());
    enc.reset();
    const out = { state: enc.state, queueAfterReset: enc.encodeQueueSize, pendingFlush: await flush };
    const before = rec.outputs.length;
    await tick(100);
    out.outputsAfterReset = rec.outputs.length - before;
    enc.configure(H264);
    const f = rgbaFrame(api, 5000, 1000, 5);
    enc.encode(f);
    f.close();
    await enc.flush();
    const last = rec.outputs[rec.outputs.length - 1];
    out.afterReconfigure = {
      type: last.type,
      timestamp: last.timestamp,
      hasDecoderConfig: last.decoderConfig !== undefined,
    };
    out.errors = rec.errors;
    enc.close();
    return out;
  },

  async closeWithPendingFlush(api) {
    const rec = recorder(api);
    const enc = rec.encoder;
    enc.configure(H264);
    const f = rgbaFrame(api, 0);
    enc.encode(f);
    f.close();
    const flush = rejName(() => enc.flush());
    enc.close();
    return { flush: await flush, state: enc.state, errors: rec.errors };
  },

  async keyFrameRequests(api) {
    const rec = recorder(api);
    const enc = rec.encoder;
    enc.configure(H264);
    for (let i = 0; i < 6; i++) {
      const f = rgbaFrame(api, i * 1000, 1000, i);
      enc.encode(f, { keyFrame: i === 3 });
      f.close();
    }
    await enc.flush();
    enc.close();
    return { types: rec.outputs.map((o) => o.type), errors: rec.errors };
  },

  async chunkTypesTimestampsAndMetadata(api) {
    const out = {};
    for (const [name, config] of Object.entries({
      avcFormat: { ...H264, avc: { format: 'avc' } },
      annexbFormat: { ...H264, avc: { format: 'annexb' } },
      defaultFormat: H264,
      withDisplaySize: { ...H264, displayWidth: 640, displayHeight: 480 },
      av1: { codec: 'av01.0.04M.08', width: W, height: H },
    })) {
      const rec = recorder(api);
      rec.encoder.configure(config);
      const stamps = [0, 33333, 66667, -5];
      stamps.forEach((ts, i) => {
        const f = rgbaFrame(api, ts, i === 2 ? undefined : 33333, i);
        rec.encoder.encode(f);
        f.close();
      });
      await rec.encoder.flush();
      rec.encoder.close();
      const first = rec.outputs[0];
      out[name] = {
        types: rec.outputs.map((o) => o.type),
        timestamps: rec.outputs.map((o) => o.timestamp),
        durations: rec.outputs.map((o) => o.duration),
        metadataIsObject: rec.outputs.every((o) => o.metadataType === 'object'),
        decoderConfigOnFirstOnly: rec.outputs.map((o) => o.decoderConfig !== undefined),
        codecPrefix: first.decoderConfig.codec.slice(0, 5),
        codedSize: [first.decoderConfig.codedWidth, first.decoderConfig.codedHeight],
        hasDescription: first.decoderConfig.hasDescription,
        displayAspectWidth: first.decoderConfig.displayAspectWidth,
        // Annex B starts with a start code; the avc format with a 4-byte NAL length.
        startsWithStartCode:
          first.head[0] === 0 &&
          first.head[1] === 0 &&
          (first.head[2] === 1 || (first.head[2] === 0 && first.head[3] === 1)),
        errors: rec.errors,
      };
    }
    return out;
  },

  async unsupportedConfigureClosesWithNotSupportedError(api) {
    const out = {};
    for (const [name, config] of Object.entries({
      unknownCodec: { codec: 'bogus', width: W, height: H },
      levelTooSmall: { codec: 'avc1.42000a', width: W, height: H },
      av1TenBit: { codec: 'av01.0.04M.10', width: W, height: H },
    })) {
      const rec = recorder(api);
      rec.encoder.configure(config);
      const stateRightAfter = rec.encoder.state;
      await tick(300);
      const f = rgbaFrame(api, 0);
      out[name] = {
        stateRightAfter,
        stateLater: rec.encoder.state,
        errors: rec.errors,
        encodeLater: errName(() => rec.encoder.encode(f)),
      };
      f.close();
    }
    return out;
  },

  async dequeueEvents(api) {
    const rec = recorder(api);
    const enc = rec.encoder;
    let events = 0;
    let handler = 0;
    enc.addEventListener('dequeue', () => events++);
    enc.ondequeue = () => handler++;
    enc.configure(H264);
    for (let i = 0; i < 4; i++) {
      const f = rgbaFrame(api, i * 1000, 1000, i);
      enc.encode(f);
      f.close();
    }
    const queuedRightAfter = enc.encodeQueueSize > 0;
    await enc.flush();
    await tick(20);
    const out = {
      queuedRightAfter,
      fired: events > 0,
      handlerMatchesListener: handler === events,
      queueAfterFlush: enc.encodeQueueSize,
    };
    enc.close();
    return out;
  },

  async encodedVideoChunkBasics(api) {
    const data = new Uint8Array([1, 2, 3, 4, 5]);
    const c = new api.EncodedVideoChunk({ type: 'key', timestamp: 10, duration: 5, data });
    data[0] = 9; // the chunk holds a copy
    const copy = new Uint8Array(5);
    c.copyTo(copy);
    return {
      type: c.type,
      timestamp: c.timestamp,
      duration: c.duration,
      byteLength: c.byteLength,
      copied: Array.from(copy),
      copyToSmall: errName(() => c.copyTo(new Uint8Array(2))),
      badType: errName(() => new api.EncodedVideoChunk({ type: 'other', timestamp: 0, data })),
      noDuration: new api.EncodedVideoChunk({ type: 'delta', timestamp: 0, data }).duration,
    };
  },

  async videoFrameBasics(api) {
    const f = new api.VideoFrame(new Uint8Array(W * H * 4), {
      format: 'RGBX',
      codedWidth: W,
      codedHeight: H,
      timestamp: 7,
      duration: 3,
    });
    const out = {
      format: f.format,
      coded: [f.codedWidth, f.codedHeight],
      visible: [f.visibleRect.x, f.visibleRect.y, f.visibleRect.width, f.visibleRect.height],
      display: [f.displayWidth, f.displayHeight],
      timestamp: f.timestamp,
      duration: f.duration,
      rgbColorSpace: f.colorSpace.toJSON(),
      allocationSize: f.allocationSize(),
    };
    const c = f.clone();
    f.close();
    out.afterClose = {
      format: f.format,
      codedWidth: f.codedWidth,
      displayWidth: f.displayWidth,
      visibleRect: f.visibleRect,
    };
    out.cloneSurvives = [c.format, c.timestamp];
    c.close();
    const y = new api.VideoFrame(new Uint8Array(W * H * 1.5), {
      format: 'I420',
      codedWidth: W,
      codedHeight: H,
      timestamp: 0,
    });
    out.yuvColorSpace = y.colorSpace.toJSON();
    out.noDuration = y.duration;
    y.close();
    const nv = new api.VideoFrame(new Uint8Array(W * H * 1.5), {
      format: 'NV12',
      codedWidth: W,
      codedHeight: H,
      timestamp: 0,
      visibleRect: { x: 2, y: 2, width: 100, height: 50 },
      displayWidth: 200,
      displayHeight: 100,
    });
    out.cropped = {
      visible: [nv.visibleRect.x, nv.visibleRect.y, nv.visibleRect.width, nv.visibleRect.height],
      display: [nv.displayWidth, nv.displayHeight],
      allocationSize: nv.allocationSize(),
    };
    nv.close();
    out.invalid = {
      missingTimestamp: errName(
        () => new api.VideoFrame(new Uint8Array(W * H * 4), { format: 'RGBA', codedWidth: W, codedHeight: H }),
      ),
      tooSmall: errName(
        () => new api.VideoFrame(new Uint8Array(10), { format: 'RGBA', codedWidth: W, codedHeight: H, timestamp: 0 }),
      ),
      oddI420Offset: errName(
        () =>
          new api.VideoFrame(new Uint8Array(W * H * 1.5), {
            format: 'I420',
            codedWidth: W,
            codedHeight: H,
            timestamp: 0,
            visibleRect: { x: 1, y: 0, width: 10, height: 10 },
          }),
      ),
      rectOutside: errName(
        () =>
          new api.VideoFrame(new Uint8Array(W * H * 4), {
            format: 'RGBA',
            codedWidth: W,
            codedHeight: H,
            timestamp: 0,
            visibleRect: { x: 0, y: 0, width: W + 2, height: H },
          }),
      ),
      zeroWidth: errName(
        () => new api.VideoFrame(new Uint8Array(16), { format: 'RGBA', codedWidth: 0, codedHeight: 2, timestamp: 0 }),
      ),
      strideTooSmall: errName(
        () =>
          new api.VideoFrame(new Uint8Array(W * H * 4), {
            format: 'RGBA',
            codedWidth: W,
            codedHeight: H,
            timestamp: 0,
            layout: [{ offset: 0, stride: 8 }],
          }),
      ),
      displayWidthOnly: errName(
        () =>
          new api.VideoFrame(new Uint8Array(W * H * 4), {
            format: 'RGBA',
            codedWidth: W,
            codedHeight: H,
            timestamp: 0,
            displayWidth: 10,
          }),
      ),
    };
    return out;
  },

  async paddedAndCroppedFramesEncode(api) {
    // NV12 with padded rows and a crop, BGRA with a stride: the encoder must read the layout.
    const rec = recorder(api);
    rec.encoder.configure(H264);
    const stride = W + 64;
    const nv = new api.VideoFrame(new Uint8Array(stride * (H + 16) * 1.5 + stride), {
      format: 'NV12',
      codedWidth: W + 16,
      codedHeight: H + 16,
      timestamp: 0,
      layout: [
        { offset: 0, stride },
        { offset: stride * (H + 16), stride },
      ],
      visibleRect: { x: 8, y: 8, width: W, height: H },
    });
    rec.encoder.encode(nv);
    nv.close();
    const bgra = new api.VideoFrame(new Uint8Array((W * 4 + 32) * H), {
      format: 'BGRA',
      codedWidth: W,
      codedHeight: H,
      timestamp: 1,
      layout: [{ offset: 0, stride: W * 4 + 32 }],
    });
    rec.encoder.encode(bgra);
    bgra.close();
    await rec.encoder.flush();
    rec.encoder.close();
    return { timestamps: rec.outputs.map((o) => o.timestamp), errors: rec.errors };
  },

  async frameSizeDiffersFromConfig(api) {
    const rec = recorder(api);
    rec.encoder.configure(H264);
    const f = new api.VideoFrame(new Uint8Array(160 * 120 * 4), {
      format: 'RGBA',
      codedWidth: 160,
      codedHeight: 120,
      timestamp: 0,
    });
    rec.encoder.encode(f);
    f.close();
    const flush = await rejName(() => rec.encoder.flush());
    await tick(50);
    const out = { flush, outputs: rec.outputs.length, errors: rec.errors, state: rec.encoder.state };
    if (rec.encoder.state !== 'closed') rec.encoder.close();
    return out;
  },

  async pixelFormatChangeMidStream(api) {
    const rec = recorder(api);
    rec.encoder.configure(H264);
    for (let i = 0; i < 4; i++) {
      const f = i === 2 ? i420Frame(api, i) : rgbaFrame(api, i, 1, i);
      rec.encoder.encode(f);
      f.close();
    }
    await rec.encoder.flush();
    rec.encoder.close();
    return {
      types: rec.outputs.map((o) => o.type),
      decoderConfigs: rec.outputs.map((o) => o.decoderConfig !== undefined),
      errors: rec.errors,
    };
  },

  async reconfigureMidStream(api) {
    const out = {};
    for (const [name, next] of Object.entries({
      sameSizeNewBitrate: { ...H264, bitrate: 300000 },
      newSize: { ...H264, width: 160, height: 120 },
    })) {
      const rec = recorder(api);
      rec.encoder.configure({ ...H264, bitrate: 600000 });
      for (let i = 0; i < 6; i++) {
        if (i === 3) rec.encoder.configure(next);
        const f =
          i < 3 || next.width === W
            ? rgbaFrame(api, i, 1, i)
            : new api.VideoFrame(new Uint8Array(160 * 120 * 4), {
                format: 'RGBA',
                codedWidth: 160,
                codedHeight: 120,
                timestamp: i,
              });
        rec.encoder.encode(f);
        f.close();
      }
      await rec.encoder.flush();
      rec.encoder.close();
      out[name] = {
        types: rec.outputs.map((o) => o.type),
        timestamps: rec.outputs.map((o) => o.timestamp),
        decoderConfigAt: rec.outputs.flatMap((o, i) => (o.decoderConfig ? [i] : [])),
        sizes: rec.outputs.flatMap((o) =>
          o.decoderConfig ? [[o.decoderConfig.codedWidth, o.decoderConfig.codedHeight]] : [],
        ),
        errors: rec.errors,
      };
    }
    return out;
  },

  async decoderConfigColorSpace(api) {
    const out = {};
    for (const [name, make] of Object.entries({
      rgba: (i) => rgbaFrame(api, i, 1, i),
      i420Default: (i) => i420Frame(api, i),
      i420Bt601Full: (i) =>
        new api.VideoFrame(new Uint8Array(W * H * 1.5).fill(90), {
          format: 'I420',
          codedWidth: W,
          codedHeight: H,
          timestamp: i,
          colorSpace: { primaries: 'smpte170m', transfer: 'smpte170m', matrix: 'smpte170m', fullRange: true },
        }),
    })) {
      const rec = recorder(api);
      rec.encoder.configure(H264);
      const f = make(0);
      rec.encoder.encode(f);
      f.close();
      await rec.encoder.flush();
      rec.encoder.close();
      out[name] = rec.outputs[0].decoderConfig.colorSpace;
    }
    return out;
  },

  async moreCallSequences(api) {
    const out = {};
    {
      const rec = recorder(api);
      rec.encoder.configure(H264);
      rec.encoder.close();
      await tick(50);
      out.configureThenClose = { state: rec.encoder.state, errors: rec.errors };
    }
    {
      const rec = recorder(api);
      rec.encoder.configure(H264);
      out.flushWithoutFrames = await rejName(() => rec.encoder.flush());
      out.flushTwice = await rejName(() => Promise.all([rec.encoder.flush(), rec.encoder.flush()]));
      rec.encoder.close();
    }
    {
      const rec = recorder(api);
      rec.encoder.configure(H264);
      for (let i = 0; i < 4; i++) {
        const f = rgbaFrame(api, i, 1, i);
        rec.encoder.encode(f);
        f.close();
        if (i === 1) await rec.encoder.flush();
      }
      await rec.encoder.flush();
      rec.encoder.close();
      out.typesAcrossFlush = rec.outputs.map((o) => o.type);
    }
    {
      const rec = recorder(api);
      rec.encoder.configure(H264);
      out.encodeNotAFrame = errName(() => rec.encoder.encode({ timestamp: 0 }));
      rec.encoder.close();
    }
    out.displayWidthOnly = await rejName(() => api.VideoEncoder.isConfigSupported({ ...H264, displayWidth: 640 }));
    out.constructorWithoutCallbacks = errName(() => new api.VideoEncoder({ output: () => {} }));
    return out;
  },

  async edgeValues(api) {
    const sup = async (config) => {
      try {
        return (await api.VideoEncoder.isConfigSupported(config)).supported;
      } catch (e) {
        return e instanceof TypeError ? 'TypeError' : e.name;
      }
    };
    const frameWith = (init) =>
      errName(() =>
        new api.VideoFrame(new Uint8Array(W * H * 4), {
          format: 'RGBA',
          codedWidth: W,
          codedHeight: H,
          ...init,
        }).close(),
      );
    const src = rgbaFrame(api, 0);
    src.close();
    return {
      bitrateOne: await sup({ ...H264, bitrate: 1 }),
      framerateZero: await sup({ ...H264, framerate: 0 }),
      framerateNegative: await sup({ ...H264, framerate: -30 }),
      hugeWidth: await sup({ ...H264, width: 100000, height: 100000 }),
      oddSize: await sup({ ...H264, width: 321, height: 241 }),
      fractionalTimestamp: (() => {
        const f = new api.VideoFrame(new Uint8Array(W * H * 4), {
          format: 'RGBA',
          codedWidth: W,
          codedHeight: H,
          timestamp: 1.7,
        });
        const t = f.timestamp;
        f.close();
        return t;
      })(),
      infiniteTimestamp: frameWith({ timestamp: Infinity }),
      negativeDuration: frameWith({ timestamp: 0, duration: -1 }),
      unknownFormat: errName(
        () =>
          new api.VideoFrame(new Uint8Array(W * H * 4), {
            format: 'RGB24',
            codedWidth: W,
            codedHeight: H,
            timestamp: 0,
          }),
      ),
      fromClosedFrame: errName(() => new api.VideoFrame(src)),
      chunkFromArrayBuffer: new api.EncodedVideoChunk({ type: 'key', timestamp: 1, data: new ArrayBuffer(3) })
        .byteLength,
    };
  },

  // EncodedVideoChunk constructor steps 1–2 (transfer: a repeated or detached buffer is a
  // DataCloneError) and its last step (every buffer in transfer is detached); copyTo() step 1 (a
  // destination smaller than byteLength is a TypeError); [EnforceRange] long long timestamp and
  // unsigned long long duration.
  async encodedVideoChunkTransferAndRanges(api) {
    const data = new Uint8Array([1, 2, 3, 4]);
    const other = new ArrayBuffer(8);
    const c = new api.EncodedVideoChunk({ type: 'key', timestamp: 0, data, transfer: [data.buffer, other] });
    const copy = new Uint8Array(4);
    c.copyTo(copy);
    const detached = new ArrayBuffer(2);
    structuredClone(detached, { transfer: [detached] });
    const twice = new ArrayBuffer(2);
    const one = () => new Uint8Array(1);
    return {
      copied: Array.from(copy),
      dataAfter: data.byteLength,
      otherAfter: other.byteLength,
      repeatedInTransfer: errName(
        () => new api.EncodedVideoChunk({ type: 'key', timestamp: 0, data: one(), transfer: [twice, twice] }),
      ),
      detachedInTransfer: errName(
        () => new api.EncodedVideoChunk({ type: 'key', timestamp: 0, data: one(), transfer: [detached] }),
      ),
      copyToSmaller: errName(() => c.copyTo(new ArrayBuffer(3))),
      copyToDetached: errName(() => c.copyTo(detached)),
      copyToExact: errName(() => c.copyTo(new ArrayBuffer(4))),
      timestampHuge: errName(() => new api.EncodedVideoChunk({ type: 'key', timestamp: 1e300, data: one() })),
      timestampNaN: errName(() => new api.EncodedVideoChunk({ type: 'key', timestamp: NaN, data: one() })),
      timestampFraction: new api.EncodedVideoChunk({ type: 'key', timestamp: -1.7, data: one() }).timestamp,
      durationNegative: errName(
        () => new api.EncodedVideoChunk({ type: 'key', timestamp: 0, duration: -1, data: one() }),
      ),
    };
  },

  // VideoFrame copyTo()/allocationSize() with options: "Parse VideoFrameCopyToOptions" (rect
  // checked by "Parse Visible Rect", layout by "Compute Layout and Allocation Size"), the copy of
  // exactly that rectangle at exactly that layout; the constructor's transfer steps; a frame from
  // a frame ("Initialize Frame From Other Frame": display size scaled with a new visible rect,
  // alpha 'discard' → the opaque format).
  async videoFrameCopyToOptionsAndFromFrame(api) {
    const w = 8;
    const h = 4;
    const data = new Uint8Array(w * h * 1.5);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = x + 16 * y;
    for (let y = 0; y < h / 2; y++)
      for (let x = 0; x < w / 2; x++) {
        data[w * h + y * (w / 2) + x] = 100 + x + 8 * y;
        data[w * h + (w / 2) * (h / 2) + y * (w / 2) + x] = 200 + x + 8 * y;
      }
    const f = new api.VideoFrame(data, { format: 'I420', codedWidth: w, codedHeight: h, timestamp: 5 });
    const rect = { x: 2, y: 2, width: 4, height: 2 };
    const size = f.allocationSize({ rect });
    const tight = new Uint8Array(size);
    const tightLayout = await f.copyTo(tight, { rect });
    const layout = [
      { offset: 4, stride: 8 },
      { offset: 40, stride: 4 },
      { offset: 48, stride: 4 },
    ];
    const paddedSize = f.allocationSize({ rect, layout });
    const padded = new Uint8Array(paddedSize).fill(255);
    const paddedLayout = await f.copyTo(padded, { rect, layout });
    const planes = (ls) => ls.map((p) => [p.offset, p.stride]);
    const out = {
      size,
      tight: Array.from(tight),
      tightLayout: planes(tightLayout),
      paddedSize,
      padded: Array.from(padded),
      paddedLayout: planes(paddedLayout),
      misalignedRect: await rejName(() => f.copyTo(new Uint8Array(64), { rect: { x: 1, y: 0, width: 2, height: 2 } })),
      rectOutside: await rejName(() => f.copyTo(new Uint8Array(64), { rect: { x: 6, y: 0, width: 4, height: 2 } })),
      zeroRect: errName(() => f.allocationSize({ rect: { x: 0, y: 0, width: 0, height: 2 } })),
      strideTooSmall: errName(() =>
        f.allocationSize({
          layout: [
            { offset: 0, stride: 4 },
            { offset: 32, stride: 4 },
            { offset: 40, stride: 4 },
          ],
        }),
      ),
      planesOverlap: errName(() =>
        f.allocationSize({
          layout: [
            { offset: 0, stride: 8 },
            { offset: 8, stride: 4 },
            { offset: 40, stride: 4 },
          ],
        }),
      ),
      wrongPlaneCount: errName(() => f.allocationSize({ layout: [{ offset: 0, stride: 8 }] })),
      destinationTooSmall: await rejName(() => f.copyTo(new Uint8Array(size - 1), { rect })),
    };
    const wide = new api.VideoFrame(f, { displayWidth: 16, displayHeight: 4 });
    const cropped = new api.VideoFrame(wide, { visibleRect: { x: 0, y: 0, width: 4, height: 2 } });
    out.croppedDisplay = [cropped.displayWidth, cropped.displayHeight];
    out.copyTimestamp = [new api.VideoFrame(f, { timestamp: -3.9 }).timestamp, cropped.timestamp];
    out.fromFrameDisplayWidthOnly = errName(() => new api.VideoFrame(f, { displayWidth: 4 }));
    out.fromFrameMisaligned = errName(
      () => new api.VideoFrame(f, { visibleRect: { x: 1, y: 0, width: 2, height: 2 } }),
    );
    wide.close();
    cropped.close();
    f.close();
    out.closed = { timestamp: f.timestamp, allocationSize: errName(() => f.allocationSize()) };
    const rgba = new api.VideoFrame(new Uint8Array(16), {
      format: 'RGBA',
      codedWidth: 2,
      codedHeight: 2,
      timestamp: 0,
    });
    out.alphaDiscard = new api.VideoFrame(rgba, { alpha: 'discard' }).format;
    out.alphaKeep = new api.VideoFrame(rgba, { alpha: 'keep' }).format;
    rgba.close();
    const pixels = new Uint8Array(16);
    const spare = new ArrayBuffer(4);
    const init = { format: 'RGBA', codedWidth: 2, codedHeight: 2, timestamp: 0 };
    new api.VideoFrame(pixels, { ...init, transfer: [pixels.buffer, spare] }).close();
    out.transfer = { pixelsAfter: pixels.byteLength, spareAfter: spare.byteLength };
    const again = new ArrayBuffer(16);
    out.transferRepeated = errName(() => new api.VideoFrame(new Uint8Array(16), { ...init, transfer: [again, again] }));
    out.transferDetached = errName(
      () => new api.VideoFrame(new Uint8Array(16), { ...init, transfer: [pixels.buffer] }),
    );
    out.timestampHuge = errName(() => new api.VideoFrame(new Uint8Array(16), { ...init, timestamp: 2 ** 60 }));
    return out;
  },

  // "Output EncodedVideoChunks": metadata.decoderConfig only when the output config changes (a
  // requested key frame with the same config gives none; Reset clears [[active output config]], so
  // the first chunk after reset() + configure() gives it again); svc only for more than one
  // temporal layer (not L1T1); a quantizer where bitrateMode is not 'quantizer' is ignored.
  async outputMetadataRules(api) {
    const run = async (config, steps) => {
      const rec = recorder(api);
      const svc = [];
      const enc = rec.encoder;
      const wrapped = new api.VideoEncoder({
        output: (chunk, metadata) => {
          svc.push(metadata && metadata.svc ? metadata.svc.temporalLayerId : 'none');
          rec.outputs.push({ type: chunk.type, decoderConfig: !!(metadata && metadata.decoderConfig) });
        },
        error: (e) => rec.errors.push(e.name),
      });
      enc.close();
      await steps(wrapped, config);
      if (wrapped.state !== 'closed') wrapped.close();
      return {
        types: rec.outputs.map((o) => o.type),
        decoderConfigAt: rec.outputs.flatMap((o, i) => (o.decoderConfig ? [i] : [])),
        svc,
        errors: rec.errors,
      };
    };
    const encodeN = async (enc, n, from, options) => {
      for (let i = from; i < from + n; i++) {
        const f = rgbaFrame(api, i, 1, i);
        enc.encode(f, options ? options(i) : undefined);
        f.close();
      }
      await enc.flush();
    };
    return {
      forcedKeyFrame: await run(H264, async (enc, config) => {
        enc.configure(config);
        await encodeN(enc, 4, 0, (i) => ({ keyFrame: i === 2 }));
      }),
      afterReset: await run(H264, async (enc, config) => {
        enc.configure(config);
        await encodeN(enc, 2, 0);
        enc.reset();
        enc.configure(config);
        await encodeN(enc, 2, 2);
      }),
      l1t1: await run({ ...H264, scalabilityMode: 'L1T1' }, async (enc, config) => {
        enc.configure(config);
        await encodeN(enc, 2, 0);
      }),
      quantizerIgnoredOutsideQuantizerMode: await run(H264, async (enc, config) => {
        enc.configure(config);
        await encodeN(enc, 2, 0, () => ({ avc: { quantizer: 30 } }));
      }),
    };
  },

  async closeTwice(api) {
    const enc = new api.VideoEncoder({ output: () => {}, error: () => {} });
    enc.close();
    return { second: errName(() => enc.close()), state: enc.state };
  },
};

export async function runScenarios(api, only) {
  const results = {};
  for (const [name, fn] of Object.entries(scenarios)) {
    if (only && !only.includes(name)) continue;
    try {
      results[name] = await fn(api);
    } catch (e) {
      results[name] = { threw: `${e && e.name}: ${e && e.message}` };
    }
  }
  return results;
}
