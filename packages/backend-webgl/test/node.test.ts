/**
 * In Node there is no WebGL: importing the backend must still work (it only registers a
 * factory), and activating it must fail cleanly rather than crash or fall back silently.
 */
import test from 'ava';
import { getBackend, registerBackend, setBackend, ValueError } from '@tapeflow/core';
import { WebGLBackend } from '@tapeflow/backend-webgl';

test('importing @tapeflow/backend-webgl in Node registers webgl without creating a context', (t) => {
  // Already registered by the import, so a second registration is refused.
  t.false(
    registerBackend('webgl', () => {
      throw new Error('unused');
    }),
  );
});

test.serial('setBackend("webgl") resolves false in Node and leaves no backend active', async (t) => {
  t.false(await setBackend('webgl'));
  t.throws(() => getBackend(), { instanceOf: ValueError, message: /No backend/ });
});

test('constructing WebGLBackend in Node names the missing WebGL2', (t) => {
  t.throws(() => new WebGLBackend(), { message: /webgl: no canvas here|WebGL2/ });
});
