// Runs against whatever driver is on this machine (meant for the GPU machine, no npm deps):
// prints each ABI binary's probe() and opens one session with valid and with invalid struct
// versions, so a real driver's answers (2 = NO_ENCODE_DEVICE vs 15 = INVALID_VERSION) show that
// each ABI's structs are accepted.
import { createRequire } from 'node:module';
import { readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const dir = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'build', 'Release');
const libs = {};
if (process.env.NVENC_CUDA_LIBRARY) libs.cudaLibrary = process.env.NVENC_CUDA_LIBRARY;
if (process.env.NVENC_NVENC_LIBRARY) libs.nvencLibrary = process.env.NVENC_NVENC_LIBRARY;
const results = [];
for (const name of readdirSync(dir)
  .filter((n) => /^nvenc_\d+_\d+\.node$/.test(n))
  .sort()) {
  const b = require(join(dir, name));
  const probe = b.probe(libs);
  const sessions = {};
  for (const structVersion of ['valid', 'invalid']) {
    try {
      sessions[structVersion] = b.openSessionProbe({ ...libs, gpu: 0, structVersion });
    } catch (e) {
      sessions[structVersion] = { error: e.code, message: e.message };
    }
  }
  results.push({ binary: name, abi: b.abi, probe, sessions });
}
console.log(JSON.stringify(results, null, 2));
