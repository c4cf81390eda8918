// Pageable host frames: the direct path, the staged path (pinned chunks copied by a thread pool)
// and the timed choice between them (hostUpload: 'auto') must all deliver the same pixels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bgraFrame, encoderOptions, loadBinding, nv12Frame, skipReason, thrown } from './support/fixtures.mjs';

const skip = skipReason('12.1');
const b = skip ? null : loadBinding('12.1');

// The libav engine is deterministic: the same pixels give the same bitstream, so equal packets
// prove both paths delivered every byte of every frame.
function encodeWith(hostUpload, frames, extra = {}) {
  const enc = new b.Encoder(encoderOptions({ hostUpload, ...extra }));
  try {
    const out = [];
    for (const [i, f] of frames.entries()) for (const p of enc.encode(f, { seq: i })) out.push(p.data);
    for (const p of enc.flush()) out.push(p.data);
    return { packets: out, chose: enc.info().hostUpload };
  } finally {
    enc.close();
  }
}

test('staged and direct uploads of pageable NV12 frames give identical bitstreams', { skip }, () => {
  const frames = Array.from({ length: 8 }, (_, i) => ({ data: nv12Frame(640, 480, i) }));
  const direct = encodeWith('direct', frames, { width: 640, height: 480 });
  const staged = encodeWith('staged', frames, { width: 640, height: 480 });
  assert.equal(staged.packets.length, 8);
  assert.deepEqual(staged.packets, direct.packets);
  assert.equal(direct.chose, 'direct');
  assert.equal(staged.chose, 'staged');
});

test('staged upload honours a padded source pitch (BGRA, more chunks than rows per chunk)', { skip }, () => {
  const w = 720,
    h = 400,
    pitch = w * 4 + 64;
  const frames = Array.from({ length: 4 }, (_, i) => ({ data: bgraFrame(w, h, i, pitch), pitch }));
  const tight = Array.from({ length: 4 }, (_, i) => ({ data: bgraFrame(w, h, i) }));
  const extra = { width: w, height: h, inputFormat: 'bgra' };
  assert.deepEqual(encodeWith('staged', frames, extra).packets, encodeWith('direct', tight, extra).packets);
});

test("hostUpload 'auto' times both paths on the first frames, then settles on one", { skip }, () => {
  const frames = Array.from({ length: 12 }, (_, i) => ({ data: nv12Frame(320, 240, i) }));
  const early = encodeWith('auto', frames.slice(0, 3));
  assert.equal(early.chose, 'auto', 'still timing after 3 frames');
  const auto = encodeWith('auto', frames);
  assert.ok(['direct', 'staged'].includes(auto.chose), `chose ${auto.chose}`);
  assert.deepEqual(auto.packets, encodeWith('direct', frames).packets);
});

test('an unknown hostUpload is INVALID_OPTION naming the choices', { skip }, () => {
  const e = thrown(() => new b.Encoder(encoderOptions({ hostUpload: 'dma' })));
  assert.equal(e.code, 'INVALID_OPTION');
  assert.match(e.message, /hostUpload must be one of 'auto', 'direct', 'staged'/);
});

test('benchNativeLoop encodes the frame count times on the same session and times each call', { skip }, () => {
  const enc = new b.Encoder(encoderOptions());
  try {
    const t = enc.benchNativeLoop({ data: nv12Frame(320, 240, 0) }, 5);
    assert.ok(t instanceof Float64Array);
    assert.equal(t.length, 5);
    for (const v of t) assert.ok(v > 0);
    // The session went on counting frames: the next packet is frame 5.
    const [p] = enc.encode({ data: nv12Frame(320, 240, 1) });
    assert.equal(p.frameIndex, 5);
  } finally {
    enc.close();
  }
});
