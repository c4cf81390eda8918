import { afterEach } from 'vitest';
import { startFakeServer } from './server-fixture.js';
import { RfbTestClient } from './rfb-test-client.js';

/**
 * Fake-encoder servers and RFB test clients that are closed after each test, newest first, so a
 * failing assertion never leaks a listening socket into the next test.
 */
export function scopedFixtures() {
  let cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c();
    cleanup = [];
  });
  return {
    /** Runs `fn` after this test, before the resources opened earlier are closed. */
    defer(fn: () => Promise<void> | void): void {
      cleanup.push(async () => fn());
    },
    async fixture(options: Parameters<typeof startFakeServer>[0] = {}) {
      const f = await startFakeServer(options);
      cleanup.push(() => f.close());
      return f;
    },
    async client(port: number) {
      const c = await RfbTestClient.connect(port);
      cleanup.push(async () => c.close());
      return c;
    },
  };
}
