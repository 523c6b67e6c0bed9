/**
 * TF1's EmbeddingWrapper (tf.contrib.rnn): the inputs are symbol ids ([batch] or [batch, 1],
 * int32); each step looks up their rows of the variable 'embedding' [embeddingClasses,
 * embeddingSize] and runs the wrapped cell on them. The embedding's dtype is the state's; its
 * initializer the one given, else the scope's default, else U(-sqrt 3, sqrt 3) (variance 1).
 * Scope: 'embedding_wrapper', with the wrapped cell one level down.
 */
import { gather, reshape, Tensor, ValueError, type Variable } from '@tapeflow/core';
import { describe, flatten, type Nest } from '../nest.js';
import { assertInitializer, randomUniform, type Initializer } from '../initializers.js';
import { currentScope } from '../naming.js';
import { assertPositiveInt, type RNNCellLike, type StepResult } from './rnn_cell.js';
import { CellAround } from './projection_wrappers.js';

export interface EmbeddingWrapperOptions {
  initializer?: Initializer;
  name?: string;
}

export class EmbeddingWrapper extends CellAround {
  private readonly initializer?: Initializer;
  private embedding?: Variable;
  /** The unrollers let its int32 inputs through (TF checks input dtypes in the cells). */
  readonly readsSymbolIds = true;

  constructor(
    cell: RNNCellLike,
    readonly embeddingClasses: number,
    readonly embeddingSize: number,
    opts: EmbeddingWrapperOptions = {},
  ) {
    super(cell, 'EmbeddingWrapper', 'embedding_wrapper', opts.name);
    if (!(embeddingClasses > 0) || !(embeddingSize > 0)) {
      throw new ValueError(
        `EmbeddingWrapper: Both embeddingClasses and embeddingSize must be > 0: ${embeddingClasses}, ${embeddingSize}`,
      );
    }
    assertPositiveInt('EmbeddingWrapper', 'embeddingClasses', embeddingClasses);
    assertPositiveInt('EmbeddingWrapper', 'embeddingSize', embeddingSize);
    assertInitializer(opts.initializer, 'EmbeddingWrapper', 'initializer');
    this.initializer = opts.initializer;
  }

  override get weights(): Variable[] {
    return [...(this.embedding ? [this.embedding] : []), ...this.innerWeights];
  }

  protected step(inputs: Nest<Tensor>, state: Nest<Tensor>): StepResult {
    const op = 'EmbeddingWrapper';
    if (
      !(inputs instanceof Tensor) ||
      inputs.dtype !== 'int32' ||
      inputs.rank > 2 ||
      (inputs.rank === 2 && inputs.shape[1] !== 1)
    ) {
      throw new ValueError(
        `${op}: inputs must be int32 symbol ids of shape [batch] or [batch, 1], got ${describe(inputs)}`,
      );
    }
    const dtype = (flatten(state)[0] as Tensor | undefined)?.dtype ?? 'float32';
    if (!this.embedding) {
      const sqrt3 = Math.sqrt(3);
      const init = this.initializer ?? currentScope().initializer ?? randomUniform({ minval: -sqrt3, maxval: sqrt3 });
      this.embedding = this.addWeight('embedding', [this.embeddingClasses, this.embeddingSize], dtype, init);
    }
    return this.cell.call(gather(this.embedding, reshape(inputs, [-1])), state);
  }

  override dispose(): void {
    super.dispose();
    this.embedding = undefined;
  }
}
