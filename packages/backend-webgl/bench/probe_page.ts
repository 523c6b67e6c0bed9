/**
 * Probe page (bench/probe.ts runs it): where one LSTM training step's GPU time goes, on
 * tapeflow's webgl backend and on tfjs-webgl, and the step's matmul shapes timed on both. Every
 * draw of the probed step is bracketed by a one-pixel readback, so the times are per pass
 * (serialised: their sum exceeds the pipelined wall time), grouped by shader; plus the count of
 * draws and texture uploads.
 */
import * as tf from '@tapeflow/core';
import { resetDefaultGraph } from '@tapeflow/rnn';
import '../src/index.js';
import * as tfc from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgl';
import { lstmValues, tapeflowLstm, tfjsLstm } from './lstm_step.js';

interface Stat {
  n: number;
  ms: number;
  px: number;
}
let stats = new Map<string, Stat>();
let uploads = 0;
let uploadMs = 0;
let on = false;
const labels = new WeakMap<WebGLProgram, string>();
let current: WebGLProgram | null = null;

/** Replaces WebGL2RenderingContext.prototype[name] by `f`, which gets the original to call. */
function wrap(
  name: string,
  f: (gl: WebGL2RenderingContext, orig: (...a: unknown[]) => unknown, a: unknown[]) => unknown,
): void {
  const proto = WebGL2RenderingContext.prototype;
  const orig = Reflect.get(proto, name) as (...a: unknown[]) => unknown;
  Reflect.set(proto, name, function (this: WebGL2RenderingContext, ...a: unknown[]) {
    return f(this, (...b: unknown[]) => orig.apply(this, b), a);
  });
}

wrap('useProgram', (_gl, orig, a) => {
  current = a[0] as WebGLProgram;
  return orig(...a);
});
wrap('linkProgram', (gl, orig, a) => {
  const p = a[0] as WebGLProgram;
  const frag = gl
    .getAttachedShaders(p)!
    .map((s) => gl.getShaderSource(s)!)
    .find((s) => !s.includes('gl_Position'))!;
  const main = frag.slice(frag.lastIndexOf('void main'));
  // tapeflow's generic shaders share a preamble: label them by the kernel body after it.
  const elem = frag.indexOf('float res;');
  const body =
    elem >= 0
      ? `elem: ${frag.slice(elem + 10, elem + 200)}`
      : main.includes(' res;')
        ? `${/int oc\[(\d)\]/.exec(main)?.[1]}d: ${main.slice(main.indexOf(' res;') + 5)}`
        : main;
  labels.set(p, body.replace(/\s+/g, ' ').slice(0, 160));
  return orig(...a);
});

/** Waits for all GPU work so far: a one-pixel readPixels of the bound framebuffer (gl.finish does not wait in Chromium). */
function sync(gl: WebGL2RenderingContext): void {
  const format = gl.getParameter(gl.IMPLEMENTATION_COLOR_READ_FORMAT) as number;
  const type = gl.getParameter(gl.IMPLEMENTATION_COLOR_READ_TYPE) as number;
  const buf =
    type === gl.FLOAT
      ? new Float32Array(4)
      : type === gl.INT
        ? new Int32Array(4)
        : type === gl.UNSIGNED_INT
          ? new Uint32Array(4)
          : new Uint8Array(16);
  gl.readPixels(0, 0, 1, 1, format, type, buf);
}

for (const name of ['drawArrays', 'drawElements']) {
  wrap(name, (gl, orig, a) => {
    if (!on) return orig(...a);
    const v = gl.getParameter(gl.VIEWPORT) as Int32Array;
    sync(gl);
    const t0 = performance.now();
    const r = orig(...a);
    sync(gl);
    const key = (current && labels.get(current)) ?? '?';
    const s = stats.get(key) ?? { n: 0, ms: 0, px: 0 };
    s.n++;
    s.ms += performance.now() - t0;
    s.px += v[2] * v[3];
    stats.set(key, s);
    return r;
  });
}
wrap('texSubImage2D', (_gl, orig, a) => {
  const t0 = performance.now();
  const r = orig(...a);
  if (on) {
    uploads++;
    uploadMs += performance.now() - t0;
  }
  return r;
});

function report(name: string, wall: number): string {
  const rows = [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const total = rows.reduce((s, [, v]) => s + v.ms, 0);
  const draws = rows.reduce((s, [, v]) => s + v.n, 0);
  const lines = [
    `== ${name}: wall ${wall.toFixed(0)} ms (unserialised), ${draws} draws, ${total.toFixed(0)} ms in finished draws, ${uploads} uploads (${uploadMs.toFixed(0)} ms)`,
  ];
  for (const [k, v] of rows.slice(0, 25)) {
    lines.push(
      `${v.ms.toFixed(1).padStart(8)} ms ${String(v.n).padStart(5)} x ${(v.px / v.n).toFixed(0).padStart(7)} px  ${(((1000 * v.ms) / v.n) | 0).toString().padStart(6)} us/draw  ${k}`,
    );
  }
  return lines.join('\n');
}

declare global {
  interface Window {
    probe: () => Promise<string>;
  }
}

window.probe = async () => {
  await tf.setBackend('webgl');
  await tfc.setBackend('webgl');
  await tfc.ready();
  const values = lstmValues();
  resetDefaultGraph();
  const ours = await tapeflowLstm('probe', values);
  const theirs = tfjsLstm(values);
  await ours.run();
  await theirs.run();
  const out: string[] = [];
  for (const [name, step] of [
    ['tfjs', theirs],
    ['tapeflow', ours],
  ] as const) {
    const t0 = performance.now();
    await step.run();
    const wall = performance.now() - t0;
    stats = new Map();
    uploads = 0;
    uploadMs = 0;
    on = true;
    await step.run();
    on = false;
    out.push(report(name, wall));
  }
  return out.join('\n\n');
};

declare global {
  interface Window {
    probeMatmul: () => Promise<string>;
  }
}

/** Median ms of `reps` runs of the LSTM's matmul shapes on both, each ended by a readback. */
window.probeMatmul = async () => {
  await tf.setBackend('webgl');
  await tfc.setBackend('webgl');
  await tfc.ready();
  const out: string[] = [];
  const shapes: [number, number, number, boolean][] = [
    [32, 256, 1024, false],
    [32, 1024, 256, true],
    [1024, 1024, 1024, false],
  ];
  for (const [m, k, n, tb] of shapes) {
    const av = new Float32Array(m * k).map((_, i) => Math.sin(i));
    const bv = new Float32Array(k * n).map((_, i) => Math.cos(i));
    const a = tf.tensor(av, [m, k]),
      b = tf.tensor(bv, tb ? [n, k] : [k, n]);
    const ca = tfc.tensor(av, [m, k]),
      cb = tfc.tensor(bv, tb ? [n, k] : [k, n]);
    const reps = m === 1024 ? 1 : 10;
    const run = async (f: () => Promise<void>): Promise<number> => {
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) await f();
      return (performance.now() - t0) / reps;
    };
    // Chained so the draws queue up as in a step: 5 products, one readback.
    const ours = async (): Promise<void> => {
      const ys = Array.from({ length: 5 }, () => tf.matmul(a, b, false, tb));
      await ys[4].data();
      tf.dispose(ys);
    };
    const theirs = async (): Promise<void> => {
      const ys = Array.from({ length: 5 }, () => tfc.matMul(ca, cb, false, tb));
      await ys[4].data();
      tfc.dispose(ys);
    };
    const t = { tapeflow: [] as number[], tfjs: [] as number[] };
    await ours();
    await theirs();
    for (let round = 0; round < 3; round++) {
      t.tapeflow.push(await run(ours));
      t.tfjs.push(await run(theirs));
    }
    const med = (v: number[]): string => v.sort((p, q) => p - q)[Math.floor(v.length / 2)].toFixed(1);
    out.push(`${m}x${k} @ ${tb ? 'T' : ''}${k}x${n} x5: tapeflow ${med(t.tapeflow)} ms, tfjs ${med(t.tfjs)} ms`);
    tf.dispose([a, b]);
    tfc.dispose([ca, cb]);
  }
  return out.join('\n');
};

declare global {
  interface Window {
    probeJs: () => Promise<string>;
  }
}

/** How long the step's JavaScript takes before it waits for the GPU (issuing every draw), vs its wall time. */
window.probeJs = async () => {
  await tf.setBackend('webgl');
  const { variableGrads } = await import('@tapeflow/autograd');
  const { BasicLSTMCell, dynamicRnn } = await import('@tapeflow/rnn');
  const x = tf.tensor(lstmValues().xv, [32, 50, 128]);
  const cell = new BasicLSTMCell(256);
  const out: string[] = [];
  for (let i = 0; i < 4; i++) {
    const t0 = performance.now();
    const { value, grads } = variableGrads(() => {
      const [o] = dynamicRnn(cell, x, { dtype: 'float32', scope: 'js' });
      return tf.mean(tf.square(o as tf.Tensor));
    });
    const t1 = performance.now();
    await Promise.all([value.data(), ...Object.values(grads).map((g) => g.data())]);
    const t2 = performance.now();
    out.push(`js ${(t1 - t0).toFixed(0)} ms, then GPU wait ${(t2 - t1).toFixed(0)} ms`);
    tf.dispose([value, grads]);
  }
  x.dispose();
  return out.join('\n');
};
