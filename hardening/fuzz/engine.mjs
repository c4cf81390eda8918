// A small coverage-guided fuzzer in the libFuzzer mould: keep every input that reaches a new
// (counter, hit-count bucket) pair, mutate kept inputs with stacked byte-level mutations and
// dictionary tokens, and treat any exception the target does not declare as expected as a crash.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** AFL's hit-count buckets: 1, 2, 3, 4-7, 8-15, 16-31, 32-127, 128+ → one bit each. */
function bucket(count) {
  if (count <= 3) return count === 3 ? 4 : count; // 1 → 1, 2 → 2, 3 → 4
  if (count < 8) return 8;
  if (count < 16) return 16;
  if (count < 32) return 32;
  if (count < 128) return 64;
  return 128;
}

/** xorshift32: fast, seedable, good enough to pick mutations. */
export class Random {
  constructor(seed) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next() {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  below(n) {
    return n <= 0 ? 0 : this.next() % n;
  }
  chance(oneIn) {
    return this.below(oneIn) === 0;
  }
}

const INTERESTING_8 = [0, 1, 2, 3, 0x0f, 0x10, 0x1f, 0x20, 0x3f, 0x40, 0x7f, 0x80, 0x81, 0xfe, 0xff];
const INTERESTING_16 = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x3ff, 0x400, 0x7fff, 0x8000, 0xfffe, 0xffff];
const INTERESTING_32 = [0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x10000, 0x100000, 0x100001];

export function sha1(buf) {
  return createHash('sha1').update(buf).digest('hex');
}

export class Fuzzer {
  /**
   * @param {object} o
   * @param {Uint32Array} o.map           the coverage counters the instrumented target increments
   * @param {(data: Buffer) => void} o.run one execution; throws on a crash
   * @param {(err: unknown) => boolean} o.isExpected  errors that are the target's documented answer
   * @param {number} o.maxLen             longest input generated
   * @param {Buffer[]} [o.dictionary]     tokens inserted / overwritten by the mutator
   * @param {string} o.corpusDir          kept inputs (read at start, written as found)
   * @param {string} o.crashDir           crash reproducers (crash-<sha1>, with a .txt beside it)
   */
  constructor(o) {
    Object.assign(this, { dictionary: [], seed: Date.now(), log: (s) => process.stderr.write(`${s}\n`) }, o);
    this.rng = new Random(this.seed);
    this.virgin = new Uint8Array(this.map.length);
    this.corpus = [];
    this.corpusHashes = new Set();
    this.execs = 0;
    this.crashes = new Map(); // signature → file
    this.newUnits = 0;
  }

  /** Runs one input; returns true when it reached new coverage. */
  execute(data) {
    const map = this.map;
    let error;
    try {
      this.run(data);
    } catch (e) {
      error = e;
    }
    this.execs++;
    let fresh = false;
    const virgin = this.virgin;
    for (let i = 0; i < map.length; i++) {
      const c = map[i];
      if (c !== 0) {
        const b = bucket(c);
        if ((virgin[i] & b) === 0) {
          virgin[i] |= b;
          fresh = true;
        }
        map[i] = 0;
      }
    }
    if (error !== undefined && !this.isExpected(error)) {
      this.recordCrash(data, error);
      return false; // reproducers live in crashDir, never in the corpus
    }
    return fresh;
  }

  recordCrash(data, error) {
    const stack = String(error?.stack ?? error);
    const top = stack.split('\n').slice(0, 3).join(' | ').replace(/\d+/g, 'N');
    if (this.crashes.has(top)) return;
    mkdirSync(this.crashDir, { recursive: true });
    const name = `crash-${sha1(data).slice(0, 16)}`;
    writeFileSync(join(this.crashDir, name), data);
    writeFileSync(join(this.crashDir, `${name}.txt`), `${stack}\n`);
    this.crashes.set(top, name);
    this.log(`CRASH ${name}: ${stack.split('\n')[0]}`);
  }

  add(data, persist) {
    const h = sha1(data);
    if (this.corpusHashes.has(h)) return;
    this.corpusHashes.add(h);
    this.corpus.push(data);
    if (persist) {
      mkdirSync(this.corpusDir, { recursive: true });
      writeFileSync(join(this.corpusDir, h.slice(0, 16)), data);
      this.newUnits++;
    }
  }

  /** Loads the corpus directory and the built-in seeds; every one is run once. */
  loadCorpus(seeds = []) {
    const files = existsSync(this.corpusDir)
      ? readdirSync(this.corpusDir).filter((f) => statSync(join(this.corpusDir, f)).isFile())
      : [];
    const inputs = [...seeds, ...files.map((f) => readFileSync(join(this.corpusDir, f)))];
    inputs.sort((a, b) => a.length - b.length);
    for (const data of inputs) {
      if (this.execute(data) || this.corpus.length === 0) this.add(data, false);
    }
    if (this.corpus.length === 0) this.add(Buffer.alloc(1), false);
  }

  mutate(input) {
    const r = this.rng;
    let d = Buffer.from(input);
    const rounds = 1 << r.below(4); // 1, 2, 4 or 8 stacked mutations
    for (let k = 0; k < rounds; k++) {
      const op = r.below(12);
      switch (op) {
        case 0: // flip a bit
          if (d.length) d[r.below(d.length)] ^= 1 << r.below(8);
          break;
        case 1: // random byte
          if (d.length) d[r.below(d.length)] = r.below(256);
          break;
        case 2: // interesting byte
          if (d.length) d[r.below(d.length)] = INTERESTING_8[r.below(INTERESTING_8.length)];
          break;
        case 3: // add / subtract a small number
          if (d.length) {
            const i = r.below(d.length);
            d[i] = (d[i] + r.below(35) - 17) & 0xff;
          }
          break;
        case 4: // interesting 16/32-bit big-endian value (length fields)
          if (d.length >= 4) {
            const i = r.below(d.length - 3);
            if (r.chance(2)) d.writeUInt16BE(INTERESTING_16[r.below(INTERESTING_16.length)], i);
            else d.writeUInt32BE(INTERESTING_32[r.below(INTERESTING_32.length)], i);
          }
          break;
        case 5: {
          // insert random bytes
          const at = r.below(d.length + 1);
          const n = 1 + r.below(8);
          const ins = Buffer.alloc(n);
          for (let i = 0; i < n; i++) ins[i] = r.below(256);
          d = Buffer.concat([d.subarray(0, at), ins, d.subarray(at)]);
          break;
        }
        case 6: // erase a range
          if (d.length > 1) {
            const at = r.below(d.length);
            const n = 1 + r.below(Math.min(16, d.length - at));
            d = Buffer.concat([d.subarray(0, at), d.subarray(at + n)]);
          }
          break;
        case 7: // copy a range inside the input
          if (d.length > 2) {
            const from = r.below(d.length);
            const n = 1 + r.below(Math.min(32, d.length - from));
            const to = r.below(d.length);
            const chunk = Buffer.from(d.subarray(from, from + n));
            d = r.chance(2) ? Buffer.concat([d.subarray(0, to), chunk, d.subarray(to)]) : (chunk.copy(d, to), d);
          }
          break;
        case 8: // insert a dictionary token
        case 9: // overwrite with a dictionary token
          if (this.dictionary.length) {
            const tok = this.dictionary[r.below(this.dictionary.length)];
            const at = r.below(d.length + 1);
            d =
              op === 8 || at + tok.length > d.length
                ? Buffer.concat([d.subarray(0, at), tok, d.subarray(at)])
                : (tok.copy(d, at), d);
          }
          break;
        case 10: {
          // splice with another corpus entry
          const other = this.corpus[r.below(this.corpus.length)];
          if (other.length) {
            const cut = r.below(d.length + 1);
            const from = r.below(other.length);
            d = Buffer.concat([d.subarray(0, cut), other.subarray(from)]);
          }
          break;
        }
        case 11: // truncate
          if (d.length > 1) d = d.subarray(0, r.below(d.length));
          break;
      }
    }
    return d.length > this.maxLen ? d.subarray(0, this.maxLen) : d;
  }

  /** Fuzzes until `runs` executions or `seconds` have passed, whichever comes first. */
  loop({ runs = Infinity, seconds = Infinity, reportEvery = 30 } = {}) {
    const start = Date.now();
    const deadline = start + seconds * 1000;
    let nextReport = start + reportEvery * 1000;
    const startExecs = this.execs;
    while (this.execs - startExecs < runs) {
      for (let i = 0; i < 1024 && this.execs - startExecs < runs; i++) {
        const parent = this.corpus[this.rng.below(this.corpus.length)];
        const child = this.mutate(parent);
        if (this.execute(child)) this.add(Buffer.from(child), true);
      }
      const now = Date.now();
      if (now >= deadline) break;
      if (now >= nextReport) {
        nextReport = now + reportEvery * 1000;
        this.log(
          `#${this.execs} ${Math.round((this.execs - startExecs) / ((now - start) / 1000))} exec/s corpus ${this.corpus.length} cov ${this.coveredPoints()} crashes ${this.crashes.size}`,
        );
      }
    }
    return { execs: this.execs - startExecs, seconds: (Date.now() - start) / 1000 };
  }

  coveredPoints() {
    let n = 0;
    for (let i = 0; i < this.virgin.length; i++) if (this.virgin[i]) n++;
    return n;
  }

  /**
   * Rewrites the corpus directory to a minimal set with the same coverage: inputs are replayed
   * smallest first and kept only when they add a (counter, bucket) pair.
   */
  minimizeCorpusDir() {
    if (!existsSync(this.corpusDir)) return { before: 0, after: 0 };
    const files = readdirSync(this.corpusDir).filter((f) => statSync(join(this.corpusDir, f)).isFile());
    // Hand-picked and encoder-made seeds (seed-*) always stay, and are replayed first.
    const isSeed = (f) => f.startsWith('seed-');
    const items = files
      .map((f) => ({ f, data: readFileSync(join(this.corpusDir, f)) }))
      .sort(
        (a, b) => Number(isSeed(b.f)) - Number(isSeed(a.f)) || a.data.length - b.data.length || (a.f < b.f ? -1 : 1),
      );
    const saved = this.virgin;
    this.virgin = new Uint8Array(this.map.length);
    let kept = 0;
    for (const { f, data } of items) {
      if (this.execute(data) || isSeed(f)) kept++;
      else unlinkSync(join(this.corpusDir, f));
    }
    this.virgin = saved;
    return { before: files.length, after: kept };
  }
}
