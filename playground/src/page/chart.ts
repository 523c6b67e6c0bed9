/**
 * The live loss chart: a Vega-Lite spec compiled once and run by a Vega View; each step inserts
 * its rows through a changeset, so the chart updates without being rebuilt.
 */
import { View, changeset, parse } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

const SERIES = ['batch loss', 'mean of last 20', 'unigram baseline'];

function spec(width: number): TopLevelSpec {
  const color = {
    field: 'series',
    type: 'nominal',
    title: null,
    scale: { domain: SERIES, range: ['#9ecae9', '#1f77b4', '#888888'] },
  } as const;
  const y = { field: 'loss', type: 'quantitative', title: 'nats per character', scale: { zero: false } } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width,
    height: 240,
    // Re-layout as data arrives (axis labels and the legend change size); Vega's default keeps the first layout.
    autosize: { type: 'pad', resize: true },
    config: { legend: { orient: 'bottom' }, view: { stroke: null } },
    layer: [
      {
        data: { name: 'loss' },
        mark: { type: 'line', strokeWidth: 1.5 },
        encoding: { x: { field: 'step', type: 'quantitative', title: 'training step' }, y, color },
      },
      {
        data: { name: 'baseline' },
        mark: { type: 'rule', strokeDash: [6, 4] },
        encoding: { y, color },
      },
    ],
  };
}

export class LossChart {
  private readonly view: View;
  private readonly recent: number[] = [];

  constructor(container: HTMLElement) {
    this.view = new View(parse(compile(spec(Math.max(320, container.clientWidth - 120))).spec), {
      renderer: 'svg',
      container,
      hover: true,
    });
    void this.view.runAsync();
  }

  /** Clears the curve and draws the unigram model's loss as the line to beat. */
  reset(unigram: number): void {
    this.recent.length = 0;
    this.view.change(
      'loss',
      changeset().remove(() => true),
    );
    this.view.change(
      'baseline',
      changeset()
        .remove(() => true)
        .insert([{ loss: unigram, series: SERIES[2] }]),
    );
    void this.view.runAsync();
  }

  add(step: number, loss: number): void {
    this.recent.push(loss);
    if (this.recent.length > 20) this.recent.shift();
    const mean = this.recent.reduce((a, b) => a + b, 0) / this.recent.length;
    this.view.change(
      'loss',
      changeset().insert([
        { step, loss, series: SERIES[0] },
        { step, loss: mean, series: SERIES[1] },
      ]),
    );
    void this.view.runAsync();
  }
}
