/**
 * lipnet's error types. Every error a @lipnet package throws on purpose is a
 * {@link LipnetError}: catch that to catch them all, or one of its four
 * subclasses to handle one kind of failure. Each carries a stable
 * {@link LipnetError.code | code} (match on it, not on the message), the API
 * that refused (`who`) and, where there is one, the option or argument at fault
 * (`option`). Messages read "<who>: <what was wrong>. <what to pass>".
 */

/** Codes of {@link LipnetOptionError}: a constructor's or function's options. */
export type OptionErrorCode = 'UNKNOWN_OPTION' | 'INVALID_OPTION' | 'MISSING_OPTION' | 'CONFLICTING_OPTIONS';
/** Codes of {@link LipnetInputError}: tensors and other arguments given at call time. */
export type InputErrorCode =
  'INVALID_ARGUMENT' | 'INVALID_DTYPE' | 'INVALID_SHAPE' | 'EMPTY_BATCH' | 'NON_FINITE' | 'INVALID_VALUE';
/** Codes of {@link LipnetDataError}: files and data sets. */
export type DataErrorCode = 'FILE_NOT_FOUND' | 'CORRUPT_DATA';
/** Codes of {@link LipnetUnsupportedError}: valid requests lipnet cannot serve here. */
export type UnsupportedErrorCode = 'UNSUPPORTED_LAYER' | 'UNSUPPORTED_CONFIGURATION' | 'UNAVAILABLE';
/** Codes only the base class uses: a failed internal check or a failed worker. */
export type BaseErrorCode = 'VERIFICATION_FAILED' | 'WORKER_FAILED';
/** Every code a {@link LipnetError} can carry. */
export type LipnetErrorCode = OptionErrorCode | InputErrorCode | DataErrorCode | UnsupportedErrorCode | BaseErrorCode;

/**
 * What an error is made of. Give either a free `message`, or `expected` + `got`
 * + `fix` for the standard sentence
 * "<who>: expected \`<option>\` to <expected>, got <got>. <fix>" (`got` is
 * already formatted, e.g. with `formatValue`). `who` is prefixed to a free message.
 */
export type LipnetErrorInit<C extends LipnetErrorCode> = {
  /** Stable machine-readable code. */
  code: C;
  /** The class or function that refused, e.g. `'L2CarliniWagnerAttack'` or `'certificates'`. */
  who: string;
  /** The option or argument at fault, e.g. `'steps'`, `'options.disjointHeads'`, `'logits'`. */
  option?: string;
  /** The underlying error, if any. */
  cause?: unknown;
} & ({ message: string } | { expected: string; got: string; fix: string });

function compose(init: LipnetErrorInit<LipnetErrorCode>): string {
  if ('message' in init) return `${init.who}: ${init.message}`;
  return `${init.who}: expected \`${init.option ?? 'argument'}\` to ${init.expected}, got ${init.got}. ${init.fix}`;
}

/**
 * The base of every error lipnet throws on purpose.
 *
 * @example
 * try {
 *   new L2CarliniWagnerAttack({ stepps: 5 });
 * } catch (e) {
 *   if (e instanceof LipnetError) console.log(e.code, e.option); // 'UNKNOWN_OPTION' 'stepps'
 * }
 */
export class LipnetError extends Error {
  /** Stable code, e.g. `'INVALID_OPTION'`; see {@link LipnetErrorCode}. */
  readonly code: LipnetErrorCode;
  /** The class or function that threw. */
  readonly who: string;
  /** The option or argument at fault, when there is one. */
  readonly option: string | undefined;

  constructor(init: LipnetErrorInit<LipnetErrorCode>) {
    super(compose(init));
    this.name = 'LipnetError';
    if (init.cause !== undefined) Object.defineProperty(this, 'cause', { value: init.cause, enumerable: false });
    this.code = init.code;
    this.who = init.who;
    this.option = init.option;
  }
}

/**
 * A constructor's or function's options are wrong: an unknown key (the message
 * suggests the closest valid one), a wrong type, a value out of range, a
 * missing required option or two options that contradict each other.
 *
 * @example
 * new LipnetOptionError({ code: 'INVALID_OPTION', who: 'KR', option: 'reduction',
 *   expected: "be one of 'mean', 'sum', 'none'", got: "'avg'", fix: "Pass 'mean'." });
 */
export class LipnetOptionError extends LipnetError {
  declare readonly code: OptionErrorCode;
  constructor(init: LipnetErrorInit<OptionErrorCode>) {
    super(init);
    this.name = 'LipnetOptionError';
  }
}

/**
 * An argument given at call time cannot give a meaningful answer: not a
 * tensor, wrong dtype, rank or shape, an empty batch, NaN/±Infinity, or values
 * outside their domain (labels that are not one-hot, class indices out of range).
 *
 * @example
 * new LipnetInputError({ code: 'NON_FINITE', who: 'certificates', option: 'logits',
 *   message: '`logits` contains NaN at [0, 2]. Fix the model output first.' });
 */
export class LipnetInputError extends LipnetError {
  declare readonly code: InputErrorCode;
  constructor(init: LipnetErrorInit<InputErrorCode>) {
    super(init);
    this.name = 'LipnetInputError';
  }
}

/**
 * A file or data set is missing or corrupt (a truncated download, a model file
 * whose weights do not match its topology).
 *
 * @example
 * new LipnetDataError({ code: 'FILE_NOT_FOUND', who: 'loadModel', option: 'path',
 *   message: "no model.json in '/tmp/m'. Pass the folder saveModel wrote." });
 */
export class LipnetDataError extends LipnetError {
  declare readonly code: DataErrorCode;
  constructor(init: LipnetErrorInit<DataErrorCode>) {
    super(init);
    this.name = 'LipnetDataError';
  }
}

/**
 * The request is valid but lipnet cannot serve it here: a layer a bound does
 * not know, a configuration a kernel does not run, a backend or kernel that is
 * not available. Callers typically fall back on something else.
 *
 * @example
 * new LipnetUnsupportedError({ code: 'UNSUPPORTED_LAYER', who: 'lipschitzUpperBound', option: 'model',
 *   message: "layer 'lstm_1' (LSTM) has no bound. Remove it or bound it yourself." });
 */
export class LipnetUnsupportedError extends LipnetError {
  declare readonly code: UnsupportedErrorCode;
  constructor(init: LipnetErrorInit<UnsupportedErrorCode>) {
    super(init);
    this.name = 'LipnetUnsupportedError';
  }
}

/**
 * True when `e` is a {@link LipnetError} (optionally with the given code).
 *
 * @example
 * if (isLipnetError(e, 'UNKNOWN_OPTION')) console.error(e.message);
 */
export function isLipnetError(e: unknown, code?: LipnetErrorCode): e is LipnetError {
  return e instanceof LipnetError && (code === undefined || e.code === code);
}
