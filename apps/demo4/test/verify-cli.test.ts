import * as path from 'path';
import { DEFAULT_OUT } from '../src/cli';
import { CliError } from '../src/errors';
import { verifyAttacks, VERIFY_ATTACK_IDS } from '../src/verify/verify-attacks';
import { parseVerifyArgs, VERIFY_HELP } from '../src/verify/verify-cli';
import { verifyTable } from '../src/verify/verify-report';

describe('demo4 verify flags', () => {
  it('defaults: the default run folder, 500 images, every minimum-norm L2 attack, Brendel-Bethge last', () => {
    const o = parseVerifyArgs([]);
    expect(o).toMatchObject({ out: DEFAULT_OUT, images: 500, backend: 'auto', scale: 1, bbSteps: 1000, seed: 1 });
    expect(o.attacks).toEqual(['cw', 'deepfool', 'fmn', 'ddn', 'newtonfool', 'bb']);
    expect(verifyAttacks().map((a) => a.className)).toEqual([
      'L2CarliniWagnerAttack',
      'L2DeepFoolAttack',
      'L2FMNAttack',
      'DDNAttack',
      'NewtonFoolAttack',
      'L2BrendelBethgeAttack',
    ]);
    expect(
      verifyAttacks()
        .filter((a) => a.needsStart)
        .map((a) => a.id),
    ).toEqual(['bb']);
  });

  it('reads --out, --images, --attacks (kept in run order), --quick, --seed', () => {
    const o = parseVerifyArgs(['--out', 'r', '--images=20', '--attacks', 'bb,cw', '--quick', '--seed', '3']);
    expect(o).toMatchObject({ out: path.resolve('r'), images: 20, attacks: ['cw', 'bb'], scale: 0.05, seed: 3 });
    // --quick shortens every attack
    expect(verifyAttacks(0.05).find((a) => a.id === 'cw')!.settings).toMatch(/^3 binary-search steps × 50 Adam steps/);
  });

  it('--bb-steps sets Brendel-Bethge steps only', () => {
    const o = parseVerifyArgs(['--bb-steps', '200']);
    expect(o.bbSteps).toBe(200);
    const attacks = verifyAttacks(o.scale, o.bbSteps);
    expect(attacks.find((a) => a.id === 'bb')!.settings).toMatch(/^200 steps/);
    expect(attacks.find((a) => a.id === 'cw')!.settings).toMatch(/× 1000 Adam steps/);
  });

  it.each([
    [['--bb-steps', '0'], /--bb-steps must be between 1 and 100000, got 0/],
    [['--images', '0'], /--images must be between 1 and 10000, got 0/],
    [['--images', 'many'], /--images expects an integer, got "many"/],
    [
      ['--attacks', 'cw,ead'],
      /--attacks expects a comma-separated list of cw, deepfool, fmn, ddn, newtonfool, bb; got "cw,ead" \(unknown: ead\)/,
    ],
    [['--backend', 'webgl'], /--backend must be one of auto, .*; got "webgl"/],
    [['--frob'], /unknown flag "--frob"/],
  ])('rejects %j', (argv, re) => {
    expect(() => parseVerifyArgs(argv)).toThrow(CliError);
    expect(() => parseVerifyArgs(argv)).toThrow(re);
  });

  it('--help documents every flag and attack', () => {
    expect(parseVerifyArgs(['--help']).help).toBe(true);
    for (const f of [
      '--out',
      '--images',
      '--attacks',
      '--backend',
      '--data-dir',
      '--seed',
      '--quick',
      '--bb-steps',
      ...VERIFY_ATTACK_IDS,
    ])
      expect(VERIFY_HELP).toContain(f);
  });

  it('the table has one row per attack with its violations and tightest ratios', () => {
    const t = verifyTable([
      {
        id: 'cw',
        className: 'L2CarliniWagnerAttack',
        settings: 's',
        found: 9,
        violations: [],
        tightestRatio: 1.2345,
        nominalViolations: 1,
        nominalTightestRatio: 0.99,
        seconds: 12.34,
      },
    ]);
    expect(t.split('\n')).toHaveLength(3);
    expect(t).toContain('| L2CarliniWagnerAttack | s | 9 | 0 | 1.2345 | 1 | 0.9900 | 12.3 |');
  });
});
