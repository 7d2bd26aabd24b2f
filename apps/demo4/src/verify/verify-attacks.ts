/**
 * The minimum-norm L2 attacks of @lipnet/attacks that `demo4 verify` runs
 * against the certificates, with the settings it uses (foolbox's defaults
 * unless said; `scale` < 1 shortens every attack for tests). EAD is L1 and
 * the decision-based Boundary / HopSkipJump attacks are left out (they only
 * query labels and need tens of thousands of model calls per image).
 */
import {
  DDNAttack,
  L2BrendelBethgeAttack,
  L2CarliniWagnerAttack,
  L2DeepFoolAttack,
  L2FMNAttack,
  NewtonFoolAttack,
  type Attack,
} from '@lipnet/attacks';

/** One attack of the verification. */
export interface VerifyAttack {
  /** Short name used by `--attacks`. */
  id: string;
  /** The @lipnet/attacks (foolbox) class. */
  className: string;
  /** The settings, in words (for the table). */
  settings: string;
  /** Whether it walks from an adversarial found by the attacks before it (`startingPoints`). */
  needsStart: boolean;
  make(): Attack;
}

const steps = (n: number, scale: number) => Math.max(1, Math.round(n * scale));

/**
 * Every attack, in the order they run (Brendel-Bethge last: it refines the best adversarial found so far).
 * `bbSteps` overrides Brendel-Bethge's 1000 steps (foolbox's default; before `scale`).
 */
export function verifyAttacks(scale = 1, bbSteps = 1000): VerifyAttack[] {
  const cw = { binarySearchSteps: scale < 1 ? 3 : 6, steps: steps(1000, scale) };
  const df = { steps: steps(50, scale), candidates: 10, overshoot: 0.02 };
  const fmn = { steps: steps(100, scale) };
  const ddn = { steps: steps(100, scale) };
  const nf = { steps: steps(100, scale) };
  const bb = { steps: steps(bbSteps, scale) };
  return [
    {
      id: 'cw',
      className: 'L2CarliniWagnerAttack',
      settings: `${cw.binarySearchSteps} binary-search steps × ${cw.steps} Adam steps, lr 0.01, κ 0`,
      needsStart: false,
      make: () => new L2CarliniWagnerAttack(cw),
    },
    {
      id: 'deepfool',
      className: 'L2DeepFoolAttack',
      settings: `${df.steps} steps, ${df.candidates} candidates, overshoot ${df.overshoot}`,
      needsStart: false,
      make: () => new L2DeepFoolAttack(df),
    },
    {
      id: 'fmn',
      className: 'L2FMNAttack',
      settings: `${fmn.steps} steps, step size 1 → 0.01, γ 0.05`,
      needsStart: false,
      make: () => new L2FMNAttack(fmn),
    },
    {
      id: 'ddn',
      className: 'DDNAttack',
      settings: `${ddn.steps} steps, initial ε 1, γ 0.05`,
      needsStart: false,
      make: () => new DDNAttack(ddn),
    },
    {
      id: 'newtonfool',
      className: 'NewtonFoolAttack',
      settings: `${nf.steps} steps, η 0.01`,
      needsStart: false,
      make: () => new NewtonFoolAttack(nf),
    },
    {
      id: 'bb',
      className: 'L2BrendelBethgeAttack',
      settings: `${bb.steps} steps from the closest adversarial the attacks above found, lr 1e-3, 10 bisections`,
      needsStart: true,
      make: () => new L2BrendelBethgeAttack(bb),
    },
  ];
}

/** The ids `--attacks` accepts. */
export const VERIFY_ATTACK_IDS = verifyAttacks().map((a) => a.id);
