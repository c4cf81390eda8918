/** The README's examples are the files in examples/, and each runs as written. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openBrowser } from './helpers/chromium.js';
import { nvidiaUsable } from './helpers/nvidia.js';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const EXAMPLES = join(PACKAGE_DIR, 'examples');
const readme = readFileSync(join(PACKAGE_DIR, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
const tmp = mkdtempSync(join(tmpdir(), 'webcodecs-readme-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs a script with node; the quiet SVT-AV1 banner aside, stderr must be empty. */
function run(file: string, cwd: string): string {
  const r = spawnSync(process.execPath, [file], { cwd, encoding: 'utf8', timeout: 90_000 });
  expect(
    r.stderr
      .split('\n')
      .filter((l) => l && !l.startsWith('Svt['))
      .join('\n'),
  ).toBe('');
  expect(r.status).toBe(0);
  return r.stdout.trim();
}

describe('README', () => {
  it('starts with a ≤10-line example that runs as written from an application directory', () => {
    const example = blocks[0]!;
    expect(example.split('\n').filter((l) => l.trim() && !l.trim().startsWith('//')).length).toBeLessThanOrEqual(10);
    const app = join(tmp, 'app');
    mkdirSync(join(app, 'node_modules', '@nvenc-ts'), { recursive: true });
    symlinkSync(PACKAGE_DIR, join(app, 'node_modules', '@nvenc-ts', 'webcodecs'));
    writeFileSync(join(app, 'example.mjs'), example);
    const lines = run('example.mjs', app).split('\n');
    expect(lines[0]).toMatch(/^key \d+ avc1\.42[0-9a-f]{4}$/);
    expect(lines[1]).toMatch(nvidiaUsable ? /^nvidia / : /^software nvenc-ts software CUDA device$/);
  });

  it('shows each examples/ file exactly as it is in the repository', () => {
    const shown = blocks.filter((b) => b.startsWith('// examples/'));
    expect(shown.length).toBe(4);
    for (const b of shown) {
      const path = /^\/\/ examples\/(\S+)/.exec(b)![1]!;
      expect(b, path).toBe(readFileSync(join(EXAMPLES, path), 'utf8'));
    }
  });

  it('file example: writes an MP4 whose 120 frames ffprobe decodes', () => {
    const dir = join(tmp, 'file');
    mkdirSync(dir);
    expect(run(join(EXAMPLES, 'webcodecs-file.mjs'), dir)).toMatch(/^out\.mp4 \d+ bytes$/);
    const probe = spawnSync(
      'ffprobe',
      [
        '-v',
        'error',
        '-count_frames',
        '-show_entries',
        'stream=codec_name,nb_read_frames',
        '-of',
        'csv=p=0',
        join(dir, 'out.mp4'),
      ],
      {
        encoding: 'utf8',
      },
    );
    expect(probe.stderr).toBe('');
    expect(probe.stdout.trim()).toBe('h264,120');
  });

  it('stream example: 60 NV12 frames through VideoEncoderStream give 60 HEVC chunks and an hvcC', () => {
    const out = run(join(EXAMPLES, 'webcodecs-stream.mjs'), tmp).split('\n');
    expect(out[0]).toMatch(/^decoderConfig hvc1\.1\.6\.L\d+\.[0-9A-F]+ \d+ bytes of hvcC$/);
    expect(out[1]).toMatch(/^60 chunks, \d+ bytes$/);
  });

  it('shared example: the same browser module gives the same answers in Chromium and in Node', async () => {
    const node = JSON.parse(run(join(EXAMPLES, 'webcodecs-shared.mjs'), tmp));
    const browser = await openBrowser(EXAMPLES);
    let inBrowser: unknown;
    try {
      inBrowser = await browser.page.evaluate(
        `import('/shared/encode-clip.js').then((m) => m.encodeClip('avc1.42001f'))`,
      );
    } finally {
      await browser.close();
    }
    expect(node).toEqual({ codec: 'avc1.42001f', supported: true, decoderCodec: 'avc1.', chunks: 30, keys: [0, 15] });
    expect(inBrowser).toEqual(node);
  });
});
