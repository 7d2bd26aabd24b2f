// The demo4-shaped plain tfjs network of bench/train-step.js as a model module
// (createModel + loss) for DataParallelTrainer: conv16 3×3 same → avgpool 2 →
// conv32 3×3 same → avgpool 2 → flatten → dense 64 → dense 10, softmax CE.
const tf = require('@tensorflow/tfjs-core');
const tfl = require('@tensorflow/tfjs-layers');

exports.createModel = () =>
  tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tfl.layers.averagePooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tfl.layers.averagePooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 64, activation: 'relu' }),
      tfl.layers.dense({ units: 10 }),
    ],
  });

exports.loss = (yTrue, yPred) => tf.losses.softmaxCrossEntropy(yTrue, yPred);
