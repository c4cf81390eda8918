/**
 * The differential test: test/differential/scenarios.js runs unchanged in headless Chromium
 * (the browser's own VideoEncoder, software encoders) and in Node (this package on the software
 * device). Where the spec decides, both sides must give the same answers. Every difference is
 * listed below with its reason, and the test checks that each listed difference is still exactly
 * what both sides do (so the list cannot go stale).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as api from '../src/index.js';
import { openBrowser, type BrowserSession } from './helpers/chromium.js';
// @ts-expect-error plain JavaScript shared with the browser
import { runScenarios, scenarios } from './differential/scenarios.js';

type Results = Record<string, Record<string, unknown>>;

interface Difference {
  /** Dotted path into the scenario results. */
  path: string;
  node: unknown;
  browser: unknown;
  why: string;
}

/** Every place the two sides differ, and why. */
export const DIFFERENCES: Difference[] = [
  {
    path: 'isConfigSupportedAnswers.hevcMain.supported',
    node: true,
    browser: false,
    why: 'encoder: Chromium has no software HEVC encoder; NVENC encodes HEVC Main',
  },
  {
    path: 'isConfigSupportedAnswers.hevcMainHev1.supported',
    node: true,
    browser: false,
    why: 'encoder: as above (hev1)',
  },
  {
    path: 'isConfigSupportedAnswers.vp8.supported',
    node: false,
    browser: true,
    why: 'encoder: NVENC has no VP8 encoder; Chromium has libvpx',
  },
  {
    path: 'isConfigSupportedAnswers.vp9.supported',
    node: false,
    browser: true,
    why: 'encoder: NVENC has no VP9 encoder; Chromium has libvpx',
  },
  {
    path: 'isConfigSupportedAnswers.av1High444.supported',
    node: false,
    browser: true,
    why: 'encoder: NVENC AV1 encodes Main (profile 0, 4:2:0) only; libaom also does High',
  },
  {
    path: 'chunkTypesTimestampsAndMetadata.av1.types',
    node: ['key', 'key', 'key', 'key'],
    browser: ['key', 'delta', 'delta', 'delta'],
    why: "encoder: the software device's AV1 engine (SVT-AV1 via libavcodec) writes every frame as a KEY_FRAME (checked in the OBU frame header); type follows the bitstream",
  },
  ...['avcFormat', 'annexbFormat', 'defaultFormat', 'withDisplaySize', 'av1'].map((name) => ({
    path: `chunkTypesTimestampsAndMetadata.${name}.durations`,
    node: [33333, 33333, null, 33333],
    browser: [33333, 33333, 0, 33333],
    why: 'implementation: for a frame without duration the spec gives a chunk duration of null; Chromium reports 0',
  })),
  {
    path: 'unsupportedConfigureClosesWithNotSupportedError.av1TenBit.errors',
    node: ['NotSupportedError'],
    browser: ['OperationError'],
    why: 'implementation: the spec closes with NotSupportedError for an unsupported config; Chromium reports OperationError for 10-bit AV1',
  },
  {
    path: 'videoFrameBasics.cropped.visible',
    node: [2, 2, 100, 50],
    browser: [0, 0, 100, 50],
    why: 'implementation: Chromium copies only the visible rectangle of a buffer and reports it at (0,0); this package keeps the coded buffer and the given offset',
  },
  {
    path: 'decoderConfigColorSpace.rgba.fullRange',
    node: false,
    browser: true,
    why: "encoder: RGB frames are converted to YUV inside the encoder; Chromium's converter writes full range, this package asks NVENC for BT.709 limited range (the players' default) and signals that in the VUI",
  },
  {
    path: 'frameSizeDiffersFromConfig.flush',
    node: 'EncodingError',
    browser: 'resolved',
    why: 'encoder: Chromium scales a frame of another size; NVENC does not scale, so the frame fails with EncodingError',
  },
  { path: 'frameSizeDiffersFromConfig.outputs', node: 0, browser: 1, why: 'encoder: as above' },
  {
    path: 'outputMetadataRules.l1t1.svc',
    node: ['none', 'none'],
    browser: [0, 0],
    why: 'implementation: the spec\'s "Output EncodedVideoChunks" adds metadata.svc only when scalabilityMode describes multiple temporal layers; Chromium adds { temporalLayerId: 0 } for L1T1 too',
  },
  { path: 'frameSizeDiffersFromConfig.errors', node: ['EncodingError'], browser: [], why: 'encoder: as above' },
  { path: 'frameSizeDiffersFromConfig.state', node: 'closed', browser: 'configured', why: 'encoder: as above' },
];

function get(results: Results, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], results);
}

function without(results: Results, paths: string[]): Results {
  const copy = structuredClone(results);
  for (const path of paths) {
    const keys = path.split('.');
    const last = keys.pop()!;
    const parent = keys.reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], copy) as Record<string, unknown>;
    delete parent[last];
  }
  return copy;
}

let node: Results;
let browser: Results;
let session: BrowserSession | undefined;

beforeAll(async () => {
  node = (await runScenarios(api)) as Results;
  session = await openBrowser(fileURLToPath(new URL('./differential', import.meta.url)));
  // A string, so the test runner's transform leaves the browser's own import() alone.
  browser = await session.page.evaluate<Results>(
    `import('/scenarios.js').then((m) => m.runScenarios({ VideoEncoder, VideoFrame, EncodedVideoChunk }))`,
  );
  if (process.env['WEBCODECS_DIFF_DUMP'])
    writeFileSync(process.env['WEBCODECS_DIFF_DUMP'], JSON.stringify({ node, browser }, null, 1));
}, 240_000);

afterAll(async () => {
  await session?.close();
});

describe('differential: Chromium VideoEncoder vs @nvenc-ts/webcodecs', () => {
  const names = Object.keys(scenarios as Record<string, unknown>);
  const listed = DIFFERENCES.map((d) => d.path);

  it.each(names)('%s: both sides agree except for the listed differences', (name) => {
    expect(node[name], `node threw in ${name}`).not.toHaveProperty('threw');
    expect(browser[name], `browser threw in ${name}`).not.toHaveProperty('threw');
    const mine = listed.filter((p) => p.startsWith(`${name}.`));
    expect(without(node, mine)[name]).toEqual(without(browser, mine)[name]);
  });

  it.each(DIFFERENCES.map((d) => [d.path, d] as const))('listed difference %s is what each side does', (_path, d) => {
    expect(get(node, d.path)).toEqual(d.node);
    expect(get(browser, d.path)).toEqual(d.browser);
  });

  it('the spec-decided answers are the expected ones on both sides', () => {
    for (const side of [node, browser]) {
      const invalid = side['invalidConfigsRejectWithTypeError'] as Record<
        string,
        { isConfigSupported: string; configure: string }
      >;
      for (const r of Object.values(invalid))
        expect(r).toMatchObject({ isConfigSupported: 'TypeError', configure: 'TypeError' });
      expect(side['stateTransitions']).toMatchObject({
        configureAfterClose: 'InvalidStateError',
        flushUnconfigured: 'InvalidStateError',
        errorsCalled: 0,
      });
      expect(side['keyFrameRequests']).toMatchObject({ types: ['key', 'delta', 'delta', 'key', 'delta', 'delta'] });
      expect(side['resetMidStream']).toMatchObject({
        pendingFlush: 'AbortError',
        outputsAfterReset: 0,
        queueAfterReset: 0,
      });
      expect(side['flushOrdering']).toMatchObject({ order: ['flush1 after 5 outputs', 'flush2 after 7 outputs'] });
      // EncodedVideoChunk: constructor steps 1–2 (DataCloneError), its last step (detach every
      // transferred buffer), copyTo() step 1 (TypeError, not RangeError), [EnforceRange] members.
      expect(side['encodedVideoChunkTransferAndRanges']).toEqual({
        copied: [1, 2, 3, 4],
        dataAfter: 0,
        otherAfter: 0,
        repeatedInTransfer: 'DataCloneError',
        detachedInTransfer: 'DataCloneError',
        copyToSmaller: 'TypeError',
        copyToDetached: 'TypeError',
        copyToExact: 'none',
        timestampHuge: 'TypeError',
        timestampNaN: 'TypeError',
        timestampFraction: -1,
        durationNegative: 'TypeError',
      });
      // VideoFrame: "Parse VideoFrameCopyToOptions" → "Parse Visible Rect" (zero size, outside the
      // coded size, misaligned: TypeError) and "Compute Layout and Allocation Size" (plane count,
      // stride below a row, overlapping planes: TypeError); copyTo() step 5 (destination smaller
      // than allocationSize: TypeError); the rectangle's samples at the given layout.
      expect(side['videoFrameCopyToOptionsAndFromFrame']).toMatchObject({
        size: 12,
        tight: [34, 35, 36, 37, 50, 51, 52, 53, 109, 110, 209, 210],
        tightLayout: [
          [0, 4],
          [8, 2],
          [10, 2],
        ],
        paddedSize: 52,
        paddedLayout: [
          [4, 8],
          [40, 4],
          [48, 4],
        ],
        misalignedRect: 'TypeError',
        rectOutside: 'TypeError',
        zeroRect: 'TypeError',
        strideTooSmall: 'TypeError',
        planesOverlap: 'TypeError',
        wrongPlaneCount: 'TypeError',
        destinationTooSmall: 'TypeError',
        // "Initialize Visible Rect and Display Size": a new visible rect keeps the display scale (2:1).
        croppedDisplay: [8, 2],
        copyTimestamp: [-3, 5],
        fromFrameDisplayWidthOnly: 'TypeError',
        fromFrameMisaligned: 'TypeError',
        // "Close VideoFrame" clears the resource, format and sizes, not the timestamp.
        closed: { timestamp: 5, allocationSize: 'InvalidStateError' },
        // "Initialize Frame From Other Frame" step 2: alpha 'discard' → the opaque equivalent.
        alphaDiscard: 'RGBX',
        alphaKeep: 'RGBA',
        transfer: { pixelsAfter: 0, spareAfter: 0 },
        transferRepeated: 'DataCloneError',
        transferDetached: 'DataCloneError',
        timestampHuge: 'TypeError',
      });
      // "Output EncodedVideoChunks" step: decoderConfig only when [[active output config]] changes —
      // not for a requested key frame with the same config; Reset sets it to null, so again after
      // reset() + configure(). A quantizer outside bitrateMode 'quantizer' is ignored, not an error.
      expect(side['outputMetadataRules']).toMatchObject({
        forcedKeyFrame: { types: ['key', 'delta', 'key', 'delta'], decoderConfigAt: [0], errors: [] },
        afterReset: { decoderConfigAt: [0, 2], errors: [] },
        quantizerIgnoredOutsideQuantizerMode: { decoderConfigAt: [0], errors: [] },
      });
    }
  });
});
