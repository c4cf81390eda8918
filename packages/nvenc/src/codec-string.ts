/**
 * WebCodecs / RFC 6381 codec strings from the real parameter sets in an access unit:
 * H.264 SPS → 'avc1.PPCCLL', HEVC SPS (or VPS) profile_tier_level → 'hvc1.…' (ISO/IEC 14496-15
 * Annex E), AV1 sequence header OBU → 'av01.P.LLT.DD[.M.CCC.cp.tc.mc.F]' (AV1 ISOBMFF binding).
 */
import { BitstreamParseError, InvalidOptionError } from './errors.js';
import type { Codec } from './options.js';

/** Reads bits MSB-first from an RBSP (emulation prevention already removed). */
export class BitReader {
  private bitPos = 0;
  constructor(private readonly bytes: Uint8Array) {}

  get bitsLeft(): number {
    return this.bytes.length * 8 - this.bitPos;
  }

  /** Unsigned n-bit value, n ≤ 32. */
  u(n: number): number {
    if (n > 32) throw new RangeError('BitReader.u reads at most 32 bits');
    if (n > this.bitsLeft) {
      throw new BitstreamParseError('Parameter set ends early', { code: 'MALFORMED_BITSTREAM' });
    }
    let value = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.bytes[this.bitPos >> 3] ?? 0;
      const bit = (byte >> (7 - (this.bitPos & 7))) & 1;
      value = value * 2 + bit;
      this.bitPos++;
    }
    return value;
  }

  flag(): boolean {
    return this.u(1) === 1;
  }

  skip(n: number): void {
    if (n > this.bitsLeft) throw new BitstreamParseError('Parameter set ends early', { code: 'MALFORMED_BITSTREAM' });
    this.bitPos += n;
  }

  /** Exp-Golomb ue(v) (H.264 / HEVC). */
  ue(): number {
    let zeros = 0;
    while (this.u(1) === 0) {
      if (++zeros > 31)
        throw new BitstreamParseError('Exp-Golomb code longer than 32 bits', { code: 'MALFORMED_BITSTREAM' });
    }
    return zeros === 0 ? 0 : 2 ** zeros - 1 + this.u(zeros);
  }

  /** Signed Exp-Golomb se(v). */
  se(): number {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }

  /** AV1 uvlc(). */
  uvlc(): number {
    let zeros = 0;
    while (this.u(1) === 0) {
      if (++zeros >= 32) return 2 ** 32 - 1;
    }
    return zeros === 0 ? 0 : this.u(zeros) + 2 ** zeros - 1;
  }
}

/** Removes emulation-prevention bytes (00 00 03 → 00 00). */
export function unescapeRbsp(nal: Uint8Array): Uint8Array {
  const out = new Uint8Array(nal.length);
  let n = 0;
  let zeros = 0;
  for (let i = 0; i < nal.length; i++) {
    const b = nal[i] as number;
    if (zeros >= 2 && b === 3) {
      zeros = 0;
      continue;
    }
    out[n++] = b;
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return out.subarray(0, n);
}

/** Splits an Annex B byte stream into NAL units (start codes removed). */
export function splitAnnexB(stream: Uint8Array): Uint8Array[] {
  const units: Uint8Array[] = [];
  let start = -1;
  let i = 0;
  while (i + 2 < stream.length) {
    if (stream[i] === 0 && stream[i + 1] === 0 && stream[i + 2] === 1) {
      if (start >= 0) {
        let end = i;
        while (end > start && stream[end - 1] === 0) end--; // trailing zero bytes / 4-byte start code
        units.push(stream.subarray(start, end));
      }
      i += 3;
      start = i;
    } else {
      i++;
    }
  }
  if (start >= 0 && start < stream.length) units.push(stream.subarray(start));
  return units;
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function noParameterSet(codec: string, what: string): BitstreamParseError {
  return new BitstreamParseError(
    `No ${what} found in the ${codec} access unit: pass a keyframe access unit (with repeatSpsPps, every IDR carries its parameter sets)`,
  );
}

/** Profile, constraint flags and level from an H.264 SPS. */
export interface AvcProfileLevel {
  profileIdc: number;
  constraintFlags: number;
  levelIdc: number;
}

function malformed(message: string): BitstreamParseError {
  return new BitstreamParseError(message, { code: 'MALFORMED_BITSTREAM' });
}

/** profile_idc values H.264 (2021, Annex A, G, H, I) defines; everything else is reserved. */
const AVC_PROFILE_IDCS: ReadonlySet<number> = new Set([
  44, 66, 77, 83, 86, 88, 100, 110, 118, 122, 128, 134, 135, 138, 139, 144, 244,
]);
/** level_idc values of H.264 Table A-1 (9 = level 1b in the High profiles). */
const AVC_LEVEL_IDCS: ReadonlySet<number> = new Set([
  9, 10, 11, 12, 13, 20, 21, 22, 30, 31, 32, 40, 41, 42, 50, 51, 52, 60, 61, 62,
]);

/** profile_idc, constraint_set flags byte and level_idc of the first H.264 SPS. */
export function parseAvcSps(accessUnit: Uint8Array): AvcProfileLevel {
  for (const nal of splitAnnexB(accessUnit)) {
    if (nal.length === 0 || ((nal[0] as number) & 0x1f) !== 7) continue;
    const header = nal[0] as number;
    if (header & 0x80) throw malformed('H.264 SPS NAL unit has forbidden_zero_bit set: not an H.264 Annex B stream');
    if ((header & 0x60) === 0)
      throw malformed(
        'H.264 SPS NAL unit has nal_ref_idc 0, which the standard forbids for an SPS: not an H.264 Annex B stream',
      );
    const rbsp = unescapeRbsp(nal.subarray(1));
    const r = new BitReader(rbsp);
    const sps = { profileIdc: r.u(8), constraintFlags: r.u(8), levelIdc: r.u(8) };
    if (!AVC_PROFILE_IDCS.has(sps.profileIdc))
      throw malformed(`H.264 SPS has profile_idc ${sps.profileIdc}, which no H.264 profile uses`);
    if ((sps.constraintFlags & 0x03) !== 0) throw malformed('H.264 SPS has reserved_zero_2bits set');
    if (!AVC_LEVEL_IDCS.has(sps.levelIdc))
      throw malformed(`H.264 SPS has level_idc ${sps.levelIdc}, which is not a level of H.264 Table A-1`);
    return sps;
  }
  throw noParameterSet('H.264', 'SPS (NAL type 7)');
}

/** profile_tier_level fields from an HEVC VPS/SPS. */
export interface HevcProfileTierLevel {
  profileSpace: number;
  tierFlag: number;
  profileIdc: number;
  /** general_profile_compatibility_flag[0..31] as read: flag[0] is the most significant bit. */
  compatibilityFlags: number;
  /** The 48 constraint-indicator bits as 6 bytes (progressive_source_flag is the top bit of byte 0). */
  constraintBytes: number[];
  levelIdc: number;
}

/** general_level_idc values of H.265 Table A.8 (30 × level; 255 is level 8.5, unconstrained). */
const HEVC_LEVEL_IDCS: ReadonlySet<number> = new Set([
  30, 60, 63, 90, 93, 120, 123, 150, 153, 156, 180, 183, 186, 189, 255,
]);

function readGeneralPtl(r: BitReader): HevcProfileTierLevel {
  const profileSpace = r.u(2);
  const tierFlag = r.u(1);
  const profileIdc = r.u(5);
  const compatibilityFlags = r.u(32);
  const constraintBytes: number[] = [];
  for (let i = 0; i < 6; i++) constraintBytes.push(r.u(8));
  const levelIdc = r.u(8);
  // H.265 requires general_profile_space 0; 1–3 are reserved for future use.
  if (profileSpace !== 0)
    throw malformed(`HEVC profile_tier_level has general_profile_space ${profileSpace}, which H.265 reserves`);
  // 1 Main … 11 High Throughput SCC (H.265 Annex A, F, G, H, I); 0 and 12–31 are reserved.
  if (profileIdc < 1 || profileIdc > 11)
    throw malformed(`HEVC profile_tier_level has general_profile_idc ${profileIdc}, which no HEVC profile uses`);
  if (!HEVC_LEVEL_IDCS.has(levelIdc))
    throw malformed(
      `HEVC profile_tier_level has general_level_idc ${levelIdc}, which is not a level of H.265 Table A.8`,
    );
  return { profileSpace, tierFlag, profileIdc, compatibilityFlags, constraintBytes, levelIdc };
}

/** Checks the two-byte HEVC NAL unit header (forbidden bit, nuh_layer_id, nuh_temporal_id_plus1). */
function checkHevcNalHeader(nal: Uint8Array, what: string): void {
  const b0 = nal[0] as number;
  const b1 = nal[1] as number;
  if (b0 & 0x80) throw malformed(`HEVC ${what} NAL unit has forbidden_zero_bit set: not an HEVC Annex B stream`);
  if ((b1 & 0x07) === 0)
    throw malformed(
      `HEVC ${what} NAL unit has nuh_temporal_id_plus1 0, which H.265 forbids: not an HEVC Annex B stream`,
    );
}

/** The general profile_tier_level of the first HEVC SPS (or VPS when no SPS is present). */
export function parseHevcProfileTierLevel(accessUnit: Uint8Array): HevcProfileTierLevel {
  let vps: Uint8Array | undefined;
  for (const nal of splitAnnexB(accessUnit)) {
    if (nal.length < 2) continue;
    const type = ((nal[0] as number) >> 1) & 0x3f;
    if (type === 33) {
      checkHevcNalHeader(nal, 'SPS');
      const r = new BitReader(unescapeRbsp(nal.subarray(2)));
      r.u(4); // sps_video_parameter_set_id
      if (r.u(3) === 7) throw malformed('HEVC SPS has sps_max_sub_layers_minus1 7, which H.265 forbids'); // sps_max_sub_layers_minus1
      r.u(1); // sps_temporal_id_nesting_flag
      return readGeneralPtl(r);
    }
    if (type === 32 && !vps) vps = nal;
  }
  if (vps) {
    checkHevcNalHeader(vps, 'VPS');
    const r = new BitReader(unescapeRbsp(vps.subarray(2)));
    r.u(4); // vps_video_parameter_set_id
    r.u(1); // vps_base_layer_internal_flag
    r.u(1); // vps_base_layer_available_flag
    r.u(6); // vps_max_layers_minus1
    if (r.u(3) === 7) throw malformed('HEVC VPS has vps_max_sub_layers_minus1 7, which H.265 forbids');
    r.u(1); // vps_temporal_id_nesting_flag
    // A fixed 0xffff in every valid VPS: anything else means the bytes are not an HEVC VPS.
    if (r.u(16) !== 0xffff)
      throw malformed('HEVC VPS has vps_reserved_0xffff_16bits other than 0xffff: not an HEVC VPS');
    return readGeneralPtl(r);
  }
  throw noParameterSet('HEVC', 'SPS or VPS (NAL type 33 / 32)');
}

function reverseBits32(v: number): number {
  let out = 0;
  for (let i = 0; i < 32; i++) {
    out = out * 2 + ((v >>> i) & 1);
  }
  return out;
}

/** The fields of an AV1 sequence header that make up its codec string. */
export interface Av1SequenceHeader {
  seqProfile: number;
  seqLevelIdx: number;
  seqTier: number;
  bitDepth: number;
  monochrome: boolean;
  subsamplingX: number;
  subsamplingY: number;
  chromaSamplePosition: number;
  colorPrimaries: number;
  transferCharacteristics: number;
  matrixCoefficients: number;
  colorRange: number;
}

function readLeb128(bytes: Uint8Array, pos: number): { value: number; length: number } {
  let value = 0;
  for (let i = 0; i < 8; i++) {
    const b = bytes[pos + i];
    if (b === undefined) throw new BitstreamParseError('OBU size field ends early', { code: 'MALFORMED_BITSTREAM' });
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return { value, length: i + 1 };
  }
  throw new BitstreamParseError('OBU size field longer than 8 bytes', { code: 'MALFORMED_BITSTREAM' });
}

function parseAv1SequenceHeaderObu(payload: Uint8Array): Av1SequenceHeader {
  const r = new BitReader(payload);
  const seqProfile = r.u(3);
  // AV1 defines seq_profile 0 (Main), 1 (High), 2 (Professional); 3–7 are reserved.
  if (seqProfile > 2) throw malformed(`AV1 sequence header has seq_profile ${seqProfile}, which AV1 reserves`);
  r.u(1); // still_picture
  const reduced = r.flag();
  let seqLevelIdx: number;
  let seqTier = 0;
  if (reduced) {
    seqLevelIdx = r.u(5);
  } else {
    let decoderModelInfoPresent = false;
    let bufferDelayLength = 0;
    if (r.flag()) {
      // timing_info()
      r.u(32); // num_units_in_display_tick
      r.u(32); // time_scale
      if (r.flag()) r.uvlc(); // equal_picture_interval → num_ticks_per_picture_minus_1
      decoderModelInfoPresent = r.flag();
      if (decoderModelInfoPresent) {
        bufferDelayLength = r.u(5) + 1;
        r.u(32); // num_units_in_decoding_tick
        r.u(5); // buffer_removal_time_length_minus_1
        r.u(5); // frame_presentation_time_length_minus_1
      }
    }
    const initialDisplayDelayPresent = r.flag();
    const opCount = r.u(5) + 1;
    seqLevelIdx = 0;
    for (let i = 0; i < opCount; i++) {
      r.u(12); // operating_point_idc
      const level = r.u(5);
      const tier = level > 7 ? r.u(1) : 0;
      if (i === 0) {
        seqLevelIdx = level;
        seqTier = tier;
      }
      if (decoderModelInfoPresent && r.flag()) {
        r.skip(bufferDelayLength); // decoder_buffer_delay
        r.skip(bufferDelayLength); // encoder_buffer_delay
        r.u(1); // low_delay_mode_flag
      }
      if (initialDisplayDelayPresent && r.flag()) r.u(4);
    }
  }
  // seq_level_idx 0–23 are levels 2.0–7.3 and 31 means "no level constraints"; 24–30 are reserved.
  if (seqLevelIdx > 23 && seqLevelIdx !== 31)
    throw malformed(`AV1 sequence header has seq_level_idx ${seqLevelIdx}, which AV1 reserves`);
  const widthBits = r.u(4) + 1;
  const heightBits = r.u(4) + 1;
  r.skip(widthBits);
  r.skip(heightBits);
  if (!reduced && r.flag()) {
    // frame_id_numbers_present_flag
    r.u(4);
    r.u(3);
  }
  r.u(1); // use_128x128_superblock
  r.u(1); // enable_filter_intra
  r.u(1); // enable_intra_edge_filter
  if (!reduced) {
    r.u(1); // enable_interintra_compound
    r.u(1); // enable_masked_compound
    r.u(1); // enable_warped_motion
    r.u(1); // enable_dual_filter
    const enableOrderHint = r.flag();
    if (enableOrderHint) {
      r.u(1); // enable_jnt_comp
      r.u(1); // enable_ref_frame_mvs
    }
    let forceScreenContentTools = 2;
    if (!r.flag()) forceScreenContentTools = r.u(1); // seq_choose_screen_content_tools
    if (forceScreenContentTools > 0) {
      if (!r.flag()) r.u(1); // seq_choose_integer_mv → seq_force_integer_mv
    }
    if (enableOrderHint) r.u(3); // order_hint_bits_minus_1
  }
  r.u(1); // enable_superres
  r.u(1); // enable_cdef
  r.u(1); // enable_restoration

  // color_config()
  const highBitdepth = r.flag();
  let bitDepth = highBitdepth ? 10 : 8;
  if (seqProfile === 2 && highBitdepth) bitDepth = r.flag() ? 12 : 10;
  const monochrome = seqProfile === 1 ? false : r.flag();
  let colorPrimaries = 2;
  let transferCharacteristics = 2;
  let matrixCoefficients = 2;
  if (r.flag()) {
    colorPrimaries = r.u(8);
    transferCharacteristics = r.u(8);
    matrixCoefficients = r.u(8);
  }
  let colorRange = 0;
  let subsamplingX = 1;
  let subsamplingY = 1;
  let chromaSamplePosition = 0;
  if (monochrome) {
    colorRange = r.u(1);
  } else if (colorPrimaries === 1 && transferCharacteristics === 13 && matrixCoefficients === 0) {
    colorRange = 1;
    subsamplingX = 0;
    subsamplingY = 0;
  } else {
    colorRange = r.u(1);
    if (seqProfile === 0) {
      subsamplingX = 1;
      subsamplingY = 1;
    } else if (seqProfile === 1) {
      subsamplingX = 0;
      subsamplingY = 0;
    } else if (bitDepth === 12) {
      subsamplingX = r.u(1);
      subsamplingY = subsamplingX ? r.u(1) : 0;
    } else {
      subsamplingX = 1;
      subsamplingY = 0;
    }
    if (subsamplingX && subsamplingY) chromaSamplePosition = r.u(2);
  }
  return {
    seqProfile,
    seqLevelIdx,
    seqTier,
    bitDepth,
    monochrome,
    subsamplingX,
    subsamplingY,
    chromaSamplePosition,
    colorPrimaries,
    transferCharacteristics,
    matrixCoefficients,
    colorRange,
  };
}

/** The first sequence header OBU of a low-overhead AV1 bitstream (Section 5 OBUs with size fields). */
export function parseAv1SequenceHeader(temporalUnit: Uint8Array): Av1SequenceHeader {
  let pos = 0;
  while (pos < temporalUnit.length) {
    const header = temporalUnit[pos] as number;
    if (header & 0x80)
      throw new BitstreamParseError('AV1 OBU forbidden bit is set: not a low-overhead AV1 bitstream', {
        code: 'MALFORMED_BITSTREAM',
      });
    const type = (header >> 3) & 0x0f;
    const hasExtension = (header & 0x04) !== 0;
    const hasSize = (header & 0x02) !== 0;
    let p = pos + 1 + (hasExtension ? 1 : 0);
    let size: number;
    if (hasSize) {
      const leb = readLeb128(temporalUnit, p);
      p += leb.length;
      size = leb.value;
    } else {
      size = temporalUnit.length - p;
    }
    if (p + size > temporalUnit.length)
      throw new BitstreamParseError('AV1 OBU extends past the end of the data', { code: 'MALFORMED_BITSTREAM' });
    if (type === 1) return parseAv1SequenceHeaderObu(temporalUnit.subarray(p, p + size));
    pos = p + size;
  }
  throw noParameterSet('AV1', 'sequence header OBU');
}

function dec2(n: number): string {
  return n.toString().padStart(2, '0');
}

/** Options of codecString(). */
export interface CodecStringOptions {
  /**
   * Sample-entry prefix of an HEVC codec string. Default `'hvc1'`, which every WebCodecs and MSE
   * implementation accepts. ISO/IEC 14496-15 ties the prefix to where the parameter sets live:
   * `'hvc1'` means they are all in the sample entry (an MP4 `hvcC` box) and not in the samples,
   * `'hev1'` that they may (also) be in-band. This package's encoder repeats VPS/SPS/PPS on every
   * IDR (`repeatSpsPps`, on by default), so for an MP4 whose samples keep those in-band parameter
   * sets ask for `'hev1'`. Ignored for H.264 and AV1.
   */
  hevcSampleEntry?: 'hvc1' | 'hev1';
}

function startsWithStartCode(data: Uint8Array): boolean {
  let i = 0;
  while (i < data.length && data[i] === 0) i++;
  // Annex B: zero bytes (leading_zero_8bits / zero_byte) then 00 00 01; at least two zeros.
  return i >= 2 && data[i] === 1;
}

/** True when the data reads as 4-byte big-endian NAL lengths (ISO/IEC 14496-15 "AVCC"/"HVCC" samples). */
function looksLengthPrefixed(data: Uint8Array): boolean {
  let pos = 0;
  let units = 0;
  while (pos + 4 <= data.length) {
    const n =
      (((data[pos] as number) << 24) >>> 0) +
      ((data[pos + 1] as number) << 16) +
      ((data[pos + 2] as number) << 8) +
      (data[pos + 3] as number);
    if (n === 0 || pos + 4 + n > data.length || ((data[pos + 4] as number) & 0x80) !== 0) return false;
    pos += 4 + n;
    units++;
  }
  return units > 0 && pos === data.length;
}

function checkAnnexB(data: Uint8Array, codec: 'H.264' | 'HEVC'): void {
  // A length prefix of 256–511 bytes reads as a 3-byte start code (00 00 01 xx), so data that
  // splits exactly into length-prefixed units is taken as AVCC/HVCC unless it opens with the
  // 4-byte start code every encoder access unit begins with.
  const fourByteStart = data[0] === 0 && data[1] === 0 && data[2] === 0 && data[3] === 1;
  if (!fourByteStart && looksLengthPrefixed(data)) {
    throw malformed(
      `The ${codec} data looks length-prefixed (AVCC/HVCC, as stored in MP4), not Annex B: codecString() expects each NAL unit ` +
        'to start with a 00 00 01 start code, as encoder packets do. Pass the packet as the encoder returned it, or replace each 4-byte length with a start code.',
    );
  }
  if (!startsWithStartCode(data)) {
    throw malformed(
      `The ${codec} data does not begin with a start code: codecString() expects Annex B, where each NAL unit starts with 00 00 01, as encoder packets do.`,
    );
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof ArrayBuffer) return 'an ArrayBuffer (wrap it: new Uint8Array(buffer))';
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (typeof value === 'object') return `an object (${Object.prototype.toString.call(value)})`;
  return `a ${typeof value}`;
}

/**
 * The codec string for WebCodecs' `VideoDecoderConfig.codec` / MSE, from the parameter sets
 * inside `accessUnit` (an encoder packet: Annex B for H.264/HEVC, low-overhead OBUs for AV1).
 * Values the standards reserve or do not define (an unknown profile or level, a VPS whose fixed
 * bits are wrong) are refused rather than turned into a string no decoder knows.
 *
 * @param accessUnit An encoder packet's `data` (a `Buffer` is a `Uint8Array`), a keyframe carrying
 *   the parameter sets, or `encoder.sequenceHeaders()`.
 * @param codec The codec the data is in.
 * @param options `hevcSampleEntry`: `'hvc1'` (default) or `'hev1'`, see {@link CodecStringOptions}.
 * @returns e.g. `'avc1.42c01f'`, `'hvc1.1.6.L93.90'`, `'av01.0.04M.08'`.
 * @throws {InvalidOptionError} `INVALID_OPTION`: `accessUnit` is not a `Uint8Array`, or `codec` is
 *   not `'h264'`, `'hevc'` or `'av1'` (`err.option` names which).
 * @throws {BitstreamParseError} `NO_PARAMETER_SETS`: no SPS / VPS / sequence header in the data;
 *   `MALFORMED_BITSTREAM`: one was found but is truncated, uses reserved values, or the data is
 *   not Annex B (length-prefixed data gets a hint).
 * @example
 * ```ts
 * const [first] = encoder.encode(frame, { forceKeyframe: true });
 * const config = { codec: codecString(first.data, 'h264'), codedWidth: 1280, codedHeight: 720 };
 * ```
 */
export function codecString(accessUnit: Uint8Array, codec: Codec, options: CodecStringOptions = {}): string {
  if (codec !== 'h264' && codec !== 'hevc' && codec !== 'av1') {
    throw new InvalidOptionError(
      `Invalid option codec: ${JSON.stringify(codec) ?? String(codec)}; expected 'h264', 'hevc' or 'av1'`,
      { option: 'codec' },
    );
  }
  if (!(accessUnit instanceof Uint8Array)) {
    throw new InvalidOptionError(
      `Invalid accessUnit: expected a Uint8Array (or Buffer) holding an encoded access unit, got ${describeValue(accessUnit)}`,
      {
        option: 'accessUnit',
      },
    );
  }
  const entry = options.hevcSampleEntry ?? 'hvc1';
  if (entry !== 'hvc1' && entry !== 'hev1') {
    throw new InvalidOptionError(
      `Invalid option hevcSampleEntry: ${JSON.stringify(entry)}; expected 'hvc1' or 'hev1'`,
      { option: 'hevcSampleEntry' },
    );
  }
  switch (codec) {
    case 'h264': {
      checkAnnexB(accessUnit, 'H.264');
      const sps = parseAvcSps(accessUnit);
      return `avc1.${hex2(sps.profileIdc)}${hex2(sps.constraintFlags)}${hex2(sps.levelIdc)}`;
    }
    case 'hevc': {
      checkAnnexB(accessUnit, 'HEVC');
      const ptl = parseHevcProfileTierLevel(accessUnit);
      const compat = reverseBits32(ptl.compatibilityFlags).toString(16).toUpperCase();
      const bytes = [...ptl.constraintBytes];
      while (bytes.length > 0 && bytes[bytes.length - 1] === 0) bytes.pop();
      const constraints = bytes.map((b) => `.${b.toString(16).toUpperCase()}`).join('');
      return `${entry}.${ptl.profileIdc}.${compat}.${ptl.tierFlag ? 'H' : 'L'}${ptl.levelIdc}${constraints}`;
    }
    case 'av1': {
      const sh = parseAv1SequenceHeader(accessUnit);
      const base = `av01.${sh.seqProfile}.${dec2(sh.seqLevelIdx)}${sh.seqTier ? 'H' : 'M'}.${dec2(sh.bitDepth)}`;
      const chroma = `${sh.subsamplingX}${sh.subsamplingY}${sh.subsamplingX && sh.subsamplingY ? sh.chromaSamplePosition : 0}`;
      const isDefault =
        !sh.monochrome &&
        chroma === '110' &&
        sh.colorPrimaries === 1 &&
        sh.transferCharacteristics === 1 &&
        sh.matrixCoefficients === 1 &&
        sh.colorRange === 0;
      // The optional fields are all-or-none; leave them out when they equal the defaults.
      if (isDefault) return base;
      return `${base}.${sh.monochrome ? 1 : 0}.${chroma}.${dec2(sh.colorPrimaries)}.${dec2(sh.transferCharacteristics)}.${dec2(sh.matrixCoefficients)}.${sh.colorRange}`;
    }
  }
}
