import type { Transform as TransformClass } from 'node:stream';

/**
 * `node:stream`'s `Transform`, as a base class that loads `node:stream` when the first instance is
 * made rather than when the module defining a subclass is imported. `multiplatform/oci` exports
 * `VerifyingStream` and is otherwise free of I/O; loading `node:stream` for it cost the entry about
 * a tenth of Node's own start-up, paid by every importer that never makes a stream.
 *
 * The first construction links this class (and so every subclass) to the real `Transform`, its
 * prototype and its statics; each construction is `Reflect.construct(Transform, args, new.target)`,
 * so an instance is exactly what `class X extends Transform` would have made. Before the first
 * construction no instance exists, so nothing can observe the missing link.
 */
export const LazyTransform = function LazyTransform(this: unknown, ...args: unknown[]): object {
  if (new.target === undefined) throw new TypeError("Class constructor LazyTransform cannot be invoked without 'new'");
  const { Transform } = process.getBuiltinModule('node:stream');
  if (Object.getPrototypeOf(LazyTransform.prototype) !== Transform.prototype) {
    Object.setPrototypeOf(LazyTransform.prototype, Transform.prototype);
    Object.setPrototypeOf(LazyTransform, Transform);
  }
  return Reflect.construct(Transform, args, new.target) as object;
} as unknown as typeof TransformClass;
