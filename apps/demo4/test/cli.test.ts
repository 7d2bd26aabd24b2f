import * as path from 'path';
import { DEFAULT_OUT, HELP, parseArgs, QUICK } from '../src/cli';
import { CliError } from '../src/errors';

describe('parseArgs', () => {
  it('defaults to the notebook: 100 epochs, batch 4096, C&W 6 × 8000, all images', () => {
    const o = parseArgs([]);
    expect(o).toMatchObject({
      epochs: 100,
      batchSize: 4096,
      attackSteps: 8000,
      binarySearchSteps: 6,
      backend: 'auto',
      resume: false,
      download: true,
      help: false,
    });
    expect(o.trainLimit).toBeUndefined();
    expect(o.out).toBe(DEFAULT_OUT);
    expect(DEFAULT_OUT.endsWith(path.join('apps', 'demo4', 'out'))).toBe(true);
  });

  it('reads both --flag value and --flag=value, and records explicit flags', () => {
    const o = parseArgs([
      '--train-limit',
      '2048',
      '--epochs=1',
      '--attack-steps',
      '200',
      '--out',
      'x/y',
      '--resume',
      '--backend=cpu',
      '--seed',
      '0',
      '--no-download',
    ]);
    expect(o).toMatchObject({
      trainLimit: 2048,
      epochs: 1,
      attackSteps: 200,
      backend: 'cpu',
      resume: true,
      seed: 0,
      download: false,
    });
    expect(o.out).toBe(path.resolve('x/y'));
    expect([...o.explicit].sort()).toEqual([
      'attackSteps',
      'backend',
      'download',
      'epochs',
      'out',
      'resume',
      'seed',
      'trainLimit',
    ]);
  });

  const bad: [string[], RegExp][] = [
    [['--epochs', 'ten'], /--epochs expects an integer, got "ten"/],
    [['--epochs', '2.5'], /--epochs expects an integer, got "2.5"/],
    [['--batch-size', '0'], /--batch-size must be ≥ 1, got 0/],
    [['--seed', '-1'], /--seed must be ≥ 0, got -1/],
    [['--epochs'], /--epochs needs a value/],
    [['--epochs', '--resume'], /--epochs needs a value/],
    [['--epoch', '3'], /unknown flag "--epoch"\. Did you mean --epochs\?/],
    [['--frobnicate'], /unknown flag "--frobnicate"\. See --help/],
    [['extra'], /unexpected argument "extra"/],
    [
      ['--backend', 'webgl'],
      /--backend must be one of auto, tensorflow, tensorflow-gpu, wasm, wasm-stock, cpu; got "webgl"/,
    ],
    [['--train-limit', '70000'], /--train-limit 70000 is more than the 60000 training images/],
    [['--resume=yes'], /--resume takes no value/],
    [
      ['--conv-normalization', 'spectral'],
      /--conv-normalization must be one of deel-lip, strict, exact; got "spectral"/,
    ],
    [['--conv-normalisation', 'exact'], /unknown flag "--conv-normalisation"\. Did you mean --conv-normalization\?/],
    [['--out='], /--out needs a non-empty value/],
  ];
  it.each(bad)('rejects %j with a clear message', (argv, re) => {
    expect(() => parseArgs(argv)).toThrow(CliError);
    expect(() => parseArgs(argv)).toThrow(re);
  });

  it("--conv-normalization: the notebook's deel-lip by default, strict or exact on request", () => {
    expect(parseArgs([]).convNormalization).toBe('deel-lip');
    expect(parseArgs(['--conv-normalization', 'exact']).convNormalization).toBe('exact');
    const o = parseArgs(['--conv-normalization=strict']);
    expect(o.convNormalization).toBe('strict');
    expect(o.explicit.has('convNormalization')).toBe(true);
  });

  it('--quick sets the preset, flags given too win; --resume and --restart exclude each other', () => {
    expect(parseArgs(['--quick'])).toMatchObject(QUICK);
    expect(parseArgs(['--quick', '--epochs', '5'])).toMatchObject({ ...QUICK, epochs: 5 });
    expect(parseArgs(['--epochs', '5', '--quick'])).toMatchObject({ ...QUICK, epochs: 5 });
    expect(() => parseArgs(['--resume', '--restart'])).toThrow(/--resume and --restart contradict each other/);
  });

  it('exits with code 2 on a bad flag', () => {
    try {
      parseArgs(['--epochs', 'x']);
    } catch (e) {
      expect((e as CliError).exitCode).toBe(2);
    }
    expect.assertions(1);
  });

  it('documents every flag in --help', () => {
    for (const f of [
      '--epochs',
      '--batch-size',
      '--train-limit',
      '--attack-steps',
      '--binary-search-steps',
      '--backend',
      '--conv-normalization',
      '--data-dir',
      '--out',
      '--seed',
      '--resume',
      '--restart',
      '--quick',
      '--help',
    ]) {
      expect(HELP).toContain(f);
    }
    expect(parseArgs(['--help']).help).toBe(true);
    expect(parseArgs(['--', '--help']).help).toBe(true); // `pnpm demo4 -- --help`
  });
});
