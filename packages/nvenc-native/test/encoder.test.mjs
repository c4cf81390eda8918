// The Encoder class against the software device (see BINDING.md). Each test opens its own encoder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bgraFrame,
  decodeAnnexB,
  encoderOptions,
  hasFfprobe,
  loadBinding,
  nv12Frame,
  skipReason,
  software,
  thrown,
} from './support/fixtures.mjs';

const skip = skipReason('12.1');
const noFfprobe = skip || (hasFfprobe() ? false : 'ffprobe not installed');
const b = skip ? null : loadBinding('12.1');
const W = 320;
const H = 240;

function encodeAll(enc, frames, optionsFor = (i) => ({ seq: i })) {
  const packets = [];
  frames.forEach((frame, i) => packets.push(...enc.encode(frame, optionsFor(i))));
  packets.push(...enc.flush());
  return packets;
}

const nv12Frames = (n, w = W, h = H) => Array.from({ length: n }, (_, i) => ({ data: nv12Frame(w, h, i) }));

test('opens a session on the software device and describes it', { skip }, () => {
  const enc = new b.Encoder(encoderOptions());
  try {
    const info = enc.info();
    assert.equal(info.abi, '12.1');
    assert.equal(info.software, true);
    assert.equal(info.width, W);
    assert.equal(info.height, H);
    assert.equal(info.codec, 'h264');
    assert.equal(info.inputFormat, 'nv12');
    assert.equal(info.pitch, W);
    assert.equal(info.frameBytes, W * H * 1.5);
    assert.equal(info.registeredResources, 0);
    assert.equal(typeof info.device, 'string');
    assert.equal(enc.closed, false);
  } finally {
    enc.close();
  }
});

test('30 NV12 host frames decode as 30 frames', { skip: noFfprobe }, () => {
  const enc = new b.Encoder(encoderOptions());
  const packets = encodeAll(enc, nv12Frames(30));
  enc.close();
  assert.equal(packets.length, 30);
  assert.equal(packets[0].keyframe, true);
  assert.equal(packets[0].pictureType, 'idr');
  assert.deepEqual(
    packets.map((p) => p.seq),
    [...Array(30).keys()],
  );
  const decoded = decodeAnnexB(packets);
  assert.equal(decoded.frames, 30);
  assert.equal(decoded.width, W);
  assert.equal(decoded.height, H);
});

test('30 BGRA host frames decode as 30 frames', { skip: noFfprobe }, () => {
  const enc = new b.Encoder(encoderOptions({ inputFormat: 'bgra' }));
  assert.equal(enc.info().pitch, W * 4);
  const frames = Array.from({ length: 30 }, (_, i) => ({ data: bgraFrame(W, H, i) }));
  const packets = encodeAll(enc, frames);
  enc.close();
  assert.equal(decodeAnnexB(packets).frames, 30);
});

test('host frames with padded rows use the given pitch', { skip: noFfprobe }, () => {
  const enc = new b.Encoder(encoderOptions());
  const frames = Array.from({ length: 5 }, (_, i) => ({ data: nv12Frame(W, H, i, 384), pitch: 384 }));
  const packets = encodeAll(enc, frames);
  enc.close();
  assert.equal(decodeAnnexB(packets).frames, 5);
});

const formatCases = [
  { name: 'RGBA host frames (h264)', options: { inputFormat: 'rgba' }, frame: () => Buffer.alloc(W * H * 4, 90) },
  {
    name: 'YUV444 host frames (h264 high444)',
    options: { inputFormat: 'yuv444' },
    frame: () => Buffer.alloc(W * H * 3, 100),
    pixFmt: /444/,
  },
  {
    name: 'YUV444 host frames (hevc)',
    options: { inputFormat: 'yuv444', codec: 'hevc' },
    frame: () => Buffer.alloc(W * H * 3, 100),
    pixFmt: /444/,
  },
  {
    name: 'P010 host frames from a Uint16Array (hevc main10)',
    options: { inputFormat: 'p010', codec: 'hevc' },
    frame: () => new Uint16Array(W * H * 1.5).fill(512 << 6),
    pixFmt: /10/,
  },
  {
    name: 'constant QP',
    options: { rateControl: 'cqp', qp: { i: 20, p: 24, b: 26 } },
    frame: () => Buffer.alloc(W * H * 1.5, 100),
  },
  { name: 'lossless tuning', options: { tuning: 'lossless' }, frame: () => Buffer.alloc(W * H * 1.5, 100) },
];
for (const c of formatCases) {
  test(`${c.name} decode`, { skip: noFfprobe }, () => {
    const enc = new b.Encoder(encoderOptions(c.options));
    const packets = encodeAll(
      enc,
      Array.from({ length: 3 }, () => ({ data: c.frame() })),
    );
    enc.close();
    const d = decodeAnnexB(packets, c.options.codec ?? 'h264');
    assert.equal(d.frames, 3);
    if (c.pixFmt) assert.match(d.pixFmt, c.pixFmt);
  });
}

test('baseline, zeroReorderDelay and the colour description reach the bitstream', { skip: noFfprobe }, () => {
  const enc = new b.Encoder(
    encoderOptions({
      profile: 'baseline',
      zeroReorderDelay: true,
      colour: { primaries: 1, transfer: 1, matrix: 1, fullRange: true },
    }),
  );
  const packets = encodeAll(enc, nv12Frames(3));
  enc.close();
  const d = decodeAnnexB(packets);
  assert.match(d.profile, /Baseline/);
  assert.equal(d.colorPrimaries, 'bt709');
  assert.equal(d.colorTransfer, 'bt709');
  assert.equal(d.colorSpace, 'bt709');
  assert.equal(d.colorRange, 'pc');
});

test('pinned host frames from allocateHostFrame encode', { skip: noFfprobe }, () => {
  const enc = new b.Encoder(encoderOptions());
  const pinned = enc.allocateHostFrame();
  assert.equal(pinned.length, enc.info().frameBytes);
  const packets = [];
  for (let i = 0; i < 30; i++) {
    nv12Frame(W, H, i).copy(pinned);
    packets.push(...enc.encode({ data: pinned }, { seq: i }));
  }
  packets.push(...enc.flush());
  enc.close();
  // The Buffer outlives the encoder: it keeps its CUDA context and stays writable.
  pinned.fill(1);
  assert.equal(decodeAnnexB(packets).frames, 30);
});

test('CUDA device pointers are registered once and encode zero-copy', { skip: noFfprobe }, () => {
  const enc = new b.Encoder(encoderOptions());
  const bytes = W * H * 1.5;
  const ptrs = [b._testing.cudaMalloc(software, bytes), b._testing.cudaMalloc(software, bytes)];
  const packets = [];
  for (let i = 0; i < 30; i++) {
    const ptr = ptrs[i % 2];
    b._testing.cudaCopyToDevice(software, ptr, nv12Frame(W, H, i));
    packets.push(...enc.encode({ devicePtr: ptr, pitch: W }, { seq: i }));
  }
  packets.push(...enc.flush());
  assert.equal(enc.info().registeredResources, 2);
  assert.equal(enc.releaseDevicePointer(ptrs[0]), true);
  assert.equal(enc.releaseDevicePointer(ptrs[0]), false);
  assert.equal(enc.info().registeredResources, 1);
  enc.close();
  ptrs.forEach((p) => b._testing.cudaFree(software, p));
  assert.deepEqual(
    packets.map((p) => p.seq),
    [...Array(30).keys()],
  );
  assert.equal(decodeAnnexB(packets).frames, 30);
});

test('a device pointer CUDA does not know is INVALID_FRAME, not a crash', { skip }, () => {
  const enc = new b.Encoder(encoderOptions());
  try {
    const e = thrown(() => enc.encode({ devicePtr: 0x1234n, pitch: W }));
    assert.equal(e.code, 'INVALID_FRAME');
    assert.match(e.message, /not CUDA device memory/);
    assert.equal(thrown(() => enc.encode({ devicePtr: 0n, pitch: W })).code, 'INVALID_FRAME');
    // An allocation too small for a frame is refused before NVENC reads past it.
    const small = b._testing.cudaMalloc(software, 1024);
    const e2 = thrown(() => enc.encode({ devicePtr: small, pitch: W }));
    assert.equal(e2.code, 'INVALID_FRAME');
    assert.match(e2.message, /allocation ends/);
    const e3 = thrown(() => enc.encode({ devicePtr: small, pitch: 10 }));
    assert.match(e3.message, /pitch 10 is smaller/);
    b._testing.cudaFree(software, small);
    assert.equal(enc.encode({ data: nv12Frame(W, H, 0) }).length, 1);
  } finally {
    enc.close();
  }
});

test('a short host frame is INVALID_FRAME naming both sizes, and the encoder stays usable', { skip }, () => {
  const enc = new b.Encoder(encoderOptions());
  try {
    const e = thrown(() => enc.encode({ data: Buffer.alloc(100) }));
    assert.equal(e.code, 'INVALID_FRAME');
    assert.equal(e.phase, 'input');
    assert.equal(e.message, `expected at least ${W * H * 1.5} bytes for ${W}x${H} nv12 with pitch ${W}, got 100`);
    assert.equal(thrown(() => enc.encode({})).code, 'INVALID_FRAME');
    assert.equal(thrown(() => enc.encode({ data: 'nope' })).code, 'INVALID_FRAME');
    const packets = enc.encode({ data: nv12Frame(W, H, 0) }, { seq: 7 });
    assert.equal(packets.length, 1);
    assert.equal(packets[0].seq, 7);
    assert.equal(packets[0].keyframe, true);
  } finally {
    enc.close();
  }
});

test('forceKeyframe makes exactly the requested frames IDR', { skip }, () => {
  const enc = new b.Encoder(encoderOptions());
  const forced = new Set([10, 20]);
  const packets = encodeAll(enc, nv12Frames(30), (i) => ({ seq: i, forceKeyframe: forced.has(i) }));
  enc.close();
  const keyframes = packets.filter((p) => p.keyframe).map((p) => p.seq);
  assert.deepEqual(keyframes, [0, 10, 20]);
  for (const seq of keyframes) assert.equal(packets[seq].pictureType, 'idr');
});

for (const delay of [0, 1, 2, 3, 4]) {
  test(`extraOutputDelay ${delay}: encode() returns frame k-${delay} with its own seq and timestamp`, { skip }, () => {
    const enc = new b.Encoder(encoderOptions({ extraOutputDelay: delay }));
    const seen = [];
    for (let k = 0; k < 12; k++) {
      const out = enc.encode({ data: nv12Frame(W, H, k) }, { seq: 100 + k, timestamp: k * 33.3 });
      if (k < delay) assert.equal(out.length, 0, `frame ${k}`);
      else
        assert.deepEqual(
          out.map((p) => p.seq),
          [100 + k - delay],
          `frame ${k}`,
        );
      seen.push(...out);
    }
    const rest = enc.flush();
    assert.equal(rest.length, delay);
    seen.push(...rest);
    enc.close();
    assert.deepEqual(
      seen.map((p) => p.seq),
      Array.from({ length: 12 }, (_, k) => 100 + k),
    );
    assert.deepEqual(
      seen.map((p) => p.timestamp),
      Array.from({ length: 12 }, (_, k) => k * 33.3),
    );
  });
}

test('with 2 B-frames every packet carries back its own seq and timestamp', { skip: noFfprobe }, () => {
  // extraOutputDelay 4 leaves the engine time to finish each reorder group before its lock.
  const enc = new b.Encoder(encoderOptions({ bFrames: 2, extraOutputDelay: 4, gop: 30, idrPeriod: 30 }));
  const packets = encodeAll(enc, nv12Frames(30), (i) => ({ seq: 1000 + i, timestamp: i * 10 }));
  enc.close();
  assert.equal(packets.length, 30);
  assert.deepEqual(
    packets.map((p) => p.seq).sort((a, z) => a - z),
    Array.from({ length: 30 }, (_, i) => 1000 + i),
  );
  for (const p of packets) {
    assert.equal(p.timestamp, (p.seq - 1000) * 10);
    assert.equal(p.frameIndex, p.seq - 1000);
  }
  const types = new Set(packets.map((p) => p.pictureType));
  assert.ok(types.has('b'), `expected B pictures, got ${[...types]}`);
  // Decode order differs from display order: some packet precedes one with a smaller seq.
  assert.ok(packets.some((p, i) => i > 0 && p.seq < packets[i - 1].seq));
  assert.deepEqual(
    packets.filter((p) => p.pictureType === 'b').map((p) => p.keyframe),
    packets.filter((p) => p.pictureType === 'b').map(() => false),
  );
  assert.equal(decodeAnnexB(packets).frames, 30);
});

test('with B-frames and extraOutputDelay 0 each packet still maps to its own seq', { skip }, () => {
  const enc = new b.Encoder(encoderOptions({ bFrames: 2 }));
  const packets = encodeAll(enc, nv12Frames(12), (i) => ({ seq: i, timestamp: i * 2 }));
  enc.close();
  assert.deepEqual(
    packets.map((p) => p.seq).sort((a, z) => a - z),
    [...Array(12).keys()],
  );
  for (const p of packets) assert.equal(p.timestamp, p.seq * 2);
});

test('flush drains everything and the next frame is an IDR', { skip }, () => {
  const enc = new b.Encoder(encoderOptions({ extraOutputDelay: 2 }));
  const first = encodeAll(enc, nv12Frames(5));
  assert.equal(first.length, 5);
  assert.deepEqual(enc.flush(), []);
  const next = [...enc.encode({ data: nv12Frame(W, H, 9) }, { seq: 5 }), ...enc.flush()];
  enc.close();
  assert.equal(next.length, 1);
  assert.equal(next[0].keyframe, true);
  assert.equal(next[0].pictureType, 'idr');
});

test('user SEI payloads appear in the bitstream', { skip }, () => {
  const enc = new b.Encoder(encoderOptions());
  const uuid = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
  const payload = Buffer.concat([uuid, Buffer.from('hello-nvenc-sei')]);
  const packets = [...enc.encode({ data: nv12Frame(W, H, 0) }, { sei: [{ type: 5, payload }] }), ...enc.flush()];
  enc.close();
  assert.ok(Buffer.concat(packets.map((p) => p.data)).includes(Buffer.from('hello-nvenc-sei')));
});

test('sequenceHeaders() returns Annex-B SPS and PPS', { skip }, () => {
  const enc = new b.Encoder(encoderOptions());
  const headers = enc.sequenceHeaders();
  enc.close();
  assert.ok(headers.length > 8);
  const nalTypes = [];
  for (let i = 0; i + 3 < headers.length; i++) {
    if (headers[i] === 0 && headers[i + 1] === 0 && headers[i + 2] === 1) nalTypes.push(headers[i + 3] & 0x1f);
  }
  assert.ok(nalTypes.includes(7) && nalTypes.includes(8), `NAL types ${nalTypes}`);
});

test('getCapabilities() answers camelCase NV_ENC_CAPS values', { skip }, () => {
  const enc = new b.Encoder(encoderOptions());
  const caps = enc.getCapabilities('h264');
  enc.close();
  assert.equal(caps.supported, 1);
  for (const k of ['widthMax', 'heightMax', 'numMaxBframes', 'support10bitEncode', 'supportDynBitrateChange']) {
    assert.equal(typeof caps[k], 'number', k);
  }
  assert.ok(caps.widthMax >= W);
});

test('a width beyond the hardware limit is refused, naming the limit', { skip }, () => {
  const e = thrown(() => new b.Encoder(encoderOptions({ width: 16384, height: 240 })));
  assert.ok(['NV_ENC_ERR_UNSUPPORTED_PARAM', 'NV_ENC_ERR_INVALID_PARAM'].includes(e.code), e.code);
  if (e.phase === 'caps') assert.match(e.message, /width 16384 exceeds the maximum of \d+/);
});

test('bad options are INVALID_OPTION', { skip }, () => {
  assert.equal(thrown(() => new b.Encoder(encoderOptions({ codec: 'vp9' }))).code, 'INVALID_OPTION');
  assert.equal(thrown(() => new b.Encoder(encoderOptions({ width: 321 }))).code, 'INVALID_OPTION');
  assert.equal(thrown(() => new b.Encoder(encoderOptions({ profile: 'main10' }))).code, 'INVALID_OPTION');
});

test('reconfigure changes bitrate and resolution in place', { skip: noFfprobe }, () => {
  const enc = new b.Encoder(encoderOptions());
  const packets = encodeAll(enc, nv12Frames(3));
  enc.reconfigure({ bitrate: 500_000, fpsNum: 25, fpsDen: 1 });
  packets.push(...enc.encode({ data: nv12Frame(W, H, 3) }));
  enc.reconfigure({ width: 160, height: 120 });
  assert.equal(enc.info().width, 160);
  const small = [];
  for (let i = 0; i < 3; i++) small.push(...enc.encode({ data: nv12Frame(160, 120, i) }));
  small.push(...enc.flush());
  // The binding checks no ranges (options.ts does): the session refuses what it cannot hold.
  const e = thrown(() => enc.reconfigure({ width: 100_000 }));
  assert.equal(e.code, 'NV_ENC_ERR_UNSUPPORTED_PARAM');
  assert.equal(e.phase, 'reconfigure');
  assert.match(e.message, /cannot change the resolution to 100000x120: it exceeds the maximum/);
  enc.close();
  assert.equal(small.length + packets.length, 7);
  assert.equal(small[0].keyframe, true);
});

test('close() is idempotent and later calls fail with ENCODER_CLOSED', { skip }, async () => {
  const enc = new b.Encoder(encoderOptions());
  enc.encode({ data: nv12Frame(W, H, 0) });
  enc.close();
  enc.close();
  assert.equal(enc.closed, true);
  for (const call of [
    () => enc.encode({ data: nv12Frame(W, H, 1) }),
    () => enc.flush(),
    () => enc.info(),
    () => enc.sequenceHeaders(),
    () => enc.reconfigure({ bitrate: 1 }),
    () => enc.allocateHostFrame(),
  ]) {
    const e = thrown(call);
    assert.equal(e.code, 'ENCODER_CLOSED');
    assert.equal(e.message, 'encoder is closed');
  }
  await assert.rejects(enc.encodeAsync({ data: nv12Frame(W, H, 1) }), { code: 'ENCODER_CLOSED' });
  await assert.rejects(enc.flushAsync(), { code: 'ENCODER_CLOSED' });
  assert.equal(enc.releaseDevicePointer(1n), false);
});

test('encodeAsync resolves in submission order and keeps a 1 ms timer firing', { skip }, async () => {
  const w = 1280;
  const h = 720;
  const enc = new b.Encoder(encoderOptions({ width: w, height: h, extraOutputDelay: 1 }));
  const frames = Array.from({ length: 4 }, (_, i) => nv12Frame(w, h, i));
  // The first tick is ignored: it measures the test runner's own start-up work, not the encoder.
  let last = 0;
  let maxGap = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    if (ticks++ > 0) maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 1);
  await new Promise((r) => setTimeout(r, 5));
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: 30 }, (_, i) => enc.encodeAsync({ data: frames[i % 4] }, { seq: i })),
  );
  const tail = await enc.flushAsync();
  const elapsed = performance.now() - started;
  clearInterval(timer);
  enc.close();
  const seqs = [...results.flat(), ...tail].map((p) => p.seq);
  assert.deepEqual(seqs, [...Array(30).keys()]);
  assert.equal(results[0].length, 0);
  console.log(
    `# encodeAsync: 30 frames ${w}x${h} in ${elapsed.toFixed(1)} ms, ${ticks} timer ticks, max gap ${maxGap.toFixed(2)} ms`,
  );
  assert.ok(maxGap < 50, `event loop blocked for ${maxGap.toFixed(1)} ms`);
});

test('synchronous calls wait for queued async calls, keeping submission order', { skip }, async () => {
  const enc = new b.Encoder(encoderOptions());
  const a = enc.encodeAsync({ data: nv12Frame(W, H, 0) }, { seq: 0 });
  const sync = enc.encode({ data: nv12Frame(W, H, 1) }, { seq: 1 });
  assert.deepEqual(
    (await a).map((p) => p.seq),
    [0],
  );
  assert.deepEqual(
    sync.map((p) => p.seq),
    [1],
  );
  enc.close();
});

test('a bad frame rejects encodeAsync with INVALID_FRAME', { skip }, async () => {
  const enc = new b.Encoder(encoderOptions());
  await assert.rejects(enc.encodeAsync({ data: Buffer.alloc(10) }), { code: 'INVALID_FRAME' });
  assert.equal((await enc.encodeAsync({ data: nv12Frame(W, H, 0) })).length, 1);
  enc.close();
});

test('close() while async encodes are queued settles every promise', { skip }, async () => {
  const enc = new b.Encoder(encoderOptions({ width: 1280, height: 720 }));
  const frame = nv12Frame(1280, 720, 0);
  const calls = Array.from({ length: 8 }, () => enc.encodeAsync({ data: frame }));
  enc.close();
  const settled = await Promise.allSettled(calls);
  for (const s of settled) {
    if (s.status === 'rejected') assert.equal(s.reason.code, 'ENCODER_CLOSED');
  }
  assert.equal(enc.closed, true);
});

test('closing returns every session and allocation to the software device', { skip }, () => {
  const before = b._testing.softwareCounters(software);
  const enc = new b.Encoder(encoderOptions({ bFrames: 2 }));
  const ptr = b._testing.cudaMalloc(software, W * H * 1.5);
  const pinned = enc.allocateHostFrame();
  for (let i = 0; i < 5; i++) enc.encode({ devicePtr: ptr, pitch: W });
  for (let i = 0; i < 5; i++) enc.encode({ data: pinned });
  enc.close();
  b._testing.cudaFree(software, ptr);
  const after = b._testing.softwareCounters(software);
  assert.equal(after.nvencSessions, before.nvencSessions);
  // The pinned Buffer is still alive, so exactly its allocation remains.
  assert.equal(after.cudaAllocations, before.cudaAllocations + 1);
  assert.ok(pinned.length > 0);
});

test('lastFrameTimings reports upload for host input and none for device input', { skip }, () => {
  const enc = new b.Encoder(encoderOptions());
  const ptr = b._testing.cudaMalloc(software, W * H * 1.5);
  try {
    enc.encode({ data: nv12Frame(W, H, 0) });
    const host = enc.lastFrameTimings();
    assert.ok(host.uploadUs > 0, `host upload ${host.uploadUs} µs`);
    assert.ok(host.submitUs > 0, `submit ${host.submitUs} µs`);
    assert.ok(host.waitUs >= 0);
    b._testing.cudaCopyToDevice(software, ptr, nv12Frame(W, H, 1));
    enc.encode({ devicePtr: ptr, pitch: W });
    const device = enc.lastFrameTimings();
    assert.equal(device.uploadUs, 0);
    assert.ok(device.submitUs > 0);
  } finally {
    enc.close();
    b._testing.cudaFree(software, ptr);
  }
  assert.equal(thrown(() => enc.lastFrameTimings()).code, 'ENCODER_CLOSED');
});
