import { ValidationError } from '../errors.js';

/**
 * Some children of a manifest-list spec do not exist (HTTP 404, `MANIFEST_UNKNOWN`,
 * `NAME_UNKNOWN`). Thrown before anything is written, listing every missing reference; with
 * `ignoreMissing` only when all of them are missing. A {@link ValidationError}, so callers that
 * treat bad input alike need no extra case.
 */
export class MissingChildrenError extends ValidationError {
  override name = 'MissingChildrenError';
  constructor(
    /** Every missing child reference, as the spec wrote it, in spec order. */
    readonly missing: string[],
    /** How many children the spec has. */
    readonly total: number,
  ) {
    const list = missing.join(', ');
    let message: string;
    if (total === 1) message = `the child image was not found: ${list}`;
    else if (missing.length === total) message = `none of the ${total} child images was found: ${list}`;
    else message = `${missing.length} of ${total} child images ${missing.length === 1 ? 'was' : 'were'} not found: ${list} (pass ignoreMissing to push the list without them)`;
    super(message);
  }
}
