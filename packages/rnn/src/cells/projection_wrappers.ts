/**
 * TF1's InputProjectionWrapper and OutputProjectionWrapper (tf.contrib.rnn): a dense layer
 * (`x W + b`, optionally activated) before or after the wrapped cell. Unlike DropoutWrapper they
 * are layers with a scope of their own, so the wrapped cell's weights sit one level down:
 * 'rnn/output_projection_wrapper/kernel', 'rnn/output_projection_wrapper/lstm_cell/kernel'.
 * The projection's kernel takes the scope's default initializer (else glorot-uniform), its bias
 * zeros, as TF's _Linear does; both are made on first use, after (output) or before (input) the
 * wrapped cell's own, in TF's creation order.
 */
import { add, matmul, Tensor, ValueError, type DType, type Variable } from '@tapeflow/core';
import type { Initializer } from '../initializers.js';
import { describe, type Nest } from '../nest.js';
import { activationOf, type Activation, type ActivationLike } from '../activations.js';
import { zeros as zerosInit } from '../initializers.js';
import { RNNCell, assertLikeRNNCell, assertPositiveInt, type RNNCellLike, type StepResult } from './rnn_cell.js';

/** A cell around another cell: state, zero state, resets and disposal are the wrapped cell's. */
export abstract class CellAround extends RNNCell {
  constructor(
    readonly cell: RNNCellLike,
    op: string,
    defaultName: string,
    name?: string,
  ) {
    super(defaultName, name);
    assertLikeRNNCell('cell', cell, op);
  }

  get stateSize(): Nest<number> {
    return this.cell.stateSize;
  }
  get outputSize(): Nest<number> {
    return this.cell.outputSize;
  }
  override zeroState(batchSize: number, dtype: DType = 'float32'): Nest<Tensor> {
    return this.cell.zeroState(batchSize, dtype);
  }
  protected get innerWeights(): Variable[] {
    return this.cell instanceof RNNCell ? this.cell.weights : [];
  }
  override resetSequenceState(): void {
    this.cell.resetSequenceState?.();
  }
  override dispose(): void {
    super.dispose();
    if (this.cell instanceof RNNCell) this.cell.dispose();
  }
}

type MakeWeight = (name: string, shape: readonly number[], dtype: DType, initializer?: Initializer) => Variable;

/** TF's _Linear with bias: [rows, depth] -> [rows, units], its variables made in the current scope on first use. */
class Dense {
  private kernel?: Variable;
  private bias?: Variable;
  constructor(
    private readonly units: number,
    private readonly make: MakeWeight,
  ) {}

  apply(op: string, x: Nest<Tensor>): Tensor {
    if (!(x instanceof Tensor) || x.rank !== 2)
      throw new ValueError(`${op}: the projected tensor must be a single [batch, depth] Tensor, got ${describe(x)}`);
    if (!this.kernel) {
      this.kernel = this.make('kernel', [x.shape[1], this.units], x.dtype);
      this.bias = this.make('bias', [this.units], x.dtype, zerosInit());
    }
    if (x.shape[1] !== this.kernel.shape[0]) {
      throw new ValueError(
        `${op}: depth ${x.shape[1]} differs from the ${this.kernel.shape[0]} the projection ${this.kernel.name} [${this.kernel.shape}] was built for`,
      );
    }
    return add(matmul(x, this.kernel), this.bias!);
  }

  forget(): void {
    this.kernel = this.bias = undefined;
  }
  get variables(): Variable[] {
    return this.kernel ? [this.kernel, this.bias!] : [];
  }
}

export interface ProjectionWrapperOptions {
  /** Applied to the projection (default none: linear). */
  activation?: ActivationLike;
  name?: string;
}

/** Projects the wrapped cell's output to `outputSize` units: output = act(cellOutput W + b). */
export class OutputProjectionWrapper extends CellAround {
  private readonly dense: Dense;
  private readonly activation?: Activation;

  constructor(
    cell: RNNCellLike,
    readonly projectedSize: number,
    opts: ProjectionWrapperOptions = {},
  ) {
    super(cell, 'OutputProjectionWrapper', 'output_projection_wrapper', opts.name);
    assertPositiveInt('OutputProjectionWrapper', 'outputSize', projectedSize);
    this.activation =
      opts.activation === undefined ? undefined : activationOf('OutputProjectionWrapper', opts.activation);
    this.dense = new Dense(projectedSize, (n, s, d, i) => this.addWeight(n, s, d, i));
  }

  override get outputSize(): number {
    return this.projectedSize;
  }
  override get weights(): Variable[] {
    return [...this.innerWeights, ...this.dense.variables];
  }

  protected step(inputs: Nest<Tensor>, state: Nest<Tensor>): StepResult {
    const [out, next] = this.cell.call(inputs, state);
    const y = this.dense.apply('OutputProjectionWrapper', out);
    return [this.activation ? this.activation(y) : y, next];
  }

  override dispose(): void {
    super.dispose();
    this.dense.forget();
  }
}

/** Projects the inputs to `numProj` units before the wrapped cell: cell(act(x W + b), state). */
export class InputProjectionWrapper extends CellAround {
  private readonly dense: Dense;
  private readonly activation?: Activation;

  constructor(
    cell: RNNCellLike,
    readonly numProj: number,
    opts: ProjectionWrapperOptions = {},
  ) {
    super(cell, 'InputProjectionWrapper', 'input_projection_wrapper', opts.name);
    assertPositiveInt('InputProjectionWrapper', 'numProj', numProj);
    this.activation =
      opts.activation === undefined ? undefined : activationOf('InputProjectionWrapper', opts.activation);
    this.dense = new Dense(numProj, (n, s, d, i) => this.addWeight(n, s, d, i));
  }

  override get weights(): Variable[] {
    return [...this.dense.variables, ...this.innerWeights];
  }

  protected step(inputs: Nest<Tensor>, state: Nest<Tensor>): StepResult {
    const p = this.dense.apply('InputProjectionWrapper', inputs);
    return this.cell.call(this.activation ? this.activation(p) : p, state);
  }

  override dispose(): void {
    super.dispose();
    this.dense.forget();
  }
}
