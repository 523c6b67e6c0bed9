// Node resolve hook: tfjs-core's ESM build (dist/*.js) imports extensionless paths and
// directories ('./gradients/Abs_grad', './gradients'), which Node's ESM resolver rejects.
// Only its register_all_gradients module is loaded through it (see tfjs.ts).
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (e) {
    const inTfjs = context.parentURL?.includes('/@tensorflow/tfjs-core/dist/');
    if (!inTfjs || !specifier.startsWith('.') || specifier.endsWith('.js')) throw e;
    for (const suffix of ['.js', '/index.js']) {
      try {
        return await next(specifier + suffix, context);
      } catch {
        /* try the next suffix */
      }
    }
    throw e;
  }
}
