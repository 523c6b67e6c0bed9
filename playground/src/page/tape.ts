/**
 * The tape of one LSTM step: trace() records one call of the model's first LSTMCell (with its
 * trained weights) on a one-hot input, and Graphviz - compiled to WebAssembly inside the
 * @viz-js/viz package - lays out trace.toDot() as SVG.
 */
import { trace, type Trace } from '@tapeflow/autograd';
import { dispose, oneHot, tensor, zeros, type Tensor } from '@tapeflow/core';
import { LSTMStateTuple, type LSTMCell } from '@tapeflow/rnn';
import { instance, type Viz } from '@viz-js/viz';
import type { CharModel } from '@tapeflow/demo/model';

/** Records cell_0(x, (c, h)) -> (h', c') for batch 1, x the one-hot of the first letter. */
export function traceLstmStep(model: CharModel): Trace {
  const cell = model.cell.cells[0] as LSTMCell;
  const units = model.config.units;
  const x = oneHot(tensor([1], [1], 'int32'), model.config.vocabSize);
  const c = zeros([1, units]);
  const h = zeros([1, units]);
  try {
    return trace(
      (x, c, h) => {
        const [out, state] = cell.call(x, new LSTMStateTuple(c, h));
        return [out as Tensor, (state as LSTMStateTuple).c];
      },
      x,
      c,
      h,
    );
  } finally {
    dispose([x, c, h]);
  }
}

let viz: Promise<Viz> | undefined;

/** The graph as an SVG element; the wasm module is instantiated on first use. */
export async function renderDot(dot: string): Promise<SVGSVGElement> {
  viz ??= instance();
  return (await viz).renderSVGElement(dot);
}
