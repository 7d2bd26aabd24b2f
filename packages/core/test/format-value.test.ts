import * as tf from '@tensorflow/tfjs-core';
import { closestMatch, editDistance, formatShape, formatValue } from '../src';

describe('formatValue', () => {
  it.each<[unknown, string]>([
    [0.8999999761581421, '0.9'],
    [3, '3'],
    [NaN, 'NaN'],
    [-Infinity, '-Infinity'],
    ['yes', "'yes'"],
    [true, 'true'],
    [undefined, 'undefined'],
    [null, 'null'],
    [10n, '10n'],
    [[1, 2, 3], '[1, 2, 3]'],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], '[1, 2, 3, 4, 5, 6, 7, 8, … (10 items)]'],
    [{ a: 1, b: 'x' }, "{ a: 1, b: 'x' }"],
    [{ a: { b: { c: 1 } } }, '{ a: { b: {…} } }'],
    [new Float32Array([0.5, 1]), 'Float32Array[0.5, 1]'],
    [() => 1, 'a function'],
    [new Map(), 'a Map'],
  ])('%p → %s', (v, s) => expect(formatValue(v)).toBe(s));

  it('shows a tensor by dtype and shape without reading it', () => {
    const t = tf.zeros([2, 3], 'int32');
    expect(formatValue(t)).toBe('an int32 tensor of shape [2, 3]');
    t.dispose();
  });

  it('never throws (circular objects, hostile getters)', () => {
    const o: Record<string, unknown> = {};
    o['self'] = o;
    expect(formatValue(o)).toBe('{ self: { self: {…} } }');
    const hostile = {
      get x(): number {
        throw new Error('boom');
      },
    };
    expect(formatValue(hostile)).toBe('an unprintable value');
    expect(formatShape([null, 28, 1])).toBe('[?, 28, 1]');
  });
});

describe('editDistance and closestMatch', () => {
  it('computes Levenshtein distances', () => {
    expect(editDistance('stepps', 'steps')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('abc', 'abc')).toBe(0);
    expect(editDistance('maen', 'mean')).toBe(1);
    expect(editDistance('ca', 'abc')).toBe(3);
  });

  it('suggests the closest key, ignoring case and snake_case, or nothing when far', () => {
    expect(closestMatch('stepps', ['binarySearchSteps', 'steps', 'stepsize'])).toBe('steps');
    expect(closestMatch('disjointHead', ['lipschitzConstant', 'disjointHeads'])).toBe('disjointHeads');
    expect(closestMatch('min_margin', ['alpha', 'minMargin'])).toBe('minMargin');
    expect(closestMatch('ALPHA', ['alpha'])).toBe('alpha');
    expect(closestMatch('zzzzzz', ['alpha', 'minMargin'])).toBeUndefined();
  });
});
