// Runs every example as a user would (`node examples/<name>.mjs …`) and checks what it produced:
// the .h264 files decode with ffprobe to the frames asked for, and the RFB server example answers a
// real RFB 3.8 handshake with H.264 rectangles whose picture shows what the viewer drew.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { probeVideo } from '../../scripts/test-support/ffprobe.mjs';

const here = join(dirname(fileURLToPath(import.meta.url)), '..');
const software = createRequire(import.meta.url)('@nvenc-ts/software-device');
const noSoftwareDevice = software.isBuilt() ? false : 'the software device is not built (pnpm run build)';

function runExample(name, args) {
  return execFileSync(process.execPath, [join(here, name), ...args], { encoding: 'utf8', timeout: 120_000 });
}

/** codec,width,height,decoded frames of an Annex B file, as ffprobe reports them. */
function probe(file) {
  const p = probeVideo(file);
  return `${p.codec},${p.width},${p.height},${p.frames}`;
}

function tempDir(t) {
  const dir = mkdtempSync(join(tmpdir(), 'nvenc-examples-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('encode-file.mjs writes an H.264 file that ffprobe decodes frame for frame', { skip: noSoftwareDevice }, (t) => {
  const out = join(tempDir(t), 'out.h264');
  const stdout = runExample('encode-file.mjs', [out, '--frames', '45', '--device', 'software']);
  assert.match(stdout, /software device, not NVENC hardware/);
  assert.equal(probe(out), 'h264,640,360,45');
});

test(
  'encode-device-pointer.mjs encodes NV12 from device memory of the software CUDA',
  { skip: noSoftwareDevice },
  (t) => {
    const out = join(tempDir(t), 'device.h264');
    const stdout = runExample('encode-device-pointer.mjs', [out, '--frames', '30', '--device', 'software']);
    assert.doesNotMatch(stdout, /skipped/);
    assert.match(stdout, /from device pointer 0x[0-9a-f]+ \(pitch 768\)/);
    assert.equal(probe(out), 'h264,640,360,30');
  },
);

test(
  'webcodecs-encode.mjs encodes VideoFrames through the WebCodecs VideoEncoder into a file ffprobe decodes',
  { skip: noSoftwareDevice },
  (t) => {
    const out = join(tempDir(t), 'webcodecs.h264');
    const stdout = runExample('webcodecs-encode.mjs', [out, '--frames', '40', '--hardware', 'prefer-software']);
    assert.match(stdout, /^decoderConfig: avc1\.64[0-9a-f]{4} 640x360$/m);
    assert.match(stdout, /: 40 chunks, \d+ bytes$/m);
    assert.match(stdout, /encoded on .+ \(software device, not NVENC hardware\): prefer-software: /);
    assert.equal(probe(out), 'h264,640,360,40');
  },
);

test(
  'webcodecs-encode.mjs with prefer-hardware fails with NotSupportedError where no NVIDIA NVENC session opens',
  { skip: noSoftwareDevice },
  (t) => {
    let failed;
    try {
      runExample('webcodecs-encode.mjs', [
        join(tempDir(t), 'x.h264'),
        '--frames',
        '5',
        '--hardware',
        'prefer-hardware',
      ]);
    } catch (err) {
      failed = err;
    }
    if (failed === undefined) return t.skip('an NVIDIA NVENC session opened here: prefer-hardware is supported');
    assert.match(
      failed.stderr,
      /^NotSupportedError: Unsupported configuration: prefer-hardware needs the NVIDIA driver/m,
    );
  },
);

/** A byte reader over a socket: `await read(n)` resolves with exactly n bytes. */
function reader(socket) {
  let buffered = Buffer.alloc(0);
  let waiting = null;
  const settle = () => {
    if (waiting && buffered.length >= waiting.n) {
      const { n, resolve } = waiting;
      waiting = null;
      const out = buffered.subarray(0, n);
      buffered = buffered.subarray(n);
      resolve(out);
    }
  };
  socket.on('data', (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    settle();
  });
  socket.on('close', () => waiting?.reject(new Error('server closed the connection')));
  return (n) =>
    new Promise((resolve, reject) => {
      waiting = { n, resolve, reject };
      settle();
    });
}

test(
  'rfb-server.mjs streams its own framebuffer as H.264 and draws where the viewer points',
  { skip: noSoftwareDevice, timeout: 60_000 },
  async (t) => {
    const child = spawn(
      process.execPath,
      [join(here, 'rfb-server.mjs'), '--tcp-port', '0', '--backend', 'nvenc-software'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    t.after(() => child.kill('SIGTERM'));
    const port = await new Promise((resolve, reject) => {
      let text = '';
      child.stdout.on('data', (d) => {
        text += d;
        const m = /listening: rfb tcp [^\s:]+:(\d+)/.exec(text);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`rfb-server.mjs exited (${code}) before listening:\n${text}`)));
    });

    const socket = connect(port, '127.0.0.1');
    t.after(() => socket.destroy());
    const read = reader(socket);
    // RFB 3.8 handshake (RFC 6143 §7.1-7.3): version, security None, ClientInit shared.
    assert.equal((await read(12)).toString('latin1'), 'RFB 003.008\n');
    socket.write('RFB 003.008\n');
    const types = await read((await read(1))[0]);
    assert.ok(types.includes(1), `security types ${[...types]} offer None`);
    socket.write(Buffer.from([1]));
    assert.equal((await read(4)).readUInt32BE(0), 0);
    socket.write(Buffer.from([1]));
    const init = await read(24);
    const [width, height] = [init.readUInt16BE(0), init.readUInt16BE(2)];
    assert.deepEqual([width, height], [640, 360]);
    assert.equal((await read(init.readUInt32BE(20))).toString(), 'sketch pad');

    // SetEncodings [H.264 (50)], a left-button drag across the middle, then (once the app has had
    // time to draw it) a full-frame update request, which the server answers with a keyframe.
    const setEncodings = Buffer.alloc(8);
    setEncodings.writeUInt8(2, 0);
    setEncodings.writeUInt16BE(1, 2);
    setEncodings.writeInt32BE(50, 4);
    socket.write(setEncodings);
    for (let x = 300; x <= 340; x += 2) {
      const pointer = Buffer.alloc(6);
      pointer.writeUInt8(5, 0);
      pointer.writeUInt8(1, 1);
      pointer.writeUInt16BE(x, 2);
      pointer.writeUInt16BE(180, 4);
      socket.write(pointer);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    const request = Buffer.alloc(10);
    request.writeUInt8(3, 0); // FramebufferUpdateRequest, not incremental, the whole framebuffer
    request.writeUInt16BE(width, 6);
    request.writeUInt16BE(height, 8);
    socket.write(request);
    const stream = [];
    const header = await read(4);
    assert.equal(header[0], 0, `server message type ${header[0]} is a FramebufferUpdate`);
    for (let r = header.readUInt16BE(2); r > 0; r--) {
      const rect = await read(12);
      assert.equal(rect.readInt32BE(8), 50, 'rectangle encoding is H.264');
      const length = (await read(8)).readUInt32BE(0);
      stream.push(await read(length));
    }

    // The last decoded picture shows the stroke: white on the dark background.
    const dir = tempDir(t);
    writeFileSync(join(dir, 'rfb.h264'), Buffer.concat(stream));
    const decoded = probe(join(dir, 'rfb.h264')).split(',');
    assert.deepEqual(decoded.slice(0, 3), ['h264', '640', '360']);
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-i',
      join(dir, 'rfb.h264'),
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      join(dir, 'frames.rgb'),
    ]);
    const rgb = readFileSync(join(dir, 'frames.rgb'));
    const last = rgb.subarray(rgb.length - width * height * 3);
    const pixel = (x, y) => [...last.subarray((y * width + x) * 3, (y * width + x) * 3 + 3)];
    assert.ok(
      pixel(320, 180).every((v) => v > 200),
      `stroke pixel ${pixel(320, 180)} is white`,
    );
    assert.ok(
      pixel(100, 100).every((v) => v < 80),
      `background pixel ${pixel(100, 100)} is dark`,
    );
  },
);
