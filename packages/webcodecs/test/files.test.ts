/**
 * Files a browser plays: 120 frames → VideoEncoder → mediabunny → MP4 (H.264, HEVC) and WebM (AV1);
 * ffprobe decodes every frame of each; headless Chromium plays the H.264 MP4 in a <video>, draws it
 * to a canvas and finds the scene's colours where they were drawn.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Mp4OutputFormat, WebMOutputFormat } from 'mediabunny';
import { afterAll, describe, expect, it } from 'vitest';
import { probeVideo } from '../../../scripts/test-support/ffprobe.mjs';
// @ts-expect-error the example is plain JavaScript (it is what the README shows)
import { writeFile } from '../examples/write-files.mjs';
import { openBrowser } from './helpers/chromium.js';
import { nvidiaUsable } from './helpers/nvidia.js';

const dir = mkdtempSync(join(tmpdir(), 'webcodecs-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Decodes every frame with ffmpeg and reports what it complained about. */
function decodeErrors(file: string): string {
  return spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-'], { encoding: 'utf8' }).stderr.trim();
}

describe.each([
  ['h264.mp4', 'avc1.42001f', 'avc', () => new Mp4OutputFormat(), 'h264'],
  ['hevc.mp4', 'hvc1.1.6.L93.B0', 'hevc', () => new Mp4OutputFormat(), 'hevc'],
  ['av1.webm', 'av01.0.04M.08', 'av1', () => new WebMOutputFormat(), 'av1'],
] as const)('%s', (name, codec, mbCodec, format, ffCodec) => {
  it(`120 frames of ${codec} muxed by mediabunny decode frame by frame in ffprobe`, async () => {
    const { bytes, device } = await writeFile(codec, mbCodec, format());
    expect(device.kind).toBe(nvidiaUsable ? 'nvidia' : 'software'); // no-preference: NVIDIA when a session opens
    const file = join(dir, name);
    writeFileSync(file, bytes);
    expect(probeVideo(file)).toMatchObject({ codec: ffCodec, width: 320, height: 240, frames: 120, errors: '' });
    expect(decodeErrors(file)).toBe('');
  });
});

describe('Chromium plays the H.264 MP4', () => {
  it('draws the video to a canvas with the scene colours at the quadrant centres', async () => {
    const file = join(dir, 'h264.mp4');
    // Written by the ffprobe test above; made here when this test runs alone.
    if (!existsSync(file)) writeFileSync(file, (await writeFile('avc1.42001f', 'avc', new Mp4OutputFormat())).bytes);
    const browser = await openBrowser(dir);
    try {
      const pixels = await browser.page.evaluate<{
        size: number[];
        duration: number;
        time: number;
        topLeft: number[];
        topRight: number[];
        bottomLeft: number[];
        bottomRight: number[];
      }>(`(async () => {
        const video = document.createElement('video');
        video.muted = true;
        video.src = '/h264.mp4';
        document.body.append(video);
        await new Promise((resolve, reject) => { video.onloadeddata = resolve; video.onerror = () => reject(new Error('video error ' + video.error?.code)); });
        await video.play();
        await new Promise((r) => setTimeout(r, 500));
        video.pause();
        const canvas = document.createElement('canvas');
        canvas.width = video.videoWidth; canvas.height = video.videoHeight;
        const ctx = canvas.getContext('2d');
        ctx.drawImage(video, 0, 0);
        const at = (x, y) => Array.from(ctx.getImageData(x, y, 1, 1).data.slice(0, 3));
        return { size: [video.videoWidth, video.videoHeight], duration: video.duration, time: video.currentTime,
                 topLeft: at(40, 30), topRight: at(280, 30), bottomLeft: at(40, 210), bottomRight: at(280, 210) };
      })()`);
      expect(pixels.size).toEqual([320, 240]);
      expect(pixels.duration).toBeCloseTo(4, 1);
      expect(pixels.time).toBeGreaterThan(0);
      const near = (got: number[], want: number[]) => got.every((v, i) => Math.abs(v - want[i]!) <= 24);
      expect(near(pixels.topLeft, [220, 30, 30]), `red quadrant ${pixels.topLeft.join(',')}`).toBe(true);
      expect(near(pixels.topRight, [30, 200, 30]), `green quadrant ${pixels.topRight.join(',')}`).toBe(true);
      expect(near(pixels.bottomLeft, [30, 30, 220]), `blue quadrant ${pixels.bottomLeft.join(',')}`).toBe(true);
      expect(near(pixels.bottomRight, [235, 235, 235]), `white quadrant ${pixels.bottomRight.join(',')}`).toBe(true);
    } finally {
      await browser.close();
    }
  });
});
