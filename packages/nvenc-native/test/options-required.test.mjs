// The binding has no defaults and no ranges: packages/nvenc/src/options.ts owns them (issue 13
// item 2). Every field the session needs is required, and a missing one is INVALID_OPTION naming it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bindingPath, encoderOptions, loadBinding, thrown } from './support/fixtures.mjs';

const skip = bindingPath('12.1') ? false : 'nvenc_12_1 binding not built';

// Every required field, and the nested ones of the optional objects that, once given, need all theirs.
const required = Object.keys(encoderOptions());
const nested = {
  qp: { i: 20, p: 24, b: 26 },
  colour: { primaries: 1, transfer: 1, matrix: 1, fullRange: false },
};

test('the fixture lists the fields the binding requires', () => {
  assert.deepEqual(required.sort(), [
    'bFrames',
    'bitrate',
    'codec',
    'cudaLibrary',
    'extraOutputDelay',
    'fpsDen',
    'fpsNum',
    'gop',
    'gpu',
    'height',
    'hostUpload',
    'idrPeriod',
    'inputFormat',
    'nvencLibrary',
    'preset',
    'profile',
    'rateControl',
    'repeatSpsPps',
    'tuning',
    'width',
    'zeroReorderDelay',
  ]);
});

for (const field of required) {
  test(`Encoder without ${field} → INVALID_OPTION naming ${field}`, { skip }, () => {
    const { Encoder } = loadBinding('12.1');
    const options = encoderOptions();
    delete options[field];
    const e = thrown(() => new Encoder(options));
    assert.equal(e.code, 'INVALID_OPTION', e.message);
    assert.equal(e.option, field);
    assert.equal(e.phase, 'configure');
    assert.match(e.message, new RegExp(`^${field} is required`));
  });
}

for (const [object, fields] of Object.entries(nested)) {
  for (const field of Object.keys(fields)) {
    test(`Encoder with ${object} but without ${object}.${field} → INVALID_OPTION naming it`, { skip }, () => {
      const { Encoder } = loadBinding('12.1');
      const inner = { ...fields };
      delete inner[field];
      const e = thrown(() => new Encoder(encoderOptions({ rateControl: 'cqp', [object]: inner })));
      assert.equal(e.code, 'INVALID_OPTION', e.message);
      assert.equal(e.option, `${object}.${field}`);
    });
  }
}

test('types are checked, values are not: a wrong type names the field', { skip }, () => {
  const { Encoder } = loadBinding('12.1');
  for (const [field, value] of [
    ['width', '320'],
    ['bFrames', -1],
    ['repeatSpsPps', 1],
    ['tuning', 'fast'],
  ]) {
    const e = thrown(() => new Encoder(encoderOptions({ [field]: value })));
    assert.equal(e.code, 'INVALID_OPTION', `${field}: ${e.message}`);
    assert.equal(e.option, field);
  }
});
