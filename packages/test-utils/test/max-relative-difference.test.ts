import * as tf from '@tensorflow/tfjs-core';
import { maxRelativeDifference } from '../src';

describe('maxRelativeDifference', () => {
  it('is the largest absolute difference over the largest |reference|', () => {
    expect(maxRelativeDifference(tf.tensor([1, 2, -4]), tf.tensor([1, 2.5, -5]))).toBeCloseTo(1 / 5, 7);
    expect(maxRelativeDifference(tf.tensor([3]), tf.tensor([3]))).toBe(0);
  });

  it('refuses tensors of different shapes', () => {
    expect(() => maxRelativeDifference(tf.ones([2, 3]), tf.ones([3, 2]))).toThrow(/shapes differ/);
  });
});
