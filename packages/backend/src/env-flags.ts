/**
 * On/off switches read from the environment (`LIPNET_RELAXED_SIMD`,
 * `LIPNET_FRUGAL_BACKPROP`): unset or `1` is on, `0` is off, anything else is
 * refused with the variable, the value and what to pass.
 */
import { BackendUnavailableError } from './errors';

/** `env[name]` as a switch (default on); `what` says what it turns on, for the error message. */
export function envFlag(env: Record<string, string | undefined>, name: string, what: string): boolean {
  const value = (env[name] ?? '').trim();
  if (value === '' || value === '1') return true;
  if (value === '0') return false;
  throw new BackendUnavailableError(
    'any',
    `${name} must be 0 or 1 (1, the default: ${what}), got '${value}'`,
    `Set ${name}=0 or 1, or unset it.`,
  );
}
