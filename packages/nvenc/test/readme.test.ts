import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { hasFfmpeg, makeTempDir, probeFrames } from './helpers/ffmpeg.js';
import { ensureBuilt, PACKAGE_DIR } from './helpers/package.js';
import { hasSoftwareDevice, softwareSkipReason } from './helpers/software.js';

describe.skipIf(!hasSoftwareDevice || !hasFfmpeg())(
  `README${softwareSkipReason ? ` (skipped: ${softwareSkipReason})` : ''}`,
  () => {
    beforeAll(() => ensureBuilt(), 120_000);

    it('the example runs as written with node and writes a decodable stream', () => {
      const readme = readFileSync(path.join(PACKAGE_DIR, 'README.md'), 'utf8');
      const example = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
      expect(example).toBeDefined();
      expect(example!.split('\n').filter((l) => l.trim() && !l.trim().startsWith('//')).length).toBeLessThanOrEqual(10);

      using tmp = makeTempDir();
      // An application directory that has installed @nvenc-ts/nvenc.
      mkdirSync(path.join(tmp.dir, 'node_modules', '@nvenc-ts'), { recursive: true });
      symlinkSync(PACKAGE_DIR, path.join(tmp.dir, 'node_modules', '@nvenc-ts', 'nvenc'));
      writeFileSync(path.join(tmp.dir, 'example.mjs'), example!);
      // FORCE_COLOR (set by Nx) would colour the booleans and numbers in the child's console.log.
      const env = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' };
      const r = spawnSync(process.execPath, ['example.mjs'], { cwd: tmp.dir, encoding: 'utf8', env });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout.trim()).toMatch(/^avc1\.[0-9a-f]{6} \d+\.\d+$/);
      const out = path.join(tmp.dir, 'out.h264');
      expect(existsSync(out)).toBe(true);
      expect(probeFrames(out).length).toBe(1);
    });

    it("the repository README's first snippet runs as written with plain node (Node 20, no `using`), with the TS form beside it", () => {
      const readme = readFileSync(path.join(PACKAGE_DIR, '..', '..', 'README.md'), 'utf8');
      const blocks = [...readme.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], code: m[2]! }));
      expect(blocks[0]?.lang).toBe('js');
      const example = blocks[0]!.code;
      expect(example).not.toMatch(/\busing\b/);
      // The one line that switches between the software device and NVIDIA's driver.
      expect(example.split('\n').filter((l) => /device: 'software'/.test(l))).toHaveLength(1);
      expect(blocks[1]?.lang).toBe('ts');
      expect(blocks[1]!.code).toMatch(/^using encoder = new NvencEncoder\(/m);
      expect(readme).toMatch(/Not on npm yet/);
      expect(readme).toMatch(/pnpm -r pack --pack-destination/);

      using tmp = makeTempDir();
      mkdirSync(path.join(tmp.dir, 'node_modules', '@nvenc-ts'), { recursive: true });
      symlinkSync(PACKAGE_DIR, path.join(tmp.dir, 'node_modules', '@nvenc-ts', 'nvenc'));
      writeFileSync(path.join(tmp.dir, 'example.mjs'), example);
      // FORCE_COLOR (set by Nx) would colour the booleans and numbers in the child's console.log.
      const env = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' };
      const r = spawnSync(process.execPath, ['example.mjs'], { cwd: tmp.dir, encoding: 'utf8', env });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout.trim()).toMatch(/^true \d+ \S/);

      // Deleting the one device line (the NVIDIA form) must leave a program that still parses.
      const nvidiaForm = example
        .split('\n')
        .filter((l) => !/device: 'software'/.test(l))
        .join('\n');
      writeFileSync(path.join(tmp.dir, 'example-nvidia.mjs'), nvidiaForm);
      const check = spawnSync(process.execPath, ['--check', 'example-nvidia.mjs'], {
        cwd: tmp.dir,
        encoding: 'utf8',
        env,
      });
      expect(check.stderr).toBe('');
      expect(check.status).toBe(0);
    });
  },
);
