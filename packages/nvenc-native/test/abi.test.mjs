// Both ABI builds open sessions and encode against the software device, which accepts either.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { abis, encoderOptions, loadBinding, nv12Frame, skipReason, software } from './support/fixtures.mjs';

for (const abi of abis) {
  test(`nvenc_${abi}: openSessionProbe succeeds on the software device`, { skip: skipReason(abi) }, () => {
    const r = loadBinding(abi).openSessionProbe(software);
    assert.equal(r.statusName, 'NV_ENC_SUCCESS');
    assert.equal(r.apiVersion, abi);
  });

  test(`nvenc_${abi}: an Encoder opens, encodes and closes`, { skip: skipReason(abi) }, () => {
    const { Encoder } = loadBinding(abi);
    const enc = new Encoder(encoderOptions({ codec: 'hevc' }));
    assert.equal(enc.info().abi, abi);
    const packets = [...enc.encode({ data: nv12Frame(320, 240, 0) }), ...enc.flush()];
    enc.close();
    assert.equal(packets.length, 1);
    assert.equal(packets[0].keyframe, true);
  });
}

test(
  'AV1 is refused by the 11.1 build and available in the 12.1 build',
  { skip: skipReason('11.1') || skipReason('12.1') },
  () => {
    const e = (() => {
      try {
        new (loadBinding('11.1').Encoder)(encoderOptions({ codec: 'av1' }));
      } catch (err) {
        return err;
      }
      return null;
    })();
    assert.ok(e, '11.1 must refuse AV1');
    assert.equal(e.code, 'NV_ENC_ERR_UNSUPPORTED_PARAM');
    assert.match(e.message, /AV1 encoding needs NVENC API 12\.0/);
    const { Encoder } = loadBinding('12.1');
    let enc;
    try {
      enc = new Encoder(encoderOptions({ codec: 'av1', rateControl: 'vbr' }));
    } catch (err) {
      // A device without AV1 says so by name; anything else is a failure.
      assert.match(err.message, /cannot encode av1/);
      return;
    }
    const packets = [...enc.encode({ data: nv12Frame(320, 240, 0) }), ...enc.flush()];
    enc.close();
    assert.equal(packets.length, 1);
    assert.equal(packets[0].keyframe, true);
  },
);
