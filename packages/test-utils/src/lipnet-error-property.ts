import { LipnetError } from '@lipnet/core';

/**
 * The error half of the property "either a correct result or a LipnetError whose
 * message names the option or argument": rethrows anything that is not a
 * `LipnetError` (a raw TypeError, a tfjs error) and fails when the error names
 * no option or argument, or when its message does not mention it.
 */
export function expectLipnetErrorNamingOption(e: unknown): LipnetError {
  if (!(e instanceof LipnetError)) throw e;
  if (!e.option) throw new Error(`a LipnetError (${e.code}) without an option or argument: ${e.message}`);
  const root = e.option.split(/[.[]/)[0]!;
  if (!e.message.includes(root)) throw new Error(`the message does not name \`${e.option}\`: ${e.message}`);
  return e;
}

/**
 * Runs `f`: returns its result, or `undefined` after checking (with
 * {@link expectLipnetErrorNamingOption}) that it threw a LipnetError naming an option.
 */
export function resultOrLipnetError<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    expectLipnetErrorNamingOption(e);
    return undefined;
  }
}
