/**
 * The loss curve as SVG: a Vega-Lite spec, compiled by vega-lite and rendered headless by vega's
 * View.toSVG() (no browser, no canvas needed for SVG output).
 */
import { compile, type TopLevelSpec } from 'vega-lite';
import { parse, View } from 'vega';

export interface LossCurve {
  /** Per-step training loss on the sampled batch (nats/char). */
  train: { step: number; loss: number }[];
  /** Held-out loss at evaluation steps (nats/char). */
  heldOut: { step: number; loss: number }[];
  /** Held-out loss of the unigram model fitted on the training names. */
  unigram: number;
  title: string;
}

export function lossCurveSpec(c: LossCurve): TopLevelSpec {
  const rows = [
    ...c.train.map((r) => ({ ...r, series: 'train batch' })),
    ...c.heldOut.map((r) => ({ ...r, series: 'held-out' })),
  ];
  const color = {
    field: 'series',
    type: 'nominal',
    title: null,
    scale: { domain: ['train batch', 'held-out', 'unigram baseline'], range: ['#9ecae9', '#e45756', '#888888'] },
  } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: c.title,
    width: 640,
    height: 360,
    background: 'white',
    config: { legend: { orient: 'bottom' } },
    layer: [
      {
        data: { values: rows },
        mark: { type: 'line', strokeWidth: 1.5 },
        encoding: {
          x: { field: 'step', type: 'quantitative', title: 'training step' },
          y: {
            field: 'loss',
            type: 'quantitative',
            title: 'cross-entropy (nats per character)',
            scale: { zero: false },
          },
          color,
        },
      },
      {
        data: { values: c.heldOut.map((r) => ({ ...r, series: 'held-out' })) },
        mark: { type: 'point', filled: true, size: 30 },
        encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'loss', type: 'quantitative' }, color },
      },
      {
        data: { values: [{ loss: c.unigram, series: 'unigram baseline' }] },
        mark: { type: 'rule', strokeDash: [6, 4] },
        encoding: { y: { field: 'loss', type: 'quantitative' }, color },
      },
    ],
  };
}

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
