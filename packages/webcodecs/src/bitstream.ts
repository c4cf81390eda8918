/**
 * Annex B ↔ ISO BMFF ("avc"/"hevc" format) conversion and the decoder configuration records
 * (avcC, ISO/IEC 14496-15 §5.3.3; hvcC, §8.3.3) that go in `decoderConfig.description`.
 */

import { splitAnnexB } from '@nvenc-ts/nvenc';

export function avcNalType(nal: Uint8Array): number {
  return (nal[0] ?? 0) & 0x1f;
}

export function hevcNalType(nal: Uint8Array): number {
  return ((nal[0] ?? 0) >> 1) & 0x3f;
}

const AVC_SPS = 7;
const AVC_PPS = 8;
const AVC_AUD = 9;
const HEVC_VPS = 32;
const HEVC_SPS = 33;
const HEVC_PPS = 34;
const HEVC_AUD = 35;

/** Parameter sets of an Annex B access unit, by kind. */
export interface ParameterSets {
  vps: Uint8Array[];
  sps: Uint8Array[];
  pps: Uint8Array[];
}

export function parameterSets(stream: Uint8Array, codec: 'h264' | 'hevc'): ParameterSets {
  const out: ParameterSets = { vps: [], sps: [], pps: [] };
  for (const nal of splitAnnexB(stream)) {
    const t = codec === 'h264' ? avcNalType(nal) : hevcNalType(nal);
    if (codec === 'h264') {
      if (t === AVC_SPS) out.sps.push(nal);
      else if (t === AVC_PPS) out.pps.push(nal);
    } else if (t === HEVC_VPS) out.vps.push(nal);
    else if (t === HEVC_SPS) out.sps.push(nal);
    else if (t === HEVC_PPS) out.pps.push(nal);
  }
  return out;
}

/**
 * Annex B → 4-byte length-prefixed NAL units. Parameter sets and access unit delimiters are
 * dropped: in the "avc"/"hevc" formats they travel in `description` (avc1/hvc1 sample entries).
 */
export function toLengthPrefixed(stream: Uint8Array, codec: 'h264' | 'hevc'): Uint8Array {
  const keep = splitAnnexB(stream).filter((nal) => {
    const t = codec === 'h264' ? avcNalType(nal) : hevcNalType(nal);
    return codec === 'h264'
      ? t !== AVC_SPS && t !== AVC_PPS && t !== AVC_AUD
      : t !== HEVC_VPS && t !== HEVC_SPS && t !== HEVC_PPS && t !== HEVC_AUD;
  });
  const out = new Uint8Array(keep.reduce((s, nal) => s + 4 + nal.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const nal of keep) {
    view.setUint32(at, nal.length);
    out.set(nal, at + 4);
    at += 4 + nal.length;
  }
  return out;
}

function u16(n: number): number[] {
  return [(n >> 8) & 0xff, n & 0xff];
}

/** Emulation-prevention bytes removed (to read fixed-position fields of a parameter set). */
function rbsp(nal: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < nal.length; i++) {
    if (i >= 2 && nal[i] === 3 && nal[i - 1] === 0 && nal[i - 2] === 0) continue;
    out.push(nal[i]!);
  }
  return Uint8Array.from(out);
}

/**
 * avcC for 8-bit 4:2:0 streams (all NVENC makes from VideoFrames): the profile/level bytes come
 * from the SPS itself; High profiles carry the chroma_format/bit-depth extension.
 */
export function avcDecoderConfigurationRecord(sets: ParameterSets): Uint8Array {
  const sps = sets.sps[0];
  if (sets.sps.length === 0 || sets.pps.length === 0 || sps === undefined)
    throw new Error('avcC needs an SPS and a PPS');
  const bytes: number[] = [1, sps[1]!, sps[2]!, sps[3]!, 0xff, 0xe0 | sets.sps.length];
  for (const s of sets.sps) bytes.push(...u16(s.length), ...s);
  bytes.push(sets.pps.length);
  for (const p of sets.pps) bytes.push(...u16(p.length), ...p);
  if ([100, 110, 122, 144].includes(sps[1]!)) bytes.push(0xfc | 1, 0xf8 | 0, 0xf8 | 0, 0);
  return Uint8Array.from(bytes);
}

/**
 * hvcC: general profile_tier_level (12 bytes at a fixed position of the SPS RBSP, right after the
 * 2-byte NAL header and the VPS-id/sub-layers byte) and the parameter-set arrays.
 */
export function hevcDecoderConfigurationRecord(sets: ParameterSets): Uint8Array {
  const sps = sets.sps[0];
  if (sps === undefined || sets.vps.length === 0 || sets.pps.length === 0)
    throw new Error('hvcC needs a VPS, an SPS and a PPS');
  const r = rbsp(sps);
  const maxSubLayersMinus1 = (r[2]! >> 1) & 7;
  const temporalIdNested = r[2]! & 1;
  const ptl = Array.from(r.subarray(3, 15)); // profile_space..level_idc
  const bytes: number[] = [
    1,
    ...ptl,
    0xf0,
    0x00, // min_spatial_segmentation_idc 0
    0xfc, // parallelismType 0
    0xfc | 1, // chroma_format_idc 1 (4:2:0)
    0xf8,
    0xf8, // 8-bit luma and chroma
    0,
    0, // avgFrameRate unknown
    ((maxSubLayersMinus1 + 1) << 3) | (temporalIdNested << 2) | 3, // lengthSizeMinusOne 3
  ];
  const arrays: [number, Uint8Array[]][] = [
    [32, sets.vps],
    [33, sets.sps],
    [34, sets.pps],
  ];
  bytes.push(arrays.length);
  for (const [type, nals] of arrays) {
    bytes.push(0x80 | type, ...u16(nals.length));
    for (const nal of nals) bytes.push(...u16(nal.length), ...nal);
  }
  return Uint8Array.from(bytes);
}
