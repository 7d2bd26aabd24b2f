/** A minimal `--name value` / `--flag` parser for this app's scripts, with errors that name the flag. */

/** What each flag takes. */
export type FlagKinds = Record<string, 'string' | 'int' | 'bool'>;

/** Parses `argv` against `kinds`; exits with code 2 and a message on an unknown flag or a bad value. */
export function parseFlags(argv: string[], kinds: FlagKinds, who: string): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  const fail = (msg: string): never => {
    console.error(
      `${who}: ${msg}. Flags: ${Object.keys(kinds)
        .map((k) => `--${k}`)
        .join(' ')}`,
    );
    process.exit(2);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [name, inline] = a.startsWith('--') ? a.slice(2).split('=', 2) : [undefined, undefined];
    const kind = name !== undefined ? kinds[name] : undefined;
    if (name === undefined || !kind) fail(`unknown argument '${a}'`);
    if (kind === 'bool') {
      out[name!] = true;
      continue;
    }
    const v = inline ?? argv[++i];
    if (v === undefined) fail(`--${name} needs a value`);
    if (kind === 'int') {
      const k = Number(v);
      if (!Number.isInteger(k) || k <= 0) fail(`--${name} expects a positive integer, got '${v}'`);
      out[name!] = k;
    } else out[name!] = v!;
  }
  return out;
}
