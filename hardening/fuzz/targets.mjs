// Fuzz targets: each turns fuzzer bytes into a call of one parser and checks what came back.
// A target may throw only its documented error class; any other exception, or a result that
// breaks a stated property, is a crash. The same definitions drive the regression test.
import { Random } from './engine.mjs';

const NVENC_ERRORS = 'packages/nvenc/src/errors.ts';
const CODEC_STRING = 'packages/nvenc/src/codec-string.ts';
const FRAME = 'packages/nvenc/src/frame.ts';
const RFB_PARSER = 'packages/rfb-encoder-backend/src/rfb/client-parser.ts';
const RFB_ERRORS = 'packages/rfb-encoder-backend/src/errors.ts';

/** A stated property of a parser's output does not hold. */
export class PropertyViolation extends Error {
  constructor(message) {
    super(message);
    this.name = 'PropertyViolation';
  }
}

function violated(condition, message) {
  if (!condition) throw new PropertyViolation(message);
}

const hex = (s) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// ---------------------------------------------------------------- codecString (SPS / VPS / AV1)
// Only values the standards define: H.264 profile_idc / level_idc of Annex A, HEVC profile space 0
// with profiles 1–11, AV1 seq_profile 0–2 with seq_level_idx 0–23 or 31.
const AVC_PROFILES = '(2c|42|4d|53|56|58|64|6e|76|7a|80|86|87|8a|8b|90|f4)';
const AVC_LEVELS = '(09|0a|0b|0c|0d|14|15|16|1e|1f|20|28|29|2a|32|33|34|3c|3d|3e)';
const CODEC_PATTERNS = {
  h264: new RegExp(`^avc1\\.${AVC_PROFILES}[0-9a-f][0c48]${AVC_LEVELS}$`),
  hevc: /^hvc1\.([1-9]|1[01])\.[0-9A-F]{1,8}\.[LH](30|60|63|90|93|120|123|150|153|156|180|183|186|189|255)(\.[0-9A-F]{1,2}){0,6}$/,
  av1: /^av01\.[0-2]\.([01]\d|2[0-3]|31)[MH]\.(08|10|12)(\.[01]\.[01][01][0-3]\.\d{2,3}\.\d{2,3}\.\d{2,3}\.[01])?$/,
};

const CODEC_DICTIONARIES = {
  h264: ['000001', '00000001', '000003', '67', '68', '65', '06', '42c01e', '4d401f', '640028', 'f4', '80'],
  hevc: ['000001', '00000001', '000003', '4001', '4201', '4401', '2601', '0c01ffff', '016000000300', '90', 'b0'],
  av1: ['1200', '0a', '0a0b', '0a0e', '08', '32', '0000', '80', '7f', 'ff', '00000000'],
};

/** Tiny hand-made seeds; real encoder output is in the corpus directories. */
const CODEC_SEEDS = {
  h264: [
    '0000000167640028acd940780227e5c04400000300040000030078' + '3c60c658',
    '00000001674d401fe8802802dd80b501010140000003004000000c83c60c4480',
    '000000016742c01e95a0',
  ],
  hevc: [
    '00000001 40010c01ffff016000000300900000030000030078959809',
    '00000001 420101016000000300900000030000030078a005020171f2e5959a4932bc05a808080800000300080000030078 40',
  ],
  av1: ['12000a0b0000002d4c7fe3f9b05c', '0a0f000000249fffe37c6c3b8ba080808010', '0a0b00000024c4fff3dc808080'],
};

function codecStringTarget(codec) {
  return {
    entries: [CODEC_STRING, NVENC_ERRORS],
    maxLen: 512,
    dictionary: CODEC_DICTIONARIES[codec].map(hex),
    seeds: () => CODEC_SEEDS[codec].map(hex),
    async load(mod) {
      const { codecString } = await import(mod[CODEC_STRING]);
      const { NvencError } = await import(mod[NVENC_ERRORS]);
      return {
        run(data) {
          const s = codecString(data, codec);
          violated(
            typeof s === 'string' && CODEC_PATTERNS[codec].test(s),
            `codecString returned ${JSON.stringify(s)}, not a valid ${codec} codec string`,
          );
        },
        isExpected: (e) =>
          e instanceof NvencError &&
          e.name === 'BitstreamParseError' &&
          (e.code === 'NO_PARAMETER_SETS' || e.code === 'MALFORMED_BITSTREAM'),
      };
    },
  };
}

// ---------------------------------------------------------------- RFB client-message parser
const RFB_PROTOCOL_CODES = new Set([
  'RFB_BAD_VERSION',
  'RFB_BAD_SECURITY_TYPE',
  'RFB_AUTH_FAILED',
  'RFB_BAD_MESSAGE',
  'RFB_UNKNOWN_MESSAGE',
  'RFB_MESSAGE_TOO_LARGE',
  'RFB_HANDSHAKE_TIMEOUT',
  'RFB_CLIENT_NOT_READING',
  'RFB_NO_H264',
  'RFB_CANNOT_RESIZE',
  'RFB_TRANSPORT',
]);
const RFB_START_PHASES = [
  'version',
  'security-choice',
  'vnc-auth-response',
  'client-init',
  'messages',
  'messages',
  'messages',
  'messages',
];
const RFB_ENCODING_LIMITS = [0, 1, 4, 1024];
const RFB_CUT_LIMITS = [0, 16, 1024, 1024 * 1024];

/**
 * Drives the parser the way ClientConnection does: the handshake items move it to the next
 * phase. Returns what came out: the items, the protocol error code that stopped it (or null),
 * and the bytes left buffered.
 */
function drive(Parser, ProtocolError, limits, startPhase, chunks) {
  const p = new Parser(limits);
  p.phase = startPhase;
  const items = [];
  const maxMessage = Math.max(20, 4 + 4 * limits.maxEncodings, 8 + limits.maxCutTextBytes);
  try {
    for (const chunk of chunks) {
      p.push(chunk);
      for (let item = p.next(); item; item = p.next()) {
        items.push(item);
        checkItem(item, limits);
        if (item.type === 'version') p.phase = 'security-choice';
        else if (item.type === 'security-choice')
          p.phase = item.securityType === 2 ? 'vnc-auth-response' : item.securityType === 1 ? 'client-init' : 'closed';
        else if (item.type === 'auth-response') p.phase = 'client-init';
        else if (item.type === 'client-init') p.phase = 'messages';
      }
      // Never more than one incomplete message is held back.
      violated(
        p.phase === 'closed' || p.bufferedBytes < maxMessage,
        `parser holds ${p.bufferedBytes} bytes after draining (largest message ${maxMessage})`,
      );
    }
  } catch (e) {
    if (e instanceof ProtocolError && RFB_PROTOCOL_CODES.has(e.code)) return { items, error: e.code };
    throw e;
  }
  return { items, error: null, buffered: p.bufferedBytes };
}

function checkItem(item, limits) {
  const u16 = (v) => Number.isInteger(v) && v >= 0 && v <= 0xffff;
  switch (item.type) {
    case 'version':
      violated(Number.isInteger(item.major) && Number.isInteger(item.minor), 'version numbers');
      break;
    case 'set-encodings':
      violated(
        item.encodings.length <= limits.maxEncodings,
        `${item.encodings.length} encodings over the limit ${limits.maxEncodings}`,
      );
      violated(
        item.encodings.every((e) => Number.isInteger(e) && e >= -(2 ** 31) && e < 2 ** 31),
        'encodings are s32',
      );
      break;
    case 'update-request':
      violated(u16(item.x) && u16(item.y) && u16(item.width) && u16(item.height), 'update-request fields are u16');
      break;
    case 'cut-text':
      violated(
        item.text.length <= limits.maxCutTextBytes,
        `cut text ${item.text.length} over the limit ${limits.maxCutTextBytes}`,
      );
      break;
    case 'set-pixel-format': {
      const pf = item.pixelFormat;
      violated(
        [8, 16, 32].includes(pf.bitsPerPixel) && pf.depth <= pf.bitsPerPixel,
        'accepted pixel format has a valid bpp/depth',
      );
      break;
    }
    case 'auth-response':
      violated(item.response.length === 16, 'auth response is 16 bytes');
      break;
    default:
      break;
  }
}

const rfbClientParser = {
  entries: [RFB_PARSER, RFB_ERRORS],
  maxLen: 2048,
  dictionary: [
    Buffer.from('RFB 003.008\n'),
    Buffer.from('RFB 003.003\n'),
    Buffer.from('RFB '),
    hex('00000000'),
    hex('0200000100000032'),
    hex('030000000000ffffffff'),
    hex('0401000000000041'),
    hex('05010010 0020'),
    hex('06000000ffffffff'),
    hex('0600000000000010'),
    hex('00000000 20180001 00ff00ff00ff 100800 000000'),
    hex('ffffff20'),
    hex('0400'),
    hex('0401'),
    hex('7fffffff'),
  ],
  seeds: () => [
    Buffer.concat([hex('000000'), Buffer.from('RFB 003.008\n'), hex('01'), hex('01')]),
    Buffer.concat([
      hex('040300'),
      hex('00000000 20180001 00ff00ff00ff 100800 000000'),
      hex('0200000200000032ffffff21'),
      hex('0301000000000500 0400'),
    ]),
    Buffer.concat([hex('040307'), hex('0401000000000041 0501001000200600 000000000003 616263')]),
    Buffer.concat([hex('020100'), Buffer.alloc(16, 0x41), hex('01')]),
  ],
  async load(mod) {
    const { ClientStreamParser } = await import(mod[RFB_PARSER]);
    const { RfbProtocolError } = await import(mod[RFB_ERRORS]);
    return {
      run(data) {
        if (data.length < 3) return;
        const startPhase = RFB_START_PHASES[data[0] & 7];
        const limits = {
          maxEncodings: RFB_ENCODING_LIMITS[data[1] & 3],
          maxCutTextBytes: RFB_CUT_LIMITS[(data[1] >> 2) & 3],
        };
        const stream = data.subarray(3);
        // The same bytes in random pieces and in one piece must give the same answer.
        const r = new Random(data[2] + 1);
        const chunks = [];
        for (let at = 0; at < stream.length;) {
          const n = 1 + r.below(data[2] & 0x80 ? 64 : 8);
          chunks.push(Buffer.from(stream.subarray(at, at + n)));
          at += n;
        }
        const pieces = drive(ClientStreamParser, RfbProtocolError, limits, startPhase, chunks);
        const whole = drive(ClientStreamParser, RfbProtocolError, limits, startPhase, [Buffer.from(stream)]);
        violated(
          JSON.stringify(pieces) === JSON.stringify(whole),
          `chunking changed the result: ${JSON.stringify(pieces).slice(0, 200)} vs ${JSON.stringify(whole).slice(0, 200)}`,
        );
      },
      // drive() already turned the protocol errors into results; anything thrown is a crash.
      isExpected: () => false,
    };
  },
};

// ---------------------------------------------------------------- frame descriptor validation
const FORMATS = ['nv12', 'p010', 'yuv444', 'bgra', 'rgba'];

/** Reads fuzzer bytes as a stream of small decisions (zeros once exhausted). */
export class Decisions {
  constructor(data) {
    this.data = data;
    this.pos = 0;
  }
  byte() {
    return this.pos < this.data.length ? this.data[this.pos++] : 0;
  }
  u16() {
    return (this.byte() << 8) | this.byte();
  }
  pick(list) {
    return list[this.byte() % list.length];
  }
}

function dimension(d, even) {
  const v = d.pick([1, 2, 3, 4, 15, 16, 17, 64, 65, 0, 4096, -2, null]) ?? (d.u16() % 97) + 1;
  return even && v > 0 ? v + (v % 2) : v;
}

function numberLike(d, layout) {
  const r = layout.rowBytes;
  return d.pick([
    r,
    r,
    r + 1,
    r - 1,
    r * 2,
    r + 64,
    0,
    -1,
    1,
    1.5,
    NaN,
    Infinity,
    -Infinity,
    2 ** 53,
    2 ** 53 + 2,
    -0,
    BigInt(r),
    '64',
    null,
    undefined,
    {},
    [],
    true,
    Symbol('pitch'),
    r + d.u16(),
    d.u16(),
  ]);
}

function pointerLike(d) {
  return d.pick([
    0x7f0000001000n,
    1n,
    0n,
    -1n,
    2n ** 64n - 1n,
    2n ** 64n,
    0x1000,
    2 ** 53 - 1,
    2 ** 53,
    -4096,
    1.5,
    NaN,
    0,
    '0x1000',
    null,
    undefined,
    {},
    Symbol('ptr'),
    BigInt(d.u16()) << 12n,
  ]);
}

function hostData(d, length) {
  const kind = d.byte() % 8;
  const n = Math.max(0, Math.min(length, 1 << 20));
  switch (kind) {
    case 0:
      return Buffer.alloc(n);
    case 1:
      return new Uint8Array(n);
    case 2:
      return new Uint8ClampedArray(n);
    case 3:
      return new Uint16Array(n >> 1);
    case 4:
      return new Int8Array(n);
    case 5:
      return new Float32Array(n >> 2);
    case 6:
      return new DataView(new ArrayBuffer(n));
    default:
      return d.pick([null, undefined, 'pixels', 42, {}, [1, 2, 3], new ArrayBuffer(n)]);
  }
}

function hostLength(d, layout, pitch) {
  const full =
    (typeof pitch === 'number' && Number.isFinite(pitch) && pitch > 0 ? pitch : layout.tightPitch) * layout.rowsTotal;
  return d.pick([
    layout.frameBytes,
    layout.frameBytes,
    full,
    full - 1,
    full + 1,
    layout.frameBytes - 1,
    layout.frameBytes + 7,
    0,
    d.u16(),
  ]);
}

function shapeLike(d, layout) {
  const { width: w, height: h } = layout;
  const shapes = [[h + h / 2, w], [h, w, 4], [h, w * 4], [3, h, w], [3 * h, w], [h, w], [h + h / 2, w, 1], []];
  let s = [...d.pick(shapes)];
  if (d.byte() % 4 === 0 && s.length) s[d.byte() % s.length] += d.pick([1, -1, 0.5, w]);
  if (d.byte() % 8 === 0) s = d.pick([null, 'shape', [String(h), w], [h, NaN]]);
  return s;
}

function stridesLike(d, shape, layout) {
  if (!Array.isArray(shape)) return undefined;
  const e = layout.elementSize;
  const c = [];
  let acc = e;
  for (let i = shape.length - 1; i >= 0; i--) {
    c[i] = acc;
    acc *= typeof shape[i] === 'number' ? shape[i] : 1;
  }
  switch (d.byte() % 7) {
    case 0:
      return undefined;
    case 1:
      return null;
    case 2:
      return c;
    case 3: {
      // padded rows
      const s = [...c];
      const pad = d.pick([0, 1, 2, 64, 512]);
      if (s.length) s[0] += pad;
      return s;
    }
    case 4:
      return [...c].reverse();
    case 5:
      return [...c, e];
    default:
      return c.map((v) => (d.byte() % 3 === 0 ? numberLike(d, layout) : v));
  }
}

function caiLike(d, layout) {
  const shape = shapeLike(d, layout);
  const cai = {
    data: d.pick([[pointerLike(d), false], [pointerLike(d), true], [], 'ptr', null, [pointerLike(d)]]),
    shape,
    strides: stridesLike(d, shape, layout),
    typestr: d.pick(['|u1', '<u1', '=u1', '<u2', '=u2', '>u2', '<f4', 'u1', 7, undefined]),
    version: d.pick([2, 3, undefined]),
  };
  if (d.byte() % 16 === 0) delete cai[d.pick(['data', 'shape', 'strides', 'typestr'])];
  return cai;
}

/** Builds a format, a size and a frame descriptor of any kind from fuzzer bytes. */
export function frameCase(data, frameLayout) {
  const d = new Decisions(data);
  const format = d.pick(FORMATS);
  const oddAllowed = format === 'bgra' || format === 'rgba';
  let width = dimension(d, !oddAllowed);
  let height = dimension(d, !oddAllowed);
  // The options layer only lets positive sizes (even where the format needs it) through to here.
  if (!(width > 0)) width = 2;
  if (!(height > 0)) height = 2;
  const layout = frameLayout(format, width, height);
  return { layout, frame: frameDescriptor(d, layout) };
}

/** Any kind of frame descriptor for a given layout, decided by `d` (a Decisions). */
export function frameDescriptor(d, layout, devicePointer = pointerLike) {
  let frame;
  switch (d.byte() % 6) {
    case 0:
      frame = hostData(d, hostLength(d, layout, undefined));
      break;
    case 1: {
      const pitch = numberLike(d, layout);
      frame = { data: hostData(d, hostLength(d, layout, pitch)), pitch };
      if (d.byte() % 8 === 0) delete frame.pitch;
      break;
    }
    case 2:
      frame = { devicePtr: devicePointer(d), pitch: numberLike(d, layout) };
      if (d.byte() % 8 === 0) delete frame.pitch;
      break;
    case 3:
      frame = { __cuda_array_interface__: d.byte() % 16 === 0 ? d.pick([null, 1, 'x']) : caiLike(d, layout) };
      break;
    case 4:
      frame = caiLike(d, layout);
      break;
    default:
      frame = d.pick([
        null,
        undefined,
        0,
        'frame',
        {},
        [],
        true,
        Symbol('frame'),
        { data: null },
        { devicePtr: 1n },
        new ArrayBuffer(8),
      ]);
  }
  return frame;
}

/** What a normalised frame must satisfy, whatever the input was. */
export function checkNormalised(out, layout) {
  violated(typeof out === 'object' && out !== null, 'normaliseFrame returned a non-object');
  const pitchOk = (p) => Number.isInteger(p) && p >= layout.rowBytes && p % layout.elementSize === 0;
  if ('devicePtr' in out) {
    violated(
      typeof out.devicePtr === 'bigint' && out.devicePtr > 0n && out.devicePtr < 2n ** 64n,
      `devicePtr ${String(out.devicePtr)} out of range`,
    );
    violated(pitchOk(out.pitch), `device pitch ${out.pitch} invalid for rows of ${layout.rowBytes} bytes`);
    return;
  }
  const data = out.data;
  violated(
    data instanceof Uint8Array || data instanceof Uint8ClampedArray || data instanceof Uint16Array,
    `host data of type ${data?.constructor?.name}`,
  );
  violated(!(data instanceof Uint16Array) || layout.format === 'p010', 'Uint16Array accepted for an 8-bit format');
  if (out.pitch === undefined) {
    violated(
      data.byteLength === layout.frameBytes,
      `tight frame of ${data.byteLength} bytes accepted, needs ${layout.frameBytes}`,
    );
  } else {
    violated(pitchOk(out.pitch), `host pitch ${out.pitch} invalid for rows of ${layout.rowBytes} bytes`);
    violated(
      data.byteLength >= out.pitch * layout.rowsTotal,
      `host frame of ${data.byteLength} bytes accepted for pitch ${out.pitch} × ${layout.rowsTotal} rows`,
    );
  }
}

const frameDescriptorTarget = {
  entries: [FRAME, NVENC_ERRORS],
  maxLen: 64,
  dictionary: [hex('00'), hex('01'), hex('02'), hex('03'), hex('04'), hex('05'), hex('ff')],
  seeds: () =>
    [
      '0000000000',
      '03030300',
      '000303010001',
      '0203020200',
      '0003030300020002',
      '04030304020200',
      '01050500',
      '02070705',
    ].map(hex),
  async load(mod) {
    const { normaliseFrame, frameLayout } = await import(mod[FRAME]);
    const { InvalidFrameError } = await import(mod[NVENC_ERRORS]);
    return {
      run(data) {
        const { layout, frame } = frameCase(data, frameLayout);
        checkNormalised(normaliseFrame(frame, layout), layout);
      },
      isExpected: (e) => e instanceof InvalidFrameError && e.code === 'INVALID_FRAME' && e.phase === 'input',
    };
  },
};

export const targets = {
  'codec-string-h264': codecStringTarget('h264'),
  'codec-string-hevc': codecStringTarget('hevc'),
  'codec-string-av1': codecStringTarget('av1'),
  'rfb-client-parser': rfbClientParser,
  'frame-descriptor': frameDescriptorTarget,
};
