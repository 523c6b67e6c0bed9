/** Raised for bad shapes, axes and argument values (TensorFlow's ValueError). */
export class ValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValueError';
  }
}
