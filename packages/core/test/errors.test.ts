import {
  LipnetDataError,
  LipnetError,
  LipnetInputError,
  LipnetOptionError,
  LipnetUnsupportedError,
  isLipnetError,
} from '../src';

describe('LipnetError and its subclasses', () => {
  it('compose the standard sentence from expected/got/fix and keep code, who, option', () => {
    const e = new LipnetOptionError({
      code: 'INVALID_OPTION',
      who: 'KR',
      option: 'reduction',
      expected: "be one of 'mean', 'sum', 'none'",
      got: "'avg'",
      fix: "Pass 'mean'.",
    });
    expect(e.message).toBe("KR: expected `reduction` to be one of 'mean', 'sum', 'none', got 'avg'. Pass 'mean'.");
    expect([e.code, e.who, e.option, e.name]).toEqual(['INVALID_OPTION', 'KR', 'reduction', 'LipnetOptionError']);
  });

  it('prefix a free message with who', () => {
    const e = new LipnetInputError({ code: 'NON_FINITE', who: 'certificates', option: 'logits', message: 'NaN.' });
    expect(e.message).toBe('certificates: NaN.');
  });

  it('are each a LipnetError and an Error, and distinct from one another', () => {
    const all = [
      new LipnetOptionError({ code: 'UNKNOWN_OPTION', who: 'a', message: 'm' }),
      new LipnetInputError({ code: 'EMPTY_BATCH', who: 'a', message: 'm' }),
      new LipnetDataError({ code: 'CORRUPT_DATA', who: 'a', message: 'm' }),
      new LipnetUnsupportedError({ code: 'UNAVAILABLE', who: 'a', message: 'm' }),
      new LipnetError({ code: 'VERIFICATION_FAILED', who: 'a', message: 'm' }),
    ];
    for (const e of all) {
      expect(e).toBeInstanceOf(Error);
      expect(e).toBeInstanceOf(LipnetError);
      expect(isLipnetError(e)).toBe(true);
      expect(e.stack).toContain(e.name);
    }
    const classes = [LipnetOptionError, LipnetInputError, LipnetDataError, LipnetUnsupportedError];
    all.forEach((e, i) => classes.forEach((C, j) => expect(e instanceof C).toBe(i === j)));
    expect(isLipnetError(all[0], 'UNKNOWN_OPTION')).toBe(true);
    expect(isLipnetError(all[0], 'INVALID_OPTION')).toBe(false);
    expect(isLipnetError(new TypeError('x'))).toBe(false);
  });

  it('keeps the cause', () => {
    const cause = new Error('disk');
    const e = new LipnetDataError({ code: 'FILE_NOT_FOUND', who: 'loadModel', message: 'no file.', cause });
    expect((e as { cause?: unknown }).cause).toBe(cause);
  });
});
