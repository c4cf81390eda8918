import { describe, expect, it } from 'vitest';
import {
  defaults,
  parseBitrate,
  parseCommand,
  parseDuration,
  parseRunOptions,
  parseSize,
  parseSuiteOptions,
  UsageError,
} from '../src/options.js';
import { runCli } from './helpers.js';

describe('option parsing', () => {
  it('has defaults that finish quickly on the software device: 1280x720, 120 frames, h264 p1/ull', () => {
    const o = parseRunOptions([]);
    expect(o).toMatchObject({
      width: 1280,
      height: 720,
      frames: 120,
      codec: 'h264',
      preset: 'p1',
      tuning: 'ull',
      device: { kind: 'auto' },
    });
    expect(o).toEqual({ ...defaults, device: { kind: 'auto' } });
  });

  it('reads named and explicit sizes', () => {
    expect(parseSize('4k')).toEqual([3840, 2160]);
    expect(parseSize('1080p')).toEqual([1920, 1080]);
    expect(parseSize('1920x1080')).toEqual([1920, 1080]);
    expect(() => parseSize('1921x1080')).toThrow(UsageError);
    expect(() => parseSize('big')).toThrow(/WIDTHxHEIGHT/);
  });

  it('reads bit rates and durations with units', () => {
    expect(parseBitrate('8M')).toBe(8_000_000);
    expect(parseBitrate('800k')).toBe(800_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('2m')).toBe(120_000);
  });

  it('accepts both --flag value and --flag=value', () => {
    const o = parseRunOptions([
      '--codec=hevc',
      '--size',
      '720p',
      '--device',
      'gpu:1',
      '--engine',
      'null',
      '--async',
      '--depth=3',
    ]);
    expect(o).toMatchObject({
      codec: 'hevc',
      width: 1280,
      device: { kind: 'gpu', index: 1 },
      engine: 'null',
      mode: 'async',
      depth: 3,
    });
  });

  it("reads the suite's overhead rounds, session counts and report, and the run's host upload path", () => {
    const o = parseSuiteOptions([
      '--only',
      'overhead,sessions',
      '--rounds',
      '12',
      '--sessions',
      '1,4',
      '--sessions-seconds=2',
      '--report',
      'x.html',
    ]);
    expect(o).toMatchObject({
      only: ['overhead', 'sessions'],
      overheadRounds: 12,
      sessionCounts: [1, 4],
      sessionsSeconds: 2,
      report: 'x.html',
    });
    expect(parseSuiteOptions([])).toMatchObject({
      overheadRounds: 30,
      overheadFrames: 500,
      sessionCounts: [1, 2, 4, 8],
    });
    expect(parseRunOptions(['--host-upload', 'staged']).hostUpload).toBe('staged');
    expect(() => parseRunOptions(['--host-upload', 'dma'])).toThrow(
      /--host-upload: 'dma' is not one of auto, direct, staged/,
    );
    expect(() => parseSuiteOptions(['--sessions', '1,x'])).toThrow(UsageError);
  });

  it('knows the run, suite and help commands', () => {
    expect(parseCommand(['suite', '--json']).command).toBe('suite');
    expect(parseCommand(['run', '--frames', '5']).command).toBe('run');
    expect(parseCommand(['--help']).command).toBe('help');
  });

  it.each([
    [['--bogus'], /unknown option '--bogus'/],
    [['--frame', '10'], /did you mean --frames\?/],
    [['--codec', 'vp9'], /--codec: 'vp9' is not one of h264, hevc, av1/],
    [['--frames'], /--frames needs a value/],
    [['--frames', '0'], /outside 1\.\./],
    [['--frames', '10', '--duration', '2s'], /exclude each other/],
    [['--device', 'gpu'], /not auto, software or gpu:N/],
    [['--qp', '20'], /--qp needs --rc cqp/],
    [['--json', '--csv'], /cannot both write to stdout/],
    [['--format', 'p010'], /needs --codec hevc or av1/],
    [['--compare', 'ffmpeg', '--codec', 'av1'], /no av1_nvenc/],
    [['--sync=yes'], /takes no value/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])('rejects %j with a one-line error', (args, message) => {
    expect(() => parseCommand(args)).toThrow(message);
  });
});

describe('nvenc-bench with wrong options', () => {
  it.each([[['--bogus']], [['--size', '12x']], [['--engine', 'quantum']], [['suite', '--only', 'everything']]])(
    'exits with code 2 and one line on stderr for %j, before touching any driver',
    (args) => {
      const r = runCli(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.split('\n').filter((l) => l.length > 0);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^nvenc-bench: .+ \(see nvenc-bench --help\)$/);
    },
  );

  it('prints help with exit code 0', () => {
    const r = runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--compare ffmpeg');
  });
});
