/**
 * Lets the page handle input and repaint: resolves in a new task. Long loops
 * (training steps, batches of predictions) await it, because on backends whose
 * `data()` resolves at once (cpu) they would otherwise never leave the task
 * that started them. Unlike `tf.nextFrame` it also runs in a hidden tab.
 */
export function yieldToPage(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
