/** The pure-JS cpu backend for core's tests (libraries never pick one; tests do). */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';

void tf.setBackend('cpu');
Object.assign(tf.backend(), { firstUse: false });
