/**
 * The playground page: wires the settings form, the Train/Reset buttons, the loss chart, the
 * samples and the tape graph to a training Session. Any settings change (the backend too)
 * starts a fresh session. `window.playground.state()` exposes what the page shows, for tests.
 */
import '@tapeflow/backend-cpu';
import '@tapeflow/backend-webgl';
import '@tapeflow/backend-webgpu';
import { unigramBaseline } from '@tapeflow/demo/corpus';
import { LossChart } from './chart.js';
import { fillFromQuery, readConfig } from './form.js';
import { TrainingLoop, type StepReport } from './loop.js';
import { Session } from './session.js';
import { renderDot, traceLstmStep } from './tape.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const form = $<HTMLFormElement>('config');
const trainButton = $<HTMLButtonElement>('train');
const resetButton = $<HTMLButtonElement>('reset');
const chart = new LossChart($('chart'));

/**
 * Samples are redrawn at most every 2 s while training, and less often when sampling is slow
 * (it reads back every character: on a software-rendered WebGL it can take seconds), so that it
 * takes at most a tenth of the time.
 */
const sampleInterval = (): number => Math.max(2000, 10 * sampleMs);

let session: Session | undefined;
let loop: TrainingLoop | undefined;
let losses: number[] = [];
let samples: string[] = [];
let lastRate = 0;
let lastSampled = 0;
let sampleMs = 0;
let error = '';

function showError(e: unknown): void {
  error = e instanceof Error ? e.message : String(e);
  console.error(e);
  $('error').textContent = error;
  $('error').hidden = false;
  trainButton.textContent = 'Train';
}

function showStatus(): void {
  if (!session) return;
  const recent = losses.slice(-20);
  const loss = recent.length ? (recent.reduce((a, b) => a + b, 0) / recent.length).toFixed(3) : '–';
  $('status').innerHTML =
    `backend <b>${session.config.backend}</b> · ${session.numParameters.toLocaleString()} parameters · ` +
    `step <b>${session.step}</b> · loss <b>${loss}</b> nats/char (last 20) · <b>${lastRate.toFixed(1)}</b> steps/s · ` +
    `${session.numTensors} tensors`;
}

function showSamples(): void {
  if (!session) return;
  const t0 = performance.now();
  samples = session.sample(12);
  sampleMs = performance.now() - t0;
  const known = new Set(session.corpus.train);
  $('samples').replaceChildren(
    ...samples.map((name) => {
      const li = document.createElement('li');
      const text = name || '(empty)';
      li.append(known.has(name) ? text : Object.assign(document.createElement('b'), { textContent: text }));
      return li;
    }),
  );
  lastSampled = performance.now();
}

async function drawTape(s: Session): Promise<void> {
  const t = traceLstmStep(s.model);
  // Left to right, packed tight: the step is a long chain, which fits the wide card better than
  // toDot's top-down default. Shrunk to the card's width, but never below 70% (then it scrolls).
  const svg = await renderDot(t.toDot().replace('rankdir=TB', 'rankdir=LR; ranksep=0.25; nodesep=0.15'));
  const natural = svg.width.baseVal.value;
  // Without the fixed size attributes the height follows the width through the viewBox.
  svg.removeAttribute('width');
  svg.removeAttribute('height');
  svg.style.width = `max(min(100%, ${natural}px), ${0.7 * natural}px)`;
  $('tape').replaceChildren(svg);
  $('tape-info').textContent = `${t.nodes.length} kernels recorded, on ${s.config.backend}`;
}

function onStep(r: StepReport): void {
  losses.push(r.loss);
  lastRate = r.stepsPerSecond;
  chart.add(r.step, r.loss);
  if (performance.now() - lastSampled > sampleInterval()) showSamples();
  showStatus();
}

/** Stops any training, frees the old session and builds one from the form. */
async function reset(): Promise<void> {
  trainButton.disabled = resetButton.disabled = true;
  $('error').hidden = true;
  error = '';
  await loop?.pause();
  session?.dispose();
  session = loop = undefined;
  losses = [];
  try {
    const config = readConfig(form);
    $('status').textContent = `starting the ${config.backend} backend…`;
    const s = await Session.create(config);
    session = s;
    loop = new TrainingLoop(s, onStep, showError);
    chart.reset(unigramBaseline(s.corpus));
    showSamples();
    showStatus();
    trainButton.textContent = 'Train';
    trainButton.disabled = resetButton.disabled = false;
    await drawTape(s);
  } catch (e) {
    showError(e);
    resetButton.disabled = false;
  }
}

trainButton.addEventListener('click', () => {
  if (!loop) return;
  if (loop.isRunning) {
    void loop.pause().then(() => {
      showSamples();
      showStatus();
    });
    trainButton.textContent = 'Train';
  } else {
    loop.start();
    trainButton.textContent = 'Pause';
  }
});
resetButton.addEventListener('click', () => void reset());
form.addEventListener('change', () => void reset());
form.addEventListener('submit', (e) => e.preventDefault());

declare global {
  interface Window {
    playground: {
      state(): {
        backend?: string;
        step: number;
        running: boolean;
        busy: boolean;
        losses: number[];
        samples: string[];
        numTensors: number;
        tapeNodes: number;
        error: string;
        ready: boolean;
        sampleMs: number;
      };
    };
  }
}
window.playground = {
  state: () => ({
    backend: session?.config.backend,
    step: session?.step ?? 0,
    running: loop?.isRunning ?? false,
    busy: loop?.isBusy ?? false,
    losses: [...losses],
    samples: [...samples],
    numTensors: session?.numTensors ?? 0,
    tapeNodes: document.querySelectorAll('#tape svg g.node').length,
    error,
    sampleMs,
    ready: !!session && !trainButton.disabled,
  }),
};

fillFromQuery(form, location.search);
void reset();
