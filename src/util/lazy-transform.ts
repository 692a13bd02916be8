import type { Transform as TransformClass } from 'node:stream';

/**
 * `node:stream`'s `Transform`, as a base class that loads `node:stream` when it is first used rather
 * than when the module defining a subclass is imported. `multiplatform/oci` exports `VerifyingStream`
 * and is otherwise free of I/O; loading `node:stream` for it cost the entry about a tenth of Node's
 * own start-up, paid by every importer that never makes a stream.
 *
 * First use is the first instance made, or the first read of a property the class does not define
 * itself (a static such as `from`, `Symbol.hasInstance`): either links this class, and so every
 * subclass, to the real `Transform`, its prototype and its statics. Each construction is
 * `Reflect.construct(Transform, args, new.target)`, so an instance is exactly what
 * `class X extends Transform` would have made.
 */
function linkToTransform(): typeof TransformClass {
  const { Transform } = process.getBuiltinModule('node:stream');
  if (Object.getPrototypeOf(LazyTransformBase.prototype) !== Transform.prototype) {
    Object.setPrototypeOf(LazyTransformBase.prototype, Transform.prototype);
    Object.setPrototypeOf(LazyTransformBase, Transform);
  }
  return Transform;
}

function LazyTransformBase(this: unknown, ...args: unknown[]): object {
  if (new.target === undefined) throw new TypeError("Class constructor LazyTransform cannot be invoked without 'new'");
  return Reflect.construct(linkToTransform(), args, new.target) as object;
}

export const LazyTransform = new Proxy(LazyTransformBase, {
  get(target, key, receiver) {
    if (!Object.hasOwn(target, key)) linkToTransform();
    return Reflect.get(target, key, receiver) as unknown;
  },
}) as unknown as typeof TransformClass;
