/**
 * Importing only @tapeflow/backend-webgl in Node: the backend is registered but cannot start
 * (no WebGL2), so the first op must say that, not that no backend is registered.
 */
import test from 'ava';
import { tensor, ValueError } from '@tapeflow/core';
import '@tapeflow/backend-webgl';

test('the first op without a usable backend names webgl and why it failed to start', (t) => {
  const err = t.throws(() => tensor([1, 2]), { instanceOf: ValueError });
  t.regex(err.message, /No backend could start: 'webgl' failed to start: /);
  t.regex(err.message, /WebGL2|canvas/);
  t.notRegex(err.message, /No backend is registered/);
});
