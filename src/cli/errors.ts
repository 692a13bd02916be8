import { MultiplatformError } from '../errors.js';

/**
 * A command line that cannot be run as written: an unknown command or flag, a missing or
 * malformed value. The CLI exits with status 2 and prints the usage line of `command`.
 */
export class UsageError extends MultiplatformError {
  override name = 'UsageError' as const;
  constructor(
    message: string,
    /** The command whose usage line should follow the message, e.g. `push from-args`; empty for the top level. */
    readonly command = '',
  ) {
    super(message);
  }
}

/** Where in a spec file a problem was found (1-based line and column). */
export interface SpecProblem {
  file: string;
  line: number;
  column: number;
  /** Path of the offending value, e.g. `manifests[1].platform.os`; empty for the document itself. */
  path: string;
  message: string;
}

/** Formats a problem as `FILE:LINE:COLUMN: path: message`. */
export function formatSpecProblem(problem: SpecProblem): string {
  const where = `${problem.file}:${problem.line}:${problem.column}`;
  return problem.path ? `${where}: ${problem.path}: ${problem.message}` : `${where}: ${problem.message}`;
}

/** A `from-spec` YAML file that cannot be used: a syntax error, an unknown field or a value of the wrong type. Exit status 2. */
export class SpecFileError extends MultiplatformError {
  override name = 'SpecFileError' as const;
  constructor(
    /** Every problem found, in document order. */
    readonly problems: SpecProblem[],
  ) {
    super(problems.map(formatSpecProblem).join('\n'));
  }
}

/**
 * A message the CLI composed in lines of its own (say, one missing image a line; indented lines
 * continue the one above). Every other error from an operation is shown on one line, since its
 * message may carry a registry's text, newlines included.
 */
export class MultiLineError extends MultiplatformError {
  override name = 'MultiLineError' as const;
}

/** True for errors that mean "the input was wrong" (exit status 2) rather than "the operation failed" (1). */
export function isInputError(error: unknown): error is UsageError | SpecFileError {
  return error instanceof UsageError || error instanceof SpecFileError;
}
