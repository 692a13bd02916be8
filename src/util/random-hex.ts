/** `bytes` random bytes as hex; `node:crypto` is loaded at the first call, not when the importing module loads. */
export function randomHex(bytes: number): string {
  return process.getBuiltinModule('node:crypto').randomBytes(bytes).toString('hex');
}
